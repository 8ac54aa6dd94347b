"""A member's browser, as the scenarios drive it: cookies, the CSRF token from each form, and the
headers the TLS proxy in front of the app servers adds (deploy/nginx/).

The app servers run as in production (secure cookies, HTTPS required), so the client says what
nginx says: the request came over HTTPS (X-Forwarded-Proto), from this client's address
(X-Forwarded-For, with TRUSTED_PROXY_COUNT=1), and keeps its secure cookies over plain HTTP to
127.0.0.1 as the proxy would pass them on.
"""

import re
import secrets
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENTRY_ADDRESS = re.compile(r"^/notes/([0-9a-f-]{36})/$")
TIMEOUT_SECONDS = 30


class Browser:
    """One person's browser against one app server (``base``); ``move_to`` switches servers and
    keeps the cookies, as a load balancer sending the next request elsewhere would."""

    def __init__(self, base: str, *, address: str | None = None):
        self.session = requests.Session()
        # Kept here, not in requests' jar: the jar would hold back secure cookies over plain HTTP.
        self.cookies: dict[str, str] = {}
        self.address = address or f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
        self.move_to(base)

    def move_to(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.session.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": self.address,
                # Django compares a form's Origin with the address it was served on.
                "Origin": f"https://{urlsplit(self.base).netloc}",
            }
        )

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.session.cookies.clear()
        response = self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=TIMEOUT_SECONDS, **kwargs
        )
        self._remember(response)
        return response

    def _remember(self, response: requests.Response) -> None:
        """Keep the cookies the answer sets, and forget those it ends (Max-Age=0 or a past date)."""
        for header in response.raw.headers.getlist("Set-Cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                ended = morsel["max-age"] == "0" or (
                    morsel["expires"] and parsedate_to_datetime(morsel["expires"]) <= datetime.now(UTC)
                )
                if ended:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, token: str | None = None, **kwargs) -> requests.Response:
        """Post a form. The CSRF token is read from the form's page unless ``token`` is given."""
        if token is None:
            token = self.token(path)
        return self.request("POST", path, data={**(data or {}), "csrfmiddlewaretoken": token}, **kwargs)

    def token(self, path: str) -> str:
        page = self.get(path)
        found = CSRF_FIELD.search(page.text)
        if page.status_code != 200 or not found:
            raise RuntimeError(f"GET {path} gave {page.status_code} without a form")
        return found.group(1)

    def sign_in(self, email: str, password: str) -> requests.Response:
        """The real sign-in page; a member without two-step sign-in is in after this one post."""
        return self.post("/accounts/login/", {"login": email, "password": password})


def entry_id(response: requests.Response) -> str | None:
    """The new entry's id when the diary acknowledged a save (302 to the entry), else None."""
    if response.status_code != 302:
        return None
    found = ENTRY_ADDRESS.match(urlsplit(response.headers.get("Location", "")).path)
    return found.group(1) if found else None

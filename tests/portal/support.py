"""Helpers for the portal's cross-cutting tests: which pages exist, and what their HTML holds."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from portal import crypto

BASE_DIR = Path(__file__).resolve().parents[2]

# Staff areas have their own tests (and the Wagtail admin its own, looser policy); the
# Wagtail catch-all serves advice pages, which have no fixed address to request.
STAFF_PREFIXES = ("/admin/", "/django-admin/")
CATCH_ALL_NAMES = {"wagtail_serve"}

# The pages a signed-in member can open, named in the brief. The resolver walk must find
# them all, so a change that hides pages from the walk cannot pass unnoticed.
KNOWN_SIGNED_IN_PATHS = {
    "/",
    "/home/",
    "/start/",
    "/help/using-this-site/",
    "/accounts/password/change/",
    "/accounts/email/",
    "/accounts/logout/",
}
NOT_FOUND_PATH = "/no-such-page/"

# Words that must not appear in the titles or addresses of signed-in pages (threat model 1).
SENSITIVE_WORDS = re.compile(
    r"stalk|abus|evidence|safety|victim|harass|violen|domestic|police|incident|diary|refuge",
    re.IGNORECASE,
)

_REGEX_SYNTAX = re.compile(r"[()\[\]{}*+?|\\.]")


def _routes(patterns, prefix="", has_parameters=False):
    """Yield (route, name, has_parameters) for every URL pattern, nested includes included."""
    for pattern in patterns:
        route, parameters = _route_part(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route, has_parameters or parameters)
        elif isinstance(pattern, URLPattern):
            yield prefix + route, pattern.name, has_parameters or parameters


def _route_part(pattern) -> tuple[str, bool]:
    """The text a pattern matches, and whether it takes parameters."""
    if isinstance(pattern, RoutePattern):  # "<int:pk>/" style
        return str(pattern), bool(pattern.converters)
    text = str(pattern).removeprefix("^").removesuffix("$")  # RegexPattern
    return text, bool(pattern.regex.groups) or bool(_REGEX_SYNTAX.search(text))


def all_routes() -> list[tuple[str, str | None, bool]]:
    """Every route of the project as ("/path/", name, has_parameters)."""
    return [("/" + route, name, parameters) for route, name, parameters in _routes(get_resolver().url_patterns)]


def portal_routes() -> list[tuple[str, str | None, bool]]:
    """Routes outside the staff areas and Wagtail's catch-all: what members can reach."""
    return [
        (path, name, parameters)
        for path, name, parameters in all_routes()
        if not path.startswith(STAFF_PREFIXES) and name not in CATCH_ALL_NAMES
    ]


def parameterless_paths() -> list[str]:
    """Addresses that can be requested as they are, without filling in any parameter."""
    return sorted({path for path, _name, parameters in portal_routes() if not parameters})


class _PageParser(HTMLParser):
    """Collects the <title> text, inline code and quick-exit links of one HTML page."""

    # Script types a browser does not run: JSON data blocks are inert and CSP allows them.
    DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] | None = None
        self.titles: list[str] = []
        self.inline_code: list[str] = []
        self.quick_exit_links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        line = self.getpos()[0]
        if tag == "title":
            self.title_parts = []
        if tag == "script" and not attributes.get("src"):
            script_type = (attributes.get("type") or "").strip().lower()
            if script_type not in self.DATA_BLOCK_TYPES:
                self.inline_code.append(f"line {line}: inline <script> without src")
        if tag == "style":
            self.inline_code.append(f"line {line}: inline <style> element")
        for name, value in attrs:
            if name == "style":
                self.inline_code.append(f"line {line}: style= attribute on <{tag}>")
            elif name.startswith("on"):
                self.inline_code.append(f"line {line}: {name}= handler on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.inline_code.append(f"line {line}: javascript: URL in {name}= on <{tag}>")
        if "data-quick-exit" in attributes:
            self.quick_exit_links.append({"tag": tag, **attributes})

    def handle_endtag(self, tag):
        if tag == "title" and self.title_parts is not None:
            self.titles.append("".join(self.title_parts))
            self.title_parts = None

    def handle_data(self, data):
        if self.title_parts is not None:
            self.title_parts.append(data)


def parse_page(response) -> _PageParser:
    parser = _PageParser()
    parser.feed(response.content.decode(response.charset or "utf-8"))
    parser.close()
    return parser


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and bool(response.content)


def tab_title(response) -> str:
    """The title as a browser tab shows it: whitespace collapsed, as document.title does."""
    titles = parse_page(response).titles
    assert len(titles) == 1, f"expected one <title>, found {titles!r}"
    return re.sub(r"[ \t\n\f\r]+", " ", titles[0]).strip()


def content_security_policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        directives[name.lower()] = sources
    return directives


def run_python(code: str, *, env: dict[str, str], cwd: Path = BASE_DIR, args=()) -> subprocess.CompletedProcess:
    """Run Python in a fresh process whose environment holds only what the test gives it."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SYSTEMROOT") if name in os.environ}
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A complete production environment with throwaway values (SQLite in tmp_path)."""
    env = {
        "PORTAL_ENV": "production",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test-only-" + "k3y-0f-f1fty-ch4rs-and-m4ny-un1que-0n3s-" * 2,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "ALLOWED_HOSTS": "portal.example",
        "WAGTAILADMIN_BASE_URL": "https://portal.example",
        "PORTAL_MASTER_KEYS": crypto.new_master_key_line("mk-test"),
        "PORTAL_SIGNING_KEY": crypto.new_signing_key(),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-only-twilio-token",
        "TWILIO_FROM_NUMBER": "+447700900000",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def session_exists(session_key: str) -> bool:
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)


def sign_in_and_start_session(client, user) -> str:
    """Sign in and make one request, which starts the session clocks. Returns the session key."""
    client.force_login(user)
    assert client.get("/home/").status_code == 200
    return client.session.session_key


def raw_update(record, **columns) -> None:
    """Write a test record's stored columns with SQL, past the encrypted fields."""
    from django.db import connection

    model = type(record)
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in columns)
    pk = model._meta.pk.get_db_prep_value(record.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*columns.values(), pk])  # noqa: S608


def damaged(stored: str) -> str:
    """The same stored value with one character of its ciphertext changed."""
    prefix, key_hex, payload = stored.split(":", 2)
    i = len(payload) // 2
    return f"{prefix}:{key_hex}:{payload[:i]}{'A' if payload[i] != 'A' else 'B'}{payload[i + 1 :]}"

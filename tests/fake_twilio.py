"""A fake Twilio REST server on 127.0.0.1, and the ``fake_twilio`` fixture that sends the portal's texts to it.

The real twilio library does the talking, over HTTP, through ``LoopbackHttpClient``. The fixture
(registered in tests/conftest.py) configures the Twilio backend with ``ACCOUNT_SID``, ``AUTH_TOKEN``,
``FROM_NUMBER`` and a ``TIMEOUT_SECONDS`` timeout, and yields a ``FakeTwilio``:

- ``requests``: every request received, in order, as ``TwilioRequest(method, path, username, password, form,
  query)`` (username and password are the HTTP basic-auth credentials; form is the posted fields, e.g.
  ``"To"``; query the address's parameters, e.g. a list's ``"To"``);
- ``sent``: the form of each message accepted, so ``fake_twilio.sent[-1]["Body"]`` is the last text;
- listing messages (``GET .../Messages.json?To=...``, as ``client.messages.list(to=...)`` asks) answers
  with the accepted messages to that number, newest first, as Twilio's resources;
- ``answer_with(status=500)``: answer every request from now on with that status and Twilio's error JSON
  (``code=`` and ``message=`` set its fields); ``answer_with(status=201)`` goes back to accepting;
- ``delay(seconds)``: wait that long before each answer (``delay(0)`` stops waiting); longer than
  ``TIMEOUT_SECONDS`` and the client gives up. The answer is the one due when the request arrived,
  given when the wait ends (a message is accepted then, unless stopped first); with
  ``delay(seconds, accept_first=True)`` it is accepted at once and only the answer is late (Twilio
  took the text, and the portal never heard so);
- ``stop()``: stop listening, so sends meet a refused connection;
- ``url``: where it listens, e.g. ``http://127.0.0.1:51234``.
"""

import base64
import binascii
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from twilio.http.http_client import TwilioHttpClient

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token"
FROM_NUMBER = "+447700900001"
TIMEOUT_SECONDS = 1.0

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>AC[0-9a-fA-F]{32})/Messages\.json$")
# What Twilio says for each status when a test does not choose: (error code, message).
ERRORS = {
    400: (21211, "Invalid 'To' Phone Number"),
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass(frozen=True)
class TwilioRequest:
    method: str
    path: str
    username: str | None
    password: str | None
    form: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)


class FakeTwilio:
    """Twilio's Messages API, answering from a daemon thread until ``stop()``."""

    def __init__(self, port: int = 0) -> None:
        """Listen on ``port`` (a free one when 0: the reliability scenarios choose theirs in advance)."""
        self.requests: list[TwilioRequest] = []
        self.sent: list[dict[str, str]] = []
        self.messages: list[dict] = []  # the accepted messages, as Twilio's resources
        self._status = 201
        self._error: tuple[int | None, str | None] = (None, None)
        self._delay = 0.0
        self._accept_first = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll keeps stop() quick: shutdown waits for the serving loop to look up.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio", daemon=True
        )
        self._thread.start()

    def answer_with(self, *, status: int, code: int | None = None, message: str | None = None) -> None:
        self._status = status
        self._error = (code, message)

    def delay(self, seconds: float, *, accept_first: bool = False) -> None:
        self._delay = seconds
        self._accept_first = accept_first

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # wakes delayed answers, which then give up
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handle(self, request: TwilioRequest) -> tuple[int, dict] | None:
        """The status and JSON to answer with, or None when stopped before answering."""
        with self._lock:
            self.requests.append(request)
        # What to answer is decided as the request arrives, however long the answer then takes.
        delay, status, error, accepted = self._delay, self._status, self._error, None
        if delay and self._accept_first:
            accepted = self._answer(request, status, error)
        if delay and self._stopping.wait(delay):
            return None
        return accepted or self._answer(request, status, error)

    def _answer(self, request: TwilioRequest, status: int, error: tuple[int | None, str | None]) -> tuple[int, dict]:
        match = MESSAGES_PATH.match(request.path)
        if request.username is None or request.password is None:
            return _error(401, None, None)
        if request.method not in ("GET", "POST") or not match:
            return _error(404, None, None)
        if status >= 300:
            return _error(status, *error)
        if request.method == "GET":
            return 200, self._page(request)
        message = _message(account_sid=match["account_sid"], form=request.form)
        with self._lock:
            self.sent.append(request.form)
            self.messages.append(message)
        return status, message

    def _page(self, request: TwilioRequest) -> dict:
        """One page of the accepted messages, newest first, to ``To`` when the list asks for one."""
        size = int(request.query.get("PageSize") or 50)
        with self._lock:
            found = [m for m in reversed(self.messages) if request.query.get("To") in (None, m["to"])][:size]
        return {
            "messages": found,
            "start": 0,
            "end": max(len(found) - 1, 0),
            "page": 0,
            "page_size": size,
            "uri": request.path,
            "first_page_uri": request.path,
            "next_page_uri": None,
            "previous_page_uri": None,
        }


def _error(status: int, code: int | None, message: str | None) -> tuple[int, dict]:
    default_code, default_message = ERRORS.get(status, (status, "Error"))
    code = code or default_code
    return status, {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _message(*, account_sid: str, form: dict[str, str]) -> dict:
    """A message resource as Twilio returns it just after accepting it."""
    sid = "SM" + uuid.uuid4().hex
    now = format_datetime(datetime.now(tz=UTC))
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
        "to": form.get("To"),
        "uri": f"{uri}.json",
    }


def _basic_auth(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.startswith("Basic "):
        return None, None
    try:
        username, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return username, password


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        username, password = _basic_auth(self.headers.get("Authorization"))
        address = urlsplit(self.path)
        request = TwilioRequest(
            method=self.command,
            path=address.path,
            username=username,
            password=password,
            form={name: values[-1] for name, values in fields.items()},
            query={name: values[-1] for name, values in parse_qs(address.query, keep_blank_values=True).items()},
        )
        answer = self.server.fake._handle(request)
        if answer is None:
            return
        status, payload = answer
        content = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a late answer: the client stopped waiting, as the test meant it to

    def log_message(self, format: str, *args) -> None:
        pass  # test output stays quiet; the fake keeps its own record in .requests


class LoopbackHttpClient(TwilioHttpClient):
    """The twilio library's own http client, sending every request to ``base_url`` instead of api.twilio.com."""

    def __init__(self, *, base_url: str, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = urlsplit(base_url)
        # A proxy from the environment must not carry (or refuse) loopback traffic.
        self.session.trust_env = False

    def request(self, method: str, url: str, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base_url.scheme, self.base_url.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, **kwargs)


@pytest.fixture
def fake_twilio(settings):
    """Texts go to a fake Twilio through the real library; yields the ``FakeTwilio``."""
    server = FakeTwilio()
    http_client = LoopbackHttpClient(base_url=server.url, timeout=TIMEOUT_SECONDS)
    settings.SMS_BACKEND = "portal.sms.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_API_KEY_SID = ""
    settings.TWILIO_API_KEY_SECRET = ""
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SMS_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    settings.SMS_TWILIO_HTTP_CLIENT = http_client
    yield server
    server.stop()
    http_client.session.close()

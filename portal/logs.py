"""Log lines as JSON, one object a line, for a log collector; and the request id that ties the
lines of one request together (from the proxy's X-Request-ID, or made here).

A line holds the time, level, logger, message, request id and, for an error, the exception's
kind and where it was raised. Never the exception's own text: a database error can quote the
row it refused, an address or a member's words. Nor any other value passed to the logger
(``extra``): only the fields named here leave the process.
"""

import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits); anything else is
# replaced, so a client cannot write its own text into every line of the log.
_REQUEST_ID_FORM = re.compile(r"[A-Za-z0-9-]{8,64}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the fields a collector indexes, and nothing more."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            line["request_id"] = request_id
        # Django's request logger says which status a failed request ended with.
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            line["status"] = status
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = _exception(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False)


def _exception(error: BaseException) -> dict[str, object]:
    """The exception's kind, what caused it, and where each was raised; never its message."""
    chain: list[str] = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__qualname__)
        cause = cause.__cause__ or cause.__context__
    return {"type": chain[0], "caused_by": chain[1:], "frames": _frames(error.__traceback__)}


def _frames(tb: TracebackType | None) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb)]


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to each record, for formatters that show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each request an id (the proxy's when it sent a sane one), for its log lines and its
    answer, so an operator can match a person's report to the lines of that one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _REQUEST_ID_FORM.fullmatch(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

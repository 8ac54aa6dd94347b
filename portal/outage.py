"""A kind "please try again in a moment" page (503 with Retry-After) when the database is
unreachable during a request, say while PostgreSQL restarts, instead of the generic error page.

Django turns every exception into a response at each middleware layer, so no middleware sees
another's exception. The database's own errors are noted on the request as Django reports
them (``got_request_exception``, sent for every uncaught exception), and this module's
middleware, outside the session and everything else that reads the database, swaps that
request's 500 for the 503.
"""

import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control

# Long enough for a restart or a fail-over to finish, short enough that a person is not kept waiting.
RETRY_AFTER_SECONDS = 10
_OUTAGE_FLAG = "_portal_database_unavailable"


def is_database_outage(error: BaseException | None) -> bool:
    """The database could not be reached or the connection broke (also when another error was
    raised while handling that one)."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


@receiver(got_request_exception, dispatch_uid="portal.outage.note_database_outage")
def note_database_outage(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Called while Django handles an uncaught exception, which is still the current one."""
    if request is not None and is_database_outage(sys.exc_info()[1]):
        setattr(request, _OUTAGE_FLAG, True)


def outage_response() -> HttpResponse:
    # Rendered without the request's context processors: they read the session and the user,
    # which live in the database that is down.
    context = {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


class DatabaseOutageMiddleware:
    """Answers 503 "try again in a moment" for a request that failed because the database was down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a 500: the quick exit answers its own way even when the database is down.
        if response.status_code == 500 and getattr(request, _OUTAGE_FLAG, False):
            return outage_response()
        return response

"""A test-only URLconf: the portal's own, plus views that fail as they would with the database
down (and one that fails for another reason), to render the outage page."""

from django.db import InterfaceError, OperationalError
from django.urls import include, path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django looks them up here)

OUTAGE_DETAIL = "connection to server at 10.9.8.7 port 5432 failed: the-secret-detail"
OTHER_DETAIL = "the-secret-detail-of-another-fault"


def database_down(request):
    raise OperationalError(OUTAGE_DETAIL)


def connection_closed(request):
    raise InterfaceError("connection already closed")


def failed_while_the_database_was_down(request):
    # Code that catches the database's error and raises its own: still an outage.
    try:
        raise OperationalError(OUTAGE_DETAIL)
    except OperationalError as error:
        raise RuntimeError(OTHER_DETAIL) from error


def other_fault(request):
    raise RuntimeError(OTHER_DETAIL)


urlpatterns = [
    path("outage/database-down/", database_down),
    path("outage/connection-closed/", connection_closed),
    path("outage/wrapped/", failed_while_the_database_was_down),
    path("outage/other/", other_fault),
    path("", include("portal.urls")),
]

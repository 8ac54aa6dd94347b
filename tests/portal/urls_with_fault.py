"""A test-only URLconf: the portal's own, plus a view that fails, to render the 500 page."""

from django.urls import include, path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django looks them up here)

FAULT_DETAIL = "the-secret-detail-of-this-fault"


def fault(request):
    raise RuntimeError(FAULT_DETAIL)


urlpatterns = [
    path("fault/", fault),
    path("", include("portal.urls")),
]

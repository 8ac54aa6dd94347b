"""A test-only URLconf: the portal's own, plus a page that opens several encrypted values."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django looks them up here)
from tests.testapp.models import SecretRecord


@login_required
def secret_records(request):
    """Each of the signed-in person's records, as "title: details", one a line."""
    records = SecretRecord.objects.filter(owner=request.user).order_by("id")
    lines = [f"{record.title}: {record.details['note']}" for record in records]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("secret-records/", secret_records),
    path("", include("portal.urls")),
]

"""One gate in front of the staff areas (the Wagtail admin and Django's admin)."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .permissions import can_use_django_admin, can_use_wagtail_admin

DJANGO_ADMIN_PREFIX = "/django-admin/"
WAGTAIL_ADMIN_PREFIX = "/admin/"
# The admins' own sign-in and sign-out addresses only redirect to the portal's pages.
OPEN_PATHS = ("/admin/login/", "/admin/logout/", "/django-admin/login/")


class StaffAreaMiddleware:
    """Anonymous visitors are sent to the portal's sign-in; wrong roles get a 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = self._check_for(request.path)
        if check is not None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not check(request.user):
                raise PermissionDenied
        return self.get_response(request)

    @staticmethod
    def _check_for(path: str):
        if path in OPEN_PATHS:
            return None
        if path.startswith(DJANGO_ADMIN_PREFIX):
            return can_use_django_admin
        if path.startswith(WAGTAIL_ADMIN_PREFIX):
            return can_use_wagtail_admin
        return None

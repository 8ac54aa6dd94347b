"""Account views the portal adds around allauth's own."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def staff_login_redirect(request):
    """Send the admins' own login pages to the portal's sign-in, keeping a safe `next`."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/" if request.path.startswith("/admin/") else "/django-admin/"
    return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))

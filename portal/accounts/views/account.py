"""The account's own pages: its settings, confirming it is you, and deleting it; and the
admins' sign-in addresses, which lead to the portal's."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from ..decorators import members_only, reauthentication_required
from ..forms import ReauthenticateForm
from ..permissions import DJANGO_ADMIN_PREFIX, WAGTAIL_ADMIN_PREFIX
from ..selectors import events_recent
from ..services.deletion import account_deletion_request
from ..session_state import reauth_record


def staff_login_redirect(request):
    """Send the admins' own login pages to the portal's sign-in, keeping a safe `next`."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = WAGTAIL_ADMIN_PREFIX if request.path.startswith(WAGTAIL_ADMIN_PREFIX) else DJANGO_ADMIN_PREFIX
    return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    """Confirm it is the account's owner before a change of control (see session_state)."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = resolve_url("account_settings")
    form = ReauthenticateForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        reauth_record(request)
        return redirect(next_url)
    return render(
        request,
        "accounts/reauthenticate.html",
        {"section": "Account", "form": form, "next": next_url, "minutes": settings.REAUTHENTICATION_MINUTES},
    )


@login_required
def account_settings(request):
    return render(request, "accounts/settings.html", {"section": "Account", "events": events_recent(user=request.user)})


@login_required
@members_only
@reauthentication_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """A member asks for their account to be deleted; it happens after the grace period."""
    if request.method == "POST":
        user = request.user
        account_deletion_request(user=user)  # signs every device out, this one included
        due = user.deletion_due_at
        logout(request)
        messages.info(
            request,
            f"Your account will be deleted on {date_format(localtime(due), 'j F Y')}. "
            "If you change your mind, sign in before then and it will be kept.",
        )
        return redirect("account_login")
    return render(
        request,
        "accounts/delete.html",
        {"section": "Account", "grace_days": settings.ACCOUNT_DELETION_GRACE.days},
    )

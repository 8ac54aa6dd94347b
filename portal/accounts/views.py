"""Account views the portal adds around allauth's own."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from .forms import ReauthenticateForm
from .reauth import reauth_record, reauthentication_required
from .services import account_deletion_request


def staff_login_redirect(request):
    """Send the admins' own login pages to the portal's sign-in, keeping a safe `next`."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/" if request.path.startswith("/admin/") else "/django-admin/"
    return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    """Confirm it is the account's owner before a change of control (see reauth.py)."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
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
    return render(request, "accounts/settings.html", {"section": "Account"})


def _members_only(view):
    """Anyone else gets a 404, before being asked for their password again."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_member:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@_members_only
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

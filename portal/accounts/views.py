"""Account views the portal adds around allauth's own."""

from functools import wraps

from allauth.account.forms import ResetPasswordForm
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
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import email_change
from .errors import EmailChangeError
from .events import events_recent
from .forms import EmailChangeForm, ReauthenticateForm
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


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def email(request):
    """The account's one email address, and changing it (confirmed by the new address)."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_change.email_change_request(user=request.user, new_email=form.cleaned_data["new_email"])
        except EmailChangeError as error:
            form.add_error("new_email", str(error))
        else:
            messages.info(
                request,
                "We have sent a link to the new address. Your address changes once you follow it; "
                "until then, nothing changes.",
            )
            return redirect("account_email")
    return render(
        request,
        "accounts/email.html",
        {
            "section": "Account",
            "form": form,
            "pending": email_change.email_change_pending(user=request.user),
            "undo_days": settings.EMAIL_CHANGE_UNDO_DAYS,
        },
    )


# Links from emails: they act only on a button press (POST), so a mail scanner that opens a link
# changes nothing; and the pages are never cached.
@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    try:
        change = email_change.email_change_for_confirming(token=token)
        if request.method == "POST":
            email_change.email_change_confirm(token=token)
            messages.success(request, "Your email address is changed. Your old address has been told.")
            return redirect("account_settings" if request.user.is_authenticated else "account_login")
    except EmailChangeError as error:
        return render(request, "accounts/email_link.html", {"section": "Account", "problem": str(error)}, status=400)
    return render(request, "accounts/email_confirm.html", {"section": "Account", "new_email": change.new_email})


@never_cache
@require_http_methods(["GET", "POST"])
def email_undo(request, token: str):
    try:
        change = email_change.email_change_for_undoing(token=token)
        if request.method == "POST":
            user = email_change.email_change_undo(token=token)
            if request.user.is_authenticated:
                logout(request)
            _password_reset_send(request, email=user.email)
            return render(request, "accounts/email_undone.html", {"section": "Account", "email": user.email})
    except EmailChangeError as error:
        return render(request, "accounts/email_link.html", {"section": "Account", "problem": str(error)}, status=400)
    return render(request, "accounts/email_undo.html", {"section": "Account", "change": change})


def _password_reset_send(request, *, email: str) -> None:
    """allauth's own reset email, with its single-use link, to the address just restored."""
    form = ResetPasswordForm(data={"email": email})
    if form.is_valid():
        form.save(request)

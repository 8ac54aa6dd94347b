"""The account's one email address, and changing it: confirmed by the new address, told to the
old one with a link that undoes it."""

import logging

from allauth.account.forms import ResetPasswordForm
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..decorators import reauthentication_required
from ..errors import EmailChangeError
from ..forms import EmailChangeForm
from ..selectors import email_change_pending
from ..services import email as email_change

logger = logging.getLogger(__name__)


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
            "pending": email_change_pending(user=request.user),
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
            sent = _password_reset_send(request, email=user.email)
            return render(
                request, "accounts/email_undone.html", {"section": "Account", "email": user.email, "reset_sent": sent}
            )
    except EmailChangeError as error:
        return render(request, "accounts/email_link.html", {"section": "Account", "problem": str(error)}, status=400)
    return render(request, "accounts/email_undo.html", {"section": "Account", "change": change})


def _password_reset_send(request, *, email: str) -> bool:
    """allauth's own reset email, with its single-use link, to the address just restored.

    The address is back whatever happens here; if the mail server is down, the page says how to
    ask for the link again. Neither the address nor the error's text is logged."""
    form = ResetPasswordForm(data={"email": email})
    if not form.is_valid():
        return False
    try:
        form.save(request)
    except Exception as error:
        logger.warning("The password link after undoing an email change was not sent: %s", type(error).__name__)
        return False
    return True

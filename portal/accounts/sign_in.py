"""What happens at sign-in, step by step, in one place.

1. The password is accepted (allauth's login, through adapters.AccountAdapter.login).
2. A session that owes a second step (session_state.pending_step) reaches only that step:
   a code on the verify page, a passkey at the package's own addresses, or, for staff without
   two-step sign-in, setting up an app (the password was just given, so that page does not
   ask for it again).
3. Once every step is passed the sign-in is finished, once: the session joins its owner's
   list, the owner is emailed a notice, and an account waiting to be deleted is kept.
4. Signing out takes the session off the list.

This module touches the session; the services it calls (services.sign_in) take plain values.
"""

from typing import cast

from django.contrib import messages
from django.http import HttpRequest
from django_otp.models import Device

from . import session_state
from .models import User
from .services.sessions import session_forget
from .services.sign_in import sign_in_complete

DELETION_CANCELLED = "You signed in, so your account will not be deleted. Nothing was removed."


def password_accepted(request: HttpRequest) -> None:
    """Step 1 is passed: finish now unless a second step is owed."""
    step = session_state.pending_step(request)
    if step is session_state.SET_UP:
        # Staff must set up two-step sign-in before anything else, straight after giving the
        # password: that page is not asked for it again.
        session_state.reauth_record(request)
    # With two-step sign-in on, the sign-in is finished only once a code is accepted.
    if step is None:
        finish(request)


def code_accepted(request: HttpRequest, device: Device) -> None:
    """Step 2 is passed with a code from ``device`` on the verify page."""
    session_state.session_verify(request, device)
    finish(request)


def finish_if_verified_elsewhere(request: HttpRequest) -> None:
    """Step 2 was passed on a page that verifies the session itself (a passkey's): finish it."""
    if session_state.session_verified(request) and not session_state.sign_in_finished(request):
        session_state.session_key_renew(request)
        finish(request)


def finish(request: HttpRequest) -> None:
    """Every step is passed: record the sign-in, and say so if it kept the account."""
    session_state.sign_in_finished_mark(request)
    session = request.session
    if session.session_key is None:
        session.save()  # the key only exists once the session is stored
    kept = sign_in_complete(
        user=cast(User, request.user),
        session_key=session.session_key or "",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    if kept:
        messages.info(request, DELETION_CANCELLED)


def signed_out(request: HttpRequest) -> None:
    """The session leaves its owner's list as it ends."""
    session_forget(session_key=request.session.session_key)


def still_signing_in(request: HttpRequest) -> bool:
    """Whether a step is still owed: "Successfully signed in" would be untrue meanwhile."""
    return session_state.pending_step(request) is not None

"""What a signed-in session remembers about its own trust, the one HTTP-level module that reads
and writes it: the second step still owed, the second step passed, and a recent confirmation
that it is the account's owner. Services never see a request; views and middleware call these.

Recent reauthentication guards every change of control (decorators.reauthentication_required).
Someone holding a member's unlocked, signed-in phone for a minute must not be able to change
who controls the account or where its data goes: the email address, the password, two-step
sign-in, destroying records, account deletion, sharing. Each such page first asks again for
the password and, when two-step sign-in is on, a current code. The confirmation lasts a few
minutes (REAUTHENTICATION_MINUTES), for this session only. Signing in does not count: the
phone may be picked up just after its owner signed in. The one exception is staff setting up
two-step sign-in straight after the password, before they can reach anything else.
"""

import time
from dataclasses import dataclass
from typing import cast

import django_otp
from django.conf import settings
from django.http import HttpRequest
from django_otp.models import Device

from . import selectors
from .models import User
from .permissions import must_use_two_step
from .services.sessions import session_rekey

# When this session last showed the password (and code): a time.time() value.
REAUTHENTICATED_AT_KEY = "reauthenticated_at"
# The session remembers whether its account has two-step sign-in on, so a page view costs no
# device queries; the views keep it right when the person changes their settings.
TWO_STEP_ON_KEY = "two_step_on"
# Set once a sign-in is finished (recorded and announced), whichever way its last step was passed.
SIGN_IN_FINISHED_KEY = "sign_in_finished"


@dataclass(frozen=True)
class PendingStep:
    """What a half-signed-in session must do next, and the only pages it may reach meanwhile."""

    url_name: str
    open_url_names: tuple[str, ...]


# Leaving is always possible: signing out, the quick exit, and the idle timer's keep-alive.
_WAY_OUT = ("account_logout", "quick_exit", "keep_alive")
# A passkey is checked at the package's own addresses (its script needs its texts too); the
# verify page then finishes signing in.
_PASSKEY = (
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
)
ENTER_CODE = PendingStep("two_step_verify", ("two_step_verify", "two_step_send_text", *_PASSKEY, *_WAY_OUT))
# Setting up is a change of control: a staff member who takes a while is asked for the password again.
SET_UP = PendingStep("two_step_app", ("two_step_app", "account_reauthenticate", *_WAY_OUT))


def session_verified(request: HttpRequest) -> bool:
    return getattr(request.user, "otp_device", None) is not None


def _signed_in(request: HttpRequest) -> User:
    """The account of a session past the password (the callers run only for one)."""
    return cast(User, request.user)


def pending_step(request: HttpRequest) -> PendingStep | None:
    """The step this signed-in session still owes, or None when it may use the portal."""
    if session_verified(request):
        return None
    is_on = request.session.get(TWO_STEP_ON_KEY)
    if is_on is None:
        is_on = request.session[TWO_STEP_ON_KEY] = selectors.two_step_is_on(user=_signed_in(request))
    if is_on:
        return ENTER_CODE
    if must_use_two_step(_signed_in(request)):
        return SET_UP
    return None


def two_step_turned_off(request: HttpRequest) -> None:
    """The account has just turned two-step sign-in off: this session owes no second step."""
    request.session[TWO_STEP_ON_KEY] = False


def sign_in_finished(request: HttpRequest) -> bool:
    return bool(request.session.get(SIGN_IN_FINISHED_KEY))


def sign_in_finished_mark(request: HttpRequest) -> None:
    request.session[SIGN_IN_FINISHED_KEY] = True


def session_verify(request: HttpRequest, device: Device) -> None:
    """Mark this session as having passed the second step, under a new session key."""
    django_otp.login(request, device)
    session_key_renew(request)
    request.session[TWO_STEP_ON_KEY] = True


def session_key_renew(request: HttpRequest) -> None:
    """A new session key at each step up in trust, as Django gives one at the password step;
    the session keeps its place in the owner's list of sessions."""
    old_key = request.session.session_key
    request.session.cycle_key()
    session_rekey(old_session_key=old_key, new_session_key=request.session.session_key or "")


def reauth_record(request: HttpRequest) -> None:
    """This session has just shown the password (and code, when two-step sign-in is on)."""
    request.session[REAUTHENTICATED_AT_KEY] = time.time()


def recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT_KEY)
    if not isinstance(at, int | float):
        return False
    return 0 <= time.time() - at <= settings.REAUTHENTICATION_MINUTES * 60

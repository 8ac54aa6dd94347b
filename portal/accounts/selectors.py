"""Reads about accounts: the second step's methods and pauses, recent changes, signed-in
sessions, a change of address waiting, and the accounts due to be purged."""

from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .models import NOT_LISTED_EVENTS, AccountEvent, CodeAttempts, EmailChange, PhoneDevice, Role, SignedInSession, User

# --- Two-step sign-in -------------------------------------------------------------------


def two_step_is_on(*, user: User) -> bool:
    """On once an authenticator app is confirmed; backup codes and phones come with it."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def devices_in_use(*, user: User) -> dict[str, Any]:
    """The person's confirmed methods, for their settings page."""
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return {
        "app": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        "backup_codes_left": backup.token_set.count() if backup else 0,
        "phone": PhoneDevice.objects.filter(user=user, confirmed=True).first(),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"),
    }


def phone_confirmed(*, user: User) -> PhoneDevice | None:
    """The phone that text codes go to, once it is confirmed."""
    return PhoneDevice.objects.filter(user=user, confirmed=True).first()


def phone_waiting(*, user: User) -> PhoneDevice | None:
    """A phone being added, waiting for its first code."""
    return PhoneDevice.objects.filter(user=user, confirmed=False).first()


def has_passkey(*, user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def codes_paused_until(*, user: User) -> datetime | None:
    """When codes will be checked again for this account, while they are paused."""
    attempts = CodeAttempts.objects.filter(user=user).first()
    if attempts is None or attempts.locked_until is None or attempts.locked_until <= timezone.now():
        return None
    return attempts.locked_until


# --- Recent changes and sessions --------------------------------------------------------


def events_recent(*, user: User, limit: int = 10) -> QuerySet[AccountEvent]:
    """The account's latest changes, newest first, for its owner's pages."""
    return AccountEvent.objects.filter(user=user).exclude(kind__in=NOT_LISTED_EVENTS)[:limit]


def live_sessions() -> QuerySet[Session]:
    """Django sessions that still let someone in: present and not expired."""
    return Session.objects.filter(expire_date__gt=timezone.now())


def sessions_active(*, user: User) -> QuerySet[SignedInSession]:
    """The person's sessions that can still be used, most recently active first."""
    live = live_sessions().filter(session_key=OuterRef("session_key"))
    return SignedInSession.objects.filter(user=user).filter(Exists(live)).order_by("-last_active_at", "-pk")


# --- Addresses --------------------------------------------------------------------------


def email_change_pending(*, user: User) -> EmailChange | None:
    """The change still waiting for the new address to confirm, if any."""
    cutoff = timezone.now() - timedelta(hours=settings.EMAIL_CHANGE_CONFIRM_HOURS)
    return EmailChange.objects.filter(user=user, confirmed_at__isnull=True, requested_at__gt=cutoff).first()


def email_in_use(*, email: str) -> bool:
    """Whether an account has this address already, as its login or as an address waiting to be confirmed."""
    return (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )


# --- Deletion ---------------------------------------------------------------------------


def accounts_due_for_purge() -> QuerySet[User]:
    """Members whose deletion grace period has ended."""
    cutoff = timezone.now() - settings.ACCOUNT_DELETION_GRACE
    return User.objects.filter(role=Role.MEMBER, deletion_requested_at__lte=cutoff)

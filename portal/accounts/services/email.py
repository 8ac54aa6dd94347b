"""Changing the account's one email address, safely.

The new address confirms before anything changes. Once it has, the old address is told at
once, with a link that puts everything back for a week (EMAIL_CHANGE_UNDO_DAYS): the old
address returns, every session ends and a new password must be chosen. Someone who held the
signed-in phone (and got past reauthentication) still cannot quietly move the account's
reset links and notices to an inbox of their own.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..errors import EmailChangeError
from ..mail import account_mail_send, portal_url
from ..models import AccountEvent, EmailChange, User
from . import sessions
from .events import event_record

logger = logging.getLogger(__name__)

LINK_USED_OR_OLD = "This link has been used already, or is too old. Nothing was changed."


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _address_taken(email: str, *, by_other_than: User) -> bool:
    return (
        User.objects.filter(email__iexact=email).exclude(pk=by_other_than.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=by_other_than).exists()
    )


def email_change_request(*, user: User, new_email: str) -> EmailChange:
    """Ask the new address to confirm. Nothing about the account changes until it does.

    Whether the address already belongs to another account is not said here (that would tell
    whoever holds this session who has an account); the confirmation refuses it instead.
    """
    new_email = User.objects.normalize_email(new_email).strip().lower()
    if new_email == user.email:
        raise EmailChangeError("That is already your email address.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Only the newest request can be confirmed.
        EmailChange.objects.filter(user=user, confirmed_at__isnull=True).delete()
        change = EmailChange.objects.create(
            user=user, old_email=user.email, new_email=new_email, confirm_token_hash=_token_hash(token)
        )
        # Sent inside the transaction: a link that never went out leaves no request behind.
        _mail_or_refuse(
            "account/email/email_change_confirm",
            new_email,
            {
                "confirm_url": portal_url("account_email_confirm", token),
                "hours": settings.EMAIL_CHANGE_CONFIRM_HOURS,
            },
        )
    return change


MAIL_DOWN = "We could not send the email just now, so nothing was changed. Please try again in a few minutes."


def _mail_or_refuse(template_prefix: str, to: str, context: dict) -> None:
    """Send now, or refuse the change: a mail server fault is the person's to retry, not a crash.
    Neither the address nor the error's text is logged: mail errors often quote the address."""
    try:
        account_mail_send(template_prefix, to, context)
    except Exception as error:
        logger.warning("An email-change message was not sent: %s", type(error).__name__)
        raise EmailChangeError(MAIL_DOWN) from None


def email_change_for_confirming(*, token: str) -> EmailChange:
    cutoff = timezone.now() - timedelta(hours=settings.EMAIL_CHANGE_CONFIRM_HOURS)
    change = (
        EmailChange.objects.select_related("user")
        .filter(confirm_token_hash=_token_hash(token), confirmed_at__isnull=True, requested_at__gt=cutoff)
        .first()
    )
    if change is None or change.user.email != change.old_email:
        raise EmailChangeError(LINK_USED_OR_OLD)
    return change


def email_change_confirm(*, token: str) -> EmailChange:
    """The new address confirmed: it becomes the account's one address, and the old one is told
    at once with a link that undoes the change. If that notice cannot be sent, nothing changes."""
    undo_token = secrets.token_urlsafe(32)
    with transaction.atomic():
        change = email_change_for_confirming(token=token)
        user = User.objects.select_for_update().get(pk=change.user_id)
        if user.email != change.old_email:
            raise EmailChangeError(LINK_USED_OR_OLD)
        if _address_taken(change.new_email, by_other_than=user):
            raise EmailChangeError(
                "That email address is already used by another account, so it cannot be used for this one. "
                "Nothing was changed."
            )
        _address_set(user=user, email=change.new_email)
        change.confirmed_at = timezone.now()
        change.undo_token_hash = _token_hash(undo_token)
        change.save(update_fields=["confirmed_at", "undo_token_hash"])
        event_record(user=user, kind=AccountEvent.Kind.EMAIL_CHANGED)
        # Sent inside the transaction: the change never happens without the old address knowing.
        _mail_or_refuse(
            "account/email/email_change_notice",
            change.old_email,
            {
                "new_email": change.new_email,
                "undo_url": portal_url("account_email_undo", undo_token),
                "days": settings.EMAIL_CHANGE_UNDO_DAYS,
            },
        )
    return change


def email_change_for_undoing(*, token: str) -> EmailChange:
    cutoff = timezone.now() - timedelta(days=settings.EMAIL_CHANGE_UNDO_DAYS)
    change = (
        EmailChange.objects.select_related("user")
        .filter(undo_token_hash=_token_hash(token), undone_at__isnull=True, confirmed_at__gt=cutoff)
        .exclude(undo_token_hash="")
        .first()
    )
    if change is None:
        raise EmailChangeError(LINK_USED_OR_OLD)
    return change


def email_change_undo(*, token: str) -> User:
    """Put the old address back, sign the account out everywhere and void the password, so
    whoever made the change is shut out and the owner chooses a new password by email."""
    with transaction.atomic():
        change = email_change_for_undoing(token=token)
        user = User.objects.select_for_update().get(pk=change.user_id)
        if _address_taken(change.old_email, by_other_than=user):
            raise EmailChangeError("Your old address is now used by another account. Please contact us for help.")
        _address_set(user=user, email=change.old_email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        change.undone_at = timezone.now()
        change.save(update_fields=["undone_at"])
        # Any other change still waiting would otherwise be confirmable.
        EmailChange.objects.filter(user=user, confirmed_at__isnull=True).delete()
        sessions.sessions_end_all(user=user)
        event_record(user=user, kind=AccountEvent.Kind.EMAIL_CHANGE_UNDONE)
    return user


def _address_set(*, user: User, email: str) -> None:
    """The account's one address, verified (its owner has just shown they can read it)."""
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)

"""Writes to accounts: creating people, recording what they have seen, deleting accounts."""

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import keys
from portal.models import DataKey

from . import sessions
from .errors import NotAllowed
from .events import event_record
from .models import AccountEvent, Organisation, Role, User


def user_mark_before_you_start_seen(*, user: User) -> None:
    if user.before_you_start_seen_at is None:
        user.before_you_start_seen_at = timezone.now()
        user.save(update_fields=["before_you_start_seen_at"])


@transaction.atomic
def staff_account_create(
    *, email: str, role: Role, password: str | None = None, organisation: Organisation | None = None
) -> User:
    """Create a staff account. Only admins do this; members sign themselves up."""
    if role == Role.MEMBER:
        raise NotAllowed("Members sign themselves up; use the sign-up page.")
    if role == Role.ADMIN:
        return User.objects.create_superuser(email, password, organisation=organisation)
    return User.objects.create_user(email, password, role=role, organisation=organisation)


@transaction.atomic
def account_deletion_request(*, user: User) -> None:
    """Schedule a member's account for deletion after the grace period, and sign it out everywhere."""
    if not user.is_member:
        raise NotAllowed("Only members delete their own accounts; staff accounts are closed by an admin.")
    if user.deletion_requested_at is None:
        user.deletion_requested_at = timezone.now()
        user.save(update_fields=["deletion_requested_at"])
        event_record(user=user, kind=AccountEvent.Kind.DELETION_REQUESTED)
    sessions.sessions_end_all(user=user)


def account_deletion_cancel(*, user: User) -> bool:
    """Keep the account after all. Returns whether a deletion was pending."""
    if user.deletion_requested_at is None:
        return False
    user.deletion_requested_at = None
    user.save(update_fields=["deletion_requested_at"])
    return True


def accounts_due_for_purge():
    cutoff = timezone.now() - settings.ACCOUNT_DELETION_GRACE
    return User.objects.filter(role=Role.MEMBER, deletion_requested_at__lte=cutoff)


def account_purge(*, user: User) -> bool:
    """Crypto-shred a member: their data keys go first, then their records, files and account.

    The account is checked again, locked, at the moment the keys are destroyed, so a member
    who signed in (and so cancelled the deletion) after the list of due accounts was read is
    kept. In that same transaction the account stops being able to sign in: from then on its
    data cannot be read, and a run stopped part-way is finished by running it again.
    Returns whether the account was purged.
    """
    with transaction.atomic():
        due = accounts_due_for_purge().select_for_update().filter(pk=user.pk).first()
        if due is None:
            return False
        due.is_active = False
        due.save(update_fields=["is_active"])
        DataKey.objects.filter(owner_id=due.pk).delete()
    keys.owner_data_shred(owner_id=due.pk)
    with transaction.atomic():
        AccessAttempt.objects.filter(username=due.email).delete()
        EmailAddress.objects.filter(user=due).delete()
        due.delete()
    return True


def sign_in_complete(*, request) -> bool:
    """Every step is passed: the session joins the owner's list and they are told by email.

    Signing in also keeps an account that was waiting to be deleted; returns whether it was.
    Only a finished sign-in does that: a password alone is not enough to undo a deletion.
    """
    sessions.session_record(request=request)
    return account_deletion_cancel(user=request.user)

"""Writes to accounts: creating people, recording what they have seen, deleting accounts."""

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import keys
from portal.models import DataKey

from . import invitations, sessions
from .errors import NotAllowed
from .events import event_record
from .models import AccountEvent, Organisation, Role, User


def user_mark_before_you_start_seen(*, user: User) -> None:
    if user.before_you_start_seen_at is None:
        user.before_you_start_seen_at = timezone.now()
        user.save(update_fields=["before_you_start_seen_at"])


@transaction.atomic
def staff_account_create(*, email: str, role: Role, actor: User, organisation: Organisation | None = None) -> User:
    """An administrator creates a staff account; its owner is emailed a link to choose their password.

    The account starts with no usable password: nobody but its owner ever knows it. The
    address is the owner's to confirm at their first sign-in, never the administrator's.
    """
    if role == Role.MEMBER:
        raise NotAllowed("Members sign themselves up; use the sign-up page.")
    email = User.objects.normalize_email(email).strip().lower()
    if staff_account_email_in_use(email=email):
        raise NotAllowed("An account with this email address already exists.")
    if role == Role.ADMIN:
        user = User.objects.create_superuser(email, None, organisation=organisation)
    else:
        user = User.objects.create_user(email, None, role=role, organisation=organisation)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    event_record(user=user, kind=AccountEvent.Kind.STAFF_INVITED, actor=actor)
    # Sent once the account is committed: a creation that rolls back invites nobody.
    transaction.on_commit(lambda: invitations.staff_invitation_send.enqueue(user.pk))
    return user


def staff_account_email_in_use(*, email: str) -> bool:
    """Whether an account has this address already, as its login or as an address waiting to be confirmed."""
    return (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def account_admin_change(
    *, user: User, actor: User, role: Role, organisation: Organisation | None, is_active: bool
) -> list[AccountEvent]:
    """An administrator changes an account's role, its organisation, or whether it is open.

    Each change is recorded with the administrator as its actor, listed under the owner's recent
    changes and emailed to them. How the account is signed in to (its password, address and
    second step) is not among the things an administrator can change.
    """
    account = User.objects.select_for_update().get(pk=user.pk)
    if (account.role == Role.MEMBER) != (role == Role.MEMBER):
        raise NotAllowed("Members sign themselves up and staff accounts stay staff: make a new account instead.")
    if role == Role.MEMBER and organisation is not None:
        raise NotAllowed("Members do not belong to an organisation.")
    kinds, fields = [], []
    if role != account.role:
        account.role = role
        # Administrators are Django's superusers, and nobody else is.
        account.is_superuser = role == Role.ADMIN
        fields += ["role", "is_superuser"]
        kinds.append(AccountEvent.Kind.ROLE_CHANGED)
    if (organisation.pk if organisation else None) != account.organisation_id:
        account.organisation = organisation
        fields.append("organisation")
        kinds.append(AccountEvent.Kind.ORGANISATION_CHANGED)
    if is_active != account.is_active:
        account.is_active = is_active
        fields.append("is_active")
        kinds.append(AccountEvent.Kind.REACTIVATED if is_active else AccountEvent.Kind.DEACTIVATED)
    if not fields:
        return []
    account.validate_constraints()
    account.save(update_fields=fields)
    if AccountEvent.Kind.DEACTIVATED in kinds:
        sessions.sessions_end_all(user=account)
    return [event_record(user=account, kind=kind, actor=actor) for kind in kinds]


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

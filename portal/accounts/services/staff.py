"""Staff accounts: an administrator invites them (they choose their own password) and changes
their role, organisation or whether they are open; each change is recorded and told to the owner."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from .. import tasks
from ..auth import ROLE_GROUPS
from ..errors import NotAllowed
from ..models import AccountEvent, Organisation, Role, User
from ..selectors import email_in_use
from . import sessions
from .events import event_record


@transaction.atomic
def staff_account_create(*, email: str, role: Role, actor: User, organisation: Organisation | None = None) -> User:
    """An administrator creates a staff account; its owner is emailed a link to choose their password.

    The account starts with no usable password: nobody but its owner ever knows it. The
    address is the owner's to confirm at their first sign-in, never the administrator's.
    """
    if role == Role.MEMBER:
        raise NotAllowed("Members sign themselves up; use the sign-up page.")
    email = User.objects.normalize_email(email).strip().lower()
    if email_in_use(email=email):
        raise NotAllowed("An account with this email address already exists.")
    if role == Role.ADMIN:
        user = User.objects.create_superuser(email, None, organisation=organisation)
    else:
        user = User.objects.create_user(email, None, role=role, organisation=organisation)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    role_groups_sync(user=user)
    event_record(user=user, kind=AccountEvent.Kind.STAFF_INVITED, actor=actor)
    # Sent once the account is committed: a creation that rolls back invites nobody.
    transaction.on_commit(lambda: tasks.staff_invitation_send.enqueue(user.pk))
    return user


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
    if AccountEvent.Kind.ROLE_CHANGED in kinds:
        role_groups_sync(user=account)
    if AccountEvent.Kind.DEACTIVATED in kinds:
        sessions.sessions_end_all(user=account)
    return [event_record(user=account, kind=kind, actor=actor) for kind in kinds]


def role_groups_sync(*, user: User) -> None:
    """Put the account in exactly the groups its role brings (auth.ROLE_GROUPS), and no other.

    Wagtail grants page permissions and review tasks through groups alone; nobody sets them by
    hand here, so an editor made a support worker keeps nothing of the advice library's.
    """
    user.groups.set(Group.objects.filter(name__in=ROLE_GROUPS.get(Role(user.role), ())))

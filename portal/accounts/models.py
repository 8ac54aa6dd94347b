"""People who use the portal, the role each plays, and the organisations staff belong to."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_otp.models import SideChannelDevice

from portal.fields import EncryptedTextField


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    WORKER = "worker", "Support worker"
    COORDINATOR = "coordinator", "Coordinator"
    EDITOR = "editor", "Advice editor"
    # An advice editor who may also approve and publish advice (portal.accounts.auth.ROLE_GROUPS).
    REVIEWER = "reviewer", "Advice reviewer"
    ADMIN = "admin", "Administrator"


# Roles whose work happens inside an organisation.
ORGANISATION_ROLES = (Role.WORKER, Role.COORDINATOR)
# Everyone but members: these accounts are created by an admin and must use 2FA.
STAFF_ROLES = (Role.WORKER, Role.COORDINATOR, Role.EDITOR, Role.REVIEWER, Role.ADMIN)


class Organisation(models.Model):
    """A service (police unit, advocacy service, NHS team) whose staff use the portal."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("role", Role.MEMBER)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(role=Role.ADMIN, is_superuser=True)
        return self._create(email, password, **fields)


# django-otp (untyped) gives its devices a reverse manager the stubs cannot see.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """An account, signed in with its email address. Its role decides what it may do."""

    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now, editable=False)
    # When the member read the "before you start" page; until then it is shown first.
    before_you_start_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the member asked for their account to be deleted; signing in before the grace
    # period ends cancels it (portal.accounts.services).
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="organisation_for_organisation_roles",
                condition=~Q(role__in=ORGANISATION_ROLES) | Q(organisation__isnull=False),
                violation_error_message="Support workers and coordinators must belong to an organisation.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_staff(self) -> bool:
        """Django's admin is for administrators only (permissions.can_use_django_admin reads this)."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_portal_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_member(self) -> bool:
        return self.role == Role.MEMBER

    @property
    def deletion_due_at(self):
        if self.deletion_requested_at is None:
            return None
        return self.deletion_requested_at + settings.ACCOUNT_DELETION_GRACE


class PhoneDevice(SideChannelDevice):
    """A phone that receives sign-in codes by text: only ever a second way in, never the only one."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the last text could not be handed to the SMS provider, so the page can say so.
    delivery_failed_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def number(self) -> str:
        return self.phone_number.number

    @property
    def number_ending(self) -> str:
        return self.number[-3:]


class PhoneNumber(models.Model):
    """The number of a PhoneDevice, encrypted under the owner's data key: a leaked table must
    not say how to reach a member. (django-otp needs its devices to have whole-number ids; an
    encrypted value needs a UUID row id, so the number has a row of its own.)"""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.OneToOneField(PhoneDevice, on_delete=models.CASCADE, related_name="phone_number")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = EncryptedTextField(owner_field="user")

    sealed_as = "accounts.phonenumber"  # fixed for good: what its encrypted values are bound to

    def __str__(self) -> str:
        return f"Number of {self.device}"


class CodeAttempts(models.Model):
    """Wrong second-step codes for one account, in the database so every app server shares them.

    After ``CODE_FAILURES_BEFORE_LOCK`` wrong codes in a row, codes are refused for a delay that
    doubles with each further wrong code; a right code clears it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} wrong codes"


class SignedInSession(models.Model):
    """One place where the account is signed in, so its owner can see it and end it.

    Holds the browser and device in words ("Firefox on Android"), never the IP address: a list
    of where a member signs in from would tell someone where they live and work.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    browser = models.CharField(max_length=100)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_active_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_active_at"]

    def __str__(self) -> str:
        return self.browser


class AccountEvent(models.Model):
    """A change to how the account is signed in to, listed for its owner and kept for audit."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        TWO_STEP_ON = "two_step_on", "Turned on two-step sign-in"
        TWO_STEP_OFF = "two_step_off", "Turned off two-step sign-in"
        APP_ADDED = "app_added", "Added an authenticator app"
        BACKUP_CODES_MADE = "backup_codes_made", "Made new backup codes"
        PHONE_ADDED = "phone_added", "Added a phone for text codes"
        PHONE_REMOVED = "phone_removed", "Removed the phone for text codes"
        PASSKEY_ADDED = "passkey_added", "Added a passkey"
        PASSKEY_REMOVED = "passkey_removed", "Removed a passkey"
        CODE_SENT = "code_sent", "A code was sent by text"
        CODES_LOCKED = "codes_locked", "Too many wrong codes: codes paused"
        PASSWORD_CHANGED = "password_changed", "Changed the password"
        OTHER_SESSIONS_ENDED = "other_sessions_ended", "Signed out of all other sessions"
        TWO_STEP_RESET = "two_step_reset", "Two-step sign-in removed by an administrator"
        EMAIL_CHANGED = "email_changed", "Changed the email address"
        EMAIL_CHANGE_UNDONE = "email_change_undone", "Undid a change of email address"
        NOTES_DESTROYED = "notes_destroyed", "Deleted notes for good"
        DELETION_REQUESTED = "deletion_requested", "Asked for the account to be deleted"
        # Who is texted when the member sends an alert: a change of control (safety_plans.contacts).
        ALERT_CONTACT_ADDED = "alert_contact_added", "Added someone who receives your alerts"
        ALERT_NUMBER_CHANGED = "alert_number_changed", "Changed the number of someone who receives your alerts"
        ALERT_MESSAGE_CHANGED = "alert_message_changed", "Changed the message your alerts send"
        # Support workers: who is linked, and what the member shares with them (casework).
        WORKER_LINKED = "worker_linked", "A support worker was linked to your account"
        LINK_REQUESTED = "link_requested", "A support service asked to link you with a support worker"
        WORKER_UNLINKED = "worker_unlinked", "A support worker was unlinked from your account"
        SHARE_GRANTED = "share_granted", "Shared records with a support worker"
        SHARE_REVOKED = "share_revoked", "Stopped sharing records with a support worker"
        # Emailed to the member: the words stay neutral ("notes", as the pages say).
        WORKER_EXPORTED = "worker_exported", "A support worker asked for a copy of the notes you share with them"
        # What an administrator did to the account: always recorded, always shown to its owner.
        STAFF_INVITED = "staff_invited", "Account created by an administrator, with an invitation"
        ROLE_CHANGED = "role_changed", "Role changed by an administrator"
        ORGANISATION_CHANGED = "organisation_changed", "Organisation changed by an administrator"
        DEACTIVATED = "deactivated", "Account closed by an administrator"
        REACTIVATED = "reactivated", "Account reopened by an administrator"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Who did it, when it was not the account's owner (an administrator's recovery).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class IdentityCheck(models.TextChoices):
        CALL_BACK = "call_back", "Called back on a number their support service holds"
        IN_PERSON = "in_person", "Seen in person, with identification"
        SUPPORT_WORKER = "support_worker", "Confirmed by their support worker"

    # For an administrator's recovery: how the person's identity was checked. A choice, never
    # free text, so no private detail about the person lands unencrypted in this table.
    reason = models.CharField(max_length=30, choices=IdentityCheck.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "created_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()


# Changes of control that the account's owner is told about by email, in case it was not them
# (someone with their phone in hand turning two-step sign-in off, say). A change of email
# address has its own notice, sent to the old address with a link that undoes it.
NOTIFIED_CHANGES = (
    AccountEvent.Kind.TWO_STEP_ON,
    AccountEvent.Kind.TWO_STEP_OFF,
    AccountEvent.Kind.APP_ADDED,
    AccountEvent.Kind.BACKUP_CODES_MADE,
    AccountEvent.Kind.PHONE_ADDED,
    AccountEvent.Kind.PHONE_REMOVED,
    AccountEvent.Kind.PASSKEY_ADDED,
    AccountEvent.Kind.PASSKEY_REMOVED,
    AccountEvent.Kind.TWO_STEP_RESET,
    AccountEvent.Kind.PASSWORD_CHANGED,
    AccountEvent.Kind.EMAIL_CHANGE_UNDONE,
    AccountEvent.Kind.NOTES_DESTROYED,
    AccountEvent.Kind.DELETION_REQUESTED,
    AccountEvent.Kind.ALERT_CONTACT_ADDED,
    AccountEvent.Kind.ALERT_NUMBER_CHANGED,
    AccountEvent.Kind.ALERT_MESSAGE_CHANGED,
    AccountEvent.Kind.WORKER_LINKED,
    AccountEvent.Kind.LINK_REQUESTED,
    AccountEvent.Kind.WORKER_UNLINKED,
    AccountEvent.Kind.SHARE_GRANTED,
    AccountEvent.Kind.WORKER_EXPORTED,
    AccountEvent.Kind.ROLE_CHANGED,
    AccountEvent.Kind.ORGANISATION_CHANGED,
    AccountEvent.Kind.DEACTIVATED,
    AccountEvent.Kind.REACTIVATED,
)
# Routine events that would drown out, under recent changes, the changes a person needs to notice.
NOT_LISTED_EVENTS = (AccountEvent.Kind.CODE_SENT,)


class EmailChange(models.Model):
    """A change of the account's one email address, from request to confirmation, and the
    week after it during which the old address can undo it.

    The new address must confirm before anything changes; once it has, the old address is told
    at once with a link that puts it back. Only SHA-256 hashes of the two links' tokens are
    kept, so a leaked table cannot be used to confirm or undo anything.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField()
    new_email = models.EmailField()
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    confirm_token_hash = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    undo_token_hash = models.CharField(max_length=64, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return "change of email address"

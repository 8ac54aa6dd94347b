"""People who use the portal, the role each plays, and the organisations staff belong to."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    WORKER = "worker", "Support worker"
    COORDINATOR = "coordinator", "Coordinator"
    EDITOR = "editor", "Advice editor"
    ADMIN = "admin", "Administrator"


# Roles whose work happens inside an organisation.
ORGANISATION_ROLES = (Role.WORKER, Role.COORDINATOR)
# Everyone but members: these accounts are created by an admin and must use 2FA.
STAFF_ROLES = (Role.WORKER, Role.COORDINATOR, Role.EDITOR, Role.ADMIN)


class Organisation(models.Model):
    """A service (police unit, advocacy service, NHS team) whose staff use the portal."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
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


class User(AbstractBaseUser, PermissionsMixin):
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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

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
        """Django's admin is for administrators only."""
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

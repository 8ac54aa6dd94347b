"""Writes to accounts: creating people, recording what they have seen."""

from django.db import transaction
from django.utils import timezone

from .models import Organisation, Role, User


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
        raise ValueError("Members sign themselves up; use the sign-up page.")
    if role == Role.ADMIN:
        return User.objects.create_superuser(email, password, organisation=organisation)
    return User.objects.create_user(email, password, role=role, organisation=organisation)

"""Who may enter which staff area. The one place these rules live."""

from .models import Role


def can_use_wagtail_admin(user) -> bool:
    """The advice library's admin is for advice editors and administrators."""
    return user.is_authenticated and user.is_active and user.role in (Role.EDITOR, Role.ADMIN)


def can_use_django_admin(user) -> bool:
    """Django's admin (accounts, organisations) is for administrators."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN

"""Who may enter which staff area, and who must keep two-step sign-in. The one place these rules live."""

from .models import Role


def can_use_wagtail_admin(user) -> bool:
    """The advice library's admin is for advice editors and administrators."""
    return user.is_authenticated and user.is_active and user.role in (Role.EDITOR, Role.ADMIN)


def can_use_django_admin(user) -> bool:
    """Django's admin (accounts, organisations) is for administrators."""
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def must_use_two_step(user) -> bool:
    """Staff reach members' cases or the site's content: they cannot do without a second step."""
    return user.is_portal_staff


def can_remove_others_two_step(user) -> bool:
    """Recovering someone who lost every method is an administrator's job, and recorded."""
    return can_use_django_admin(user)

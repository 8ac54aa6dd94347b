"""Who may enter which staff area, and who must keep two-step sign-in. The one place these rules
live, with the addresses of the two staff areas."""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser

from .models import Role, User

# The two staff areas: the advice library's admin (Wagtail) and Django's admin (accounts).
WAGTAIL_ADMIN_PREFIX = "/admin/"
DJANGO_ADMIN_PREFIX = "/django-admin/"

AnyUser = User | AnonymousUser


# The roles that write and review advice; what each may do there comes from its Wagtail group
# (portal.accounts.auth.ROLE_GROUPS).
ADVICE_ROLES = (Role.EDITOR, Role.REVIEWER)


def can_use_wagtail_admin(user: AnyUser) -> bool:
    """The advice library's admin is for advice editors, reviewers and administrators."""
    return user.is_authenticated and user.is_active and user.role in (*ADVICE_ROLES, Role.ADMIN)


def can_use_django_admin(user: AnyUser) -> bool:
    """Django's admin (accounts, organisations) is for administrators: Django's own is_staff."""
    return user.is_authenticated and user.is_staff


def must_use_two_step(user: User) -> bool:
    """Staff reach members' cases or the site's content: they cannot do without a second step."""
    return user.is_portal_staff


def can_remove_others_two_step(user: AnyUser) -> bool:
    """Recovering someone who lost every method is an administrator's job, and recorded."""
    return can_use_django_admin(user)


def staff_area_check(path: str) -> Callable[[AnyUser], bool] | None:
    """The rule for the staff area ``path`` is in, or None outside both."""
    if path.startswith(DJANGO_ADMIN_PREFIX):
        return can_use_django_admin
    if path.startswith(WAGTAIL_ADMIN_PREFIX):
        return can_use_wagtail_admin
    return None

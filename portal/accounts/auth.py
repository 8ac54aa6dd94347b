"""Authentication helpers: what a role grants, and how django-axes names the account."""

from django.contrib.auth.backends import BaseBackend

from .models import Role

# Permissions a role carries without any group membership.
ROLE_PERMISSIONS = {
    Role.EDITOR: {"wagtailadmin.access_admin"},
    Role.ADMIN: {"wagtailadmin.access_admin"},
}


class RoleBackend(BaseBackend):
    """Grants the permissions of a user's role. It never authenticates anyone."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return ROLE_PERMISSIONS.get(user_obj.role, set())

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)


def axes_username(request, credentials) -> str:
    """The address being tried, lower-cased, whether or not an account has it."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login", "")
    return (value or "").strip().lower()

"""Authentication helpers: what a role grants, and how django-axes names the account and client."""

import ipaddress

from django.conf import settings
from django.contrib.auth.backends import BaseBackend

from .models import Role

# Permissions a role carries without any group membership.
ROLE_PERMISSIONS = {
    Role.EDITOR: {"wagtailadmin.access_admin"},
    Role.REVIEWER: {"wagtailadmin.access_admin"},
    Role.ADMIN: {"wagtailadmin.access_admin"},
}

# The Wagtail groups (made by content's migrations) whose page, snippet and workflow permissions
# a role brings. Wagtail reads page permissions and review tasks from group membership only, so
# membership follows the role (services.staff.role_groups_sync): an administrator sets the role,
# which is recorded and told to its owner, and never the groups by hand.
ADVICE_EDITORS_GROUP = "Advice editors"
ADVICE_REVIEWERS_GROUP = "Advice reviewers"
ROLE_GROUPS = {
    Role.EDITOR: (ADVICE_EDITORS_GROUP,),
    Role.REVIEWER: (ADVICE_REVIEWERS_GROUP,),
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


def client_ip(request) -> str | None:
    """The client's address for lockouts, read as allauth's rate limits read it.

    Only the hops our own proxies added to X-Forwarded-For are trusted (counted from the right);
    anything a client writes there itself is ignored, so it cannot pick a fresh address per try.
    """
    candidates = []
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            candidates.append(hops[-proxies])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None

"""The account emails' plumbing: full links into the portal and sending through allauth's
adapter, from a request or from a worker; and the staff invitation's link."""

import contextlib
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from .models import User


def portal_url(url_name: str, *args) -> str:
    """A full link into the portal, made without a request: a worker sends most notices.

    It starts with settings.PORTAL_BASE_URL, the address the portal is served on (`make run`
    sets it from its port), so every email's links lead back to where the person signed in.
    """
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(url_name, args=args)


def account_mail_send(template_prefix: str, to: str, context: dict[str, Any]) -> None:
    """Send one of the portal's account emails now, from a request or from a worker."""
    with request_for_allauth():
        get_adapter().send_mail(template_prefix, to, context)


class _PortalRequest(HttpRequest):
    """Stands in for a request when a worker sends the email: allauth reads the site's host from one."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base = urlsplit(base_url)

    def get_host(self) -> str:
        return self._base.netloc

    def _get_scheme(self) -> str:
        return self._base.scheme


def request_for_allauth() -> AbstractContextManager:
    # Sent straight from the sign-in request (the immediate task backend), allauth has that
    # request already; a worker has none, and allauth's send_mail needs one.
    if allauth_context.request is not None:
        return contextlib.nullcontext()
    return allauth_context.request_context(_PortalRequest(settings.PORTAL_BASE_URL))


# The invitation a new staff account gets: a link to choose its own password. Nobody types a
# password for someone else. The link is allauth's password-reset link: its token is made from
# the account's password hash (and last sign-in), so it stops working as soon as a password is
# set, and it expires after settings.PASSWORD_RESET_TIMEOUT. It lands on the same page as a
# reset, which moves the key out of the address bar before showing the form.


def invitation_url(*, user: User) -> str:
    token = default_token_generator.make_token(user)
    return portal_url("account_reset_password_from_key", user_pk_to_url_str(user), token)


def invitation_lifetime() -> str:
    """How long a link lasts, in words for the email ("3 days")."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"

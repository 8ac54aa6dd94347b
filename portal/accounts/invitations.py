"""The invitation a new staff account gets: a link to choose its own password.

Nobody types a password for someone else. The link is allauth's password-reset link: its token
is made from the account's password hash (and last sign-in), so it stops working as soon as a
password is set, and it expires after settings.PASSWORD_RESET_TIMEOUT. It lands on the same
page as a reset, which moves the key out of the address bar before showing the form.
"""

import logging

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.tasks import task

from .models import User
from .tasks import account_mail_send, portal_url

logger = logging.getLogger(__name__)


@task
def staff_invitation_send(user_id: int) -> None:
    """Email a new staff account its link. Carries only the account's id."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # closed meanwhile, or the password is already chosen: there is nothing to invite to
    context = {"invitation_url": invitation_url(user=user), "valid_for": invitation_lifetime()}
    try:
        account_mail_send("account/email/staff_invitation", user.email, context)
    except Exception as error:
        # No address and no error text in the log: mail errors often quote the address.
        logger.warning("The invitation for account %s was not sent: %s", user.pk, type(error).__name__)


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

"""The services a sign-in calls once every step is passed, and the first-use page being seen.

The steps themselves, which need the session, are in portal.accounts.sign_in.
"""

from django.utils import timezone

from ..models import User
from .deletion import account_deletion_cancel
from .sessions import session_record


def sign_in_complete(*, user: User, session_key: str, user_agent: str) -> bool:
    """Every step is passed: the session joins the owner's list and they are told by email.

    Signing in also keeps an account that was waiting to be deleted; returns whether it was.
    Only a finished sign-in does that: a password alone is not enough to undo a deletion.
    """
    session_record(user=user, session_key=session_key, user_agent=user_agent)
    return account_deletion_cancel(user=user)


def user_mark_before_you_start_seen(*, user: User) -> None:
    if user.before_you_start_seen_at is None:
        user.before_you_start_seen_at = timezone.now()
        user.save(update_fields=["before_you_start_seen_at"])

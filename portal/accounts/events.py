"""What happened to an account, recorded one way: listed for its owner under recent changes and,
for every change of control, emailed to them in case it was not them."""

from django.db import transaction

from . import tasks
from .models import AccountEvent, User


def event_record(*, user: User, kind: AccountEvent.Kind, **fields) -> AccountEvent:
    """Record what happened; the owner is emailed about those in tasks.NOTIFIED_CHANGES."""
    event = AccountEvent.objects.create(user=user, kind=kind, **fields)
    if kind in tasks.NOTIFIED_CHANGES:
        # Queued once the change is committed: a rolled-back change sends nothing.
        transaction.on_commit(lambda: tasks.account_change_notice_send.enqueue(event.pk))
    return event


def events_recent(*, user: User, limit: int = 10):
    """The account's latest changes, newest first, for its owner's pages."""
    return AccountEvent.objects.filter(user=user).exclude(kind__in=_NOT_LISTED)[:limit]


# Routine events that would drown out the changes a person needs to notice.
_NOT_LISTED = (AccountEvent.Kind.CODE_SENT,)

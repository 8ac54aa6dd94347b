"""What happened to an account, recorded one way: listed for its owner under recent changes and,
for every change of control, emailed to them in case it was not them."""

from typing import Any

from django.db import transaction

from .. import tasks
from ..models import NOTIFIED_CHANGES, AccountEvent, User


def event_record(*, user: User, kind: AccountEvent.Kind, **fields: Any) -> AccountEvent:
    """Record what happened; the owner is emailed about those in models.NOTIFIED_CHANGES."""
    event = AccountEvent.objects.create(user=user, kind=kind, **fields)
    if kind in NOTIFIED_CHANGES:
        # Queued once the change is committed: a rolled-back change sends nothing.
        transaction.on_commit(lambda: tasks.account_change_notice_send.enqueue(event.pk))
    return event

"""What every write to the diary stands on: one writer at a time per member's chain, and no
stored file left behind by a write that fails."""

from collections.abc import Iterator
from contextlib import contextmanager

from portal.accounts.models import User
from portal.fields import delete_file


def chain_lock(member: User) -> None:
    """One writer at a time per member's chain (other members are not held up).

    Held until the surrounding transaction ends, by every write that appends to the chain,
    destroys an entry, or keeps or removes a download holding one.
    """
    User.objects.select_for_update().filter(pk=member.pk).first()


@contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """Stored files whose rows never commit are deleted, so a failure leaves nothing behind.

    Add the name of every file stored inside the block to the list it gives.
    """
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            delete_file(name)
        raise

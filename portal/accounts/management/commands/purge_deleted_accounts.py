"""Delete, for good, the accounts whose deletion grace period has ended. Run it daily."""

from django.core.management.base import BaseCommand, CommandError

from portal.accounts.errors import AccountPurgeIncomplete
from portal.accounts.selectors import accounts_due_for_purge
from portal.accounts.services.deletion import account_purge


class Command(BaseCommand):
    help = "Crypto-shred members whose account deletion grace period has ended."

    def handle(self, *args, **options):
        purged, failed = 0, []
        # The list first: accounts are deleted as we go.
        for user in list(accounts_due_for_purge().order_by("pk")):
            try:
                if account_purge(user=user):
                    purged += 1
            except Exception as error:  # one account's failure must not keep the others
                failed.append(user.pk)
                self.stderr.write(f"account {user.pk}: not fully deleted: {_described(error)}")
        self.stdout.write(f"Deleted {purged} account{'s' if purged != 1 else ''}.")
        if failed:
            raise CommandError(
                f"{len(failed)} accounts were not fully deleted (accounts {', '.join(map(str, failed))}); "
                "their data keys are destroyed, so their data cannot be read. Fix the cause and run again."
            )


def _described(error: Exception) -> str:
    """What went wrong, without the error's own text unless it is ours: database and storage
    errors quote the values involved, and those can be the member's address."""
    if isinstance(error, AccountPurgeIncomplete):
        return str(error)
    return f"{type(error).__name__} (details left out: they can name the member)."

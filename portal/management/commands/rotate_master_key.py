"""Rewrap every data key under the newest master key. Resumable and idempotent."""

from django.core.management.base import BaseCommand, CommandError

from portal import crypto, keys


class Command(BaseCommand):
    help = "Rewrap all data keys under the newest master key (the first in PORTAL_MASTER_KEYS)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="Stop after this many keys (run again to carry on).")

    def handle(self, *args, limit=None, **options):
        newest = crypto.current_master_key()
        self.stdout.write(f"Rewrapping data keys under master key {newest.id!r}")
        result = keys.master_key_rotate(limit=limit, progress=self.stdout.write)
        self.stdout.write(f"Rewrapped {result.rewrapped}; {result.already_current} were already current.")
        if result.failed:
            for failure in result.failed:
                self.stderr.write(failure)
            raise CommandError(f"{len(result.failed)} data keys could not be rewrapped; fix and run again.")

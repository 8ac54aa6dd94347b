"""Re-encrypt members' values and files under fresh data keys, one member per transaction."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal import crypto, keys
from portal.models import DataKey


class Command(BaseCommand):
    help = "Give members fresh data keys and re-encrypt everything they own under them."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--member", type=int, help="The member's user id.")
        who.add_argument("--all", action="store_true", help="Every member whose key is older than --before.")
        parser.add_argument(
            "--before",
            help="With --all: only keys made before this time (ISO 8601; default: now). "
            "Pass the time printed by an interrupted run to resume it.",
        )

    def handle(self, *args, member=None, all=False, before=None, **options):
        if member is not None:
            if before:
                raise CommandError("--before only goes with --all.")
            if not get_user_model().objects.filter(pk=member).exists():
                raise CommandError(f"There is no member {member}.")
            if not DataKey.objects.filter(owner_id=member).exists():
                self.stdout.write(f"member {member} has no data key, so nothing is encrypted: nothing to rotate.")
                return
            owners = [member]
        else:
            cutoff = self._cutoff(before)
            self.stdout.write(f"Rotating keys made before {cutoff.isoformat()} (use --before with this to resume)")
            owners = list(keys.owners_due_for_rotation(created_before=cutoff))
        failed = []
        for done, owner_id in enumerate(owners, start=1):
            try:
                with crypto.key_scope():
                    rows = keys.member_key_rotate(owner_id=owner_id)
            except Exception as error:  # one member's damage must not stop the others
                failed.append(owner_id)
                self.stderr.write(
                    f"[{done}/{len(owners)}] member {owner_id}: not rotated, left as it was: "
                    f"{type(error).__name__}: {error}"
                )
                continue
            self.stdout.write(f"[{done}/{len(owners)}] member {owner_id}: {rows} rows re-encrypted")
        if failed:
            raise CommandError(
                f"{len(failed)} members could not be rotated (members {', '.join(map(str, failed))}); "
                "fix and run again to resume."
            )

    @staticmethod
    def _cutoff(before: str | None):
        if not before:
            return timezone.now()
        try:
            cutoff = parse_datetime(before)
        except ValueError:
            cutoff = None
        if cutoff is None:
            raise CommandError("--before must be a date and time such as 2026-11-26T09:00:00+00:00.")
        return cutoff if timezone.is_aware(cutoff) else timezone.make_aware(cutoff)

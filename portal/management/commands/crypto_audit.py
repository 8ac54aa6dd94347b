"""Open every encrypted value and file; report counts by key and name whatever fails."""

from django.core.management.base import BaseCommand, CommandError

from portal import keys


class Command(BaseCommand):
    help = "Check that every encrypted value, file and data key decrypts."

    def handle(self, *args, **options):
        report = keys.crypto_audit(progress=self.stdout.write)
        self.stdout.write("Data keys by master key:")
        for master_id, count in sorted(report.data_keys_by_master.items()):
            self.stdout.write(f"  {master_id}: {count}")
        self.stdout.write("Values by data key:")
        for key_id, count in sorted(report.values_by_key.items(), key=str):
            self.stdout.write(f"  {key_id}: {count}")
        self.stdout.write("Files by data key:")
        for key_id, count in sorted(report.files_by_key.items(), key=str):
            self.stdout.write(f"  {key_id}: {count}")
        for name in report.unreferenced_files:
            self.stdout.write(f"Stored file not referenced by any row: {name}")
        if report.failures:
            for failure in report.failures:
                self.stderr.write(f"DOES NOT DECRYPT: {failure}")
            raise CommandError(f"{len(report.failures)} items do not decrypt.")
        self.stdout.write("Everything decrypts.")

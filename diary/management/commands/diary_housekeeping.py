"""Daily diary housekeeping: destroy entries deleted over 30 days ago, remove expired downloads."""

from django.core.management.base import BaseCommand

from diary.downloads import exports_remove_expired
from diary.services import incidents_destroy_expired


class Command(BaseCommand):
    help = "Destroy entries that have been in 'recently deleted' for 30 days, and expired downloads."

    def handle(self, *args, **options):
        destroyed = incidents_destroy_expired()
        removed = exports_remove_expired()
        self.stdout.write(f"Destroyed {destroyed} deleted entries; removed {removed} expired downloads.")

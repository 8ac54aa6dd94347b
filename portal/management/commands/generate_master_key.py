"""Print a new master key line for PORTAL_MASTER_KEYS. Nothing is stored."""

from django.core.management.base import BaseCommand, CommandError

from portal import crypto


class Command(BaseCommand):
    help = "Print a new master key as id:base64key, to put first in PORTAL_MASTER_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="key_id", help="Key id (default: a random mk-xxxxxxxx).")

    def handle(self, *args, key_id=None, **options):
        try:
            self.stdout.write(crypto.new_master_key_line(key_id))
        except crypto.KeyConfigurationError as error:
            raise CommandError(str(error)) from None

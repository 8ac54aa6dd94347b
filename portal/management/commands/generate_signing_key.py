"""Print a new Ed25519 signing key for PORTAL_SIGNING_KEY, and its public fingerprint."""

from django.core.management.base import BaseCommand

from portal import crypto


class Command(BaseCommand):
    help = "Print a new signing key (for PORTAL_SIGNING_KEY). Nothing is stored."

    def handle(self, *args, **options):
        self.stdout.write(crypto.new_signing_key())

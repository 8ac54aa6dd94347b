"""Check an export bundle offline and name the first broken link, if any."""

from django.core.management.base import BaseCommand, CommandError

from diary.verify import bundle_extends, bundle_verify
from portal import crypto


class Command(BaseCommand):
    help = (
        "Check an export bundle: the signature over its chain head and list of files, every link of the "
        "chain, every content digest, and every file in the zip (nothing changed, missing, added or "
        "duplicated). Needs no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle (.zip) to check.")
        parser.add_argument(
            "--against",
            metavar="OLDER_BUNDLE",
            help="An older bundle of the same diary: check that the new one continues its chain unchanged.",
        )
        parser.add_argument(
            "--public-key",
            help="The signing key to trust (base64). Default: this portal's own key.",
        )

    def handle(self, *args, path, against=None, public_key=None, **options):
        public_key = public_key or crypto.public_key_b64()
        result = self._verified(path, public_key)
        signed = result.document["signed"]
        head = signed["chain_head"]
        if against:
            older = self._verified(against, public_key)
            problem = bundle_extends(result.document, older.document)
            if problem:
                raise CommandError(f"{path} does not continue {against}: {problem}")
            self.stdout.write(
                f"{path} continues {against}: its first {older.document['signed']['chain_head']['sequence']} "
                "links are unchanged."
            )
        self.stdout.write(
            f"OK: {path} is intact. {len(result.document['chain'])} links; chain head link {head['sequence']} "
            f"{head['hash']}; {len(result.document['entries'])} entries from {signed['range']['start']} to "
            f"{signed['range']['end']}; signed by key {crypto.public_key_fingerprint(public_key)}."
        )

    @staticmethod
    def _verified(path, public_key):
        try:
            result = bundle_verify(path, public_key=public_key)
        except OSError as error:
            raise CommandError(f"{path} cannot be read: {error.strerror}.") from None
        if not result.ok:
            raise CommandError(f"{path} does not verify: {result.problem}")
        return result

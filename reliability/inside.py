"""What the scenarios do inside a Django process on their run's database, one command each:
make members (with the test suite's factories, so nothing test-only lives in the app) and
check, afterwards, what was stored. Prints one line of JSON.

    python -m reliability.inside members 5 PASSWORD
    python -m reliability.inside two_step_members 3 PASSWORD
    python -m reliability.inside diaries EMAIL...
"""

import json
import sys
from collections.abc import Callable

import django


def members(count: str, password: str, *, prefix: str = "member") -> dict:
    """Members with a verified address and ``password``, who have seen the "before you start" page."""
    from tests.factories import MemberFactory

    made = [MemberFactory(email=f"{prefix}{n}@reliability.test", password=password) for n in range(int(count))]
    return {"emails": [member.email for member in made]}


def two_step_members(count: str, password: str) -> dict:
    """Members with two-step sign-in on: an authenticator app (its key, for making codes), ten
    backup codes, and a phone for texted codes."""
    from tests.factories import MemberFactory, PhoneDeviceFactory, StaticDeviceFactory, TOTPDeviceFactory

    made = {}
    for n in range(int(count)):
        member = MemberFactory(email=f"two-step{n}@reliability.test", password=password)
        app = TOTPDeviceFactory(user=member)
        key: str = app.key  # type: ignore[attr-defined]  # the factory returns the device
        backup_codes = [f"backup{n}{i:04d}" for i in range(10)]
        StaticDeviceFactory(user=member, tokens=backup_codes)
        number = f"+4477009{n:05d}"
        PhoneDeviceFactory(user=member, number=number)
        made[member.email] = {"app_key": key, "backup_codes": backup_codes, "phone": number}
    return made


def diaries(*emails: str) -> dict:
    """For each member: their entries' ids, how many versions their chain holds, and the first
    broken link of the chain (None when it verifies), checked by diary.chain as exports are."""
    from diary import chain
    from diary.models import Entry, EntryVersion
    from portal import crypto
    from portal.accounts.models import User

    found = {}
    for member in User.objects.filter(email__in=emails):
        with crypto.key_scope():
            links = [
                {
                    "entry": str(v.entry_id),
                    "number": v.number,
                    "sequence": v.sequence,
                    "kind": v.kind,
                    "recorded_at": chain.timestamp(v.recorded_at),
                    "content_digest": v.content_digest,
                    "attachments": list(v.attachment_hashes),
                    "previous_hash": v.previous_hash,
                    "hash": v.hash,
                    "content": v.content,
                }
                for v in EntryVersion.objects.filter(member=member).order_by("sequence")
            ]
        broken = chain.verify(links)
        found[member.email] = {
            "entries": sorted(str(pk) for pk in Entry.objects.filter(member=member).values_list("pk", flat=True)),
            "versions": len(links),
            "chain_break": str(broken) if broken else None,
        }
    return found


def storage() -> dict:
    """Files against rows: names every attachment row refers to, names in encrypted storage, and
    entries left without a version (half-written)."""
    from pathlib import Path

    from diary.models import Attachment, Entry
    from portal.fields import encrypted_storage

    root = Path(encrypted_storage().location)
    return {
        "referenced": sorted(name for name in Attachment.objects.values_list("file", flat=True)),
        "stored": sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()),
        "entries_without_versions": Entry.objects.filter(versions__isnull=True).count(),
    }


COMMANDS: dict[str, Callable[..., dict]] = {
    "members": members,
    "two_step_members": two_step_members,
    "diaries": diaries,
    "storage": storage,
}


def main(argv: list[str]) -> None:
    django.setup()
    command, *args = argv
    print(json.dumps(COMMANDS[command](*args)))  # noqa: T201 - the answer to the scenario


if __name__ == "__main__":
    main(sys.argv[1:])

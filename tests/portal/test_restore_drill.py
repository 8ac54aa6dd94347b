"""The restore drill (docs/deployment.md, "Backups"), run as a test: dump the database with
pg_dump, restore it into a new database, and show on the restored copy alone, with the master
keys from their own backup, that every member's chain verifies and a member can sign in and
read their diary.

PostgreSQL only: the dump and the restore are PostgreSQL's own tools.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from diary.models import EntryVersion
from diary.services import entry_delete, entry_destroy
from portal import crypto
from tests.diary.helpers import record
from tests.factories import PASSWORD, MemberFactory
from tests.files import jpeg_bytes, upload
from tests.portal.support import BASE_DIR

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the restore drill uses pg_dump and pg_restore: run it with DATABASE_URL set to PostgreSQL",
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump and pg_restore are not installed"),
]

WORDS = "The grey van was parked across the drive at six"

# Runs in the restored portal: builds and verifies a full download for every member (their whole
# chain, every entry's words decrypted, every file read back and hashed), then signs in as one
# member through the real page and reads an entry.
CHECK_RESTORED = """
import json, sys, tempfile
from datetime import date
import django
django.setup()
from django.test import Client
from django.urls import reverse
from diary.export import bundle_build
from diary.models import Entry, EntryVersion
from diary.verify import bundle_verify
from portal import crypto
from portal.accounts.models import User

emails, reader, password, entry_id = json.loads(sys.argv[1])
chains = {}
for member in User.objects.filter(email__in=emails).order_by("email"):
    with tempfile.NamedTemporaryFile(suffix=".zip") as bundle:
        bundle_build(member=member, start=date(2000, 1, 1), end=date(2100, 1, 1), target=bundle)
        bundle.flush()
        verdict = bundle_verify(bundle.name, public_key=crypto.public_key_b64())
    links = list(EntryVersion.objects.filter(member=member).order_by("sequence").values_list("hash", flat=True))
    chains[member.email] = {"problem": str(verdict.problem) if verdict.problem else None, "links": links}

client = Client(headers={"host": "localhost"})
signed_in = client.post("/accounts/login/", {"login": reader, "password": password})
page = client.get(reverse("diary:entry", kwargs={"entry_id": entry_id}))
print(json.dumps({
    "chains": chains,
    "sign_in": [signed_in.status_code, signed_in.get("Location")],
    "page": [page.status_code, page.content.decode()],
}))
"""


def _pg(tool: str, *args: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool against the test server, as the test's own connection does."""
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432)}
    env["PGUSER"] = db["USER"] or "postgres"
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return subprocess.run([tool, *args], env=env, capture_output=True, text=True, timeout=300, check=True)


@pytest.fixture
def restored_database():
    """The name of a new, empty database, dropped when the test ends."""
    name = f"restore_drill_{uuid.uuid4().hex[:12]}"
    _pg("createdb", name)
    yield name
    _pg("dropdb", "--if-exists", "--force", name)


@pytest.fixture
def diaries(transactional_db):
    """Members with diaries: entries with a photo, a deleted entry, a destroyed one (a tombstone
    in the chain), and a member with no entries. Committed, so pg_dump sees them."""
    reader = MemberFactory()
    photo = record(reader, WORDS, 3, uploads=[upload("van.jpg", jpeg_bytes(), "image/jpeg")])
    entry_delete(entry=record(reader, "A call from a withheld number", 4))
    entry_destroy(entry=record(reader, "Words the member chose to destroy", 5))
    other = MemberFactory()
    for day in (6, 7, 8):
        record(other, f"Another member's words on day {day}", day)
    empty = MemberFactory()
    return {"reader": reader, "entry": photo, "members": [reader, other, empty]}


def test_a_dump_restored_into_a_new_database_verifies_and_a_member_can_read_their_diary(
    diaries, restored_database, tmp_path
):
    members = diaries["members"]
    chains_before = {
        member.email: list(
            EntryVersion.objects.filter(member=member).order_by("sequence").values_list("hash", flat=True)
        )
        for member in members
    }
    dump = tmp_path / "portal.dump"

    # The backup: PostgreSQL's custom format, restorable whole or table by table.
    _pg(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={dump}",
        connection.settings_dict["NAME"],
    )
    # The restore, into a database that has never seen the portal.
    _pg("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={restored_database}", str(dump))

    db = connection.settings_dict
    restored_url = (
        f"postgres://{db['USER'] or 'postgres'}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{restored_database}"
    )
    # The restored portal: the restored database, the master keys from their separate backup,
    # and the same store of encrypted files (backed up on its own schedule).
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": restored_url,
        "PORTAL_MASTER_KEYS": settings.PORTAL_MASTER_KEYS,
        "ENCRYPTED_FILES_ROOT": str(settings.STORAGES["encrypted"]["OPTIONS"]["location"]),
        "PORTAL_SIGNING_KEY": crypto.new_signing_key(),
    }
    arguments = json.dumps([list(chains_before), diaries["reader"].email, PASSWORD, str(diaries["entry"].id)])
    result = subprocess.run(
        [sys.executable, "-c", CHECK_RESTORED, arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    restored = json.loads(result.stdout.strip().splitlines()[-1])
    # Every member's chain is there, link for link, and verifies with every entry's words and files.
    assert set(restored["chains"]) == set(chains_before)
    for email, links in chains_before.items():
        assert restored["chains"][email] == {"problem": None, "links": links}, email
    assert [len(links) for links in chains_before.values()] == [5, 3, 0]
    # The member signs in on the restored portal and reads their words.
    assert restored["sign_in"][0] == 302
    status, page = restored["page"]
    assert status == 200
    assert WORDS in page

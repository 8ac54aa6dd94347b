"""Helpers for the diary's tests: the one way they build an entry, and ways to read, check
and tamper with export bundles."""

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from diary import chain
from diary.models import Entry, EntryVersion
from portal import crypto
from portal.fields import encrypted_storage
from tests.factories import EntryFactory

TEST_SIGNING_KEY = crypto.new_signing_key()
IN_RANGE = (date(2025, 3, 1), date(2025, 3, 31))
SECRET_TEXT = "He waited by the blue gate on Mill Lane"
# What the entry form posts to change an entry recorded by ``record`` with its defaults.
FORM = {"what_happened": "Changed words", "occurred_date": "2025-03-01", "occurred_time": "21:30"}
STANDALONE = Path(__file__).resolve().parents[2] / "docs" / "verify_bundle_standalone.py"


def record(
    member, what_happened: str = SECRET_TEXT, day: int | None = None, *, month: int = 3, when=None, uploads=(), **fields
) -> Entry:
    """Record an entry through the diary's service (``EntryFactory``): on ``day`` of ``month``
    2025 at 21:15, or ``when``, or by default on 1 March 2025 at 21:30. Other keyword arguments
    are fields of the incident."""
    if when is None:
        when = datetime(2025, month, day, 21, 15, tzinfo=UTC) if day else datetime(2025, 3, 1, 21, 30, tzinfo=UTC)
    return EntryFactory(member=member, what_happened=what_happened, occurred_at=when, uploads=uploads, **fields)


def in_bundle(content: bytes, extension: str) -> str:
    """Where a bundle keeps a file: under attachments/, named by its SHA-256."""
    return f"attachments/{hashlib.sha256(content).hexdigest()}.{extension}"


def stored_files() -> list[str]:
    """Every file in encrypted storage, by its name there."""
    root = Path(encrypted_storage().location)
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def as_dicts(member):
    """The member's chain as the verifier sees it (the same shape the export uses)."""
    return [
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


def read_document(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("bundle.json"))


def rewrite(path: Path, target: Path, *, document=None, files: dict | None = None) -> Path:
    """A copy of the bundle with bundle.json replaced by ``document`` and other files replaced."""
    files = dict(files or {})
    if document is not None:
        files["bundle.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, files.pop(info.filename, None) or source.read(info.filename))
    assert not files, f"not in the bundle: {sorted(files)}"
    return target


def standalone(*args) -> subprocess.CompletedProcess:
    """The docs/ script, run as a third party would: its own process, no Django."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ""}
    return subprocess.run(
        [sys.executable, str(STANDALONE), *map(str, args)], capture_output=True, text=True, env=env, timeout=60
    )

"""Fixtures for the diary's tests: a signing key of the test's own, and ways to record and
tamper with export bundles."""

import io
import json
import struct
import zipfile
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from evidence_log import export, services
from evidence_log.services import IncidentData, incident_record
from portal import crypto

TEST_SIGNING_KEY = crypto.new_signing_key()
IN_RANGE = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.PORTAL_SIGNING_KEY = TEST_SIGNING_KEY


@pytest.fixture
def files_from_before_the_checks(monkeypatch):
    """Record files as the diary kept them before uploads were checked by their content (a text
    note, a picture that cannot be decoded): such files are in members' diaries, and the
    history, downloads and checks of a bundle must still cope with them."""
    monkeypatch.setattr(services, "_uploads_check", lambda uploads: None)


@pytest.fixture
def public_key():
    return crypto.public_key_b64()


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def broken_png(width=40, height=20) -> bytes:
    """A PNG whose every checksum is right but whose compressed picture data is garbled: it
    passes a structural check (Pillow's verify()) and fails only when the picture is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height)))
    garbled = pixels[:2] + bytes(byte ^ 0x5A for byte in pixels[2:])  # a valid zlib header, then noise
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", garbled) + chunk(b"IEND", b"")


def record(member, what_happened: str, day: int, *, month: int = 3, uploads=(), **fields):
    data = IncidentData(
        what_happened=what_happened, occurred_at=datetime(2025, month, day, 21, 15, tzinfo=UTC), **fields
    )
    return incident_record(member=member, data=data, uploads=list(uploads)).entry


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def build(tmp_path):
    """Build a bundle for March 2025 (or another range) into a file under tmp_path."""
    made = []

    def _build(member, start=IN_RANGE[0], end=IN_RANGE[1], name=None) -> Path:
        target = tmp_path / (name or f"bundle-{len(made)}.zip")
        with target.open("wb") as stream:
            export.bundle_build(member=member, start=start, end=end, target=stream)
        made.append(target)
        return target

    return _build


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

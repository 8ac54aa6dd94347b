"""Encrypted attachments: round trips at every chunk boundary, names and bytes that reveal
nothing, and files that are altered, cut short, reordered or moved failing to open.

Attachments can be evidence: the portal keeps their original bytes (EXIF included) and their
SHA-256, and must never hand back bytes other than the ones uploaded.
"""

import hashlib
import io
import os
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import crypto
from portal.fields import encrypted_storage, open_file, store_file
from portal.models import DataKey
from tests.testapp.models import SecretRecord

CHUNK = crypto.FILE_CHUNK_SIZE
# The layout written by crypto.encrypt_file: magic, data key id, nonce prefix, then frames of
# [final flag (1 byte), length (4 bytes), ciphertext and tag].
HEADER_SIZE = len(crypto.FILE_MAGIC) + 16 + 8
FRAME_HEAD = struct.Struct(">BI")


def with_file(owner, data: bytes, *, title: str = "with a file") -> tuple[SecretRecord, crypto.SealedFile]:
    record = SecretRecord(owner=owner, title=title)
    sealed = store_file(record, "attachment", io.BytesIO(data))
    record.save()
    return record, sealed


def read_back(record) -> bytes:
    return b"".join(open_file(SecretRecord.objects.get(pk=record.pk), "attachment"))


def stored_path(record) -> Path:
    return Path(encrypted_storage().path(record.attachment))


def split_frames(raw: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the frames of a stored file."""
    header, frames, position = raw[:HEADER_SIZE], [], HEADER_SIZE
    while position < len(raw):
        _final, length = FRAME_HEAD.unpack_from(raw, position)
        end = position + FRAME_HEAD.size + length
        frames.append(raw[position:end])
        position = end
    assert b"".join([header, *frames]) == raw
    return header, frames


def marked_final(frame: bytes) -> bytes:
    return b"\x01" + frame[1:]


# --- Round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12345],
    ids=["empty", "one-byte", "chunk-minus-one", "one-chunk", "chunk-plus-one", "two-chunks", "a-few-mb"],
)
def test_a_file_comes_back_byte_for_byte_with_its_hash_and_size(member, size):
    original = os.urandom(size)

    record, sealed = with_file(member, original)

    assert read_back(record) == original
    assert sealed.sha256 == hashlib.sha256(original).hexdigest()
    assert sealed.size == size


def test_a_photo_keeps_its_exif_bytes(member):
    # What the portal hands back is what was uploaded: metadata can be evidence.
    photo = b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00MM\x00*GPS 51.5072N 0.1276W 2026:03:03 14:02" + os.urandom(5000)
    upload = SimpleUploadedFile("IMG_0042.jpg", photo, content_type="image/jpeg")

    record = SecretRecord(owner=member)
    sealed = store_file(record, "attachment", upload)
    record.save()

    assert read_back(record) == photo
    assert sealed.sha256 == hashlib.sha256(photo).hexdigest()


def test_a_file_is_stored_under_its_owners_data_key(member):
    record, sealed = with_file(member, b"notes")

    data_key = DataKey.objects.get(owner=member)
    assert sealed.data_key_id == data_key.id
    with encrypted_storage().open(record.attachment, "rb") as stream:
        assert crypto.file_data_key_id(stream) == data_key.id


def test_a_row_without_a_file_has_none_to_open(member):
    with_file(member, b"another row's file")  # the storage's folder exists
    record = SecretRecord.objects.create(owner=member, title="no attachment")

    with pytest.raises(FileNotFoundError):
        read_back(record)


# --- What the storage holds -----------------------------------------------------------------------


def test_stored_names_are_random_and_say_nothing_of_the_file(member):
    content = b"the same bytes twice"
    names = []
    for _ in range(2):
        record = SecretRecord(owner=member)
        store_file(record, "attachment", SimpleUploadedFile("bruise-photo-3-march.jpg", content, "image/jpeg"))
        record.save()
        names.append(record.attachment)

    first, second = names
    assert first != second
    for name in names:
        assert "bruise" not in name and "march" not in name and "jpg" not in name.lower()
        assert "." not in Path(name).name  # no extension either
    assert stored_bytes(first) != stored_bytes(second)


def stored_bytes(name: str) -> bytes:
    with encrypted_storage().open(name, "rb") as stream:
        return stream.read()


def test_the_stored_bytes_hold_no_plaintext(member):
    original = b"He said he knows where I live and what time I leave. " * 60_000  # about 3 MB

    record, _sealed = with_file(member, original)

    raw = stored_path(record).read_bytes()
    assert len(raw) > len(original)
    assert b"knows where I live" not in raw
    assert b"He said" not in raw
    # Every chunk is encrypted, not only the first.
    _header, frames = split_frames(raw)
    assert len(frames) == 4
    assert all(b"where I live" not in frame for frame in frames)


# --- Altered, cut short, reordered ----------------------------------------------------------------


@pytest.fixture
def three_chunks(member):
    """A stored file of three chunks, its original, header and frames."""
    original = os.urandom(2 * CHUNK + 1000)
    record, _sealed = with_file(member, original)
    header, frames = split_frames(stored_path(record).read_bytes())
    assert len(frames) == 3
    return record, original, header, frames


def _flip_middle(header, frames):
    raw = bytearray(b"".join([header, *frames]))
    raw[len(raw) // 2] ^= 0x01
    return bytes(raw)


TAMPERING = {
    "flip-a-byte-in-the-middle": _flip_middle,
    "drop-the-last-chunk": lambda header, frames: b"".join([header, *frames[:-1]]),
    "drop-the-last-chunk-and-mark-the-one-before-final": lambda header, frames: b"".join(
        [header, frames[0], marked_final(frames[1])]
    ),
    "drop-the-first-chunk": lambda header, frames: b"".join([header, *frames[1:]]),
    "cut-in-the-middle-of-a-chunk": lambda header, frames: b"".join([header, *frames])[: -len(frames[-1]) // 2],
    "cut-one-byte-short": lambda header, frames: b"".join([header, *frames])[:-1],
    "cut-after-the-header": lambda header, frames: header,
    "cut-inside-the-header": lambda header, frames: header[:10],
    "cut-to-nothing": lambda header, frames: b"",
    "append-a-byte": lambda header, frames: b"".join([header, *frames, b"\x00"]),
    "append-the-last-chunk-again": lambda header, frames: b"".join([header, *frames, frames[-1]]),
    "swap-two-chunks": lambda header, frames: b"".join([header, frames[1], frames[0], frames[2]]),
    "repeat-a-chunk": lambda header, frames: b"".join([header, frames[0], frames[0], frames[2]]),
    "another-nonce-prefix": lambda header, frames: b"".join([header[:-8], bytes(8), *frames]),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_tampered_file_does_not_open(three_chunks, tamper):
    record, original, header, frames = three_chunks
    stored_path(record).write_bytes(tamper(header, frames))

    with pytest.raises(crypto.DecryptionError):
        read_back(record)


def test_chunks_from_another_file_of_the_same_member_do_not_open(member, three_chunks):
    record, _original, header, frames = three_chunks
    other, _sealed = with_file(member, os.urandom(2 * CHUNK + 1000))
    other_header, other_frames = split_frames(stored_path(other).read_bytes())

    stored_path(record).write_bytes(b"".join([header, frames[0], other_frames[1], frames[2]]))

    with pytest.raises(crypto.DecryptionError):
        read_back(record)


def test_no_changed_byte_anywhere_in_a_stored_file_opens(member, monkeypatch):
    # Small chunks, so that every byte of a file of several chunks can be tried.
    monkeypatch.setattr(crypto, "FILE_CHUNK_SIZE", 32)
    record, _sealed = with_file(member, os.urandom(100))
    raw = stored_path(record).read_bytes()
    assert len(split_frames(raw)[1]) == 4

    opened = []
    with crypto.key_scope():
        for position in range(len(raw)):
            for mask in (0x01, 0x80):
                changed = bytearray(raw)
                changed[position] ^= mask
                stored_path(record).write_bytes(bytes(changed))
                try:
                    read_back(record)
                    opened.append((position, mask))
                except crypto.DecryptionError:
                    pass
    assert opened == []

    stored_path(record).write_bytes(raw)
    assert len(read_back(record)) == 100  # the untouched file still opens


# --- Moved to another row or member ---------------------------------------------------------------


def _point_at(record, name: str) -> None:
    SecretRecord.objects.filter(pk=record.pk).update(attachment=name)


def test_a_file_copied_to_another_row_does_not_open(member):
    mine, _sealed = with_file(member, b"photo of the car")
    other = SecretRecord.objects.create(owner=member, title="another entry")

    _point_at(other, mine.attachment)

    with pytest.raises(crypto.DecryptionError):
        read_back(other)
    assert read_back(mine) == b"photo of the car"


def test_a_file_copied_to_another_members_row_does_not_open(member, other_member):
    mine, _sealed = with_file(member, b"photo of the car")
    theirs, _sealed = with_file(other_member, b"their own photo")

    _point_at(theirs, mine.attachment)

    with pytest.raises(crypto.DecryptionError):
        read_back(theirs)


def test_a_file_whose_bytes_are_copied_over_another_file_does_not_open(member, other_member):
    mine, _sealed = with_file(member, b"photo of the car")
    theirs, _sealed = with_file(other_member, b"their own photo")

    stored_path(theirs).write_bytes(stored_path(mine).read_bytes())

    with pytest.raises(crypto.DecryptionError):
        read_back(theirs)


def test_a_file_whose_data_key_is_destroyed_does_not_open(member):
    record, _sealed = with_file(member, b"photo of the car")

    DataKey.objects.filter(owner=member).delete()

    with pytest.raises(crypto.DecryptionError, match="no longer exists"):
        read_back(record)

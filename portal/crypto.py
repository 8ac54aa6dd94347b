"""Encryption at rest: master keys, per-member data keys, and AES-256-GCM for values and files.

Every other module encrypts through this one (or the fields in ``portal.fields``); none
calls ``cryptography`` itself. Key material never appears in logs, reprs or exceptions.
"""

import base64
import binascii
import contextvars
import hashlib
import os
import re
import secrets
import struct
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

VALUE_PREFIX = "e1"  # format version 1: "e1:<data key id>:<base64url(nonce || ciphertext)>"
FILE_MAGIC = b"PFE1"  # format version 1 of an encrypted file
FILE_CHUNK_SIZE = 1024 * 1024
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
MASTER_KEY_ID_MAX = 64  # portal.models.DataKey.master_key_id
MASTER_KEY_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MASTER_KEY_ID_MAX}}}")


class CryptoError(Exception):
    """Something about encryption went wrong. Messages never contain key material."""


class KeyConfigurationError(CryptoError, ImproperlyConfigured):
    """The master keys are missing or malformed."""


class DecryptionError(CryptoError):
    """A value or file did not decrypt: wrong key, altered, moved, or its key is destroyed."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes = field(repr=False)


# --- Master keys --------------------------------------------------------------------------


def parse_master_keys(spec: str) -> list[MasterKey]:
    """Parse ``id:base64key`` pairs, comma- or newline-separated, newest first.

    Lines starting with ``#`` are comments. Errors name a key by its place in the list, never
    by what was written, since a mistyped entry may be key material.
    """
    entries = [
        entry.strip()
        for line in spec.splitlines()
        if not line.strip().startswith("#")
        for entry in line.split(",")
        if entry.strip() and not entry.strip().startswith("#")
    ]
    keys: list[MasterKey] = []
    for number, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep:
            raise KeyConfigurationError(f"Master key number {number} is not written as id:base64key.")
        if not MASTER_KEY_ID.fullmatch(key_id):
            raise KeyConfigurationError(
                f"Master key number {number} has no valid id before its colon: an id is 1 to "
                f"{MASTER_KEY_ID_MAX} letters, digits, '.', '_' or '-'."
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise KeyConfigurationError(f"Master key number {number} is not valid base64.") from None
        if len(key) != KEY_SIZE:
            raise KeyConfigurationError(
                f"Master key number {number} is {len(key)} bytes long; it must be {KEY_SIZE} bytes (AES-256)."
            )
        keys.append(MasterKey(id=key_id, key=key))
    numbers_by_id: dict[str, list[int]] = {}
    for number, master_key in enumerate(keys, start=1):
        numbers_by_id.setdefault(master_key.id, []).append(number)
    for key_id, numbers in numbers_by_id.items():
        if len(numbers) > 1:
            raise KeyConfigurationError(
                f"Master keys number {' and '.join(map(str, numbers))} share the id {key_id!r}; "
                "each needs an id of its own."
            )
    return keys


def new_master_key_line(key_id: str | None = None) -> str:
    key_id = key_id or f"mk-{secrets.token_hex(4)}"
    if not MASTER_KEY_ID.fullmatch(key_id):
        raise KeyConfigurationError(
            f"A master key id is 1 to {MASTER_KEY_ID_MAX} letters, digits, '.', '_' or '-'; {key_id!r} is not."
        )
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_SIZE)).decode()}"


@cache
def master_keys() -> tuple[MasterKey, ...]:
    keys = parse_master_keys(settings.PORTAL_MASTER_KEYS)
    if not keys:
        raise KeyConfigurationError(
            "No master key is configured. Set PORTAL_MASTER_KEYS or PORTAL_MASTER_KEYS_FILE (see docs/encryption.md)."
        )
    return tuple(keys)


def current_master_key() -> MasterKey:
    return master_keys()[0]


def master_key(key_id: str) -> MasterKey:
    for key in master_keys():
        if key.id == key_id:
            return key
    raise KeyConfigurationError(
        f"Master key {key_id!r} is needed to open stored data keys but is not configured. "
        "Add it back to PORTAL_MASTER_KEYS (after the current one)."
    )


def reset_master_key_cache() -> None:
    """Forget the parsed master keys, after the settings change (tests, key rotation)."""
    master_keys.cache_clear()


# --- Data keys ----------------------------------------------------------------------------

# Data keys unwrapped in this request (or command), by data key id. A scope is opened by
# ``key_scope()``; outside one, nothing is kept and each use unwraps again.
_unwrapped_keys: contextvars.ContextVar[dict | None] = contextvars.ContextVar("unwrapped_keys", default=None)


@contextmanager
def key_scope():
    """Keep unwrapped data keys for the length of one request or command, then drop them."""
    token = _unwrapped_keys.set({})
    try:
        yield
    finally:
        cache_ = _unwrapped_keys.get()
        if cache_ is not None:
            cache_.clear()
        _unwrapped_keys.reset(token)


def _wrap_aad(owner_id, data_key_id: uuid.UUID) -> bytes:
    return f"portal-data-key|v1|{owner_id}|{data_key_id}".encode()


def wrap_data_key(*, owner_id, data_key_id: uuid.UUID, key: bytes, master: MasterKey | None = None):
    """Return (master key id, wrapped bytes) for a data key."""
    master = master or current_master_key()
    nonce = os.urandom(NONCE_SIZE)
    wrapped = nonce + AESGCM(master.key).encrypt(nonce, key, _wrap_aad(owner_id, data_key_id))
    return master.id, wrapped


def unwrap_data_key(data_key) -> bytes:
    """The raw key of a ``portal.models.DataKey`` row."""
    master = master_key(data_key.master_key_id)
    wrapped = bytes(data_key.wrapped_key)
    try:
        return AESGCM(master.key).decrypt(
            wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _wrap_aad(data_key.owner_id, data_key.id)
        )
    except InvalidTag:
        raise DecryptionError(
            f"Data key {data_key.id} does not open with master key {data_key.master_key_id!r}: "
            "the master key is wrong or the stored key was altered."
        ) from None


def _remember(cache_key, entry):
    scope = _unwrapped_keys.get()
    if scope is not None:
        scope[cache_key] = entry
    return entry


def _recall(cache_key):
    scope = _unwrapped_keys.get()
    return None if scope is None else scope.get(cache_key)


def _key_by_id(data_key_id: uuid.UUID) -> tuple[object, bytes]:
    """(owner id, raw key) of a data key, fetched and unwrapped once per key scope."""
    entry = _recall(data_key_id)
    if entry is None:
        from portal.models import DataKey

        try:
            data_key = DataKey.objects.get(id=data_key_id)
        except DataKey.DoesNotExist:
            raise DecryptionError(f"Data key {data_key_id} no longer exists (it may have been destroyed).") from None
        entry = _remember(data_key_id, (data_key.owner_id, unwrap_data_key(data_key)))
    return entry


@dataclass
class _CurrentKey:
    """An owner's current data key as remembered in a key scope.

    One read or made inside a transaction is trusted only once that transaction commits; until
    then its row is looked for before each use, so a key rolled back with its transaction never
    encrypts anything afterwards (its values would be lost with it).
    """

    id: uuid.UUID
    key: bytes = field(repr=False)
    committed: bool = False


def _remember_current(owner_id, key_id: uuid.UUID, raw: bytes) -> tuple[uuid.UUID, bytes]:
    _remember(key_id, (owner_id, raw))
    if _unwrapped_keys.get() is not None:
        entry = _remember(("current", owner_id), _CurrentKey(id=key_id, key=raw))
        # Runs at once outside a transaction, and never if the transaction is rolled back.
        transaction.on_commit(lambda: setattr(entry, "committed", True))
    return key_id, raw


def _current_key(owner_id) -> tuple[uuid.UUID, bytes]:
    """(id, raw key) of the owner's newest data key, made on first need."""
    from portal.models import DataKey

    entry = _recall(("current", owner_id))
    if entry is not None and (entry.committed or DataKey.objects.filter(id=entry.id).exists()):
        return entry.id, entry.key
    data_key = DataKey.objects.filter(owner_id=owner_id).order_by("-created_at").first()
    if data_key is None:
        return data_key_create(owner_id=owner_id)
    return _remember_current(owner_id, data_key.id, unwrap_data_key(data_key))


@transaction.atomic
def data_key_create(*, owner_id) -> tuple[uuid.UUID, bytes]:
    """Make a fresh AES-256 data key for an owner, stored wrapped by the current master key.

    It becomes the owner's current key. Returns (id, raw key).
    """
    from portal.models import DataKey

    key_id = uuid.uuid4()
    raw = AESGCM.generate_key(bit_length=256)
    master_id, wrapped = wrap_data_key(owner_id=owner_id, data_key_id=key_id, key=raw)
    DataKey.objects.create(id=key_id, owner_id=owner_id, master_key_id=master_id, wrapped_key=wrapped)
    return _remember_current(owner_id, key_id, raw)


def _open_owned_key(data_key_id: uuid.UUID, owner_id) -> bytes:
    key_owner, raw = _key_by_id(data_key_id)
    if str(key_owner) != str(owner_id):
        raise DecryptionError("The stored data belongs to another owner's key.")
    return raw


# --- Values -------------------------------------------------------------------------------


def value_aad(*, owner_id, model_label: str, field_name: str, row_id) -> bytes:
    """Associated data binding a value to its owner, model, field and row."""
    return f"portal-value|v1|{owner_id}|{model_label}|{field_name}|{row_id}".encode()


def encrypt_value(plaintext: str, *, owner_id, aad: bytes) -> str:
    key_id, raw = _current_key(owner_id)
    nonce = os.urandom(NONCE_SIZE)
    sealed = nonce + AESGCM(raw).encrypt(nonce, plaintext.encode(), aad)
    return f"{VALUE_PREFIX}:{key_id.hex}:{base64.urlsafe_b64encode(sealed).decode()}"


def parse_value(stored: str) -> tuple[uuid.UUID, bytes]:
    """Split a stored value into (data key id, nonce || ciphertext).

    Only the exact text ``encrypt_value`` writes is accepted (no other spelling of the same key
    id or bytes), so that no edit of a stored value still opens.
    """
    try:
        prefix, key_hex, payload = stored.split(":", 2)
        key_id = uuid.UUID(hex=key_hex)
        sealed = base64.urlsafe_b64decode(payload.encode())
        well_formed = (
            prefix == VALUE_PREFIX
            and key_hex == key_id.hex
            and payload == base64.urlsafe_b64encode(sealed).decode()
            and len(sealed) >= NONCE_SIZE + TAG_SIZE
        )
    except (ValueError, binascii.Error):
        well_formed = False
    if not well_formed:
        raise DecryptionError("The stored value is not in a known encrypted format.")
    return key_id, sealed


def value_data_key_id(stored: str) -> uuid.UUID:
    return parse_value(stored)[0]


def decrypt_value(stored: str, *, owner_id, aad: bytes) -> str:
    data_key_id, sealed = parse_value(stored)
    raw = _open_owned_key(data_key_id, owner_id)
    try:
        plain = AESGCM(raw).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
    except InvalidTag:
        raise DecryptionError(
            "The stored value does not decrypt here: it was altered, or copied from another field, row or owner."
        ) from None
    return plain.decode()


# --- Files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedFile:
    """An encrypted file, written to a temporary file, ready to hand to a storage."""

    file: IO[bytes]
    data_key_id: uuid.UUID
    sha256: str  # of the original bytes
    size: int  # of the original bytes


def _chunk_nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _chunk_aad(aad: bytes, index: int, final: bool) -> bytes:
    return aad + b"|chunk|" + struct.pack(">I?", index, final)


class FileSealer:
    """A writable stream that encrypts what is written to it, in the chunked file format.

    For files made on the fly (an export zip): the plaintext is never written anywhere, only
    the ciphertext, which is spooled to a temporary file once it outgrows memory. Write, then
    ``finish()`` for the sealed file; ``close()`` discards it (always call it, as ``with`` does).
    It has no ``tell`` or ``seek``, so ``zipfile`` writes to it as to a pipe.
    """

    def __init__(self, *, owner_id, aad: bytes):
        key_id, raw = _current_key(owner_id)
        self._aes = AESGCM(raw)
        self._aad = aad
        self._prefix = os.urandom(8)
        self._digest = hashlib.sha256()
        self._size = 0
        self._index = 0
        # At most one chunk and one write are held in memory: a full chunk is sealed only once
        # a byte after it arrives, since the last chunk is marked final. Whole chunks written as
        # they are (encrypt_file's reads) wait in ``_full`` uncopied; anything else gathers in
        # ``_pending``. While a chunk waits in ``_full``, ``_pending`` is empty.
        self._full: bytes | None = None
        self._pending = bytearray()
        self._data_key_id = key_id
        self._out = tempfile.SpooledTemporaryFile(max_size=8 * FILE_CHUNK_SIZE)  # noqa: SIM115 - closed by close()
        self._out.write(FILE_MAGIC + key_id.bytes + self._prefix)
        self._finished = False
        self.sealed: SealedFile | None = None  # set by finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def write(self, data) -> int:
        if self._finished:
            raise ValueError("The sealed file is already finished.")
        data = bytes(data)  # no copy when it is bytes already
        if not data:
            return 0
        self._digest.update(data)
        self._size += len(data)
        if self._full is not None:  # more is coming, so the waiting chunk is not the last
            self._seal(self._full, final=False)
            self._full = None
        if not self._pending and len(data) == FILE_CHUNK_SIZE:
            self._full = data
            return len(data)
        self._pending += data
        while len(self._pending) > FILE_CHUNK_SIZE:
            self._seal(bytes(self._pending[:FILE_CHUNK_SIZE]), final=False)
            del self._pending[:FILE_CHUNK_SIZE]
        if len(self._pending) == FILE_CHUNK_SIZE:
            self._full = bytes(self._pending)
            self._pending.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks are sealed as they fill (zipfile calls this)."""

    def _seal(self, chunk: bytes, *, final: bool) -> None:
        sealed = self._aes.encrypt(
            _chunk_nonce(self._prefix, self._index), chunk, _chunk_aad(self._aad, self._index, final)
        )
        self._out.write(struct.pack(">?I", final, len(sealed)) + sealed)
        self._index += 1

    def finish(self) -> SealedFile:
        """Seal the last chunk and return the encrypted file, positioned at its start."""
        if self._finished:
            raise ValueError("The sealed file is already finished.")
        last = self._full if self._full is not None else bytes(self._pending)
        self._seal(last, final=True)
        self._full = None
        self._pending.clear()
        self._finished = True
        self._out.seek(0)
        self.sealed = SealedFile(
            file=self._out, data_key_id=self._data_key_id, sha256=self._digest.hexdigest(), size=self._size
        )
        return self.sealed

    def close(self) -> None:
        self._full = None
        self._pending.clear()
        self._out.close()


def encrypt_file(source: IO[bytes], *, owner_id, aad: bytes) -> SealedFile:
    """Encrypt a file in chunks, hashing the original on the way through.

    Layout: magic, data key id (16 bytes), nonce prefix (8 bytes), then chunks of
    [final flag (1 byte), length (4 bytes), ciphertext + tag]. Each chunk's nonce ends in its
    index and its associated data carries the final flag, so chunks cannot be reordered,
    dropped or cut off without the decryption failing.
    """
    sealer = FileSealer(owner_id=owner_id, aad=aad)
    try:
        while chunk := source.read(FILE_CHUNK_SIZE):
            sealer.write(chunk)
        return sealer.finish()  # the caller closes the returned file
    except BaseException:
        sealer.close()
        raise


def file_data_key_id(stream: IO[bytes]) -> uuid.UUID:
    header = stream.read(len(FILE_MAGIC) + 16)
    if len(header) != len(FILE_MAGIC) + 16 or not header.startswith(FILE_MAGIC):
        raise DecryptionError("The stored file is not in a known encrypted format.")
    return uuid.UUID(bytes=header[len(FILE_MAGIC) :])


def decrypt_file(stream: IO[bytes], *, owner_id, aad: bytes) -> Iterator[bytes]:
    """Yield the original bytes chunk by chunk; raise DecryptionError on any damage."""
    aes = AESGCM(_open_owned_key(file_data_key_id(stream), owner_id))
    prefix = stream.read(8)
    if len(prefix) != 8:
        raise DecryptionError("The stored file is cut short.")
    index = 0
    while True:
        frame = stream.read(5)
        if len(frame) != 5:
            raise DecryptionError("The stored file is cut short.")
        flag, length = struct.unpack(">BI", frame)
        if flag not in (0, 1):
            raise DecryptionError("The stored file does not decrypt here: it was altered or moved.")
        final = flag == 1
        sealed = stream.read(length)
        if len(sealed) != length:
            raise DecryptionError("The stored file is cut short.")
        try:
            chunk = aes.decrypt(_chunk_nonce(prefix, index), sealed, _chunk_aad(aad, index, final))
        except InvalidTag:
            raise DecryptionError("The stored file does not decrypt here: it was altered or moved.") from None
        if final:
            if stream.read(1):
                raise DecryptionError("The stored file has bytes after its end.")
            yield chunk
            return
        yield chunk
        index += 1


# --- Signing ------------------------------------------------------------------------------

SIGNING_KEY_SIZE = 32  # a raw Ed25519 private key


class SignatureError(CryptoError):
    """A signature or public key is malformed, or the signature does not match."""


def signing_private_key():
    """The server's Ed25519 key, from PORTAL_SIGNING_KEY (base64 of the raw 32 bytes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        raw = base64.b64decode(settings.PORTAL_SIGNING_KEY.strip(), validate=True)
    except (AttributeError, binascii.Error):
        raise KeyConfigurationError("PORTAL_SIGNING_KEY is not valid base64.") from None
    if len(raw) != SIGNING_KEY_SIZE:
        raise KeyConfigurationError(
            f"PORTAL_SIGNING_KEY is {len(raw)} bytes long; it must be {SIGNING_KEY_SIZE} bytes (a raw Ed25519 key)."
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_signing_key() -> str:
    """A fresh signing key, base64-encoded, for PORTAL_SIGNING_KEY."""
    return base64.b64encode(os.urandom(SIGNING_KEY_SIZE)).decode()


def sign(data: bytes) -> bytes:
    """An Ed25519 signature of ``data`` by the server's signing key."""
    return signing_private_key().sign(data)


def public_key_b64() -> str:
    """The server's public verification key: base64 of the raw 32 bytes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = signing_private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_fingerprint(public_key: str) -> str:
    """SHA-256 of the raw public key, in hex: short enough to read out over the phone."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()


def verify_signature(public_key: str, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key`` (base64)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(signature, data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True

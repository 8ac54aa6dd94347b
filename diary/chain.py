"""The evidence hash chain: canonical forms, digests, version hashes and verification.

Plain functions over plain data, so the same rules run in the portal, in ``verify_bundle``
and in the standalone script of docs/verifying-evidence.md.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
SALT_KEY = "_salt"


def timestamp(moment: datetime) -> str:
    """A server time as the chain and bundles write it: UTC, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(data) -> bytes:
    """JSON with sorted keys and no spaces: one byte string for one value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_digest(content: dict) -> str:
    """HMAC-SHA256 of the content, keyed by the random salt kept inside it."""
    salt = bytes.fromhex(content[SALT_KEY])
    body = {key: value for key, value in content.items() if key != SALT_KEY}
    return hmac.new(salt, canonical(body), hashlib.sha256).hexdigest()


def version_header(
    *,
    entry_id: str,
    number: int,
    sequence: int,
    kind: str,
    recorded_at: str,
    content_digest: str,
    attachment_hashes: list[str],
) -> dict:
    return {
        "entry": entry_id,
        "number": number,
        "sequence": sequence,
        "kind": kind,
        "recorded_at": recorded_at,
        "content_digest": content_digest,
        "attachments": sorted(attachment_hashes),
    }


def version_hash(previous_hash: str, header: dict) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(header)).hexdigest()


@dataclass(frozen=True)
class Break:
    sequence: int
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"link {self.sequence} (entry {self.entry}): {self.reason}"


def verify(versions: Iterable[dict]) -> Break | None:
    """Check a chain given as dicts with the header fields plus previous_hash, hash and,
    where it survives, content. Returns the first broken link, or None."""
    previous = GENESIS
    expected_sequence = 1
    for version in versions:
        entry = version["entry"]
        if version["sequence"] != expected_sequence:
            reason = f"expected link {expected_sequence}: a version is missing or out of order"
            return Break(version["sequence"], entry, reason)
        if version["previous_hash"] != previous:
            return Break(version["sequence"], entry, "does not follow from the link before it")
        content = version.get("content")
        if content is not None and content_digest(content) != version["content_digest"]:
            return Break(version["sequence"], entry, "its content was changed after it was recorded")
        header = {key: version[key] for key in ("entry", "number", "sequence", "kind", "recorded_at", "content_digest")}
        header["attachments"] = sorted(version["attachments"])
        if version_hash(previous, header) != version["hash"]:
            return Break(version["sequence"], entry, "its recorded details (time, kind, attachments) were changed")
        previous = version["hash"]
        expected_sequence += 1
    return None

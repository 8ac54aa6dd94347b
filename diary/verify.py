"""Offline checks of an export bundle: signature, hash chain, content digests, and every file in
the zip against the signed manifest (nothing changed, missing, added or duplicated).

Reads only the zip file (and the public key it is told to trust); needs no database, so the
same checks can run anywhere. docs/verifying-evidence.md describes them for third parties.
"""

import base64
import binascii
import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from portal import crypto

from . import chain

# Version 2 added the signed manifest of files; a version 1 bundle is not checked (its PDF and
# extra files were not covered by the signature).
FORMAT = "portal-evidence-bundle/2"
DOCUMENT_NAME = "bundle.json"
PDF_NAME = "bundle.pdf"
ATTACHMENTS_DIR = "attachments/"
DESTROYED = "destroyed"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def signed_statement(signed: dict) -> bytes:
    """The exact bytes the server signs: the canonical JSON of the bundle's ``signed`` part."""
    return chain.canonical(signed)


def entries_digest(entries: list[dict]) -> str:
    return hashlib.sha256(chain.canonical(entries)).hexdigest()


@dataclass(frozen=True)
class Problem:
    """Why a bundle does not verify, naming the first broken link where there is one."""

    reason: str
    sequence: int | None = None
    entry: str | None = None

    def __str__(self) -> str:
        if self.sequence is None:
            return self.reason
        return f"link {self.sequence} (entry {self.entry}): {self.reason}"


class BundleProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Result:
    problem: Problem | None
    document: dict | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _check_names(archive: zipfile.ZipFile) -> None:
    """One file per name: with two, this check would read one and an unzip tool show the other."""
    repeated = sorted(name for name, count in Counter(archive.namelist()).items() if count > 1)
    if repeated:
        raise BundleProblem(
            Problem(f"The zip holds more than one file named {', '.join(map(repr, repeated))}: it was tampered with.")
        )


def _load(archive: zipfile.ZipFile) -> dict:
    try:
        document = json.loads(archive.read(DOCUMENT_NAME))
    except KeyError:
        raise BundleProblem(Problem(f"The bundle has no {DOCUMENT_NAME}.")) from None
    except ValueError:
        raise BundleProblem(Problem(f"{DOCUMENT_NAME} is not valid JSON.")) from None
    signed = document.get("signed") if isinstance(document, dict) else None
    found = signed.get("format") if isinstance(signed, dict) else None
    if found != FORMAT:
        raise BundleProblem(
            Problem(
                f"{DOCUMENT_NAME} is in format {found!r}; this checks {FORMAT!r} bundles only. "
                "Ask for a new download from the portal."
            )
        )
    return document


def _check_files(hashes: dict[str, str], signed: dict) -> None:
    """Every file in the zip but bundle.json is in the signed manifest, with the same SHA-256,
    and every file in the manifest is in the zip."""
    manifest = signed["files"]
    if not isinstance(manifest, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) and SHA256_HEX.fullmatch(digest)
        for name, digest in manifest.items()
    ):
        raise BundleProblem(Problem("The signed list of files is malformed."))
    if DOCUMENT_NAME in manifest or PDF_NAME not in manifest:
        raise BundleProblem(Problem(f"The signed list of files must name {PDF_NAME} and not {DOCUMENT_NAME}."))
    if extra := sorted(hashes.keys() - manifest.keys()):
        raise BundleProblem(
            Problem(f"The zip holds files that are not in the signed list of files: {', '.join(map(repr, extra))}.")
        )
    if missing := sorted(manifest.keys() - hashes.keys()):
        raise BundleProblem(
            Problem(f"Files in the signed list of files are missing from the zip: {', '.join(map(repr, missing))}.")
        )
    for name, expected in sorted(manifest.items()):
        if (actual := hashes[name]) != expected:
            raise BundleProblem(
                Problem(
                    f"File {name} was changed after the bundle was signed "
                    f"(signed SHA-256 {expected}, file has {actual})."
                )
            )


def _file_hashes(archive: zipfile.ZipFile) -> dict[str, str]:
    """The SHA-256 of every file in the zip but bundle.json, read once."""
    hashes = {}
    for name in archive.namelist():
        if name != DOCUMENT_NAME:
            digest = hashlib.sha256()
            with archive.open(name) as stream:
                while chunk := stream.read(1024 * 1024):
                    digest.update(chunk)
            hashes[name] = digest.hexdigest()
    return hashes


def _check_chain(links: list[dict]) -> None:
    try:
        broken = chain.verify(links)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BundleProblem(Problem(f"The chain is malformed ({type(error).__name__}: {error}).")) from None
    if broken:
        raise BundleProblem(Problem(broken.reason, broken.sequence, broken.entry))
    for link in links:
        if link["kind"] == DESTROYED:
            if link.get("content") is not None or link["content_digest"]:
                raise BundleProblem(Problem("a tombstone carries content", link["sequence"], link["entry"]))
        elif not link["content_digest"]:
            raise BundleProblem(Problem("it has no content digest", link["sequence"], link["entry"]))


def _check_entries(hashes: dict[str, str], links: list[dict], entries: list[dict]) -> None:
    """Every exported entry has all its versions' content, and every file matches the chain."""
    by_entry: dict[str, list[dict]] = {}
    for link in links:
        by_entry.setdefault(link["entry"], []).append(link)
    for entry in entries:
        versions = by_entry.get(entry["id"])
        if not versions:
            raise BundleProblem(Problem(f"Entry {entry['id']} is listed but has no links in the chain.", None))
        newest = versions[-1]
        if entry["versions"] != [link["sequence"] for link in versions]:
            raise BundleProblem(
                Problem("the entry's list of versions does not match the chain", newest["sequence"], entry["id"])
            )
        for link in versions:
            if link.get("content") is None:
                raise BundleProblem(Problem("its content is missing", link["sequence"], entry["id"]))
        listed = sorted(attachment["sha256"] for attachment in entry["attachments"])
        if listed != sorted(newest["attachments"]):
            raise BundleProblem(
                Problem("the attachments listed differ from those in the chain", newest["sequence"], entry["id"])
            )
        for attachment in entry["attachments"]:
            path = attachment["path"]
            if not path.startswith(ATTACHMENTS_DIR):
                raise BundleProblem(Problem(f"attachment path {path!r} is outside {ATTACHMENTS_DIR}"))
            actual = hashes.get(path)
            if actual is None:
                raise BundleProblem(Problem(f"attachment file {path} is missing", newest["sequence"], entry["id"]))
            if actual != attachment["sha256"]:
                raise BundleProblem(
                    Problem(
                        f"attachment file {path} does not match the SHA-256 in the chain "
                        f"(recorded {attachment['sha256']}, file has {actual})",
                        newest["sequence"],
                        entry["id"],
                    )
                )


def _last(links: list[dict]) -> dict:
    return links[-1] if links else {"sequence": 0, "hash": chain.GENESIS, "entry": None}


def _check_head(signed: dict, links: list[dict]) -> None:
    """The chain ends at the signed head: nothing was cut off or added at the end."""
    head = signed["chain_head"]
    last = _last(links)
    if head.get("sequence") != last["sequence"] or head.get("hash") != last["hash"]:
        raise BundleProblem(
            Problem(
                f"the chain ends here with {last['hash']}, but the signed chain head is link "
                f"{head.get('sequence')} with {head.get('hash')}: links were added, removed or changed",
                last["sequence"],
                last["entry"],
            )
        )


def _check_signature(document: dict, links: list[dict], public_key: str | None) -> None:
    signed = document["signed"]
    last = _last(links)
    if signed.get("entries_sha256") != entries_digest(document["entries"]):
        raise BundleProblem(Problem("The list of exported entries was changed after the bundle was signed."))
    signature = document["signature"]
    embedded = signature.get("public_key", "")
    if public_key is not None and embedded != public_key:
        raise BundleProblem(
            Problem(
                "The bundle was signed with a key other than the one you trust "
                f"(fingerprint {_fingerprint(embedded)}, expected {_fingerprint(public_key)}).",
                last["sequence"],
                last["entry"],
            )
        )
    try:
        value = base64.b64decode(signature["value"], validate=True)
    except (binascii.Error, TypeError, KeyError):
        value = b""
    if signature.get("algorithm") != "Ed25519" or not crypto.verify_signature(
        embedded, signed_statement(signed), value
    ):
        raise BundleProblem(
            Problem(
                "the signature over the chain head and bundle details does not match",
                last["sequence"],
                last["entry"],
            )
        )


def _fingerprint(public_key: str) -> str:
    try:
        return crypto.public_key_fingerprint(public_key)
    except (binascii.Error, ValueError):
        return "(not a valid key)"


def bundle_verify(path: str | Path, *, public_key: str | None = None) -> Result:
    """Check a bundle. ``public_key`` is the one to trust (base64); None trusts the embedded one,
    which proves the bundle is intact but not who made it."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_names(archive)
            document = _load(archive)
            try:
                links = document["chain"]
                _check_chain(links)
                _check_head(document["signed"], links)
                hashes = _file_hashes(archive)
                _check_entries(hashes, links, document["entries"])
                _check_files(hashes, document["signed"])
                _check_signature(document, links, public_key)
            except (KeyError, TypeError, AttributeError) as error:
                raise BundleProblem(Problem(f"{DOCUMENT_NAME} is missing a part ({error}).")) from None
    except zipfile.BadZipFile:
        return Result(Problem("The file is not a zip archive, or it is damaged."))
    except BundleProblem as error:
        return Result(error.problem)
    return Result(None, document)


def bundle_extends(newer: dict, older: dict) -> Problem | None:
    """Whether the newer (verified) bundle continues the older one's chain unchanged."""
    if newer["signed"]["member"] != older["signed"]["member"]:
        return Problem("The two bundles belong to different members' diaries.")
    new_links = newer["chain"]
    for link in older["chain"]:
        index = link["sequence"] - 1
        if index >= len(new_links):
            return Problem("this link is in the older bundle but missing from the newer one", *_where(link))
        new = new_links[index]
        if new["sequence"] != link["sequence"] or new["hash"] != link["hash"]:
            return Problem(
                f"this link differs between the bundles (older {link['hash']}, newer {new['hash']}): "
                "history was rewritten",
                *_where(link),
            )
    return None


def _where(link: dict) -> tuple[int, str]:
    return link["sequence"], link["entry"]

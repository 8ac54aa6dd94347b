#!/usr/bin/env python3
"""Check a portal export bundle without the portal: Python standard library plus `cryptography`.

    pip install cryptography
    python verify_bundle_standalone.py bundle.zip --public-key KEY [--against older.zip]

Prints OK and exits 0 if the bundle is intact and signed by KEY. Prints the first problem found
(link number, entry id and reason, or the file at fault) and exits 1 if it is not. Without
--public-key (or --fingerprint) it can still say whether the bundle is intact, but not who signed
it: it says so and exits 2. See verifying-evidence.md for what each step means.
"""

# ruff: noqa: T201 - a command-line script for third parties reports by printing
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
import zipfile
from collections import Counter

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "portal-evidence-bundle/2"
DOCUMENT = "bundle.json"
PDF = "bundle.pdf"
GENESIS = "0" * 64
HEADER_FIELDS = ("entry", "number", "sequence", "kind", "recorded_at", "content_digest", "attachments")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
BROKEN, SIGNER_UNCHECKED = 1, 2


class Broken(Exception):
    def __init__(self, reason, link=None):
        where = f"link {link['sequence']} (entry {link['entry']}): " if link else ""
        super().__init__(where + reason)


def canonical(value):
    """Step 1: one byte string for one value (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_names(archive):
    """Step 1: one file per name (with two, tools disagree about which one is the bundle)."""
    repeated = sorted(name for name, count in Counter(archive.namelist()).items() if count > 1)
    if repeated:
        raise Broken(f"the zip holds more than one file named {', '.join(map(repr, repeated))}: it was tampered with")


def load(archive):
    """Step 1: read bundle.json and check its format."""
    try:
        document = json.loads(archive.read(DOCUMENT))
    except KeyError:
        raise Broken(f"the zip has no {DOCUMENT}") from None
    found = document.get("signed", {}).get("format") if isinstance(document, dict) else None
    if found != FORMAT:
        raise Broken(f"{DOCUMENT} is in format {found!r}; this script checks {FORMAT!r} bundles only")
    return document


def file_hashes(archive):
    """The SHA-256 of every file in the zip except bundle.json."""
    hashes = {}
    for name in archive.namelist():
        if name != DOCUMENT:
            digest = hashlib.sha256()
            with archive.open(name) as stream:
                while chunk := stream.read(1024 * 1024):
                    digest.update(chunk)
            hashes[name] = digest.hexdigest()
    return hashes


def check_chain(links):
    """Steps 2-4: sequence, previous hash, content digest and hash of every link, in order."""
    previous = GENESIS
    for position, link in enumerate(links, start=1):
        if link["sequence"] != position:
            raise Broken(f"expected link {position}: a version is missing or out of order", link)
        if link["previous_hash"] != previous:
            raise Broken("does not follow from the link before it", link)
        content = link.get("content")
        if content is not None:
            salt = bytes.fromhex(content["_salt"])
            body = {key: value for key, value in content.items() if key != "_salt"}
            if hmac.new(salt, canonical(body), hashlib.sha256).hexdigest() != link["content_digest"]:
                raise Broken("its content was changed after it was recorded", link)
        header = {name: link[name] for name in HEADER_FIELDS}
        header["attachments"] = sorted(header["attachments"])
        if hashlib.sha256(previous.encode() + b"\n" + canonical(header)).hexdigest() != link["hash"]:
            raise Broken("its recorded details (time, kind, attachments) were changed", link)
        if link["kind"] == "destroyed" and (content is not None or link["content_digest"]):
            raise Broken("a tombstone carries content", link)
        if link["kind"] != "destroyed" and not link["content_digest"]:
            raise Broken("it has no content digest", link)
        previous = link["hash"]


def check_head(signed, links):
    """Step 5: the chain ends at the signed chain head (nothing cut off or added at the end)."""
    last = links[-1] if links else None
    head = signed["chain_head"]
    if (head["sequence"], head["hash"]) != ((last["sequence"], last["hash"]) if last else (0, GENESIS)):
        raise Broken("the chain does not end at the signed chain head", last)


def check_entries(hashes, links, entries):
    """Step 6: exported entries have all their content, and every file matches its SHA-256."""
    for entry in entries:
        versions = [link for link in links if link["entry"] == entry["id"]]
        if not versions:
            raise Broken(f"entry {entry['id']} is listed but has no links in the chain")
        newest = versions[-1]
        if entry["versions"] != [link["sequence"] for link in versions]:
            raise Broken("the entry's list of versions does not match the chain", newest)
        for link in versions:
            if link.get("content") is None:
                raise Broken("its content is missing", link)
        if sorted(a["sha256"] for a in entry["attachments"]) != sorted(newest["attachments"]):
            raise Broken("the attachments listed differ from those in the chain", newest)
        for attachment in entry["attachments"]:
            if attachment["path"] not in hashes:
                raise Broken(f"attachment file {attachment['path']} is missing", newest)
            if hashes[attachment["path"]] != attachment["sha256"]:
                raise Broken(f"attachment file {attachment['path']} does not match the SHA-256 in the chain", newest)


def check_files(hashes, signed):
    """Step 7: the zip holds exactly the files of the signed list, each with its SHA-256."""
    manifest = signed["files"]
    if not isinstance(manifest, dict) or not all(
        isinstance(digest, str) and SHA256_HEX.fullmatch(digest) for digest in manifest.values()
    ):
        raise Broken("the signed list of files is malformed")
    if DOCUMENT in manifest or PDF not in manifest:
        raise Broken(f"the signed list of files must name {PDF} and not {DOCUMENT}")
    if extra := sorted(hashes.keys() - manifest.keys()):
        raise Broken(f"the zip holds files that are not in the signed list of files: {', '.join(map(repr, extra))}")
    if missing := sorted(manifest.keys() - hashes.keys()):
        raise Broken(f"files in the signed list of files are missing from the zip: {', '.join(map(repr, missing))}")
    for name, expected in sorted(manifest.items()):
        if hashes[name] != expected:
            raise Broken(f"file {name} was changed after the bundle was signed")


def check_signature(document, links, public_key):
    """Step 8: the list of entries, the chain head and the list of files are what was signed."""
    signed = document["signed"]
    last = links[-1] if links else None
    if signed["entries_sha256"] != hashlib.sha256(canonical(document["entries"])).hexdigest():
        raise Broken("the list of exported entries was changed after the bundle was signed")
    signature = document["signature"]
    if signature["public_key"] != public_key:
        raise Broken("the bundle was signed with a key other than the one you trust", last)
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature["value"], validate=True), canonical(signed))
    except (InvalidSignature, ValueError, binascii.Error):
        raise Broken("the signature over the chain head and bundle details does not match", last) from None


def fingerprint(public_key):
    return hashlib.sha256(base64.b64decode(public_key, validate=True)).hexdigest()


def verify(path, public_key=None, expected_fingerprint=None):
    """Every check. With no key to trust, the key inside the bundle is used, which shows the
    bundle is intact but not who made it (the caller must say so)."""
    with zipfile.ZipFile(path) as archive:
        check_names(archive)
        document = load(archive)
        check_chain(document["chain"])
        check_head(document["signed"], document["chain"])
        hashes = file_hashes(archive)
        check_entries(hashes, document["chain"], document["entries"])
        check_files(hashes, document["signed"])
        embedded = document["signature"]["public_key"]
        if expected_fingerprint is not None and fingerprint(embedded) != expected_fingerprint.strip().lower():
            raise Broken("the bundle was signed with a key whose fingerprint is not the one you trust")
        check_signature(document, document["chain"], public_key or embedded)
    return document


def check_extends(newer, older):
    """Step 9 (--against): every link of the older bundle is in the newer one, unchanged."""
    if newer["signed"]["member"] != older["signed"]["member"]:
        raise Broken("the two bundles belong to different members' diaries")
    for link in older["chain"]:
        index = link["sequence"] - 1
        if index >= len(newer["chain"]) or newer["chain"][index]["hash"] != link["hash"]:
            raise Broken("this link is missing or differs in the newer bundle: history was rewritten", link)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--public-key", help="The portal's public key (base64), from its public page or operator.")
    trust.add_argument("--fingerprint", help="Or the SHA-256 fingerprint of that key (hex), e.g. read out by phone.")
    parser.add_argument("--against", help="An older bundle that the new one must continue.")
    options = parser.parse_args(argv)
    try:
        document = verify(options.bundle, options.public_key, options.fingerprint)
        if options.against:
            check_extends(document, verify(options.against, options.public_key, options.fingerprint))
    except Broken as problem:
        print(f"BROKEN: {problem}")
        return BROKEN
    except (OSError, KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile) as error:
        print(f"BROKEN: the bundle cannot be read ({type(error).__name__}: {error})")
        return BROKEN
    head = document["signed"]["chain_head"]
    summary = f"{len(document['chain'])} links, chain head link {head['sequence']} {head['hash']}"
    if options.public_key is None and options.fingerprint is None:
        print(
            f"SIGNER UNCHECKED: the bundle is intact ({summary}), but no --public-key was given, so who "
            "signed it is not checked: anyone can make an intact bundle with a key of their own. Run again "
            "with the key published by the portal."
        )
        return SIGNER_UNCHECKED
    print(f"OK: {summary}; signed by key {fingerprint(document['signature']['public_key'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

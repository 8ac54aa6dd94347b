#!/usr/bin/env python3
"""Check a portal export bundle without the portal: Python standard library plus `cryptography`.

    pip install cryptography
    python verify_bundle_standalone.py bundle.zip --public-key KEY [--against older.zip]

Prints OK and exits 0 if the bundle is intact; otherwise prints the first broken link (link number,
entry id, reason) and exits 1. See verifying-evidence.md for what each step means.
"""

# ruff: noqa: T201 - a command-line script for third parties reports by printing
import argparse
import base64
import hashlib
import hmac
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "portal-evidence-bundle/1"
GENESIS = "0" * 64
HEADER_FIELDS = ("entry", "number", "sequence", "kind", "recorded_at", "content_digest", "attachments")


class Broken(Exception):
    def __init__(self, reason, link=None):
        where = f"link {link['sequence']} (entry {link['entry']}): " if link else ""
        super().__init__(where + reason)


def canonical(value):
    """Step 1: one byte string for one value (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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


def check_entries(archive, links, entries):
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
            try:
                data = archive.read(attachment["path"])
            except KeyError:
                raise Broken(f"attachment file {attachment['path']} is missing", newest) from None
            if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
                raise Broken(f"attachment file {attachment['path']} does not match the SHA-256 in the chain", newest)


def check_head(signed, links):
    """Step 5: the chain ends at the signed chain head (nothing cut off or added at the end)."""
    last = links[-1] if links else None
    head = signed["chain_head"]
    if (head["sequence"], head["hash"]) != ((last["sequence"], last["hash"]) if last else (0, GENESIS)):
        raise Broken("the chain does not end at the signed chain head", last)


def check_signature(document, links, public_key):
    """Step 7: the list of entries and the chain head are what the server signed."""
    signed = document["signed"]
    last = links[-1] if links else None
    entries_sha256 = hashlib.sha256(canonical(document["entries"])).hexdigest()
    if signed["entries_sha256"] != entries_sha256:
        raise Broken("the list of exported entries was changed after the bundle was signed")
    signature = document["signature"]
    if public_key is None:
        public_key = signature["public_key"]
        print(
            "WARNING: no --public-key given; trusting the key inside the bundle proves it is intact, not who made it."
        )
    elif signature["public_key"] != public_key:
        raise Broken("the bundle was signed with a key other than the one you trust", last)
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature["value"]), canonical(signed))
    except (InvalidSignature, ValueError):
        raise Broken("the signature over the chain head and bundle details does not match", last) from None


def verify(path, public_key):
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("bundle.json"))
        if document["signed"]["format"] != FORMAT:
            raise Broken(f"not a {FORMAT} bundle")
        check_chain(document["chain"])
        check_head(document["signed"], document["chain"])
        check_entries(archive, document["chain"], document["entries"])
        check_signature(document, document["chain"], public_key)
    return document


def check_extends(newer, older):
    """Step 8 (--against): every link of the older bundle is in the newer one, unchanged."""
    if newer["signed"]["member"] != older["signed"]["member"]:
        raise Broken("the two bundles belong to different members' diaries")
    for link in older["chain"]:
        index = link["sequence"] - 1
        if index >= len(newer["chain"]) or newer["chain"][index]["hash"] != link["hash"]:
            raise Broken("this link is missing or differs in the newer bundle: history was rewritten", link)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--public-key", help="The portal's public key (base64), obtained from its operator.")
    parser.add_argument("--against", help="An older bundle that the new one must continue.")
    options = parser.parse_args(argv)
    try:
        document = verify(options.bundle, options.public_key)
        if options.against:
            check_extends(document, verify(options.against, options.public_key))
    except Broken as problem:
        print(f"BROKEN: {problem}")
        return 1
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        print(f"BROKEN: the bundle cannot be read ({type(error).__name__}: {error})")
        return 1
    head = document["signed"]["chain_head"]
    print(f"OK: {len(document['chain'])} links, chain head link {head['sequence']} {head['hash']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Offline verification of export bundles: `manage.py verify_bundle` and the standalone script in
docs/ agree that a good bundle is intact, and each name the first broken link of a tampered one."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from diary import chain
from diary.models import EntryVersion
from diary.services import IncidentData, entry_destroy, entry_edit
from portal import crypto
from tests.diary.helpers import STANDALONE, TEST_SIGNING_KEY, read_document, record, rewrite, standalone
from tests.files import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_from_before_the_checks")]

BASE_DIR = STANDALONE.parents[1]

FILE = b"screenshot of the messages"


def command(*args, **options) -> str:
    call_command("verify_bundle", *map(str, args), stdout=(out := _Output()), **options)
    return out.text


class _Output:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.fixture
def diary(member):
    """Links: 1 = A created (with a file), 2 = B created, 3 = A edited, 4 = C created."""
    a = record(member, "He sent a message at night.", 4, uploads=[upload("messages.txt", FILE, "text/plain")])
    b = record(member, "He was at the bus stop.", 9, location="Station Road")
    entry_edit(entry=a, data=IncidentData(what_happened="He sent three messages at night.", occurred_at=a.occurred_at))
    c = record(member, "A parcel arrived with no sender.", 15)
    return {"a": str(a.id), "b": str(b.id), "c": str(c.id)}


@pytest.fixture
def bundle(member, diary, build):
    return build(member, name="good.zip")


def test_a_good_bundle_verifies_with_the_command_and_the_standalone_script(bundle, public_key):
    head = read_document(bundle)["signed"]["chain_head"]["hash"]

    assert "OK" in command(bundle)
    result = standalone(bundle, "--public-key", public_key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"chain head link 4 {head}" in result.stdout


def test_the_command_exits_zero_for_a_good_bundle_and_non_zero_for_a_tampered_one(bundle, tmp_path, diary):
    document = read_document(bundle)
    document["chain"][1]["kind"] = "edited"
    tampered = rewrite(bundle, tmp_path / "tampered.zip", document=document)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PORTAL_SIGNING_KEY": TEST_SIGNING_KEY}

    good = subprocess.run(
        [sys.executable, "manage.py", "verify_bundle", str(bundle)], cwd=BASE_DIR, env=env, capture_output=True
    )
    bad = subprocess.run(
        [sys.executable, "manage.py", "verify_bundle", str(tampered)], cwd=BASE_DIR, env=env, capture_output=True
    )

    assert good.returncode == 0, good.stderr
    assert bad.returncode != 0
    assert f"link 2 (entry {diary['b']})".encode() in bad.stderr


def _edit(document, diary, tamper):
    entries = {entry["id"]: entry for entry in document["entries"]}
    links = document["chain"]
    match tamper:
        case "content text":
            links[2]["content"]["what_happened"] = "He sent one message."
            return 3, diary["a"]
        case "a field added to content":
            links[3]["content"]["location"] = "Somewhere else"
            return 4, diary["c"]
        case "recorded time":
            links[1]["recorded_at"] = links[1]["recorded_at"].replace("T", "T0").replace("T00", "T01", 1)[:32]
            return 2, diary["b"]
        case "kind":
            links[3]["kind"] = "edited"
            return 4, diary["c"]
        case "attachment hash in the chain":
            links[0]["attachments"] = ["0" * 64]
            return 1, diary["a"]
        case "attachment hash in the entry list":
            entries[diary["a"]]["attachments"][0]["sha256"] = "0" * 64
            return 3, diary["a"]
        case "version deleted from the middle":
            del links[1]
            return 3, diary["a"]
        case "two versions reordered":
            links[1], links[2] = links[2], links[1]
            return 3, diary["a"]
        case "content removed":
            del links[0]["content"]
            return 1, diary["a"]
        case "wrong signature":
            value = bytearray(base64.b64decode(document["signature"]["value"]))
            value[0] ^= 1
            document["signature"]["value"] = base64.b64encode(value).decode()
            return 4, diary["c"]
        case "changed chain head":
            document["signed"]["chain_head"]["hash"] = links[2]["hash"]
            return 4, diary["c"]
        case "last version cut off":
            del links[-1]
            return 3, diary["a"]
    raise AssertionError(tamper)


TAMPERS = [
    "content text",
    "a field added to content",
    "recorded time",
    "kind",
    "attachment hash in the chain",
    "attachment hash in the entry list",
    "version deleted from the middle",
    "two versions reordered",
    "content removed",
    "wrong signature",
    "changed chain head",
    "last version cut off",
]


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_changed_value_fails_and_both_verifiers_name_the_first_broken_link(
    bundle, tmp_path, diary, public_key, tamper
):
    document = read_document(bundle)
    sequence, entry = _edit(document, diary, tamper)
    tampered = rewrite(bundle, tmp_path / "tampered.zip", document=document)
    where = f"link {sequence} (entry {entry})"

    with pytest.raises(CommandError) as failure:
        command(tampered)
    result = standalone(tampered, "--public-key", public_key)

    assert where in str(failure.value)
    assert result.returncode == 1
    assert where in result.stdout, result.stdout


def test_changed_attachment_bytes_fail_and_name_the_entry(bundle, tmp_path, diary, public_key):
    path = read_document(bundle)["entries"][0]["attachments"][0]["path"]
    tampered = rewrite(bundle, tmp_path / "tampered.zip", files={path: FILE.replace(b"messages", b"massages")})

    with pytest.raises(CommandError, match=rf"link 3 \(entry {diary['a']}\): attachment file {path} does not match"):
        command(tampered)
    result = standalone(tampered, "--public-key", public_key)
    assert result.returncode == 1
    assert f"link 3 (entry {diary['a']})" in result.stdout


def _rechain(links: list[dict]) -> None:
    """Recompute every digest and hash, as someone rewriting history would."""
    previous = chain.GENESIS
    for link in links:
        if "content" in link:
            link["content_digest"] = chain.content_digest(link["content"])
        link["previous_hash"] = previous
        header = {key: link[key] for key in ("entry", "number", "sequence", "kind", "recorded_at", "content_digest")}
        header["attachments"] = link["attachments"]
        link["hash"] = previous = chain.version_hash(previous, header)


def test_a_bundle_rewritten_and_re_signed_with_another_key_is_refused(bundle, tmp_path, diary, public_key, settings):
    document = read_document(bundle)
    document["chain"][2]["content"]["what_happened"] = "Nothing happened."
    _rechain(document["chain"])
    document["signed"]["chain_head"]["hash"] = document["chain"][-1]["hash"]
    settings.PORTAL_SIGNING_KEY = crypto.new_signing_key()  # the forger's own key
    document["signature"]["public_key"] = crypto.public_key_b64()
    document["signature"]["value"] = base64.b64encode(crypto.sign(chain.canonical(document["signed"]))).decode()
    forged = rewrite(bundle, tmp_path / "forged.zip", document=document)

    with pytest.raises(CommandError, match="signed with a key other than the one you trust"):
        command(forged, public_key=public_key)
    result = standalone(forged, "--public-key", public_key)
    assert result.returncode == 1
    assert f"link 4 (entry {diary['c']})" in result.stdout


def test_a_bundle_with_a_tombstone_verifies(member, diary, build, public_key):
    entry_destroy(entry=member.diary_entries.get(pk=diary["a"]))

    path = build(member)

    assert [link["kind"] for link in read_document(path)["chain"]][-1] == "destroyed"
    assert "OK" in command(path)
    assert standalone(path, "--public-key", public_key).returncode == 0


def test_after_the_members_key_is_rotated_the_new_bundle_verifies_and_extends_the_old(member, diary, build, public_key):
    before = build(member, name="before.zip")

    call_command("rotate_member_key", member=member.pk, stdout=_Output())
    record(member, "Another message, after the rotation.", 20)
    after = build(member, name="after.zip")

    assert "continues" in command(after, against=before)
    result = standalone(after, "--public-key", public_key, "--against", before)
    assert result.returncode == 0, result.stdout
    old, new = read_document(before)["chain"], read_document(after)["chain"]
    assert new[: len(old)] == old and len(new) == len(old) + 1


def test_against_detects_history_rewritten_in_the_database(member, diary, build, public_key):
    before = build(member, name="before.zip")
    # Someone with database access and the signing key rewrites link 2 and every link after it.
    links = read_document(before)["chain"]
    links[1]["content"]["what_happened"] = "He was not there."
    _rechain(links)
    for link in links:
        version = EntryVersion.objects.get(member=member, sequence=link["sequence"])
        version.content, version.content_digest = link["content"], link["content_digest"]
        version.previous_hash, version.hash = link["previous_hash"], link["hash"]
        version.save(update_fields=["content", "content_digest", "previous_hash", "hash"])

    after = build(member, name="after.zip")

    assert "OK" in command(after)  # on its own, the rewritten bundle is consistent
    with pytest.raises(CommandError, match=rf"link 2 \(entry {diary['b']}\): this link differs"):
        command(after, against=before)
    result = standalone(after, "--public-key", public_key, "--against", before)
    assert result.returncode == 1
    assert f"link 2 (entry {diary['b']})" in result.stdout


def test_against_refuses_a_bundle_of_another_members_diary(member, other_member, diary, build):
    record(other_member, "Something else.", 3)
    mine, theirs = build(member), build(other_member)

    with pytest.raises(CommandError, match="different members"):
        command(mine, against=theirs)


def test_the_json_is_the_signed_canonical_form(bundle):
    """A third party can recompute the signed bytes from the JSON alone."""
    document = read_document(bundle)
    signed_bytes = json.dumps(document["signed"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert crypto.verify_signature(
        document["signature"]["public_key"], signed_bytes, base64.b64decode(document["signature"]["value"])
    )
    assert document["signed"]["entries_sha256"] == hashlib.sha256(chain.canonical(document["entries"])).hexdigest()


# --- Every file in the zip is covered by the signature ------------------------------------------


def _copy(path: Path, target: Path, *, leave_out=(), add=()) -> Path:
    """A copy of the bundle without some files and with others added (names may repeat)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about a repeated name, and allows it
        for info in source.infolist():
            if info.filename not in leave_out:
                copy.writestr(info.filename, source.read(info.filename))
        for name, data in add:
            copy.writestr(name, data)
    return target


def _both_refuse(path: Path, public_key: str, reason: str) -> None:
    with pytest.raises(CommandError) as failure:
        command(path)
    result = standalone(path, "--public-key", public_key)
    assert reason.lower() in str(failure.value).lower(), failure.value
    assert result.returncode == 1, result.stdout
    assert reason.lower() in result.stdout.lower(), result.stdout


def test_a_changed_pdf_is_refused_by_both_verifiers(bundle, tmp_path, public_key):
    with zipfile.ZipFile(bundle) as archive:
        pdf = archive.read("bundle.pdf")
    changed = pdf.replace(b"Diary export", b"Diary exqort")
    assert changed != pdf
    tampered = rewrite(bundle, tmp_path / "tampered.zip", files={"bundle.pdf": changed})

    _both_refuse(tampered, public_key, "file bundle.pdf was changed after the bundle was signed")


def test_an_extra_file_is_refused_by_both_verifiers(bundle, tmp_path, public_key):
    tampered = _copy(bundle, tmp_path / "extra.zip", add=[("attachments/planted.jpg", b"a planted photo")])

    _both_refuse(tampered, public_key, "not in the signed list of files: 'attachments/planted.jpg'")


def test_a_zip_with_two_files_of_one_name_is_refused_by_both_verifiers(bundle, tmp_path, public_key):
    """One tool reads the first bundle.json, another the second: the zip is refused whichever it holds."""
    forged = read_document(bundle)
    forged["chain"][0]["content"]["what_happened"] = "Nothing happened."
    tampered = _copy(bundle, tmp_path / "twice.zip", add=[("bundle.json", json.dumps(forged).encode())])
    with zipfile.ZipFile(tampered) as archive:
        assert archive.namelist().count("bundle.json") == 2

    _both_refuse(tampered, public_key, "more than one file named 'bundle.json'")


def test_a_missing_file_of_the_signed_list_is_refused_by_both_verifiers(bundle, tmp_path, public_key):
    tampered = _copy(bundle, tmp_path / "missing.zip", leave_out={"bundle.pdf"})

    _both_refuse(tampered, public_key, "missing from the zip: 'bundle.pdf'")


def test_a_signed_list_changed_to_match_a_changed_pdf_breaks_the_signature(bundle, tmp_path, public_key, diary):
    changed = b"%PDF-1.4 a different document"
    document = read_document(bundle)
    document["signed"]["files"]["bundle.pdf"] = hashlib.sha256(changed).hexdigest()
    tampered = rewrite(bundle, tmp_path / "tampered.zip", document=document, files={"bundle.pdf": changed})

    _both_refuse(tampered, public_key, "the signature over the chain head and bundle details does not match")


def _forge(bundle: Path, target: Path, settings) -> Path:
    """The whole bundle remade by someone with a key of their own: a new PDF, the list of
    files to match, and a fresh signature. Consistent in itself."""
    changed = b"%PDF-1.4 a forged document"
    document = read_document(bundle)
    document["signed"]["files"]["bundle.pdf"] = hashlib.sha256(changed).hexdigest()
    settings.PORTAL_SIGNING_KEY = crypto.new_signing_key()  # the forger's own key
    document["signature"]["public_key"] = crypto.public_key_b64()
    document["signature"]["value"] = base64.b64encode(crypto.sign(chain.canonical(document["signed"]))).decode()
    settings.PORTAL_SIGNING_KEY = TEST_SIGNING_KEY
    return rewrite(bundle, target, document=document, files={"bundle.pdf": changed})


def test_a_re_signed_forgery_is_refused_against_the_real_key(bundle, tmp_path, public_key, settings):
    forged = _forge(bundle, tmp_path / "forged.zip", settings)

    _both_refuse(forged, public_key, "signed with a key other than the one you trust")
    fingerprint = crypto.public_key_fingerprint(public_key)
    result = standalone(forged, "--fingerprint", fingerprint)
    assert result.returncode == 1
    assert "fingerprint is not the one you trust" in result.stdout


def test_without_a_key_the_standalone_script_fails_and_says_the_signer_is_unchecked(bundle, tmp_path, settings):
    forged = _forge(bundle, tmp_path / "forged.zip", settings)
    broken = rewrite(bundle, tmp_path / "broken.zip", files={"bundle.pdf": b"%PDF-1.4 changed"})

    for path in (bundle, forged):
        result = standalone(path)
        assert result.returncode == 2, result.stdout
        assert "SIGNER UNCHECKED" in result.stdout and "intact" in result.stdout
    result = standalone(broken)
    assert result.returncode == 1
    assert "bundle.pdf was changed" in result.stdout


def test_the_standalone_script_accepts_the_keys_fingerprint_instead_of_the_key(bundle, public_key):
    result = standalone(bundle, "--fingerprint", crypto.public_key_fingerprint(public_key))

    assert result.returncode == 0, result.stdout
    assert "OK" in result.stdout


def test_a_bundle_of_another_format_is_refused_with_a_clear_message(bundle, tmp_path, public_key):
    document = read_document(bundle)
    document["signed"]["format"] = "portal-evidence-bundle/1"
    older = rewrite(bundle, tmp_path / "older.zip", document=document)

    _both_refuse(older, public_key, "format 'portal-evidence-bundle/1'")

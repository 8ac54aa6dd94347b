"""Export bundles: what the zip holds, for people (PDF) and machines (JSON), and what it leaves out."""

import hashlib
import io
import zipfile
from datetime import UTC, date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from reportlab.lib.pagesizes import A4

from diary import export
from diary.models import EntryVersion
from diary.services import Behaviour, IncidentData, entry_delete, entry_destroy, entry_edit, entry_restore
from diary.verify import bundle_verify
from portal import crypto
from tests.diary.helpers import in_bundle, read_document, record
from tests.diary.pdf_text import Box, overlaps, page_count, pdf_layout, pdf_text
from tests.files import broken_png, heic_bytes, png_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_from_before_the_checks")]


def _read(path, name) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def test_bundle_holds_the_signed_chain_a_readable_pdf_and_the_files(member, build):
    photo = png_bytes()
    first = record(
        member,
        "He waited outside the school gate.",
        3,
        uploads=[upload("gate.png", photo, "image/png"), upload("note.txt", b"a note", "text/plain")],
        location="Elm Road",
        behaviours=["following"],
    )
    entry_edit(
        entry=first,
        data=IncidentData(
            what_happened="He waited outside the school gate for an hour.",
            occurred_at=first.occurred_at,
            location="Elm Road",
            behaviours=["following", "turning_up"],
            crime_reference="CR/123",
        ),
    )
    record(member, "Five missed calls from a withheld number.", 20, sender="withheld")

    path = build(member)

    document = read_document(path)
    signed = document["signed"]
    assert signed["range"] == {"start": "2025-03-01", "end": "2025-03-31"}
    assert signed["member"] == str(member.pk)
    chain = document["chain"]
    assert [link["sequence"] for link in chain] == [1, 2, 3]
    assert signed["chain_head"]["hash"] == chain[-1]["hash"] == EntryVersion.objects.get(sequence=3).hash
    assert all(link["content"]["what_happened"] for link in chain)
    assert document["signature"]["algorithm"] == "Ed25519" and document["signature"]["value"]
    assert len(document["entries"]) == 2
    exported_first = next(entry for entry in document["entries"] if entry["id"] == str(first.id))
    assert exported_first["versions"] == [1, 2]
    files = {attachment["name"]: attachment for attachment in exported_first["attachments"]}
    assert set(files) == {"gate.png", "note.txt"}
    assert _read(path, files["gate.png"]["path"]) == photo
    assert files["gate.png"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert _read(path, files["note.txt"]["path"]) == b"a note"

    pdf = _read(path, "bundle.pdf")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert signed["chain_head"]["hash"] in text
    # The signature covers the PDF's own hash, so the cover shows the key to check it with instead.
    assert document["signature"]["public_key"] in text
    assert crypto.public_key_fingerprint(document["signature"]["public_key"]) in text
    assert "/signing-key/" in text
    assert signed["files"] == {
        "bundle.pdf": hashlib.sha256(pdf).hexdigest(),
        files["gate.png"]["path"]: hashlib.sha256(photo).hexdigest(),
        files["note.txt"]["path"]: hashlib.sha256(b"a note").hexdigest(),
    }
    assert "Number of entries: 2" in text
    assert "He waited outside the school gate for an hour." in text
    assert "CR/123" in text
    assert "Versions: 2" in text
    assert files["gate.png"]["sha256"] in text and files["note.txt"]["sha256"] in text
    assert b"/Subtype /Image" in pdf  # the photo is drawn, not just listed
    assert page_count(pdf) >= 3  # the cover, then a page per entry


def test_entries_outside_the_range_leave_only_chain_headers(member, other_member, build):
    secret_file = b"OUTSIDE-FILE-BYTES"
    outside = record(
        member, "OUTSIDE-MARKER text", 10, month=2, uploads=[upload("outside.txt", secret_file, "text/plain")]
    )
    inside = record(member, "Inside the range.", 10)
    deleted = record(member, "DELETED-MARKER text", 11)
    entry_delete(entry=deleted)
    record(other_member, "OTHER-MEMBER-MARKER", 12)

    path = build(member)

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(name) for name in names)
    pdf = pdf_text(_read(path, "bundle.pdf"))
    for marker in ("OUTSIDE-MARKER", "DELETED-MARKER", "OTHER-MEMBER-MARKER"):
        assert marker.encode() not in everything
        assert marker not in pdf
    assert secret_file not in everything
    assert str(outside.id) not in pdf and str(deleted.id) not in pdf
    document = read_document(path)
    assert [entry["id"] for entry in document["entries"]] == [str(inside.id)]
    # The whole chain is there, so its links can be checked, but only headers for the others.
    assert len(document["chain"]) == EntryVersion.objects.filter(member=member).count() == 4
    for link in document["chain"]:
        assert ("content" in link) == (link["entry"] == str(inside.id))
    assert not any(name.startswith("attachments/") for name in names)


def test_a_destroyed_entry_stays_in_the_chain_as_a_tombstone_without_content(member, build):
    gone = record(member, "TOMBSTONE-MARKER", 5, uploads=[upload("x.txt", b"gone-bytes", "text/plain")])
    record(member, "Still here.", 6)
    entry_destroy(entry=gone)

    document = read_document(build(member))

    links = [link for link in document["chain"] if link["entry"] == str(gone.id)]
    assert [link["kind"] for link in links] == ["created", "destroyed"]
    assert all("content" not in link for link in links)
    assert b"TOMBSTONE-MARKER" not in _read(build(member), "bundle.json")


def test_a_member_with_no_entries_gets_an_empty_signed_bundle(member, build):
    document = read_document(build(member))

    assert document["chain"] == [] and document["entries"] == []
    assert document["signed"]["chain_head"]["sequence"] == 0


def test_a_range_that_ends_before_it_starts_is_refused(member):
    with pytest.raises(ValueError, match="end of the range is before its start"):
        export.bundle_build(member=member, start=date(2025, 3, 2), end=date(2025, 3, 1), target=io.BytesIO())


# --- Any entry the form accepts exports -------------------------------------------------------


def _every_field_full() -> dict:
    """Every field of the entry form at its longest (see forms.IncidentForm)."""
    sentence = "He stood across the road and watched the house for a long time. "
    account = (sentence * (20_000 // len(sentence) + 1))[: 20_000 - len(" END-OF-ACCOUNT")] + " END-OF-ACCOUNT"
    return {
        "what_happened": account,
        "exact_words": "Q" * 20_000,  # one word, as a pasted link or message might be
        "effect": ("I could not sleep.\n" * 1_100)[:20_000],
        "witnesses": ("The neighbour at number 12. " * 200)[:5_000],
        "location": "L" * 500,
        "sender": "S" * 500,
        "vehicle": "V" * 500,
        "crime_reference": "C" * 200,
        "officer": "O" * 200,
        "behaviours": [code for code, _label in Behaviour.CHOICES],
        "occurred_approximately": True,
        "children_present": True,
        "reported_to_police": True,
    }


def test_an_entry_with_every_field_full_exports_and_its_words_are_all_in_the_pdf(member, build, public_key):
    fields = _every_field_full()
    entry = record(member, day=7, **fields)

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    assert read_document(path)["chain"][0]["content"]["exact_words"] == "Q" * 20_000
    pdf = _read(path, "bundle.pdf")
    text = pdf_text(pdf)
    assert "END-OF-ACCOUNT" in text
    assert text.count("Q") >= 20_000  # the long word is broken across lines, not cut off
    assert all(letter * 50 in text for letter in "LSVCO")  # every short field, broken over lines too
    assert str(entry.id) in text
    assert page_count(pdf) > 10  # long values run on over pages


def test_a_6000_character_account_in_one_paragraph_exports(member, build, public_key):
    account = ("Words without a line break, " * 300)[:6_000]
    record(member, account, 8)

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    assert page_count(_read(path, "bundle.pdf")) >= 3


def test_two_entries_with_the_same_long_account_each_show_every_word(member, build, public_key):
    """The PDF reads a text repeated on many entries only once; each entry still draws it in
    full, here where it runs on over pages."""
    account = ("Words without a line break, " * 300)[:5_985] + " END-OF-ACCOUNT"
    record(member, account, 8, location="Elm Road")
    record(member, account, 9, location="Elm Road")

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    text = pdf_text(_read(path, "bundle.pdf"))
    assert text.count("END-OF-ACCOUNT") == 2
    assert text.count("Words") == 2 * account.count("Words")
    assert text.count("Elm Road") == 2


def _png(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_99_pictures_are_all_in_the_zip_and_drawn_in_the_pdf(member, build, public_key):
    pictures = [_png(size=(20 + number, 20)) for number in range(99)]  # no two alike
    record(
        member,
        "Photos of every letter.",
        9,
        uploads=[upload(f"{n}.png", p, "image/png") for n, p in enumerate(pictures)],
    )

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    with zipfile.ZipFile(path) as archive:
        kept = {archive.read(name) for name in archive.namelist() if name.startswith("attachments/")}
    assert kept == set(pictures)
    assert _read(path, "bundle.pdf").count(b"/Subtype /Image") == 99


def test_photos_are_stored_in_the_zip_as_they_are_and_other_files_deflated(member, build, public_key):
    """Deflating a photo again gains nothing; a text note (kept from before uploads were
    checked) still shrinks. Either way the files are byte for byte what the member gave."""
    photo = png_bytes()
    note = b"a note, " * 500
    record(
        member,
        "A photo and a note.",
        11,
        uploads=[upload("gate.png", photo, "image/png"), upload("note.txt", note, "text/plain")],
    )

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    photo_path = in_bundle(photo, "png")
    note_path = in_bundle(note, "txt")
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(photo_path).compress_type == zipfile.ZIP_STORED
        assert archive.getinfo(note_path).compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo("bundle.pdf").compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo("bundle.json").compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(photo_path) == photo and archive.read(note_path) == note


def test_a_bundle_is_built_with_as_many_queries_for_twelve_entries_as_for_one(member, other_member):
    def queries_for(who) -> int:
        with CaptureQueriesContext(connection) as captured:
            export.bundle_build(member=who, start=date(2025, 3, 1), end=date(2025, 3, 31), target=io.BytesIO())
        return len(captured.captured_queries)

    record(other_member, "One entry with a photo.", 1, uploads=[upload("a.png", png_bytes(), "image/png")])
    for day in range(1, 13):
        entry = record(
            member, f"Entry {day} with a photo.", day, uploads=[upload(f"{day}.png", _png((20 + day, 20)), "image/png")]
        )
        if day % 3 == 0:
            entry_edit(
                entry=entry, data=IncidentData(what_happened=f"Entry {day}, edited.", occurred_at=entry.occurred_at)
            )

    assert queries_for(member) == queries_for(other_member)


def test_a_picture_the_pdf_cannot_draw_is_named_in_the_pdf_and_kept_in_the_zip(member, build, public_key):
    """Kept before uploads were decoded in full: a PNG whose checksums are right but whose
    picture is broken. The download is still made, with the file byte for byte."""
    damaged, good = broken_png(), png_bytes()
    record(
        member,
        "A photo of the car.",
        10,
        uploads=[upload("car.png", damaged, "image/png"), upload("gate.png", good, "image/png")],
    )

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    damaged_path = in_bundle(damaged, "png")
    assert _read(path, damaged_path) == damaged
    pdf = _read(path, "bundle.pdf")
    text = " ".join(pdf_text(pdf).split())
    assert f"This picture could not be drawn; it is in the zip as {damaged_path}." in text
    assert pdf.count(b"/Subtype /Image") == 1  # the good one is still drawn


# --- Where pictures and words are drawn ----------------------------------------------------------


def _jpeg(size, *, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation  # as a phone held on its side saves it
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _pictures_of_every_shape() -> list:
    return [
        upload("tall.png", _png((300, 4000)), "image/png"),  # taller than the page
        upload("wide.png", _png((4000, 300)), "image/png"),  # wider than the page
        upload("small.png", png_bytes(), "image/png"),
        upload("square.jpg", _jpeg((2000, 2000)), "image/jpeg"),
        upload("sideways.jpg", _jpeg((1200, 800), orientation=6), "image/jpeg"),
        upload("IMG_0001.HEIC", heic_bytes(size=(640, 480)), "image/heic"),
    ]


def test_no_picture_covers_any_words_and_every_page_says_its_bundle_range_and_number(member, build):
    # Accounts of different lengths push the pictures to every height of a page, the foot included.
    for day, lines in enumerate((1, 25, 48, 61), start=3):
        record(member, "He drove past the house again. " * 12 * lines, day, uploads=_pictures_of_every_shape())

    path = build(member)

    pdf = _read(path, "bundle.pdf")
    pages = pdf_layout(pdf)
    bundle = read_document(path)["signed"]["bundle"]
    assert sum(len(page.image_boxes) for page in pages) == 4 * 6  # every picture drawn
    width, height = A4
    text_area = Box(export.PDF_MARGIN, export.PDF_MARGIN, width - export.PDF_MARGIN, height - export.PDF_MARGIN)
    for number, page in enumerate(pages, start=1):
        assert overlaps(page) == [], f"page {number}"
        for image in page.image_boxes:
            # Inside the text area, scaled to fit it, with space of its own above and below.
            assert text_area.left - 0.01 <= image.left and image.right <= text_area.right + 0.01
            assert text_area.bottom - 0.01 <= image.bottom and image.top <= text_area.top + 0.01
            assert image.top - image.bottom <= export.PDF_IMAGE_MAX_HEIGHT + 0.01
            spaced = Box(image.left, image.bottom - 2, image.right, image.top + 2)
            assert not any(spaced.overlaps(words) for words in page.text_boxes), f"page {number}"
        assert bundle in page.text
        assert "Entries from 01 March 2025 to 31 March 2025" in page.text
        assert f"Page {number} of {len(pages)}" in page.strings
    assert len(pages) == page_count(pdf) > 5


def test_the_check_for_pictures_over_words_finds_one(member):
    """The test above could pass by finding nothing: this page draws a picture over its words."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setFont("Courier", 7.5)
    canvas.drawString(100, 500, "SHA-256: 4a2260edd88fbfc935db18d90ccde5f338be84bfd0a658200e76935460ef8142")
    canvas.drawImage(ImageReader(io.BytesIO(_png((40, 20)))), 150, 480, 40, 21.5)  # its top at the text's foot
    canvas.drawString(100, 300, "Words beside a picture")
    canvas.drawImage(ImageReader(io.BytesIO(_png((40, 20)))), 300, 290, 40, 20)  # to their right: not over them
    canvas.showPage()
    canvas.save()

    (page,) = pdf_layout(buffer.getvalue())

    assert [text for text, _words, _image in overlaps(page)] == [
        "SHA-256: 4a2260edd88fbfc935db18d90ccde5f338be84bfd0a658200e76935460ef8142"
    ]
    assert len(page.image_boxes) == 2


# --- Earlier versions ----------------------------------------------------------------------------


def _server_time(version: EntryVersion) -> str:
    return version.recorded_at.astimezone(UTC).strftime("%d %B %Y, %H:%M:%S UTC")


def test_an_edited_entry_shows_every_earlier_version_in_full_after_the_current_one(member, build):
    entry = record(member, "FIRST-WORDS he was at the gate.", 14, location="Elm Road")
    entry_edit(
        entry=entry,
        data=IncidentData(
            what_happened="SECOND-WORDS he was at the gate at eight.",
            occurred_at=entry.occurred_at,
            location="Elm Road",
            reported_to_police=True,
        ),
    )
    entry_edit(
        entry=entry,
        data=IncidentData(
            what_happened="CURRENT-WORDS he was at the school gate at eight.",
            occurred_at=entry.occurred_at,
            location="Elm Road, by the school",
            reported_to_police=True,
            crime_reference="CR/77",
        ),
    )
    entry_delete(entry=entry)
    entry_restore(entry=entry)
    versions = list(EntryVersion.objects.filter(entry=entry).order_by("number"))

    text = " ".join(pdf_text(_read(build(member), "bundle.pdf")).split())

    current = text.index("CURRENT-WORDS")
    earlier = text.index("Earlier versions")
    headings = [
        text.index(
            f"Version {version.number} of 5: {version.get_kind_display()}, recorded by the portal "
            f"{_server_time(version)} (link {version.sequence})"
        )
        for version in reversed(versions[:-1])
    ]
    assert current < earlier < headings[0]
    assert headings == sorted(headings)  # the newest earlier version first, back to the first
    v4, v3, v2, v1 = headings
    # Moving to recently deleted and back changed no words: said once, not repeated in full.
    assert "The same words as version 5." in text[v4:v3]
    assert "The same words as version 4." in text[v3:v2]
    second, first = text[v2:v1], text[v1:]
    assert "SECOND-WORDS he was at the gate at eight." in second and "CURRENT-WORDS" not in second
    assert "Reported to police Yes" in second
    assert "FIRST-WORDS he was at the gate." in first and "SECOND-WORDS" not in first
    assert "Reported to police Not answered" in first  # never "No": nothing was said
    assert "Crime reference Not answered" in first and "CR/77" not in first  # empty, never a blank
    assert text.count("CR/77") == 1


def test_an_entry_never_edited_has_no_earlier_versions(member, build):
    record(member, "Only ever one version.", 15)

    text = pdf_text(_read(build(member), "bundle.pdf"))

    assert "Only ever one version." in text
    assert "Earlier versions" not in text


def test_a_file_removed_by_an_edit_is_named_with_its_hash_under_the_version_that_had_it(member, build):
    photo = png_bytes()
    entry = record(member, "A photo added by mistake.", 16, uploads=[upload("wrong.png", photo, "image/png")])
    entry_edit(
        entry=entry,
        data=IncidentData(what_happened="A photo added by mistake.", occurred_at=entry.occurred_at),
        remove=[entry.attachments.get().id],
    )

    pdf = _read(build(member), "bundle.pdf")

    text = " ".join(pdf_text(pdf).split())
    first = text[text.index("Version 1 of 2: Created") :]
    assert f"File wrong.png, SHA-256: {hashlib.sha256(photo).hexdigest()}" in first
    assert "Attachments: 0" in text
    assert pdf.count(b"/Subtype /Image") == 0  # the current version draws no picture it no longer lists

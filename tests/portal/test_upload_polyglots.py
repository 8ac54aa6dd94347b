"""Polyglots and overfull forms: a file that is a real picture (or PDF) and also a web page or an
archive is refused with a plain message and nothing is stored; what phones really write (a
motion photo's video on the end of a JPEG, XMP metadata, noisy pictures) is still kept; a form
with more files than Django reads at once gets a page saying so, and nothing is saved."""

import io
import os
import struct
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from diary.models import Attachment, Entry, EntryVersion
from portal.uploads import UploadRefused, upload_check
from tests.files import PDF, jpeg_bytes, png_bytes, upload

LIMIT = 10 * 1024 * 1024
PAGE = b"<!doctype html><html><body><script>fetch('/notes/').then(r=>r.text()).then(alert)</script></body></html>"


def zip_archive(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def jpeg_with_segment(marker: int, payload: bytes, picture: bytes | None = None) -> bytes:
    """A real JPEG with one more segment (a comment, or an APP segment) just after its start."""
    picture = picture or jpeg_bytes(size=(64, 48))
    segment = struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
    return picture[:2] + segment + picture[2:]


def is_picture(content: bytes) -> bool:
    with Image.open(io.BytesIO(content)) as image:
        image.load()
    return True


JPEG_AND_PAGE = jpeg_with_segment(0xFE, PAGE)  # the page in a JPEG comment, read by a browser as HTML
JPEG_AND_ZIP = jpeg_bytes(size=(64, 48)) + zip_archive(**{"run.html": PAGE, "notes.txt": b"x" * 500})
PNG_AND_ZIP = png_bytes() + zip_archive(**{"payload.js": b"alert(1)"})
JPEG_WITH_SCRIPT_AT_THE_END = jpeg_bytes(size=(64, 48)) + b"\n" + PAGE
PDF_AND_ZIP = PDF + zip_archive(**{"invoice.exe": b"MZ" + b"\x00" * 300})


def test_the_polyglots_are_real_on_both_sides():
    """Each is a picture Pillow decodes in full, and (where it holds one) an archive Python opens."""
    for content in (JPEG_AND_PAGE, JPEG_AND_ZIP, PNG_AND_ZIP, JPEG_WITH_SCRIPT_AT_THE_END):
        assert is_picture(content)
    for content, member in ((JPEG_AND_ZIP, "run.html"), (PNG_AND_ZIP, "payload.js"), (PDF_AND_ZIP, "invoice.exe")):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert archive.read(member)
    assert b"<script>" in JPEG_AND_PAGE[:200], "within what a browser reads to guess a file's kind"


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("photo.jpg", JPEG_AND_PAGE, "a picture"),
        ("photo.jpg", JPEG_AND_ZIP, "a picture"),
        ("screenshot.png", PNG_AND_ZIP, "a picture"),
        ("photo.jpg", JPEG_WITH_SCRIPT_AT_THE_END, "a picture"),
        ("letter.pdf", PDF_AND_ZIP, "a file"),
    ],
)
def test_a_polyglot_is_refused_with_a_plain_message(name, content, what):
    with pytest.raises(UploadRefused) as refused:
        upload_check(upload(name, content, "image/jpeg"), max_bytes=LIMIT)

    assert refused.value.code == "hidden_content"
    message = refused.value.message
    assert message.startswith(f"“{name}” is {what} with another kind of file hidden inside it")
    assert "it was not saved" in message
    if what == "a picture":
        assert "take a screenshot of it and attach the screenshot instead" in message


def motion_photo() -> bytes:
    """A JPEG with a short video on its end, as Android phones save a "motion photo"."""
    video = struct.pack(">I", 24) + b"ftypmp42" + b"\x00\x00\x00\x00" + b"isommp42" + os.urandom(50_000)
    return jpeg_bytes(size=(64, 48)) + video + b"MotionPhoto_Data"


def jpeg_with_xmp() -> bytes:
    xmp = (
        b"http://ns.adobe.com/xap/1.0/\x00<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>Front door'
        b"</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    )
    return jpeg_with_segment(0xE1, xmp)


def noisy_png() -> bytes:
    """A picture of random noise: megabytes of bytes no compressor can shorten."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (900, 900), os.urandom(900 * 900 * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "recognised"),
    [
        (motion_photo(), "image/jpeg"),
        (jpeg_with_xmp(), "image/jpeg"),
        (noisy_png(), "image/png"),
        (struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + os.urandom(3 * 1024 * 1024), "video/mp4"),
        (PDF, "application/pdf"),
    ],
)
def test_what_phones_really_write_is_still_kept(content, recognised):
    file = upload("file", content, "application/octet-stream")

    upload_check(file, max_bytes=LIMIT)

    assert file.content_type == recognised
    assert file.read() == content, "left at its start, whole"


# --- Through the diary's form ---------------------------------------------------------------


def stored_files(settings) -> list:
    root = settings.STORAGES["encrypted"]["OPTIONS"]["location"]
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def nothing_stored(settings) -> bool:
    return not (
        Entry.objects.exists() or EntryVersion.objects.exists() or Attachment.objects.exists() or stored_files(settings)
    )


def entry_form(**extra):
    return {
        "what_happened": "A parcel left at the door",
        "occurred_date": "2025-05-01",
        "occurred_time": "09:00",
        **extra,
    }


@pytest.mark.django_db
def test_a_polyglot_sent_with_an_entry_is_refused_and_nothing_is_stored(client, member, settings):
    client.force_login(member)

    response = client.post(
        reverse("diary:new"), entry_form(attachments=[upload("photo.jpg", JPEG_AND_ZIP, "image/jpeg")])
    )

    assert response.status_code in (200, 400)
    assert "“photo.jpg” is a picture with another kind of file hidden inside it" in response.content.decode()
    assert nothing_stored(settings)


@pytest.mark.django_db
def test_a_thousand_small_files_get_a_page_that_says_so_and_nothing_is_stored(client, member, settings):
    client.force_login(member)
    many = [upload(f"p{n}.png", png_bytes(), "image/png") for n in range(1000)]

    response = client.post(reverse("diary:new"), entry_form(attachments=many))

    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Too many files at once</h1>" in page
    assert f"A form can send up to {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a time" in page
    assert "nothing in it was saved" in page
    assert "no-store" in response["Cache-Control"], "a signed-in page, like any other"
    assert 'rel="noreferrer"' in page, "the quick exit is on the page"
    assert nothing_stored(settings)


@pytest.mark.django_db
def test_too_many_fields_get_their_own_plain_page(client, member, settings):
    client.force_login(member)
    data = entry_form(**{f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})

    response = client.post(reverse("diary:new"), data)

    assert response.status_code == 400
    assert "That form was too large to read" in response.content.decode()
    assert nothing_stored(settings)


@pytest.mark.django_db
def test_other_bad_requests_keep_the_general_page(client):
    response = client.get("/", HTTP_HOST="not-this-site.example")

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()
    assert "Too many files" not in response.content.decode()

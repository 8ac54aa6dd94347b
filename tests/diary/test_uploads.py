"""Attachments are checked by what they contain; a refused file leaves nothing behind.

Each kind of bad file gets its own plain message, the member's words are kept in the form,
and no entry, version, attachment or stored file is created.
"""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from diary.models import Attachment, Entry, EntryVersion
from portal import crypto
from portal.fields import open_file
from tests.files import broken_png, heic_bytes, jpeg_bytes, png_bomb

WORDS = "He sent flowers to my work with a card"


def stored_files(settings) -> list:
    root = settings.STORAGES["encrypted"]["OPTIONS"]["location"]
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def post_entry(client, *files):
    return client.post(
        reverse("diary:new"),
        {
            "what_happened": WORDS,
            "occurred_date": "2025-05-01",
            "occurred_time": "09:00",
            "location": "Outside the office",
            "attachments": list(files),
        },
    )


def assert_refused(response, settings, message: str):
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Nothing has been saved yet" in html
    assert WORDS in html and 'value="Outside the office"' in html  # the member's words are kept
    assert not Entry.objects.exists()
    assert not EntryVersion.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_a_real_photo_is_kept_byte_for_byte_with_its_fingerprint(signed_in, settings):
    photo = jpeg_bytes()

    response = post_entry(signed_in, SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg"))

    attachment = Attachment.objects.get()
    assert response.status_code == 302
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()
    assert attachment.content_type == "image/jpeg"
    assert len(stored_files(settings)) == 1
    served = signed_in.get(reverse("diary:attachment", kwargs={"attachment_id": attachment.id}))
    assert b"".join(served.streaming_content) == photo


def test_an_iphone_photo_in_heic_is_kept_byte_for_byte(signed_in, settings):
    photo = heic_bytes(size=(120, 90))

    response = post_entry(signed_in, SimpleUploadedFile("IMG_4032.HEIC", photo, content_type="image/heic"))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/heic"
    assert attachment.size == len(photo)
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()  # of the original, not a converted copy
    (stored,) = stored_files(settings)
    assert photo not in stored.read_bytes()  # encrypted at rest
    with crypto.key_scope():
        assert b"".join(open_file(attachment, "file")) == photo
    served = signed_in.get(reverse("diary:attachment", kwargs={"attachment_id": attachment.id}))
    assert b"".join(served.streaming_content) == photo


def test_a_damaged_heic_photo_is_refused_kindly(signed_in, settings):
    response = post_entry(signed_in, SimpleUploadedFile("IMG_4033.HEIC", heic_bytes()[:150], content_type="image/heic"))

    assert_refused(response, settings, "“IMG_4033.HEIC” could not be opened as a picture")


def test_a_program_named_as_a_heic_photo_is_refused(signed_in, settings):
    fake = b"MZ\x90\x00" + b"\x00" * 200
    response = post_entry(signed_in, SimpleUploadedFile("IMG_4034.HEIC", fake, content_type="image/heic"))

    assert_refused(response, settings, "“IMG_4034.HEIC” is not a kind of file the diary can keep")


def test_several_files_of_different_kinds_in_one_entry(signed_in):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    post_entry(
        signed_in,
        SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
        SimpleUploadedFile("b.pdf", pdf, content_type="application/pdf"),
    )

    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/jpeg"]


def test_the_type_recorded_is_what_the_file_is_not_what_the_browser_says(signed_in):
    post_entry(signed_in, SimpleUploadedFile("photo", jpeg_bytes(), content_type="text/html"))

    assert Attachment.objects.get().content_type == "image/jpeg"


def test_a_program_renamed_as_a_photo_is_refused(signed_in, settings):
    fake = b"MZ\x90\x00" + b"\x00" * 200  # a Windows program's first bytes
    response = post_entry(signed_in, SimpleUploadedFile("holiday.jpg", fake, content_type="image/jpeg"))

    assert_refused(response, settings, "“holiday.jpg” is not a kind of file the diary can keep")


def test_html_renamed_as_a_photo_is_refused(signed_in, settings):
    page = b"<html><script>alert(1)</script></html>"
    response = post_entry(signed_in, SimpleUploadedFile("screenshot.png", page, content_type="image/png"))

    assert_refused(response, settings, "“screenshot.png” is not a kind of file the diary can keep")


def test_a_damaged_photo_is_refused(signed_in, settings):
    damaged = jpeg_bytes()[:40]  # a JPEG's first bytes, then nothing
    response = post_entry(signed_in, SimpleUploadedFile("cut.jpg", damaged, content_type="image/jpeg"))

    assert_refused(response, settings, "“cut.jpg” could not be opened as a picture")


def test_a_picture_whose_image_data_is_broken_is_refused(signed_in, settings):
    """Every checksum of the file is right, so a structural check passes it; only decoding the
    picture shows it is broken (and such a file once made the member's downloads fail)."""
    damaged = broken_png()
    Image.open(io.BytesIO(damaged)).verify()  # what the check used to rely on passes it

    response = post_entry(signed_in, SimpleUploadedFile("broken.png", damaged, content_type="image/png"))

    assert_refused(response, settings, "“broken.png” could not be opened as a picture")


def test_a_file_over_the_size_limit_is_refused(signed_in, settings):
    settings.DIARY_MAX_UPLOAD_BYTES = 1024 * 1024
    big = jpeg_bytes() + b"\x00" * (1024 * 1024)
    response = post_entry(signed_in, SimpleUploadedFile("big.jpg", big, content_type="image/jpeg"))

    assert_refused(response, settings, "larger than the 1 MB limit for one file")


def test_an_empty_file_is_refused(signed_in, settings):
    response = post_entry(signed_in, SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"))

    assert_refused(response, settings, "“empty.jpg” is empty (0 bytes)")


def test_a_decompression_bomb_is_refused(signed_in, settings):
    bomb = png_bomb()
    assert len(bomb) < 100_000
    response = post_entry(signed_in, SimpleUploadedFile("map.png", bomb, content_type="image/png"))

    assert_refused(response, settings, "“map.png” is a picture too large to open safely")


def test_one_bad_file_among_good_ones_stores_none_of_them(signed_in, settings):
    response = post_entry(
        signed_in,
        SimpleUploadedFile("good.jpg", jpeg_bytes(), content_type="image/jpeg"),
        SimpleUploadedFile("bad.jpg", b"not a picture at all", content_type="image/jpeg"),
    )

    assert_refused(response, settings, "“bad.jpg” is not a kind of file")


def test_a_bad_file_added_while_editing_changes_nothing(signed_in, member, settings):
    post_entry(signed_in)
    entry = Entry.objects.get()
    versions = entry.versions.count()

    response = signed_in.post(
        reverse("diary:edit", kwargs={"entry_id": entry.id}),
        {
            "what_happened": "New words",
            "occurred_date": "2025-05-01",
            "occurred_time": "09:00",
            "attachments": [SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg")],
        },
    )

    assert response.status_code == 200
    assert "New words" in response.content.decode()
    assert entry.versions.count() == versions
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []

"""portal.uploads: a file is checked by what it contains, and each refusal says which file and why."""

import pytest

from portal.uploads import UploadRefused, upload_check
from tests.files import (
    PDF,
    broken_png,
    heic_bomb,
    heic_bytes,
    heic_with_brands,
    jpeg_bytes,
    png_bomb,
    png_bytes,
    upload,
)

LIMIT = 1024 * 1024


def refusal(file) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        upload_check(file, max_bytes=LIMIT)
    return refused.value


@pytest.mark.parametrize(
    ("content", "recognised"),
    [
        (jpeg_bytes(), "image/jpeg"),
        (png_bytes(), "image/png"),
        (PDF, "application/pdf"),
        (heic_bytes(), "image/heic"),  # an iPhone's photo
        (heic_with_brands(b"mif1", b"mif1", b"heic"), "image/heic"),
        (heic_with_brands(b"heix", b"mif1", b"heix"), "image/heic"),  # 10-bit
        (heic_with_brands(b"mif1", b"mif1"), "image/heif"),
    ],
)
def test_a_file_is_kept_as_what_it_is_whatever_the_browser_said(content, recognised):
    file = upload("file", content, "text/html")

    upload_check(file, max_bytes=LIMIT)

    assert file.content_type == recognised
    assert file.read() == content  # left at its start, for whoever stores it


@pytest.mark.parametrize(
    ("file", "code", "message"),
    [
        (upload("empty.jpg", b"", "image/jpeg"), "empty", "“empty.jpg” is empty (0 bytes)"),
        (
            upload("big.jpg", jpeg_bytes() + b"\x00" * LIMIT, "image/jpeg"),
            "too_large",
            "larger than the 1 MB limit for one file",
        ),
        (
            upload("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg"),
            "file_type",
            "“holiday.jpg” is not a kind of file the diary can keep",
        ),
        (
            upload("screenshot.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "file_type",
            "“screenshot.png” is not a kind of file",
        ),
        (upload("cut.jpg", jpeg_bytes()[:40], "image/jpeg"), "image_damaged", "“cut.jpg” could not be opened"),
        (upload("broken.png", broken_png(), "image/png"), "image_damaged", "“broken.png” could not be opened"),
        (upload("map.png", png_bomb(), "image/png"), "image_too_large", "“map.png” is a picture too large"),
        # HEIC: checked as every other picture is, by decoding it in full, with the same limits.
        (upload("IMG_1.HEIC", heic_bytes()[:150], "image/heic"), "image_damaged", "“IMG_1.HEIC” could not be opened"),
        (
            upload("IMG_2.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"<html>" * 50, "image/heic"),
            "image_damaged",
            "“IMG_2.HEIC” could not be opened",
        ),
        (  # says it is an AVIF picture and a HEIC one: libheif cannot decode it
            upload("IMG_3.HEIC", heic_with_brands(b"avif", b"mif1", b"heic"), "image/heic"),
            "image_damaged",
            "“IMG_3.HEIC” could not be opened",
        ),
        (upload("IMG_4.HEIC", heic_bomb(), "image/heic"), "image_too_large", "“IMG_4.HEIC” is a picture too large"),
        (
            upload("IMG_5.HEIC", heic_bomb(10_000, 10_000), "image/heic"),  # over the limit, under twice it
            "image_too_large",
            "“IMG_5.HEIC” is a picture too large",
        ),
        (upload("IMG_6.HEIC", b"MZ\x90\x00" + b"\x00" * 200, "image/heic"), "file_type", "“IMG_6.HEIC” is not a kind"),
    ],
)
def test_each_kind_of_bad_file_is_refused_with_its_own_message(file, code, message):
    refused = refusal(file)

    assert refused.code == code
    assert message in refused.message == str(refused)


def test_the_message_names_what_refuses_the_file():
    with pytest.raises(UploadRefused, match="not a kind of file your plan can keep"):
        upload_check(upload("a.txt", b"just words", "text/plain"), max_bytes=LIMIT, kept_by="your plan")

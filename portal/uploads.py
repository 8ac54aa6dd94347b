"""Checking an uploaded file before anything keeps it: by what it contains, never by its name or
the browser's word. Shared by every app that keeps members' files.

Services call ``upload_check`` themselves (they do not trust their callers); forms call it too,
to report every problem with every file at once.
"""

import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Protocol, cast

import filetype
import pillow_heif
from PIL import Image, UnidentifiedImageError

# Pillow reads HEIC/HEIF (what an iPhone's camera takes) through pillow-heif, everywhere in the
# portal once this module is imported. Only the picture itself is ever decoded: never a thumbnail
# embedded beside it (which could show something else), nor depth maps or other extra images.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# HEIF pictures (HEIC when coded as HEVC, as an iPhone's are), as named in their first box.
HEIC_BRANDS = frozenset({"heic", "heix", "heim", "heis"})
HEIF_BRANDS = frozenset({"mif1"})
# Kinds of file a member may attach, as recognised from their first bytes.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"})
AUDIO_TYPES = frozenset(
    {"audio/mpeg", "audio/mp4", "audio/x-wav", "audio/ogg", "audio/aac", "audio/amr", "audio/x-flac"}
)
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-m4v"})
DOCUMENT_TYPES = frozenset({"application/pdf"})
ALLOWED_TYPES = IMAGE_TYPES | AUDIO_TYPES | VIDEO_TYPES | DOCUMENT_TYPES
# What a file picker offers for these (a convenience only: the check is by content).
ACCEPT = "image/*,audio/*,video/*,application/pdf"
# Pillow's own default: a 24-bit image this size is about 256 MB when decoded. Larger
# "images" are almost always built to exhaust memory (a decompression bomb).
MAX_IMAGE_PIXELS = 89_478_485
# filetype needs at most this many leading bytes to recognise a file.
SNIFF_BYTES = 8192

# Polyglots: a file that is at once a real picture (or recording, or PDF) and something else.
# Markup that runs when a browser reads a file as a web page, looked for anywhere in a picture:
# no camera or screenshot writes it, and long enough that a picture's own bytes never spell it.
RUNNING_MARKUP = re.compile(rb"<(?:script|iframe|object|embed|meta\s+http-equiv)[\s>/]", re.IGNORECASE)
# Markup that makes the start of a file read as a web page, looked for where browsers look when
# they guess a file's kind (the first 1,445 bytes, in the WHATWG MIME sniffing standard).
PAGE_MARKUP = re.compile(rb"<(?:html|head|body|svg|!doctype\s+html)[\s>/]", re.IGNORECASE)
PAGE_SNIFF_BYTES = 1445
# A ZIP archive is read from its end: its last record ("end of central directory", 22 bytes and
# a comment of up to 65,535) ends the file, just after the central directory it points to.
ZIP_END = b"PK\x05\x06"
ZIP_DIRECTORY_ENTRY = b"PK\x01\x02"
ZIP_END_SEARCH = 22 + 65_535
SCAN_CHUNK = 1024 * 1024


class Upload(Protocol):
    """What is needed of an uploaded file (Django's UploadedFile has it)."""

    name: str | None
    size: int | None
    content_type: str

    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class UploadRefused(Exception):
    """A file that cannot be kept; the message says which file, why, and what to do instead."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@contextmanager
def picture_opened(stream: IO[bytes]) -> Iterator[Image.Image]:
    """A picture opened by Pillow (HEIC included), not yet decoded; one too large to open safely
    (a decompression bomb) raises ``Image.DecompressionBombError`` instead. Used wherever a
    member's picture is opened: the check below, and the PDF of a download."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                yield image
        except Image.DecompressionBombWarning as warning:
            raise Image.DecompressionBombError(str(warning)) from warning


def _heif_type(head: bytes) -> str | None:
    """``image/heic`` or ``image/heif`` if the file's first box says it is a HEIF picture.

    filetype knows only HEIC whose main brand is "heic"; iPhones also write "heix" (10-bit) and
    "mif1" with the HEIC brand among the compatible ones. A HEIF of another coding (AVIF) is
    not taken for one.
    """
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = min(struct.unpack(">I", head[:4])[0], len(head))
    brands = {head[offset : offset + 4].decode("latin-1") for offset in range(8, size - 3, 4) if offset != 12}
    if brands & HEIC_BRANDS:
        return "image/heic"
    if brands & HEIF_BRANDS and not brands & {"avif", "avis"}:
        return "image/heif"
    return None


def _check_image(upload: Upload, name: str) -> None:
    """Refuse images Pillow cannot read, and images too large to open safely."""
    problem = (
        f"“{name}” could not be opened as a picture. It may be damaged. "
        "Try taking a screenshot of it instead, or attach a different copy."
    )
    stream = cast(IO[bytes], upload)  # Pillow needs only read and seek, which an Upload has
    upload.seek(0)
    try:
        with picture_opened(stream) as image:
            image.verify()
        # verify() checks the file's structure (a PNG's checksums) but not its picture: a
        # broken compressed stream passes it, then fails when drawn. So decode it in full too
        # (verify() leaves the image unusable: it is opened again).
        upload.seek(0)
        with picture_opened(stream) as image:
            image.load()
    except Image.DecompressionBombError as error:
        raise UploadRefused(
            f"“{name}” is a picture too large to open safely, so it was not saved. "
            "Try a screenshot of it, or a smaller copy.",
            code="image_too_large",
        ) from error
    # Pillow reports a damaged file in many ways (zlib's and struct's errors among them), and
    # pillow-heif some of libheif's as RuntimeError.
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        RuntimeError,
        struct.error,
        zlib.error,
    ) as error:
        raise UploadRefused(problem, code="image_damaged") from error
    finally:
        upload.seek(0)


def _holds_archive(upload: Upload, size: int) -> bool:
    """Whether a ZIP archive ends the file: an end record whose comment reaches the very end, just
    after a central directory entry (random bytes, as in a video, never line all of that up)."""
    start = max(size - ZIP_END_SEARCH, 0)
    upload.seek(start)
    tail = upload.read(ZIP_END_SEARCH)
    upload.seek(0)
    found = tail.rfind(ZIP_END)
    while found >= 0:
        record = tail[found : found + 22]
        if len(record) == 22:
            directory_size, _offset, comment_length = struct.unpack("<IIH", record[12:22])
            directory_at = start + found - directory_size
            if found + 22 + comment_length == len(tail) and 0 <= directory_at < start + found:
                upload.seek(directory_at)
                is_entry = upload.read(4) == ZIP_DIRECTORY_ENTRY
                upload.seek(0)
                if is_entry:
                    return True
        found = tail.rfind(ZIP_END, 0, found)
    return False


def _holds_markup(upload: Upload) -> bool:
    """Whether a picture holds markup a browser would run, or starts as a web page would."""
    upload.seek(0)
    overlap, previous = 32, b""
    first = True
    try:
        while chunk := upload.read(SCAN_CHUNK):
            if first and PAGE_MARKUP.search(chunk[:PAGE_SNIFF_BYTES]):
                return True
            first = False
            if RUNNING_MARKUP.search(previous[-overlap:] + chunk):
                return True
            previous = chunk
    finally:
        upload.seek(0)
    return False


def _check_single_kind(upload: Upload, name: str, mime: str, size: int) -> None:
    """Refuse a file that is also another kind of file (a polyglot): a picture that is also a web
    page, or any file with an archive on its end. The member's own photos and recordings never
    are; such files are made to attack whoever opens them, or to slip past checks like these."""
    picture = mime in IMAGE_TYPES
    if _holds_archive(upload, size) or (picture and _holds_markup(upload)):
        what = "a picture" if picture else "a file"
        raise UploadRefused(
            f"“{name}” is {what} with another kind of file hidden inside it (a web page or an archive), "
            "so it was not saved: files made this way can harm whoever opens them. "
            + (
                "If it is a picture you need to keep, take a screenshot of it and attach the screenshot instead."
                if picture
                else "If you need to keep it, write in your entry where it came from, and keep the file "
                "itself somewhere safe."
            ),
            code="hidden_content",
        )


def upload_check(upload: Upload, *, max_bytes: int, kept_by: str = "the diary") -> None:
    """Check one uploaded file, or raise ``UploadRefused``.

    On success the file's ``content_type`` is the one recognised from its bytes. ``kept_by``
    names, in the message, what refuses a kind of file it cannot keep.
    """
    name = upload.name or "This file"
    if not upload.size:
        raise UploadRefused(
            f"“{name}” is empty (0 bytes), so it was not saved. Please choose the file again.", code="empty"
        )
    if upload.size > max_bytes:
        raise UploadRefused(
            f"“{name}” is {_megabytes(upload.size)}, larger than the {_megabytes(max_bytes)} limit for one file, "
            "so it was not saved. Try a shorter recording or a smaller copy.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = _heif_type(head) or (kind.mime if kind else None)
    if mime not in ALLOWED_TYPES:
        raise UploadRefused(
            f"“{name}” is not a kind of file {kept_by} can keep, so it was not saved. "
            "You can attach photos and screenshots (JPEG, PNG, GIF, WebP, and HEIC from an iPhone), "
            "sound recordings, videos and PDF documents.",
            code="file_type",
        )
    if mime in IMAGE_TYPES:
        _check_image(upload, name)
    _check_single_kind(upload, name, mime, upload.size)
    # What the file is, not what the browser said it is.
    upload.content_type = mime

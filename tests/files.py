"""Files for tests: pictures good, damaged and malicious, as a browser would upload them."""

import io
import struct
import zlib

import pillow_heif
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# The first bytes of a PDF and nothing more: enough to be recognised as one.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def heic_bytes(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    """A real HEIC picture, as an iPhone's camera saves them (HEVC-coded HEIF), made by libheif."""
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, colour)).save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


def heic_with_brands(major: bytes, *compatible: bytes, size=(64, 48)) -> bytes:
    """A real HEIC picture whose first box names other brands (as other phones and apps write)."""
    picture = heic_bytes(size)
    length = struct.unpack(">I", picture[:4])[0]
    brands = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    # The same length as the box it replaces: the picture's data is found by its offset in the file.
    assert len(brands) <= length - 8, "too many brands for the box"
    brands += b"miaf" * ((length - 8 - len(brands)) // 4)
    return struct.pack(">I", length) + b"ftyp" + brands + picture[length:]


def heic_bomb(width=30_000, height=30_000) -> bytes:
    """A real HEIC picture of 64 by 64 pixels whose header claims ``width`` by ``height``."""
    picture = heic_bytes(size=(64, 64))  # a whole number of coding blocks: no crop box to undo the claim
    spatial = picture.index(b"ispe")
    return picture[: spatial + 8] + struct.pack(">II", width, height) + picture[spatial + 16 :]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def broken_png(width=40, height=20) -> bytes:
    """A PNG whose every checksum is right but whose compressed picture data is garbled: it
    passes a structural check (Pillow's verify()) and fails only when the picture is decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height)))
    garbled = pixels[:2] + bytes(byte ^ 0x5A for byte in pixels[2:])  # a valid zlib header, then noise
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", garbled) + _png_chunk(b"IEND", b"")


def png_bomb(width=30_000, height=30_000) -> bytes:
    """A valid PNG header claiming 900 megapixels, in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    pixels = zlib.compress(row * 8, 9)  # a few rows only: enough to be a real stream
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)

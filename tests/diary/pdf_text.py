"""Just enough PDF reading for tests: the pages' text operators and the page count."""

import base64
import re
import zlib

STREAM = re.compile(rb"<<((?:(?!<<).)*?)>>\s*stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)


def _decoded(dictionary: bytes, data: bytes) -> bytes:
    if b"/ASCII85Decode" in dictionary:
        data = base64.a85decode(data.strip().removesuffix(b"~>"))
    if b"/FlateDecode" in dictionary:
        data = zlib.decompress(data)
    return data


def pdf_text(pdf: bytes) -> str:
    """The text strings drawn on the pages, joined (escapes undone, hyphenation ignored)."""
    streams = b"\n".join(_decoded(dictionary, data) for dictionary, data in STREAM.findall(pdf))
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*T[jJ]", streams)
    return "\n".join(re.sub(rb"\\(.)", rb"\1", s).decode("latin-1") for s in strings)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))

"""The words a plan's PDF draws, typographic quotes included (tests/diary/pdf_text.py reads
plain text only: it leaves a PDF's octal escapes, such as \\222 for ’, as digits)."""

import re

from tests.diary.pdf_text import STREAM, _decoded

TEXT_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*T[jJ]")
ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)


def _unescaped(match: re.Match) -> bytes:
    escaped = match[1]
    return bytes([int(escaped, 8)]) if escaped[:1].isdigit() else escaped


def pdf_words(pdf: bytes) -> str:
    """Every string drawn, in order, with runs of white space made one space. reportlab's
    standard fonts use WinAnsi (cp1252) for characters beyond ASCII."""
    streams = b"\n".join(_decoded(dictionary, data) for dictionary, data in STREAM.findall(pdf))
    strings = [ESCAPE.sub(_unescaped, found).decode("cp1252") for found in TEXT_SHOWN.findall(streams)]
    return " ".join(" ".join(strings).split())

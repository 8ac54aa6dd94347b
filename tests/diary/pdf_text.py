"""Just enough PDF reading for tests: the pages' text operators, the page count, and where each
page draws its text and its images."""

import base64
import re
import zlib
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics

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


def pdf_pictures(pdf: bytes) -> list[bytes]:
    """The pictures the PDF holds, as files (a JPEG's own bytes, for one drawn as a JPEG)."""
    return [_decoded(dictionary, data) for dictionary, data in STREAM.findall(pdf) if b"/Subtype /Image" in dictionary]


# --- Where things are drawn on each page -------------------------------------------------------
# Enough of a PDF content stream interpreter for what reportlab writes (standard fonts, images as
# XObjects): the box of every string of text and of every image, page by page, in points.

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.DOTALL)
REFERENCE = rb"(\d+) 0 R"
TOKEN = re.compile(
    rb"\((?:\\.|[^\\)])*\)"  # a string (reportlab escapes the brackets inside one)
    rb"|/[^\s/\[\]()<>]+"  # a name
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)"  # a number
    rb"|[\[\]]"
    rb"|[A-Za-z'\"*]+",  # an operator
    re.DOTALL,
)
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in points from its bottom left corner."""

    left: float
    bottom: float
    right: float
    top: float

    def overlaps(self, other: "Box", tolerance: float = 0.01) -> bool:
        """Whether the two share an area (more than a hair's breadth: touching is not overlapping)."""
        return (
            min(self.right, other.right) - max(self.left, other.left) > tolerance
            and min(self.top, other.top) - max(self.bottom, other.bottom) > tolerance
        )


@dataclass
class PageLayout:
    """What one page draws: its strings of text (in order), and their boxes and those of its images."""

    strings: list[str] = field(default_factory=list)
    text_boxes: list[Box] = field(default_factory=list)
    image_boxes: list[Box] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.strings)


def _multiply(first: tuple, second: tuple) -> tuple:
    a, b, c, d, e, f = first
    g, h, i, j, k, m = second
    return (a * g + b * i, a * h + b * j, c * g + d * i, c * h + d * j, e * g + f * i + k, e * h + f * j + m)


def _through(matrix: tuple, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return (a * x + c * y + e, b * x + d * y + f)


def _box(matrix: tuple, left: float, bottom: float, right: float, top: float) -> Box:
    corners = [_through(matrix, x, y) for x in (left, right) for y in (bottom, top)]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _unescaped(token: bytes) -> str:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, token[1:-1], flags=re.DOTALL).decode("cp1252")


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(number): body for number, body in OBJECT.findall(pdf)}


def _stream(body: bytes) -> bytes:
    match = STREAM.search(body)
    assert match, "no stream in the object"
    return _decoded(match.group(1), match.group(2))


def _pages(objects: dict[int, bytes]) -> list[bytes]:
    """The page objects, in order (following the page tree from the catalogue)."""
    catalogue = next(body for body in objects.values() if re.search(rb"/Type\s*/Catalog\b", body))
    root = int(re.search(rb"/Pages\s+" + REFERENCE, catalogue).group(1))

    def walk(number: int) -> list[bytes]:
        body = objects[number]
        if re.search(rb"/Type\s*/Pages\b", body):
            kids = re.search(rb"/Kids\s*\[(.*?)\]", body, re.DOTALL).group(1)
            return [page for kid in re.findall(REFERENCE, kids) for page in walk(int(kid))]
        return [body]

    return walk(root)


def _page_layout(page: bytes, objects: dict[int, bytes], fonts: dict[str, str]) -> PageLayout:
    images = {
        name.decode(): b"/Subtype /Image" in objects[int(number)]
        for name, number in re.findall(rb"/([^\s/\[\]()<>]+)\s+" + REFERENCE, page)
    }
    contents = re.search(rb"/Contents\s+(\[[^\]]*\]|\d+ 0 R)", page).group(1)
    stream = b"\n".join(_stream(objects[int(number)]) for number in re.findall(REFERENCE, contents))
    layout = PageLayout()
    ctm, saved = IDENTITY, []
    tm = tlm = IDENTITY
    font, size, leading, char_space, word_space, scale = "Helvetica", 0.0, 0.0, 0.0, 0.0, 1.0
    operands: list = []

    def show(text: str) -> None:
        nonlocal tm
        face = pdfmetrics.getFont(font).face
        width = pdfmetrics.stringWidth(text, font, size) + char_space * len(text) + word_space * text.count(" ")
        width *= scale
        if text.strip():
            matrix = _multiply(tm, ctm)
            layout.text_boxes.append(_box(matrix, 0, face.descent * size / 1000, width, face.ascent * size / 1000))
            layout.strings.append(text)
        tm = _multiply((1, 0, 0, 1, width, 0), tm)

    def next_line(tx: float, ty: float) -> None:
        nonlocal tm, tlm
        tlm = tm = _multiply((1, 0, 0, 1, tx, ty), tlm)

    for match in TOKEN.finditer(stream):
        token = match.group(0)
        if token[:1] == b"(":
            operands.append(_unescaped(token))
        elif token[:1] == b"/" or token in (b"[", b"]"):
            operands.append(token.decode())
        elif re.fullmatch(rb"[-+]?(?:\d+\.?\d*|\.\d+)", token):
            operands.append(float(token))
        else:
            operator = token.decode()
            if operator == "q":
                saved.append(ctm)
            elif operator == "Q":
                ctm = saved.pop()
            elif operator == "cm":
                ctm = _multiply(tuple(operands[-6:]), ctm)
            elif operator == "BT":
                tm = tlm = IDENTITY
            elif operator == "Tf":
                font, size = fonts[operands[-2].lstrip("/")], operands[-1]
            elif operator == "TL":
                leading = operands[-1]
            elif operator == "Tc":
                char_space = operands[-1]
            elif operator == "Tw":
                word_space = operands[-1]
            elif operator == "Tz":
                scale = operands[-1] / 100
            elif operator == "Tm":
                tm = tlm = tuple(operands[-6:])
            elif operator == "Td":
                next_line(operands[-2], operands[-1])
            elif operator == "TD":
                leading = -operands[-1]
                next_line(operands[-2], operands[-1])
            elif operator == "T*":
                next_line(0, -leading)
            elif operator == "Tj":
                show(operands[-1])
            elif operator == "'":
                next_line(0, -leading)
                show(operands[-1])
            elif operator == "TJ":
                for part in operands[operands.index("[") + 1 : -1]:
                    if isinstance(part, str):
                        show(part)
                    else:
                        tm = _multiply((1, 0, 0, 1, -part / 1000 * size * scale, 0), tm)
            elif operator == "Do" and images.get(operands[-1].lstrip("/")):
                layout.image_boxes.append(_box(ctm, 0, 0, 1, 1))
            operands = []
    return layout


def pdf_layout(pdf: bytes) -> list[PageLayout]:
    """Each page's strings of text and the boxes of its text and images (a box of text reaches
    from the font's lowest descender to its highest ascender, as wide as the string is set)."""
    objects = _objects(pdf)
    fonts = {
        name.decode(): base.decode()
        for body in objects.values()
        for base, name in re.findall(rb"/BaseFont\s*/(\S+).*?/Name\s*/(\S+)", body, re.DOTALL)
    }
    return [_page_layout(page, objects, fonts) for page in _pages(objects)]


def overlaps(page: PageLayout) -> list[tuple[str, Box, Box]]:
    """Every string of text on the page that an image covers, with both boxes."""
    return [
        (text, text_box, image_box)
        for text, text_box in zip(page.strings, page.text_boxes, strict=True)
        for image_box in page.image_boxes
        if text_box.overlaps(image_box)
    ]

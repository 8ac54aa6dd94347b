"""Export bundles: a signed zip of a member's diary for a date range, for police and courts.

The zip holds ``bundle.pdf`` (for people), the attachments, and ``bundle.json`` (for machines:
the member's whole hash chain, with content only for the entries exported, and a signed
manifest of every other file in the zip). diary.verify and docs/verify_bundle_standalone.py
check it offline.

The zip is written as a stream into whatever the caller gives (for a download, the encrypting
writer of ``portal.fields.file_writer``), so no unencrypted copy is ever written to disk.
"""

import base64
import hashlib
import io
import mimetypes
import threading
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageOps
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from portal import crypto
from portal.accounts.models import User
from portal.fields import open_file
from portal.uploads import AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES, picture_opened

from . import chain, selectors, verify
from .incident import Answer, IncidentData, RenderedField
from .models import Attachment, Entry, EntryVersion

# Pictures are redrawn at most this many pixels wide or high for the PDF (the zip keeps the
# originals), so the PDF stays small and the pictures of 99 attachments are never all in memory.
PDF_IMAGE_PIXELS = 1600
# A picture is drawn at most this high (and never wider than the page's text), with this much
# empty space above and below it, so it never covers the words about it.
PDF_IMAGE_MAX_HEIGHT = 120 * mm
PDF_IMAGE_SPACE = 3 * mm
# The page's margins; the footer (bundle, range, page number) sits in the bottom one.
PDF_MARGIN = 18 * mm
PDF_FOOTER_Y = 10 * mm
# Files whose kind is already compressed are stored in the zip as they are: deflating a phone's
# photos or videos again gains nothing (they can even grow) and costs about 3 s of CPU per 100 MB.
# A WAV recording, or a file kept before uploads were checked, is deflated as before.
STORED_TYPES = (IMAGE_TYPES | VIDEO_TYPES | AUDIO_TYPES) - {"audio/x-wav"}


@dataclass(frozen=True)
class _Exported:
    entry: Entry
    versions: list[EntryVersion]
    attachments: list[Attachment]


def bundle_entries(*, member: User, start: date, end: date) -> list[Entry]:
    """The entries a bundle of this range holds: those not deleted that happened from ``start``
    to ``end`` (inclusive, local dates), oldest first, with their versions and attachments."""
    if end < start:
        raise ValueError("The end of the range is before its start. Pick an end date on or after the start date.")
    return list(
        Entry.objects.for_member(member)
        .active()
        .filter(occurred_at__date__gte=start, occurred_at__date__lte=end)
        .order_by("occurred_at", "recorded_at")
        .prefetch_related("versions", "attachments")
    )


def bundle_write(*, member: User, start: date, end: date, entries: list[Entry], target: IO[bytes]) -> None:
    """Write a signed export bundle of ``entries`` (from ``bundle_entries``) as a zip to ``target``.

    ``target`` needs only ``write`` and ``flush``: the zip is streamed, never read back.
    """
    generated_at = timezone.now()
    with crypto.key_scope(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        exported = [_Exported(entry, list(entry.versions.all()), _current_files(entry)) for entry in entries]
        included = {str(item.entry.id) for item in exported}
        links = [
            _link(version, with_content=str(version.entry_id) in included)
            for version in EntryVersion.objects.filter(member=member).order_by("sequence")
        ]
        records = [_entry_record(item) for item in exported]
        last = links[-1] if links else {"sequence": 0, "hash": chain.GENESIS, "entry": None}
        signed = {
            "format": verify.FORMAT,
            "bundle": str(uuid.uuid4()),
            "member": str(member.pk),
            "range": {"start": start.isoformat(), "end": end.isoformat()},
            "generated_at": chain.timestamp(generated_at),
            "chain_head": {"sequence": last["sequence"], "hash": last["hash"], "entry": last["entry"]},
            "entries_sha256": verify.entries_digest(records),
        }
        # Every other file goes in first, hashed as it is written; bundle.json comes last, with
        # the manifest of those hashes inside what is signed. So the PDF cannot show the signature.
        files = {verify.PDF_NAME: _write(archive, verify.PDF_NAME, [_pdf(signed, exported)])}
        for attachment in (attachment for item in exported for attachment in item.attachments):
            if (path := _attachment_path(attachment)) not in files:  # the same file attached twice is stored once
                method = zipfile.ZIP_STORED if attachment.content_type in STORED_TYPES else zipfile.ZIP_DEFLATED
                files[path] = _write(archive, path, open_file(attachment, "file"), compression=method)
        signed["files"] = dict(sorted(files.items()))
        document = {
            "signed": signed,
            "signature": {
                "algorithm": "Ed25519",
                "public_key": crypto.public_key_b64(),
                "value": base64.b64encode(crypto.sign(verify.signed_statement(signed))).decode(),
            },
            "entries": records,
            "chain": links,
        }
        _write(archive, verify.DOCUMENT_NAME, [chain.canonical(document)])


def bundle_build(*, member: User, start: date, end: date, target: IO[bytes]) -> list[Entry]:
    """Choose the entries of the range and write their bundle to ``target``; return the entries."""
    entries = bundle_entries(member=member, start=start, end=end)
    bundle_write(member=member, start=start, end=end, entries=entries, target=target)
    return entries


def _write(archive: zipfile.ZipFile, name: str, chunks, *, compression: int = zipfile.ZIP_DEFLATED) -> str:
    """Add a file to the zip, chunk by chunk; return its SHA-256."""
    digest = hashlib.sha256()
    entry = zipfile.ZipInfo(name)  # as archive.open(name) makes it, with the method chosen here
    entry.compress_type = compression
    with archive.open(entry, "w") as stream:
        for chunk in chunks:
            digest.update(chunk)
            stream.write(chunk)
    return digest.hexdigest()


def _link(version: EntryVersion, *, with_content: bool) -> dict:
    link = {
        "entry": str(version.entry_id),
        "number": version.number,
        "sequence": version.sequence,
        "kind": version.kind,
        "recorded_at": chain.timestamp(version.recorded_at),
        "content_digest": version.content_digest,
        "attachments": sorted(version.attachment_hashes),
        "previous_hash": version.previous_hash,
        "hash": version.hash,
    }
    if with_content:
        link["content"] = version.content
    return link


def _current_files(entry: Entry) -> list[Attachment]:
    """The files of the entry's current version: one removed by an edit is left out (its hash
    stays in the earlier versions' links, which still verify)."""
    return [attachment for attachment in entry.attachments.all() if attachment.removed_in_id is None]


def _attachment_path(attachment: Attachment) -> str:
    extension = mimetypes.guess_extension(attachment.content_type) or ".bin"
    return f"{verify.ATTACHMENTS_DIR}{attachment.sha256}{extension}"


def _entry_record(item: _Exported) -> dict:
    content = item.versions[-1].content
    return {
        "id": str(item.entry.id),
        "recorded_at": chain.timestamp(item.entry.recorded_at),
        "occurred_at": content["occurred_at"],
        "versions": [version.sequence for version in item.versions],
        "attachments": [
            {
                "sha256": attachment.sha256,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "name": attachment.original_name,
                "path": _attachment_path(attachment),
            }
            for attachment in item.attachments
        ],
    }


# --- The PDF ------------------------------------------------------------------------------


def _when(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_naive(moment):
        return moment.strftime("%d %B %Y, %H:%M")
    return moment.astimezone(UTC).strftime("%d %B %Y, %H:%M:%S UTC")


def _text(value) -> str:
    """Member-written text, escaped for reportlab's markup, line breaks kept."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>")


def _pdf_fields(fields: list[RenderedField], styles: dict, paragraph: "_Paragraphs") -> list:
    """Every field of one version, as words (``incident.rendered_fields``: "Not answered", never
    "No", for a question left unanswered, and "Not answered" for a box of text left empty, not a
    blank a reader could take for a lost answer). A label, then the value as a paragraph of its
    own: a paragraph can run on over several pages, where a table cell cannot (a long account
    made the whole download fail)."""
    parts = []
    for rendered in fields:
        parts += [
            paragraph(rendered.field.exported_label, styles["label"]),
            paragraph(_text(rendered.text) or Answer.NOT_ANSWERED.label, styles["body"]),
            HRFlowable(width="100%", thickness=0.25, color=colors.lightgrey, spaceBefore=2),
        ]
    return parts


def _pdf_earlier_versions(
    item: _Exported, rendered: list[selectors.RenderedVersion], styles: dict, paragraph: "_Paragraphs"
) -> list:
    """Every version before the current one, newest first, each with the portal's time and its
    words in full (a version with the same words as the one shown above it says so instead)."""
    names = {attachment.sha256: attachment.original_name for attachment in item.entry.attachments.all()}
    parts: list = [paragraph("Earlier versions", styles["h3"])]
    later = rendered[-1]
    for version in reversed(rendered[:-1]):
        parts.append(
            Paragraph(
                f"Version {version.version.number} of {len(rendered)}: {version.version.get_kind_display()}, "
                f"recorded by the portal {_when(version.version.recorded_at)} (link {version.version.sequence})",
                styles["h4"],
            )
        )
        if [field.text for field in version.fields] == [field.text for field in later.fields]:
            parts.append(Paragraph(f"The same words as version {later.version.number}.", styles["body"]))
        else:
            parts += _pdf_fields(version.fields, styles, paragraph)
        for sha256 in sorted(version.version.attachment_hashes):
            parts.append(Paragraph(f"File {_text(names.get(sha256) or 'without a name')}, SHA-256:", styles["small"]))
            parts.append(Paragraph(sha256, styles["mono"]))
        later = version
    return parts


def _styles() -> dict:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    # Member-written text may be one long word (a link, a pasted message): it is broken across
    # lines rather than running off the page (splitLongWords is set again here, never assumed).
    return {
        "title": styles["Title"],
        "h2": styles["Heading2"],
        "h3": styles["Heading3"],
        "h4": styles["Heading4"],
        "italic": styles["Italic"],
        "body": ParagraphStyle("member", parent=body, splitLongWords=1),
        "label": ParagraphStyle("label", parent=body, fontName="Helvetica-Bold", spaceBefore=5, spaceAfter=1),
        "mono": ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=7.5, leading=9, splitLongWords=1),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5, splitLongWords=1),
    }


def _pdf(signed: dict, exported: list[_Exported]) -> bytes:
    """The readable copy: a cover (range, chain head, key, how to verify), then a page per entry.

    Every page's footer names the bundle, its range and "Page N of M", so a printed page that is
    separated from the others still says where it belongs.
    """
    styles = _styles()
    body, mono, small, h3 = styles["body"], styles["mono"], styles["small"], styles["h3"]
    head = signed["chain_head"]
    public_key = crypto.public_key_b64()
    key_page = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("signing_key")
    story = [
        Paragraph("Diary export", styles["title"]),
        Paragraph(
            f"Entries that happened from {date.fromisoformat(signed['range']['start']):%d %B %Y} "
            f"to {date.fromisoformat(signed['range']['end']):%d %B %Y}.",
            body,
        ),
        Paragraph(f"Generated: {_when(signed['generated_at'])}", body),
        Paragraph(f"Number of entries: {len(exported)}", body),
        Paragraph(f"Bundle: {signed['bundle']} &nbsp; Member: {signed['member']}", body),
        Spacer(1, 4 * mm),
        Paragraph("Chain head", h3),
        Paragraph(f"Link {head['sequence']} of the member's chain, hash:", body),
        Paragraph(head["hash"], mono),
        Paragraph("Public key of the portal (base64) and its SHA-256 fingerprint", h3),
        Paragraph(public_key, mono),
        Paragraph(crypto.public_key_fingerprint(public_key), mono),
        Paragraph(
            f"The portal publishes its key at <font name='Courier'>{_text(key_page)}</font>. Compare the "
            "fingerprint above with the one published there, or read out by the portal's operator.",
            small,
        ),
        Paragraph("How to verify", h3),
        Paragraph(
            "This PDF is a readable copy. The evidence is bundle.json in the same zip file, with the "
            "attachments. Every version of every entry is a link in a hash chain. The server signed the "
            "chain head above together with a list of the SHA-256 of every other file in the zip, this PDF "
            "included, so the signature is in bundle.json rather than here. To check the bundle, run "
            "<font name='Courier'>python verify_bundle_standalone.py bundle.zip --public-key KEY</font> "
            "(from the portal's docs/verifying-evidence.md, which explains every step so it can be done by "
            "hand too), with the public key published by the portal, not the one inside the bundle. It names "
            "the first link or file that does not match, if any.",
            body,
        ),
        Paragraph(
            "Links that belong to entries outside this range, or to entries deleted by the member, are in "
            "the chain without their content, so the chain can still be checked from its start.",
            small,
        ),
    ]
    paragraph = _Paragraphs()
    for number, item in enumerate(exported, start=1):
        story += [PageBreak(), *_pdf_entry(number, item, styles, paragraph)]
    buffer = io.BytesIO()
    start, end = date.fromisoformat(signed["range"]["start"]), date.fromisoformat(signed["range"]["end"])
    footer = f"Bundle {signed['bundle']} \N{MIDDLE DOT} Entries from {start:%d %B %Y} to {end:%d %B %Y}"
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Diary export",
        leftMargin=PDF_MARGIN,
        rightMargin=PDF_MARGIN,
        topMargin=PDF_MARGIN,
        bottomMargin=PDF_MARGIN,
    ).build(story, canvasmaker=partial(_CanvasWithFooter, footer=footer))
    return buffer.getvalue()


class _Paragraphs:
    """Paragraphs for one PDF, each distinct text read by reportlab's markup parser only once.

    Most paragraphs come back on every entry (each field's label, "Not answered", the headings),
    and parsing them again each time was an eighth of the time of a 1,000-entry download. Only a
    text that parses to a single run of one style is reused: reportlab lays such a run out
    without changing it, where it rewrites the runs of mixed text (line breaks, fonts) as it
    splits them across pages. One per PDF, so no member's words are kept after it is made.
    """

    def __init__(self) -> None:
        self._runs: dict[tuple[str, ParagraphStyle], list] = {}

    def __call__(self, text: str, style: ParagraphStyle) -> Paragraph:
        if (runs := self._runs.get((text, style))) is not None:
            return Paragraph(text, style, frags=runs)
        paragraph = Paragraph(text, style)
        if len(paragraph.frags) == 1:
            self._runs[(text, style)] = paragraph.frags
        return paragraph


class _CanvasWithFooter(Canvas):
    """A canvas that holds its pages back until the last one is laid out, then gives each a footer:
    ``footer`` on the left and "Page N of M" on the right, in the bottom margin."""

    def __init__(self, *args: Any, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict] = []

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(f"Page {number} of {len(self._pages)}")
            super().showPage()
        super().save()

    def _draw_footer(self, page_number: str) -> None:
        width, _height = self._pagesize
        self.saveState()
        self.setFont("Helvetica", 7.5)
        self.setFillColor(colors.dimgrey)
        self.drawString(PDF_MARGIN, PDF_FOOTER_Y, self._footer)
        self.drawRightString(width - PDF_MARGIN, PDF_FOOTER_Y, page_number)
        self.restoreState()


def _pdf_entry(number: int, item: _Exported, styles: dict, paragraph: "_Paragraphs") -> list:
    body, mono, small = styles["body"], styles["mono"], styles["small"]
    newest = item.versions[-1]
    content = newest.content
    data = IncidentData.from_content(content)
    approximately = " (approximately)" if data.occurred_approximately else ""
    parts = [
        Paragraph(f"Entry {number}", styles["h2"]),
        Paragraph(f"Entry id: {item.entry.id}", small),
        Paragraph(f"Happened (the member's account): {_when(content['occurred_at'])}{approximately}", body),
        Paragraph(f"First recorded by the portal: {_when(item.entry.recorded_at)}", body),
        Paragraph(
            f"Versions: {len(item.versions)}; this is version {newest.number}, recorded "
            f"{_when(newest.recorded_at)} as link {newest.sequence}.",
            body,
        ),
        Spacer(1, 3 * mm),
    ]
    # Every version read by its own schema, in the one way every output reads them.
    rendered = selectors.versions_rendered(item.versions, when=_when)
    parts += _pdf_fields(rendered[-1].fields, styles, paragraph)
    if len(rendered) > 1:
        parts += _pdf_earlier_versions(item, rendered, styles, paragraph)
    parts.append(paragraph("History", styles["h4"]))
    for version in item.versions:
        parts.append(
            Paragraph(
                f"Version {version.number}: {version.get_kind_display()}, {_when(version.recorded_at)} "
                f"(link {version.sequence}, hash <font name='Courier'>{version.hash}</font>)",
                small,
            )
        )
    parts.append(paragraph(f"Attachments: {len(item.attachments)}", styles["h4"]))
    for attachment in item.attachments:
        path = _attachment_path(attachment)
        described = [
            Paragraph(
                f"{_text(attachment.original_name)} ({attachment.content_type}, {attachment.size} bytes), file {path}",
                small,
            ),
            Paragraph(f"SHA-256: {attachment.sha256}", mono),
        ]
        if attachment.content_type.startswith("image/"):
            picture = _pdf_image(attachment)
            if picture is None:
                described.append(
                    Paragraph(f"This picture could not be drawn; it is in the zip as {path}.", styles["italic"])
                )
            else:
                described.append(picture)
        parts += [KeepTogether(described), HRFlowable(width="100%", color=colors.lightgrey)]
    return parts


class _Picture(Flowable):
    """A picture in a space of its own: the whole width of the text, as high as the picture is
    drawn, with empty space above and below, so no words are ever drawn over it or under it. It
    is scaled down (never up) to fit the width and ``PDF_IMAGE_MAX_HEIGHT``, keeping its shape."""

    def __init__(self, jpeg: bytes, width: int, height: int) -> None:
        super().__init__()
        self._jpeg, self._pixels = _Jpeg(jpeg), (width, height)
        self._drawn = (float(width), float(height))
        self.spaceBefore = self.spaceAfter = PDF_IMAGE_SPACE

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # reportlab's names
        width, height = self._pixels
        scale = min(1.0, availWidth / width, PDF_IMAGE_MAX_HEIGHT / height)
        self._drawn = (width * scale, height * scale)
        self._width = availWidth
        return availWidth, self._drawn[1]

    def draw(self) -> None:
        width, height = self._drawn
        with _binary_stream():
            self.canv.drawImage(self._jpeg, (self._width - width) / 2, 0, width, height)


_USE_A85_CHANGING = threading.Lock()


@contextmanager
def _binary_stream() -> Iterator[None]:
    """A picture drawn meanwhile is kept in the PDF as the JPEG's own bytes, not as ASCII85 text.

    ASCII85 (reportlab's default, for PDFs sent as 7-bit text) makes a picture a quarter bigger,
    and encoding it, with the second decoding of each picture that ``_Jpeg`` avoids, was a fifth
    of the time of a download of 1,000 entries with 100 photos. The PDF only ever travels inside
    the zip. ``useA85`` is reportlab's setting for the whole process, read as a picture is added,
    so it is changed for that moment only, one thread at a time (two threads interleaving their
    changes could leave it off for good); text of another PDF laid out meanwhile would be binary
    too, which is as valid. The pages' text keeps the default: its streams are small.
    """
    with _USE_A85_CHANGING:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = before


class _Jpeg:
    """A JPEG for reportlab's ``drawImage``, which copies its bytes into the PDF as they are.

    An ``ImageReader`` would be decoded again, whole, only to name the picture by an MD5 of its
    pixels; reportlab names any other source by ``str()``, so this one gives the SHA-256 of its
    bytes (the same picture drawn twice is kept once). ``jpeg_fh`` is how reportlab asks a
    source for a JPEG's file (``ImageReader`` has it too).
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._name = f"jpeg-{hashlib.sha256(data).hexdigest()}"

    def __str__(self) -> str:
        return self._name

    def jpeg_fh(self) -> io.BytesIO:
        return io.BytesIO(self._data)


def _pdf_image(attachment: Attachment) -> _Picture | None:
    """A converted copy of the picture (JPEG, redrawn small, as the phone showed it), or None if
    it cannot be decoded. HEIC is read as every other kind (``portal.uploads``).

    Decoding it here, in full, catches a damaged picture before reportlab lays out the PDF
    (where it would make the whole download fail); the zip keeps the original either way.
    """
    original = io.BytesIO(b"".join(open_file(attachment, "file")))  # one picture at a time
    try:
        with picture_opened(original) as picture:
            picture.draft("RGB", (PDF_IMAGE_PIXELS, PDF_IMAGE_PIXELS))  # JPEGs decode smaller, faster
            # Turned and shrunk where it is (no copies of a photo's pixels), before it is closed.
            ImageOps.exif_transpose(picture, in_place=True)  # as the phone showed it
            picture.thumbnail((PDF_IMAGE_PIXELS, PDF_IMAGE_PIXELS))
            drawn = _on_white(picture)
            redrawn = io.BytesIO()
            drawn.save(redrawn, format="JPEG", quality=85)
    # Pillow raises many kinds of error for the many ways a file can be damaged (OSError,
    # SyntaxError, struct.error, zlib's errors, pillow-heif's RuntimeError...); any of them means
    # the picture is listed, not drawn.
    except Exception:
        return None
    finally:
        original.close()
    return _Picture(redrawn.getvalue(), *drawn.size)


def _on_white(picture: PillowImage.Image) -> PillowImage.Image:
    """RGB for JPEG: transparent parts become white, as a viewer would show them on paper."""
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        picture = picture.convert("RGBA")
        background = PillowImage.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture if picture.mode == "RGB" else picture.convert("RGB")

"""Export bundles: a signed zip of a member's diary for a date range, for police and courts.

The zip holds ``bundle.json`` (for machines: the member's whole hash chain, with content only for
the entries exported), ``bundle.pdf`` (for people) and the attachments. evidence_log.verify and
docs/verify_bundle_standalone.py check it offline.
"""

import base64
import io
import mimetypes
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from portal import crypto
from portal.accounts.models import User
from portal.fields import open_file

from . import verify
from .models import Attachment, Entry, EntryVersion
from .services import Behaviour, IncidentData, _timestamp

# Images larger than this are listed with their hash but not drawn into the PDF.
PDF_IMAGE_MAX_BYTES = 15 * 1024 * 1024
PDF_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif"}

FIELD_LABELS = {
    "occurred_at": "When it happened",
    "occurred_approximately": "Time is approximate",
    "what_happened": "What happened",
    "behaviours": "Kinds of behaviour",
    "location": "Where",
    "exact_words": "Exact words used",
    "sender": "Sent from (number, account or address)",
    "vehicle": "Vehicle",
    "witnesses": "Witnesses",
    "children_present": "Children present",
    "effect": "Effect on the member",
    "reported_to_police": "Reported to police",
    "crime_reference": "Crime reference",
    "officer": "Officer",
}


@dataclass(frozen=True)
class _Exported:
    entry: Entry
    versions: list[EntryVersion]
    attachments: list[Attachment]


def bundle_build(*, member: User, start: date, end: date) -> Path:
    """Write a signed export bundle of the member's entries that happened from ``start`` to
    ``end`` (inclusive, local dates) to a new temporary file, and return its path.

    The caller owns the file and deletes it when done.
    """
    if end < start:
        raise ValueError("The end of the range is before its start. Pick an end date on or after the start date.")
    generated_at = timezone.now()
    with crypto.key_scope():
        exported = _exported_entries(member=member, start=start, end=end)
        included = {str(item.entry.id) for item in exported}
        links = [
            _link(version, with_content=str(version.entry_id) in included)
            for version in EntryVersion.objects.filter(member=member).order_by("sequence")
        ]
        entries = [_entry_record(item) for item in exported]
        last = links[-1] if links else {"sequence": 0, "hash": verify.chain.GENESIS, "entry": None}
        signed = {
            "format": verify.FORMAT,
            "bundle": str(uuid.uuid4()),
            "member": str(member.pk),
            "range": {"start": start.isoformat(), "end": end.isoformat()},
            "generated_at": _timestamp(generated_at),
            "chain_head": {"sequence": last["sequence"], "hash": last["hash"], "entry": last["entry"]},
            "entries_sha256": verify.entries_digest(entries),
        }
        document = {
            "signed": signed,
            "signature": {
                "algorithm": "Ed25519",
                "public_key": crypto.public_key_b64(),
                "value": base64.b64encode(crypto.sign(verify.signed_statement(signed))).decode(),
            },
            "entries": entries,
            "chain": links,
        }
        handle = tempfile.NamedTemporaryFile(prefix="bundle-", suffix=".zip", delete=False)  # noqa: SIM115 - the caller owns it
        with handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(verify.DOCUMENT_NAME, verify.chain.canonical(document))
            archive.writestr(verify.PDF_NAME, _pdf(document, exported))
            written = set()  # the same file attached twice is stored once
            for attachment in (attachment for item in exported for attachment in item.attachments):
                if (path := _attachment_path(attachment)) not in written:
                    written.add(path)
                    with archive.open(path, "w") as target:
                        for chunk in open_file(attachment, "file"):
                            target.write(chunk)
    return Path(handle.name)


def _exported_entries(*, member: User, start: date, end: date) -> list[_Exported]:
    entries = (
        Entry.objects.for_member(member)
        .active()
        .filter(occurred_at__date__gte=start, occurred_at__date__lte=end)
        .order_by("occurred_at", "recorded_at")
        .prefetch_related("versions", "attachments")
    )
    return [_Exported(entry, list(entry.versions.all()), list(entry.attachments.all())) for entry in entries]


def _link(version: EntryVersion, *, with_content: bool) -> dict:
    link = {
        "entry": str(version.entry_id),
        "number": version.number,
        "sequence": version.sequence,
        "kind": version.kind,
        "recorded_at": _timestamp(version.recorded_at),
        "content_digest": version.content_digest,
        "attachments": sorted(version.attachment_hashes),
        "previous_hash": version.previous_hash,
        "hash": version.hash,
    }
    if with_content:
        link["content"] = version.content
    return link


def _attachment_path(attachment: Attachment) -> str:
    extension = mimetypes.guess_extension(attachment.content_type) or ".bin"
    return f"{verify.ATTACHMENTS_DIR}{attachment.sha256}{extension}"


def _entry_record(item: _Exported) -> dict:
    content = item.versions[-1].content
    return {
        "id": str(item.entry.id),
        "recorded_at": _timestamp(item.entry.recorded_at),
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
    return moment.astimezone(timezone.UTC).strftime("%d %B %Y, %H:%M:%S UTC")


def _text(value) -> str:
    """Member-written text, escaped for reportlab's markup, line breaks kept."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>")


def _field_value(name: str, value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "occurred_at":
        return _when(value)
    if name == "behaviours":
        return ", ".join(Behaviour.LABELS.get(code, code) for code in value) or "None ticked"
    return _text(value)


def _pdf(document: dict, exported: list[_Exported]) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    mono = ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=7.5, leading=9)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5)
    signed = document["signed"]
    head = signed["chain_head"]
    story = [
        Paragraph("Diary export", styles["Title"]),
        Paragraph(
            f"Entries that happened from {date.fromisoformat(signed['range']['start']):%d %B %Y} "
            f"to {date.fromisoformat(signed['range']['end']):%d %B %Y}.",
            body,
        ),
        Paragraph(f"Generated: {_when(signed['generated_at'])}", body),
        Paragraph(f"Number of entries: {len(exported)}", body),
        Paragraph(f"Bundle: {signed['bundle']} &nbsp; Member: {signed['member']}", body),
        Spacer(1, 4 * mm),
        Paragraph("Chain head", styles["Heading3"]),
        Paragraph(f"Link {head['sequence']} of the member's chain, hash:", body),
        Paragraph(head["hash"], mono),
        Paragraph("Signature (Ed25519, base64)", styles["Heading3"]),
        Paragraph(document["signature"]["value"], mono),
        Paragraph("Public key of the portal (base64) and its SHA-256 fingerprint", styles["Heading3"]),
        Paragraph(document["signature"]["public_key"], mono),
        Paragraph(crypto.public_key_fingerprint(document["signature"]["public_key"]), mono),
        Paragraph("How to verify", styles["Heading3"]),
        Paragraph(
            "This PDF is a readable copy. The evidence is bundle.json in the same zip file, with the "
            "attachments. Every version of every entry is a link in a hash chain; the server signed the "
            "chain head above. To check the bundle, run <font name='Courier'>python "
            "verify_bundle_standalone.py bundle.zip --public-key KEY</font> (from the portal's "
            "docs/verifying-evidence.md, which explains every step so it can be done by hand too), with "
            "the public key obtained from the portal's operator, not from this file. It names the first "
            "link that does not match, if any. Compare the chain head and signature printed here with "
            "bundle.json.",
            body,
        ),
        Paragraph(
            "Links that belong to entries outside this range, or to entries deleted by the member, are in "
            "the chain without their content, so the chain can still be checked from its start.",
            small,
        ),
    ]
    for number, item in enumerate(exported, start=1):
        story += [PageBreak(), *_pdf_entry(number, item, styles, body, mono, small)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Diary export",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    ).build(story)
    return buffer.getvalue()


def _pdf_entry(number: int, item: _Exported, styles, body, mono, small) -> list:
    newest = item.versions[-1]
    content = newest.content
    data = IncidentData.from_content(content)
    approximately = " (approximately)" if data.occurred_approximately else ""
    parts = [
        Paragraph(f"Entry {number}", styles["Heading2"]),
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
    rows = [
        [Paragraph(f"<b>{label}</b>", small), Paragraph(_field_value(name, content.get(name, "")), body)]
        for name, label in FIELD_LABELS.items()
    ]
    table = Table(rows, colWidths=[45 * mm, None])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)])
    parts.append(table)
    parts.append(Paragraph("History", styles["Heading4"]))
    for version in item.versions:
        parts.append(
            Paragraph(
                f"Version {version.number}: {version.get_kind_display()}, {_when(version.recorded_at)} "
                f"(link {version.sequence}, hash <font name='Courier'>{version.hash}</font>)",
                small,
            )
        )
    parts.append(Paragraph(f"Attachments: {len(item.attachments)}", styles["Heading4"]))
    for attachment in item.attachments:
        described = [
            Paragraph(
                f"{_text(attachment.original_name)} ({attachment.content_type}, {attachment.size} bytes), "
                f"file {_attachment_path(attachment)}",
                small,
            ),
            Paragraph(f"SHA-256: {attachment.sha256}", mono),
        ]
        if attachment.content_type in PDF_IMAGE_TYPES and attachment.size <= PDF_IMAGE_MAX_BYTES:
            described.append(_pdf_image(attachment))
        parts += [KeepTogether(described), HRFlowable(width="100%", color=colors.lightgrey)]
    return parts


def _pdf_image(attachment: Attachment):
    data = io.BytesIO(b"".join(open_file(attachment, "file")))
    try:
        image = Image(data)
        width, height = image.imageWidth, image.imageHeight
    except Exception:  # a file reportlab cannot draw is still listed, with its hash
        return Paragraph("(This image cannot be shown here; it is in the zip file.)", getSampleStyleSheet()["Italic"])
    scale = min(1.0, (170 * mm) / width, (120 * mm) / height)
    image.drawWidth, image.drawHeight = width * scale, height * scale
    return image

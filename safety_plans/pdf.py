"""The plan as a PDF the member can download and print: every section, ticked and not, in the
order of sections.py, with the emergency numbers from the advice library."""

import io
from datetime import datetime

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .selectors import RenderedSection

PDF_MARGIN = 18 * mm
TITLE = "My plan"  # neutral: a printed page left lying about names nothing


def _text(value) -> str:
    """Member-written text, escaped for reportlab's markup, line breaks kept."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>")


def _styles() -> dict:
    styles = getSampleStyleSheet()
    body = ParagraphStyle("plan", parent=styles["BodyText"], splitLongWords=1)
    return {
        "title": styles["Title"],
        "h2": styles["Heading2"],
        "body": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=6 * mm, firstLineIndent=-6 * mm),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5),
    }


def plan_pdf(*, sections: list[RenderedSection], saved_at: datetime | None) -> bytes:
    styles = _styles()
    story: list = [Paragraph(TITLE, styles["title"])]
    if saved_at is not None:
        story.append(Paragraph(f"Last saved {timezone.localtime(saved_at):%d %B %Y, %H:%M}", styles["small"]))
    for rendered in sections:
        story.append(Paragraph(_text(rendered.section.title), styles["h2"]))
        story.append(Paragraph(_text(rendered.section.prompt), styles["small"]))
        for helpline in rendered.helplines:
            note = f" ({_text(helpline.phone_note)})" if helpline.phone_note else ""
            story.append(Paragraph(f"<b>{_text(helpline.name)}</b>: {_text(helpline.phone)}{note}", styles["body"]))
        for item in rendered.items:
            mark = "[x]" if item.checked else "[  ]"
            story.append(Paragraph(f"{mark} {_text(item.item.text)}", styles["item"]))
        if rendered.section.has_code_word:
            story.append(
                Paragraph(f"<b>Code word:</b> {_text(rendered.code_word or 'not written yet')}", styles["body"])
            )
        story.append(Paragraph(f"<b>{_text(rendered.section.notes_label)}:</b>", styles["body"]))
        story.append(Paragraph(_text(rendered.notes or "Nothing written yet."), styles["body"]))
        story.append(Spacer(1, 3 * mm))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=TITLE,
        leftMargin=PDF_MARGIN,
        rightMargin=PDF_MARGIN,
        topMargin=PDF_MARGIN,
        bottomMargin=PDF_MARGIN,
    ).build(story)
    return buffer.getvalue()

"""Downloads in the real Chromium: the dates the form offers are shown and sent as they are, and
the "being prepared" page moves on by itself when the download is ready."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from diary.models import ExportRequest, ExportStatus
from tests.diary.helpers import record
from tests.factories import ExportRequestFactory, MemberFactory

PHONE = {"width": 390, "height": 844}
READY_LINK = re.compile(r"^Download \(")  # "Download (1.2 KB)", beside a ready download


def test_the_offered_dates_show_in_the_date_fields_and_make_a_download(new_context, sign_in, live_server):
    member = MemberFactory()
    record(member, "He was outside the station again.", 12)
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, member)

    page.goto("/notes/download/")

    # A date input shows nothing for a value it cannot read (as "05/11/2026" was), and sends nothing.
    expect(page.get_by_label("From")).to_have_value("2025-03-12")
    expect(page.get_by_label("To")).to_have_value(timezone.localdate().isoformat())
    page.get_by_role("button", name="Prepare download").click()

    expect(page.locator("main")).not_to_contain_text("This field is required")
    export = ExportRequest.objects.get(member=member)
    assert (export.start.isoformat(), export.end) == ("2025-03-12", timezone.localdate())
    expect(page.get_by_role("link", name=READY_LINK)).to_be_visible()


def test_the_page_moves_on_by_itself_when_the_download_is_ready(new_context, sign_in, live_server):
    member = MemberFactory()
    export = ExportRequestFactory(member=member, status=ExportStatus.RUNNING)
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, member)
    page.goto("/notes/download/")
    expect(page.locator("main")).to_contain_text("being prepared")
    expect(page.get_by_role("link", name=READY_LINK)).to_have_count(0)

    ExportRequest.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY, size=1234, expires_at=timezone.now() + timedelta(hours=24)
    )

    # Nobody touches the page: the Refresh header brings the link within a few seconds.
    expect(page.get_by_role("link", name=READY_LINK)).to_be_visible(timeout=8_000)

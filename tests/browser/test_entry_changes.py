"""Changing an entry on a phone: answering yes/no questions, removing a file added by mistake, and
reading the entry's history with what changed (axe-core, keyboard, no sideways scrolling)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from diary import services
from diary.incident import IncidentData
from diary.models import Entry
from tests.diary.helpers import record
from tests.factories import MemberFactory, png_upload

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def _member_with_an_entry():
    member = MemberFactory()
    entry = record(member, "He followed me home from the station.", uploads=[png_upload("mistake.png")])
    return member, entry


def test_removing_a_file_and_answering_no_by_keyboard_then_reading_the_history(new_context, sign_in, live_server):
    member, entry = _member_with_an_entry()
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, member)
    page.goto(f"/notes/{entry.id}/edit/")

    page.get_by_label("What happened").fill("He followed me home from the bus station.")
    page.get_by_label("Remove this file (mistake.png)").focus()
    page.keyboard.press("Space")
    page.locator("summary", has_text="More details").click()
    page.get_by_role("group", name="Did you report it to the police?").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("h1")).to_have_text("Diary entry")
    expect(page.get_by_text("mistake.png")).to_have_count(0)
    expect(page.locator("dt:has-text('Reported to the police') + dd")).to_have_text("No")
    expect(page.locator("dt:has-text('Children present') + dd")).to_have_text("Not answered")

    page.get_by_role("link", name="History").click()
    latest = page.locator(".history-version").last
    expect(latest.locator("ins").first).to_contain_text("bus")
    expect(latest.locator("del", has_text="mistake.png")).to_have_count(1)
    assert Entry.objects.get().current_version.attachment_hashes == []


@pytest.mark.parametrize("viewport", [NARROW, PHONE, DESKTOP], ids=["320", "390", "1280"])
def test_the_edit_and_history_pages_have_no_axe_violations_and_fit_the_screen(
    new_context, sign_in, live_server, axe, viewport
):
    member, entry = _member_with_an_entry()
    mistake = entry.attachments.get()
    services.entry_edit(
        entry=entry,
        data=IncidentData.from_content(entry.current_content).replace(
            what_happened="He followed me home from the bus station, again and again and again.",
            children_present=True,
        ),
        uploads=[png_upload("kept.png", colour=(0, 0, 200))],
        remove=[mistake.id],
    )
    page = new_context(viewport=viewport).new_page()
    sign_in(page, member)
    problems = []
    for path in (f"/notes/{entry.id}/edit/", f"/notes/{entry.id}/history/"):
        page.goto(path)
        page.wait_for_load_state("load")
        for details in page.locator("main details").all():
            details.evaluate("element => element.open = true")
        for violation in axe.run(page).response["violations"]:
            problems.append(
                f"{path}: {violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
            )
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"{path}: {overflow} px wider than the screen")
    assert problems == []

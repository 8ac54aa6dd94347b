"""The diary on a phone: write an entry with a photo in one screen, find it, check its fingerprint.

Also axe-core on the diary's pages, on a phone and a desktop.
"""

import hashlib
import io
import re
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from diary import services
from diary.models import Entry
from diary.services import IncidentData
from tests.factories import MemberFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_quick_entry_with_a_photo_on_a_phone(new_context, sign_in, live_server, tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 48), "orange").save(photo, "JPEG")
    page = new_context(viewport=PHONE).new_page()
    member = MemberFactory()
    sign_in(page, member)

    page.get_by_role("link", name="Write down what happened").click()
    page.get_by_label("What happened").fill("Saw the grey car outside school at pick-up")
    page.get_by_label("Add photos, screenshots, videos or documents").set_input_files(str(photo))
    # The optional details stay folded away until asked for.
    expect(page.get_by_label("Where")).to_be_hidden()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("h1")).to_have_text("Diary entry")
    expect(page.locator("main")).to_contain_text("Saw the grey car outside school at pick-up")
    expect(page.locator("code.sha256")).to_have_text(hashlib.sha256(photo.read_bytes()).hexdigest())
    assert page.title().endswith("– Notes")

    page.get_by_role("link", name="Back to your diary").click()
    expect(page.locator(".diary-list")).to_contain_text("Saw the grey car outside school at pick-up")
    expect(page.locator(".diary-list")).to_contain_text("1 file")
    assert Entry.objects.for_member(member).count() == 1


def test_quick_entry_without_javascript_still_saves_a_photo(new_context, sign_in, live_server, tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 32), "purple").save(photo, "JPEG")
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page, MemberFactory())

    page.goto("/notes/new/")
    page.get_by_label("What happened").fill("Letter through the door")
    page.get_by_label("Add photos, screenshots, videos or documents").set_input_files(str(photo))
    page.get_by_role("button", name="Save").click()

    expect(page.locator("code.sha256")).to_have_text(hashlib.sha256(photo.read_bytes()).hexdigest())


def test_a_refused_file_is_explained_and_the_words_are_kept(new_context, sign_in, live_server, tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"this is not a picture")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, MemberFactory())

    page.goto("/notes/new/")
    page.get_by_label("What happened").fill("Messages all night")
    page.get_by_label("Add photos, screenshots, videos or documents").set_input_files(str(fake))
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".error-summary")).to_contain_text("is not a kind of file the diary can keep")
    expect(page.get_by_label("What happened")).to_have_value("Messages all night")
    assert not Entry.objects.exists()


@pytest.fixture(scope="module")
def axe():
    return Axe()


def diary_pages(member):
    data = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(data, "JPEG")
    upload = SimpleUploadedFile("p.jpg", data.getvalue(), content_type="image/jpeg")
    entry = services.entry_record(
        member=member,
        data=IncidentData(
            what_happened="Followed from the station",
            occurred_at=datetime(2025, 2, 3, 18, 0, tzinfo=UTC),
            behaviours=["following"],
            location="Station Road",
            reported_to_police=True,
            crime_reference="AB/1/25",
        ),
        uploads=[upload],
    ).entry
    services.entry_edit(
        entry=entry,
        data=IncidentData(what_happened="Followed from the station to home", occurred_at=entry.occurred_at),
    )
    return {
        "quick entry": "/notes/new/",
        "timeline": "/notes/",
        "detail": f"/notes/{entry.id}/",
        "history": f"/notes/{entry.id}/history/",
    }


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_diary_pages_have_no_axe_violations(new_context, sign_in, live_server, axe, viewport):
    page = new_context(viewport=viewport).new_page()
    member = MemberFactory()
    sign_in(page, member)
    problems = []
    for name, path in diary_pages(member).items():
        page.goto(path)
        page.wait_for_load_state("load")
        # The optional sections open, so their fields are checked too.
        for details in page.locator("main details").all():
            details.evaluate("element => element.open = true")
        results = axe.run(page)
        for violation in results.response["violations"]:
            problems.append(f"{name}: {violation['id']} ({violation['impact']}): {len(violation['nodes'])}")
    assert problems == []


def test_use_my_location_fills_the_place_only_when_asked(new_context, sign_in, live_server):
    context = new_context(
        viewport=PHONE, permissions=["geolocation"], geolocation={"latitude": 51.50722, "longitude": -0.1275}
    )
    page = context.new_page()
    sign_in(page, MemberFactory())
    page.goto("/notes/new/")
    page.locator("summary").click()
    place = page.locator('[name="location"]')
    expect(place).to_have_value("")  # nothing is filled in until the member asks

    page.get_by_role("button", name="Use my location").click()

    expect(place).to_have_value(re.compile(r"^51\.50722, -0\.12750 \(within \d+ m\)$"))
    expect(page.locator("[data-use-location-status]")).to_have_text("Location added to Where.")

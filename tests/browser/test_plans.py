"""The plan in a real browser: axe-core finds nothing on any of its pages, on a desktop and a
320 px phone, which they fit; and a member fills in one section on a phone, with taps alone."""

import pytest
from playwright.sync_api import expect

from safety_plans import services
from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.browser.test_touch import too_small
from tests.factories import MemberFactory, plan_content

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 800}
PAGES = [
    "/steps/",
    "/steps/part/people/",
    "/steps/part/numbers/",
    "/steps/versions/",
    "/steps/versions/1/",
    "/steps/versions/1/restore/",
    "/steps/print/",
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "320x640"])
def test_no_accessibility_violations_on_the_plan_pages(new_context, sign_in, viewport):
    member = _member_with_a_plan()
    page = new_context(viewport=viewport).new_page()
    sign_in(page, member)

    for path in PAGES:
        page.goto(path)
        assert_accessible(page)
        if viewport == PHONE:
            assert_fits(page)


def _member_with_a_plan():
    member = MemberFactory()
    services.plan_save(member=member, content=plan_content("Jo next door, any time"))
    services.plan_section_save(member=member, section_key="bag", checked=["cash", "charger"], notes="In the wardrobe")
    return member


def test_every_control_on_the_plan_pages_fits_a_thumb(new_context, sign_in):
    member = _member_with_a_plan()
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, member)

    for path in PAGES:
        page.goto(path)
        problems, measured = too_small(page)
        assert measured["found"], path
        assert problems == [], f"{path}:\n" + "\n".join(problems)


def test_printed_plan_has_no_quick_exit_buttons_or_navigation(new_context, sign_in):
    member = _member_with_a_plan()
    page = new_context().new_page()
    sign_in(page, member)
    page.goto("/steps/print/")
    expect(page.locator(".quick-exit-bar")).to_be_visible()

    page.emulate_media(media="print")

    for hidden in [".quick-exit-bar", ".site-header nav", ".plan-no-print", ".site-footer"]:
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Jo next door, any time")
    expect(page.locator("main")).to_contain_text("In the wardrobe")
    expect(page.locator("h1")).to_have_text("My plan")
    header_background = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_background in {"rgba(0, 0, 0, 0)", "transparent"}


def test_fill_in_one_section_on_a_phone(new_context, sign_in):
    member = MemberFactory()
    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True).new_page()
    sign_in(page, member)

    page.get_by_role("link", name="Your safety plan").tap()
    expect(page.locator("main")).to_contain_text("You have filled in 0 of 10 parts.")
    page.get_by_role("link", name="Fill in “At home”").tap()
    page.get_by_label("Locks on doors and windows are checked or changed").tap()
    page.get_by_label("I do not open the door without checking who it is").tap()
    page.get_by_label("Anything else, in your own words").fill("Landlord fitting a chain next week")
    page.get_by_role("button", name="Save").tap()

    expect(page.locator("main")).to_contain_text("Saved “At home”.")
    expect(page.locator("main")).to_contain_text("You have filled in 1 of 10 parts.")
    expect(page.locator("#home")).to_contain_text("Landlord fitting a chain next week")
    content = member.safety_plan.versions.get().content
    assert content["sections"]["home"] == {
        "checked": ["locks", "door"],
        "notes": "Landlord fitting a chain next week",
    }

"""The advice library in a real browser: no axe-core violations on its pages at desktop and
phone widths, nothing wider than a 320 px screen, and the accordion opening with scripts off."""

import pytest

from content.models import AdvicePage, Area
from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.content import factories

VIEWPORTS = {"1280x800": {"width": 1280, "height": 800}, "320x640": PHONE}


@pytest.fixture
def library(transactional_db):
    """A small library: the home page, an index, an advice page with every text block, a
    directory and the emergency numbers."""
    stalking = factories.NeedFactory(name="Stalking", slug="stalking")
    factories.HelplineFactory(
        name="Police emergency",
        phone="999",
        phone_note="then press 55 if you cannot speak",
        opening_hours="Any time",
        is_emergency=True,
    )
    helpline = factories.HelplineFactory(
        name="National Stalking Helpline",
        phone="0808 802 0300",
        website="https://www.suzylamplugh.org/",
        needs=[stalking],
        is_emergency=True,
    )
    factories.HelplineFactory(name="A Welsh service", area=Area.WALES)
    index = factories.advice_index()
    body = [
        {"type": "heading", "value": {"text": "Write it down", "level": "h2"}},
        {"type": "paragraph", "value": "<p>Note the <b>date</b> and time of each thing that happens.</p>"},
        {"type": "callout", "value": {"kind": "warning", "title": "If you are in danger", "body": "<p>Call 999.</p>"}},
        {"type": "checklist", "value": {"title": "Things to keep", "items": ["Screenshots", "Letters and cards"]}},
        {"type": "helpline", "value": helpline.pk},
        {
            "type": "accordion",
            "value": {
                "items": [{"question": "Will they know I called?", "answer": "<p>No, calls are confidential.</p>"}]
            },
        },
        {"type": "action", "value": {"target": "diary", "text": "Start your diary"}},
    ]
    advice = factories.page_add(
        index, AdvicePage(title="Keeping evidence", slug="keeping-evidence", summary="How to keep a record.", body=body)
    )
    directory = factories.directory_page()
    self_check = factories.self_check_page(index)
    return {
        "home": "/",
        "index": index.url,
        "advice": advice.url,
        "directory": directory.url,
        "directory filtered": f"{directory.url}?area=wales&need=stalking",
        "self-check": self_check.url,
        "search": "/advice/search/",
    }


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_advice_pages_have_no_axe_violations_and_fit(page, live_server, library, viewport):
    page.set_viewport_size(viewport)
    for name, path in library.items():
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, name
        assert_accessible(page)
        if viewport == PHONE:
            assert_fits(page)


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_search_results_have_no_axe_violations(page, live_server, library, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/advice/search/")
    page.get_by_label("Search the advice").fill("screenshots")
    page.get_by_role("button", name="Search").click()

    assert page.get_by_role("link", name="Keeping evidence").is_visible()
    assert "screenshots" not in page.url  # the words are not in the address or the history
    assert_accessible(page)
    if viewport == PHONE:
        assert_fits(page)


def test_the_accordion_and_self_check_open_with_javascript_off(new_context, live_server, library):
    context = new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(live_server.url + library["advice"])
    answer = page.get_by_text("No, calls are confidential.")
    assert not answer.is_visible()
    page.get_by_text("Will they know I called?").click()
    assert answer.is_visible()

    page.goto(live_server.url + library["self-check"])
    guidance = page.get_by_text("That is repeated.", exact=True)
    assert not guidance.is_visible()
    page.get_by_text("Do they contact you again and again?").click()
    assert guidance.is_visible()

"""axe-core finds no accessibility violations on the portal's own pages, on a desktop and a small phone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.accounts.services.email import email_change_request
from tests.factories import PASSWORD, MemberFactory

VIEWPORTS = {
    "1280x800": {"width": 1280, "height": 800},
    "320x640": {"width": 320, "height": 640},
}

# path -> who is looking: None (anonymous), "member", "new member" (not yet seen /start/), or
# "reauthenticated member" (has just given their password again)
PAGES = {
    "/": None,
    "/accounts/login/": None,
    "/accounts/signup/": None,
    "/help/using-this-site/": None,
    "/home/": "member",
    "/start/": "new member",
    "/accounts/settings/": "member",
    "/accounts/reauthenticate/": "member",
    "/notes/download/": "member",
    "/accounts/delete/": "reauthenticated member",
    "/accounts/sessions/": "member",
    "/accounts/password/change/": "reauthenticated member",
    "/accounts/email/": "reauthenticated member",
    "/accounts/two-step/": "member",
    "/accounts/two-step/app/": "reauthenticated member",
    "/notes/deleted/": "member",
    "/notes/deleted/empty/": "reauthenticated member",
    "/signing-key/": None,
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def assert_no_violations(axe):
    def check(page):
        results = axe.run(page)
        problems = []
        for violation in results.response["violations"]:
            problems.append(f"{violation['id']} ({violation['impact']}): {len(violation['nodes'])}")
        if problems:
            print(results.generate_report())  # noqa: T201 - pytest shows it when the test fails
        assert problems == [], f"{page.url}: {problems}"
        return results

    return check


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("path", PAGES.keys())
def test_page_has_no_axe_violations(new_context, sign_in, live_server, assert_no_violations, path, viewport):
    page = new_context(viewport=viewport).new_page()
    who = PAGES[path]
    if who == "member":
        sign_in(page, MemberFactory())
    elif who == "reauthenticated member":
        sign_in(page, MemberFactory())
        page.goto(path)
        page.locator('main [name="password"]').fill(PASSWORD)
        with page.expect_navigation():
            page.locator('main button[type="submit"]').click()
    elif who == "new member":
        # A first sign-in is sent to "before you start" before anything else.
        sign_in(page, MemberFactory(before_you_start_seen_at=None))
        assert page.url == f"{live_server.url}/start/"
    if page.url != f"{live_server.url}{path}":
        page.goto(path)
    assert page.url == f"{live_server.url}{path}"
    page.wait_for_load_state("load")
    # The script-only parts are in place (the Shift hint), as a person with JavaScript sees it.
    assert page.locator("[data-quick-exit-hint]").is_visible()

    assert_no_violations(page)


def test_exit_and_idle_warning_in_their_active_states_have_no_axe_violations(
    page, settings, sign_in, live_server, assert_no_violations
):
    """The parts that only appear in use: the focused skip link, an announcement, the idle warning."""
    settings.SESSION_IDLE_TIMEOUT = 60
    settings.SESSION_IDLE_WARNING = 59  # shows after 1 s
    sign_in(page, MemberFactory())
    page.locator("[data-idle-warning-box]").wait_for(state="visible", timeout=5_000)
    page.keyboard.press("Shift")
    assert "2 more times" in page.locator("[data-quick-exit-status]").text_content()
    page.locator(".skip-link[data-quick-exit]").focus()

    assert_no_violations(page)


def test_the_check_can_fail(page, live_server, assert_no_violations):
    """An image without alternative text, and text outside every landmark, are reported."""
    page.goto("/")
    page.evaluate(
        """() => {
            const image = '<img src="/static/portal/favicon.svg">';
            document.querySelector("main").insertAdjacentHTML("beforeend", image);
            document.body.insertAdjacentHTML("afterbegin", "<p>Outside every landmark</p>");
        }"""
    )

    with pytest.raises(AssertionError) as failure:
        assert_no_violations(page)

    assert "image-alt" in str(failure.value)
    assert "region" in str(failure.value)


def test_new_password_rules_are_announced_with_the_field(page, live_server):
    page.goto("/accounts/signup/")

    expect(page.locator('[name="password1"]')).to_have_accessible_description(
        re.compile("at least 10 characters"), timeout=1_000
    )


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_the_email_change_links_pages_have_no_axe_violations(new_context, live_server, mailoutbox, viewport):
    """The pages the two email links open: confirm the new address, undo from the old one, and a used link."""
    member = MemberFactory()
    email_change_request(user=member, new_email="new.address@example.net")
    confirm_path = re.search(r"(/accounts/email/confirm/\S+/)", mailoutbox[-1].body).group(1)
    page = new_context(viewport=viewport).new_page()

    page.goto(confirm_path)
    assert_no_violations_here = Axe().run(page).response["violations"]
    assert assert_no_violations_here == [], f"{confirm_path}: {[v['id'] for v in assert_no_violations_here]}"
    with page.expect_navigation():
        page.locator('main button[type="submit"]').click()
    undo_path = re.search(r"(/accounts/email/undo/\S+/)", mailoutbox[-1].body).group(1)
    for path in (undo_path, confirm_path):  # the second is used up by now: the "does not work" page
        page.goto(path)
        violations = Axe().run(page).response["violations"]
        assert violations == [], f"{path}: {[v['id'] for v in violations]}"
    page.goto(undo_path)
    with page.expect_navigation():
        page.locator('main button[type="submit"]').click()
    expect(page.get_by_role("heading", name="Your address is back")).to_be_visible()
    violations = Axe().run(page).response["violations"]
    assert violations == [], f"after undoing: {[v['id'] for v in violations]}"

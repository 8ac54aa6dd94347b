"""A coordinator, signed in with two steps, uses the team pages in Chromium: axe-core finds no
violations on any of them, on a desktop and on a 320 px phone, and nothing needs scrolling
sideways on the phone."""

import pytest
from playwright.sync_api import expect

from casework.models import AccessRecord, Link
from casework.services import link_accept
from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.browser.conftest import DESKTOP
from tests.factories import (
    AccessRecordFactory,
    CoordinatorFactory,
    LinkFactory,
    MemberFactory,
    WorkerFactory,
)

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def team():
    """A coordinator, two workers (one still to choose a password), a case and its records."""
    coordinator = CoordinatorFactory(email="coordinator@example.org")
    organisation = coordinator.organisation
    worker = WorkerFactory(organisation=organisation, email="a.long.worker.address@support-service.example.org")
    invited = WorkerFactory(organisation=organisation, email="invited@example.org")
    invited.set_unusable_password()
    invited.save(update_fields=["password"])
    case = LinkFactory(worker=worker, display_name="Robin")
    for action in (AccessRecord.Action.CASE_OPENED, AccessRecord.Action.ENTRY_READ):
        AccessRecordFactory(link=case, action=action)
    return coordinator, worker, case


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_every_team_page_passes_axe_and_fits_a_phone(new_context, sign_in, confirm_it_is_you, team, viewport):
    coordinator, _worker, case = team
    page = new_context(viewport=viewport).new_page()
    sign_in(page, coordinator)

    page.goto("/home/")
    page.get_by_role("link", name="Your team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team")
    pages = ["/team/", "/team/access/", f"/team/cases/{case.pk}/move/", "/team/invite/", "/team/link/"]
    for path in pages:
        page.goto(path)
        if "/accounts/reauthenticate/" in page.url:
            confirm_it_is_you(page, coordinator)
        assert page.url.endswith(path), page.url
        assert_accessible(page)
        if viewport == PHONE:
            assert_fits(page)


def test_a_refused_form_passes_axe_on_a_phone(new_context, sign_in, confirm_it_is_you, team):
    coordinator, _worker, _case = team
    MemberFactory(email="taken@example.org")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, coordinator)
    page.goto("/team/invite/")
    confirm_it_is_you(page, coordinator)

    page.get_by_label("Their work email address").fill("taken@example.org")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("alert")).to_contain_text("We cannot invite this address.")
    assert_accessible(page)
    assert_fits(page)


def test_the_coordinator_links_a_member_and_moves_the_case(new_context, sign_in, confirm_it_is_you, team):
    coordinator, worker, _case = team
    member = MemberFactory(email="sam@example.org")
    other = WorkerFactory(organisation=coordinator.organisation, email="other@example.org")
    page = new_context().new_page()
    sign_in(page, coordinator)
    page.goto("/team/link/")
    confirm_it_is_you(page, coordinator)

    page.get_by_label("The member's email address").fill(member.email)
    page.get_by_label("Their support worker").select_option(label=worker.email)
    page.get_by_label("The name the support worker will see for them").fill("Sam")
    page.get_by_role("button", name="Link them").click()

    expect(page.locator(".messages")).to_contain_text(
        f"If a member has that address, we have asked them to accept a link with {worker.email}."
    )
    # A request shows nowhere until the member accepts it: the page cannot say who has an account.
    link = Link.objects.get(member=member)
    assert link.accepted_at is None
    page.goto("/team/")
    expect(page.get_by_role("link", name=f"Move case {str(link.pk)[:8]}")).to_have_count(0)
    link_accept(member=member, link=link, display_name="Sam")
    page.reload()
    page.get_by_role("link", name=f"Move case {str(link.pk)[:8]}").click()
    expect(page.get_by_text("What the member shared does not move with the case.")).to_be_visible()
    page.get_by_label("Move the case to").select_option(label=other.email)
    page.get_by_role("button", name="Move the case").click()

    expect(page.locator(".messages")).to_contain_text(f"is now with {other.email}")
    assert Link.objects.get(member=member).worker == other

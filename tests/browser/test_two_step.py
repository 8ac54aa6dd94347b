"""Turning on two-step sign-in in Chromium, as a member does on a phone, and signing in with it."""

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def code_for(setup_key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given this setup key shows."""
    key = base64.b32decode(setup_key.replace(" ", "") + "=" * (-len(setup_key.replace(" ", "")) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_a_member_turns_on_two_step_by_keyboard_on_a_small_phone(new_context, sign_in, confirm_it_is_you, live_server):
    page = new_context(viewport=PHONE).new_page()
    member = MemberFactory()
    sign_in(page, member)

    page.goto("/accounts/two-step/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Turn on two-step sign-in").click()
    # Turning it on is a change of control: the password first.
    assert_accessible(page)
    assert_fits(page)
    confirm_it_is_you(page, member)

    # Step 1: the QR code, drawn by the portal, and the same secret as text.
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app", exact=False)
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.naturalWidth") > 0, "the QR code image loads under the page's CSP"
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert_accessible(page)
    assert_fits(page)
    setup_key = page.locator("[data-setup-key]").inner_text()
    page.get_by_label("Code").focus()
    page.keyboard.type(code_for(setup_key))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Step 2: ten backup codes, with a print button.
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    expect(page.get_by_role("button", name="Print the codes")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("On. Signing in needs your password and a code.")).to_be_visible()

    # Signing in again now asks for the code.
    page.goto("/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    assert "/accounts/two-step/verify/" in page.url
    assert_accessible(page)
    assert_fits(page)
    page.get_by_label("Code").fill(code_for(setup_key, steps_ahead=1))
    with page.expect_navigation():
        page.get_by_label("Code").press("Enter")
    assert page.url == f"{live_server.url}/home/"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/two-step/offer/",
        "/accounts/two-step/phone/",
        "/accounts/two-step/off/",
        "/accounts/two-step/backup-codes/",
    ],
)
def test_the_other_two_step_pages_have_no_axe_violations(new_context, sign_in, confirm_it_is_you, live_server, path):
    from portal.accounts.services.two_step import backup_codes_make

    # The offer is for members without two-step sign-in; the other pages are for those with it.
    member = MemberFactory(authenticator=path != "/accounts/two-step/offer/")
    if path != "/accounts/two-step/offer/":
        backup_codes_make(user=member)
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, member)

    page.goto(path)
    if path != "/accounts/two-step/offer/":
        assert_accessible(page)  # the reauthentication page, with its code box
        confirm_it_is_you(page, member)

    assert page.url == f"{live_server.url}{path}"
    assert_accessible(page)
    assert_fits(page)

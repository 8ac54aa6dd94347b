"""Passkeys in Chromium, with its virtual authenticator standing in for a phone's screen lock:
adding one on the settings page, then passing the second step with it, on a small phone."""

import pytest
from playwright.sync_api import expect

from portal.accounts.models import AccountEvent
from portal.accounts.services import two_step
from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.browser

# Reported to the console by the page itself as well, in case Chromium words its own message
# differently one day.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def localhost_url(live_server, settings):
    """The live server under the name localhost: WebAuthn refuses an IP address as the site."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [url]
    return url


def test_a_member_adds_a_passkey_and_signs_in_with_it_by_keyboard(
    new_context, sign_in, confirm_it_is_you, localhost_url
):
    member = MemberFactory(authenticator=True)
    two_step.backup_codes_make(user=member)
    context = new_context(viewport=PHONE, base_url=localhost_url)
    page = context.new_page()
    csp_problems, script_errors = [], []
    page.add_init_script(CSP_LISTENER)
    page.on("console", lambda m: csp_problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, member)

    # Adding one, from the settings page, once the member has confirmed it is them.
    page.goto("/accounts/two-step/")
    expect(page.get_by_text("You have no passkeys.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a passkey").click()
    confirm_it_is_you(page, member)
    assert page.url == f"{localhost_url}/accounts/two-step/passkeys/add/"
    add = page.get_by_role("button", name="Add a passkey")
    expect(add).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#passkey-register-status-message")).to_have_text("Registration successful!")
    assert_accessible(page)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]})
    assert [c["rpId"] for c in stored["credentials"]] == ["localhost"]
    assert all(member.email not in str(c) for c in stored["credentials"]), "no email address on the phone"
    page.goto("/accounts/two-step/")
    expect(page.get_by_text("not used yet")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    # Signing in again: the password, then the passkey instead of a code.
    page.goto("/accounts/logout/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    assert "/accounts/two-step/verify/" in page.url
    use = page.get_by_role("button", name="Use a passkey")
    expect(use).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    use.focus()
    with page.expect_navigation(url=f"{localhost_url}/home/"):
        page.keyboard.press("Enter")

    expect(page.get_by_role("link", name="Notes")).to_be_visible()
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SIGNED_IN).count() == 2
    page.goto("/accounts/two-step/")
    expect(page.get_by_text("last used on")).to_be_visible()
    assert csp_problems == []
    assert script_errors == []

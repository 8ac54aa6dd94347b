"""The account pages allauth and the second step provide, in the portal's own layout: axe-core
finds nothing on any of them on a 390x844 phone, and none is wider than a 320 px screen."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.browser.checks import assert_accessible
from tests.factories import PASSWORD, MemberFactory, TOTPDeviceFactory

PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "lantern-orchard-quietly-74"


def _path_in_last_email(pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", mail.outbox[-1].body).group(1)


def _anonymous(path):
    def visit(page, **_):
        page.goto(path)

    return visit


def _reset_link(page, **_):
    Client().post("/accounts/password/reset/", {"email": MemberFactory().email})
    page.goto(_path_in_last_email("/accounts/password/reset/key/"))
    # allauth takes the key out of the address before showing the form.
    assert page.url.endswith("-set-password/"), page.url
    assert page.locator('main [name="password1"]').is_visible()


def _confirm_email_link(page, **_):
    Client().post(
        "/accounts/signup/",
        {"email": "new.person@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    page.goto(_path_in_last_email("/accounts/confirm-email/"))


def _reauthenticate(page, sign_in, **_):
    sign_in(page, MemberFactory())
    page.goto("/accounts/reauthenticate/")


def _email(page, sign_in, confirm_it_is_you, **_):
    member = MemberFactory()
    sign_in(page, member)
    page.goto("/accounts/email/")
    confirm_it_is_you(page, member)
    assert "/accounts/email/" in page.url


def _code_step(page, **_):
    member = MemberFactory()
    TOTPDeviceFactory(user=member)
    page.goto("/accounts/login/")
    page.locator('main [name="login"]').fill(member.email)
    page.locator('main [name="password"]').fill(PASSWORD)
    with page.expect_navigation():
        page.locator('main button[type="submit"]').click()
    assert "/accounts/two-step/verify/" in page.url, page.url


def _sign_out(page, sign_in, **_):
    sign_in(page, MemberFactory())
    page.goto("/accounts/logout/")


def _lockout(page, settings, **_):
    member = MemberFactory()
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.locator('main [name="login"]').fill(member.email)
        page.locator('main [name="password"]').fill("not-the-password-1")
        with page.expect_navigation():
            page.locator('main button[type="submit"]').click()
    assert page.get_by_role("heading", name="Signing in is paused").is_visible()


PAGES = {
    "sign in": _anonymous("/accounts/login/"),
    "sign up": _anonymous("/accounts/signup/"),
    "reset: request": _anonymous("/accounts/password/reset/"),
    "reset: sent": _anonymous("/accounts/password/reset/done/"),
    "reset: from the link": _reset_link,
    "reset: used link": _anonymous("/accounts/password/reset/key/1-not-a-key/"),
    "reset: done": _anonymous("/accounts/password/reset/key/done/"),
    "verification sent": _anonymous("/accounts/confirm-email/"),
    "confirm email": _confirm_email_link,
    "confirm email: used link": _anonymous("/accounts/confirm-email/not-a-key/"),
    "reauthentication": _reauthenticate,
    "email": _email,
    "code step": _code_step,
    "sign out": _sign_out,
    "lockout": _lockout,
    "inactive": _anonymous("/accounts/inactive/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_account_page_has_no_axe_violations_on_a_phone(
    name, new_context, sign_in, confirm_it_is_you, settings, live_server
):
    page = new_context(viewport=PHONE).new_page()

    PAGES[name](page, sign_in=sign_in, confirm_it_is_you=confirm_it_is_you, settings=settings)
    page.wait_for_load_state("load")

    # The portal's layout, with its exit, and the page's own heading in sentence case.
    assert page.locator(".quick-exit").is_visible()
    assert page.locator("main h1").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("name", ["sign in", "sign up", "reset: request", "code step"])
def test_account_page_fits_a_320_px_screen(name, new_context, sign_in, confirm_it_is_you, settings, live_server):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()

    PAGES[name](page, sign_in=sign_in, confirm_it_is_you=confirm_it_is_you, settings=settings)

    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide"

"""Fixtures for the browser tests: one real Chromium per run, a fresh context per test.

Nothing leaves the machine: the neutral quick-exit site is answered by a route, and the
portal itself is pytest-django's live server.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD, MemberFactory

# Playwright's sync API keeps an event loop running in the test thread, which Django would
# otherwise take for async code and refuse database access from the factories.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NEUTRAL_URL = "https://weather.example/"  # what tests/conftest.py sets QUICK_EXIT_URL to
NEUTRAL_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weather</title></head>'
    "<body><h1>Weather</h1><p>Sunny intervals.</p></body></html>"
)

DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, not only this directory's.
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"Chromium not installed at {CHROMIUM}, and CI=true: the browser tests must run in CI. "
                "Install it in the CI image (apt-get install chromium)."
            )
        pytest.skip(f"Chromium not installed at {CHROMIUM}; browser tests skipped (apt-get install chromium)")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _browser_test_settings(settings):
    """Every browser test starts with clean rate-limit counters and a quick password hash.

    allauth counts sign-ins per IP in the cache, and every browser test signs in from
    127.0.0.1; Argon2 would add half a second to every sign-in without testing anything here.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def fulfil_neutral_site(route):
    route.fulfill(status=200, content_type="text/html; charset=utf-8", body=NEUTRAL_PAGE)


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts that can reach only the live server and the stand-in neutral site."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.route(f"{NEUTRAL_URL}**", fulfil_neutral_site)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def neutral_url(settings):
    assert settings.QUICK_EXIT_URL == NEUTRAL_URL
    return NEUTRAL_URL


def _sign_in(page, user, password=PASSWORD):
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.locator('[name="login"]').fill(user.email)
    form.locator('[name="password"]').fill(password)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert "/accounts/login/" not in page.url, f"sign-in failed: {page.locator('main').inner_text()}"
    if "/accounts/two-step/verify/" in page.url:
        # The second step, with the code the person's authenticator app shows.
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        page.locator('main [name="code"]').fill(f"{totp(device.bin_key):06d}")
        with page.expect_navigation():
            page.locator('main button[type="submit"]').first.click()
        assert "/accounts/two-step/" not in page.url, f"second step failed: {page.locator('main').inner_text()}"


@pytest.fixture
def sign_in():
    """``sign_in(page, user)``: sign in through the real sign-in form, as a person would."""
    return _sign_in


def _confirm_it_is_you(page, user, password=PASSWORD):
    """On the "Confirm it is you" page: the password again and, with two-step sign-in on, the
    app's first code not used yet (the one used to sign in may still be current, or a slow
    machine may have moved on a step since)."""
    assert "/accounts/reauthenticate/" in page.url, page.url
    form = page.locator("main form")
    form.locator('[name="password"]').fill(password)
    if form.locator('[name="code"]').count():
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        now = TOTP(device.bin_key, device.step, device.t0, device.digits).t()
        ahead = max(device.last_t + 1 - now, 0)
        form.locator('[name="code"]').fill(f"{totp(device.bin_key, drift=ahead):06d}")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert "/accounts/reauthenticate/" not in page.url, f"not confirmed: {page.locator('main').inner_text()}"


@pytest.fixture
def confirm_it_is_you():
    """``confirm_it_is_you(page, user)``: answer the reauthentication page as its owner would."""
    return _confirm_it_is_you


@pytest.fixture
def signed_in_member(page, live_server):
    """A member (who has already seen 'before you start') signed in on `page`, on their home page."""
    member = MemberFactory()
    _sign_in(page, member)
    assert page.url == f"{live_server.url}/home/"
    return member


@pytest.fixture
def session_cookie():
    """``session_cookie(context)``: the portal's session cookie in that context, or None."""

    def find(context):
        name = django_settings.SESSION_COOKIE_NAME
        return next((cookie for cookie in context.cookies() if cookie["name"] == name), None)

    return find

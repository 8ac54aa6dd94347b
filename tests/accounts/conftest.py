"""Fixtures for the account tests: a clean cache, and helpers for the emails allauth sends."""

import re

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD

# Words that must never reach a lock screen or a shared inbox (threat model, point 1).
SENSITIVE_WORDS = re.compile(
    r"stalk|abus|evidence|safety|victim|harass|violen|domestic|police|incident|diary|refuge",
    re.IGNORECASE,
)
# A new password that passes every validator in settings.AUTH_PASSWORD_VALIDATORS.
NEW_PASSWORD = "lantern-orchard-quietly-74"


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth keeps its rate-limit counters in the cache: no test may inherit another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_password():
    return NEW_PASSWORD


@pytest.fixture
def link_in():
    """The one link of this site in an email's plain-text body, as a path."""

    def find(message) -> str:
        links = re.findall(r"https?://testserver(/\S*)", message.body)
        assert len(links) == 1, f"expected one link in {message.subject!r}, found {links}"
        return links[0]

    return find


@pytest.fixture
def sign_in():
    """POST the real sign-in form; returns the response (not followed)."""

    def post(client, email: str, password: str = PASSWORD, **extra):
        return client.post("/accounts/login/", {"login": email, "password": password}, **extra)

    return post


@pytest.fixture
def assert_neutral():
    """An email that anyone glancing at a phone could read without learning anything."""

    def check(message) -> None:
        assert message.subject.startswith("Daybook: "), message.subject
        for part in (message.subject, message.from_email, message.body):
            found = SENSITIVE_WORDS.search(part)
            assert found is None, f"{found.group(0)!r} in {part!r}"

    return check

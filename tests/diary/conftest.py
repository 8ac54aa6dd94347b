"""Fixtures for the diary's tests: a signing key of the test's own, bundles built to a file, and
files kept before uploads were checked. Helpers are in helpers.py."""

from pathlib import Path

import pytest

from diary import export, services
from portal import crypto

# png_bytes and upload: tests/accounts still import them from here.
from tests.diary.helpers import IN_RANGE, TEST_SIGNING_KEY
from tests.files import png_bytes, upload  # noqa: F401


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.PORTAL_SIGNING_KEY = TEST_SIGNING_KEY


@pytest.fixture
def files_from_before_the_checks(monkeypatch):
    """Record files as the diary kept them before uploads were checked by their content (a text
    note, a picture that cannot be decoded): such files are in members' diaries, and the
    history, downloads and checks of a bundle must still cope with them."""
    monkeypatch.setattr(services, "_uploads_check", lambda uploads: None)


@pytest.fixture
def public_key():
    return crypto.public_key_b64()


@pytest.fixture
def build(tmp_path):
    """Build a bundle for March 2025 (or another range) into a file under tmp_path."""
    made = []

    def _build(member, start=IN_RANGE[0], end=IN_RANGE[1], name=None) -> Path:
        target = tmp_path / (name or f"bundle-{len(made)}.zip")
        with target.open("wb") as stream:
            export.bundle_build(member=member, start=start, end=end, target=stream)
        made.append(target)
        return target

    return _build

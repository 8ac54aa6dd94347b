"""Fixtures shared by the whole suite."""

import time

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

from portal import crypto, sms
from portal.accounts import session_state
from tests.content.factories import home_page
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CoordinatorFactory,
    EditorFactory,
    MemberFactory,
    WorkerFactory,
)

# The fake_twilio fixture, for tests that send texts through the real twilio library.
pytest_plugins = ["tests.fake_twilio"]

TEST_MASTER_KEYS = crypto.new_master_key_line("test-master")


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """SMS go to memory (Django already sends email there), files stay out of the checkout,
    and a master key of the test's own is used."""
    settings.SMS_BACKEND = "portal.sms.MemoryBackend"
    # Class attributes outlive a test: each test starts with an empty outbox and a working gateway.
    sms.MemoryBackend.outbox.clear()
    sms.MemoryBackend.fail_with = None
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "encrypted"},
        },
    }
    settings.PORTAL_MASTER_KEYS = TEST_MASTER_KEYS
    settings.QUICK_EXIT_URL = "https://weather.example/"


class PortalClient(Client):
    """Django's test client, whose ``force_login`` also stands in for the second step.

    As it skips the password, it skips the code of an account with two-step sign-in on, so
    tests of other features start fully signed in. Tests of the second step itself sign in
    through the real pages, or use ``force_login(user, verified=False)``.
    """

    def force_login(self, user, backend=None, *, verified=True):
        super().force_login(user, backend)
        device = next(iter(devices_for_user(user)), None) if verified else None
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    def confirm_identity(self, *, seconds_ago: float = 0) -> None:
        """Stand in for the reauthentication page (tests/accounts/test_session_state.py tests the page
        itself): this session gave its password, and a code, ``seconds_ago``."""
        session = self.session
        session[session_state.REAUTHENTICATED_AT_KEY] = time.time() - seconds_ago
        session.save()


@pytest.fixture
def client():
    return PortalClient()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def sign_in():
    """POST the real sign-in form; returns the response (not followed)."""

    def post(client, email: str, password: str = PASSWORD, **extra):
        return client.post("/accounts/login/", {"login": email, "password": password}, **extra)

    return post


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def other_member(db):
    return MemberFactory()


@pytest.fixture
def worker(db):
    return WorkerFactory()


@pytest.fixture
def coordinator(db):
    return CoordinatorFactory()


@pytest.fixture
def wagtail_home(db):
    """Wagtail's root and the advice library's home page, which its admin needs.

    Migrations create them, but live-server tests empty every table when they finish.
    """
    return home_page()


@pytest.fixture
def editor(db, wagtail_home):
    return EditorFactory()


@pytest.fixture
def admin_user(db, wagtail_home):
    return AdminFactory()


@pytest.fixture(params=["member", "worker", "coordinator", "editor", "admin_user"])
def any_user(request):
    """Each role in turn."""
    return request.getfixturevalue(request.param)

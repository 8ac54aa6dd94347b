"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import (
    PASSWORD,
    AdminFactory,
    CoordinatorFactory,
    EditorFactory,
    MemberFactory,
    WorkerFactory,
)


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """SMS go to memory (Django already sends email there) and files stay out of the checkout."""
    settings.SMS_BACKEND = "portal.sms.MemoryBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QUICK_EXIT_URL = "https://weather.example/"


@pytest.fixture
def password():
    return PASSWORD


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
def editor(db):
    return EditorFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture(params=["member", "worker", "coordinator", "editor", "admin_user"])
def any_user(request):
    """Each role in turn."""
    return request.getfixturevalue(request.param)

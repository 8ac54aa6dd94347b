"""Fixtures shared by the whole suite."""

import pytest
from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from portal import crypto
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CoordinatorFactory,
    EditorFactory,
    MemberFactory,
    WorkerFactory,
)

TEST_MASTER_KEYS = crypto.new_master_key_line("test-master")


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """SMS go to memory (Django already sends email there), files stay out of the checkout,
    and a master key of the test's own is used."""
    settings.SMS_BACKEND = "portal.sms.MemoryBackend"
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
def wagtail_home(db):
    """Wagtail's root and home page, which its admin needs.

    Migrations create them, but live-server tests empty every table when they finish.
    """
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.get_children().first() or root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.get_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    return home


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

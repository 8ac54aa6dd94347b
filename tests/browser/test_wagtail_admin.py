"""The Wagtail admin works under its own (slightly looser) policy and calls no third party."""

import pytest
from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from tests.factories import AdminFactory


@pytest.fixture
def home_page(db):
    """Wagtail's root and home page (live-server tests empty the tables migrations filled)."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.get_children().first() or root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.get_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    return home


@pytest.mark.django_db(transaction=True)
def test_admin_pages_raise_no_policy_violations_and_no_outside_requests(
    page, sign_in, live_server, home_page
):
    admin = AdminFactory()
    violations, outside = [], []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    page.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None,
    )
    sign_in(page, admin)
    for path in [
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{home_page.pk}/edit/",
        "/admin/images/",
        "/admin/users/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert violations == []
    assert outside == []  # no avatars from a third party, no update check

"""The Wagtail admin works under its own (slightly looser) policy and calls no third party."""

import pytest

from tests.factories import AdminFactory


@pytest.mark.django_db(transaction=True)
def test_admin_pages_raise_no_policy_violations_and_no_outside_requests(page, sign_in, live_server, wagtail_home):
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
        f"/admin/pages/{wagtail_home.pk}/edit/",
        "/admin/images/",
        "/admin/groups/",  # accounts are managed in Django's admin only
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert violations == []
    assert outside == []  # no avatars from a third party, no update check

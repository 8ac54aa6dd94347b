"""Staff who open a member-only address get the portal's own "not found" page, in its layout
with the quick exit, as the server sends it with DEBUG off (never Django's stock page)."""

import pytest
from django.urls import reverse

from tests.diary.helpers import SECRET_TEXT, record

STAFF = ["worker", "coordinator", "editor", "admin_user"]


@pytest.fixture
def entry(member):
    return record(member)


def member_only_addresses(entry) -> list[str]:
    return [
        reverse("diary:timeline"),
        reverse("diary:new"),
        reverse("diary:recently_deleted"),
        reverse("diary:export"),
        reverse("diary:entry", kwargs={"entry_id": entry.id}),
        reverse("diary:history", kwargs={"entry_id": entry.id}),
        reverse("diary:edit", kwargs={"entry_id": entry.id}),
        reverse("account_delete"),
    ]


def assert_portal_not_found_page(response) -> None:
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page  # portal/templates/404.html
    assert "data-quick-exit" in page  # in the portal's layout, so the exit is there
    assert 'href="/help/using-this-site/"' in page
    assert "Not Found</h1>" not in page and "The requested resource was not found" not in page  # Django's stock page
    assert SECRET_TEXT not in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", STAFF)
def test_staff_opening_a_member_only_address_get_the_portals_not_found_page(client, request, settings, entry, role):
    settings.DEBUG = False
    client.force_login(request.getfixturevalue(role))
    client.confirm_identity()

    for address in member_only_addresses(entry):
        response = client.get(address)
        assert_portal_not_found_page(response)
        assert response.templates[0].name == "404.html", address


def test_another_members_entry_is_the_same_not_found_page(client, other_member, entry, settings):
    settings.DEBUG = False
    client.force_login(other_member)

    assert_portal_not_found_page(client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})))

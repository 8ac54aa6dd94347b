"""Double submits and races between tabs or devices: the second request is told plainly what
happened (a message and a redirect, or the form again with a 409), never a 500, and changes
nothing the first one did."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from diary import services
from diary.models import Entry, VersionKind
from tests.diary.helpers import FORM, SECRET_TEXT, record


def url(name, entry):
    return reverse(name, kwargs={"entry_id": entry.id})


def kinds(entry) -> list[str]:
    return list(entry.versions.order_by("number").values_list("kind", flat=True))


def said(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    client.confirm_identity()
    return client


def test_deleting_twice_deletes_once(signed_in, member):
    entry = record(member)

    first = signed_in.post(url("diary:delete", entry))
    second = signed_in.post(url("diary:delete", entry))

    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("diary:recently_deleted")
    assert "already in “Recently deleted”" in said(second)
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED]


def test_restoring_twice_restores_once(signed_in, member):
    entry = record(member)
    services.entry_delete(entry=entry)

    signed_in.post(url("diary:restore", entry))
    second = signed_in.post(url("diary:restore", entry))

    assert second.status_code == 302 and second["Location"] == url("diary:entry", entry)
    assert "already back in your diary" in said(second)
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.RESTORED]
    assert Entry.objects.get(pk=entry.pk).deleted_at is None


def test_delete_now_twice_destroys_once(signed_in, member):
    entry = record(member)
    services.entry_delete(entry=entry)

    signed_in.post(url("diary:destroy", entry))
    second = signed_in.post(url("diary:destroy", entry))

    assert second.status_code == 302 and second["Location"] == reverse("diary:recently_deleted")
    assert "deleted for good" in said(second)
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.DESTROYED]


def test_delete_now_after_another_tab_restored_the_entry_keeps_it(signed_in, member):
    entry = record(member)
    services.entry_delete(entry=entry)
    assert signed_in.get(url("diary:destroy", entry)).status_code == 200  # the confirmation page

    services.entry_restore(entry=entry)  # meanwhile, in another tab
    response = signed_in.post(url("diary:destroy", entry))

    assert response.status_code == 302 and response["Location"] == url("diary:entry", entry)
    assert "back in your diary" in said(response)
    entry.refresh_from_db()
    assert entry.destroyed_at is None and entry.deleted_at is None
    assert entry.current_version.content["what_happened"] == SECRET_TEXT


@pytest.mark.parametrize("action", ["diary:delete", "diary:restore"])
def test_acting_on_an_entry_another_tab_destroyed_is_told_so(signed_in, member, action):
    entry = record(member)
    services.entry_delete(entry=entry)
    services.entry_destroy(entry=entry)

    response = signed_in.post(url(action, entry))

    assert response.status_code == 302
    assert "deleted for good" in said(response)
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.DESTROYED]


def test_saving_changes_to_an_entry_another_tab_deleted_keeps_the_words_on_screen(signed_in, member):
    entry = record(member)
    assert signed_in.get(url("diary:edit", entry)).status_code == 200

    services.entry_delete(entry=entry)  # meanwhile, in another tab
    response = signed_in.post(url("diary:edit", entry), {**FORM, "what_happened": "My corrected words"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "My corrected words" in page and "Restore it first" in page
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED]
    assert Entry.objects.get(pk=entry.pk).current_version.content["what_happened"] == SECRET_TEXT


def test_saving_changes_to_an_entry_another_tab_destroyed_offers_them_as_a_new_entry(signed_in, member):
    entry = record(member)
    assert signed_in.get(url("diary:edit", entry)).status_code == 200

    services.entry_delete(entry=entry)
    services.entry_destroy(entry=entry)
    response = signed_in.post(url("diary:edit", entry), {**FORM, "what_happened": "My corrected words"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "My corrected words" in page and "deleted for good" in page
    assert f'action="{reverse("diary:new")}"' in page
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.DESTROYED]

    signed_in.post(reverse("diary:new"), {**FORM, "what_happened": "My corrected words"})
    assert Entry.objects.for_member(member).active().get().current_version.content["what_happened"] == (
        "My corrected words"
    )


def test_emptying_recently_deleted_twice_tells_the_member_once(signed_in, member):
    entry = record(member)
    services.entry_delete(entry=entry)

    signed_in.post(reverse("diary:recently_deleted_empty"))
    second = signed_in.post(reverse("diary:recently_deleted_empty"))

    assert second.status_code == 302
    assert "nothing in “Recently deleted”" in said(second)
    assert kinds(entry) == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.DESTROYED]


def test_an_entry_destroyed_by_its_owner_is_still_a_plain_404_to_anyone_else(client, other_member, member):
    entry = record(member)
    services.entry_delete(entry=entry)
    services.entry_destroy(entry=entry)
    client.force_login(other_member)
    client.confirm_identity()

    for action in ("diary:delete", "diary:restore", "diary:destroy", "diary:edit"):
        response = client.post(url(action, entry), FORM)
        assert response.status_code == 404, action
        assert b"deleted for good" not in response.content

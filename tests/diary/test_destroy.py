"""Destroying records is a change of control: someone holding the member's signed-in phone for a
minute must not be able to destroy evidence. "Delete now" and emptying "recently deleted" need
the password again, destroy every download holding what they destroy, and tell the member once;
the 30-day clean-up tells nobody, as nobody just acted."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diary import downloads, services
from diary.models import Attachment, Entry, ExportStatus
from portal.accounts.models import AccountEvent
from tests.diary.helpers import IN_RANGE, record, stored_files
from tests.files import png_bytes, upload

WORDS = "He left a note on the windscreen"
NOTICE = AccountEvent.Kind.NOTES_DESTROYED


@pytest.fixture
def made(member, django_capture_on_commit_callbacks):
    """An entry with a photo, and a ready download of March that holds it; then the entry is
    moved to recently deleted (the download stays: the entry can still be restored)."""
    entry = record(member, WORDS, 12, uploads=[upload("note.png", png_bytes(), "image/png")])
    with django_capture_on_commit_callbacks(execute=True):
        export = downloads.export_request(member=member, start=IN_RANGE[0], end=IN_RANGE[1])
    services.entry_delete(entry=entry)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    assert list(export.entries.all()) == [entry]
    return Entry.objects.get(pk=entry.pk), export


@pytest.fixture
def deleted(made):
    return made[0]


@pytest.fixture
def download(made):
    return made[1]


def assert_intact(entry, download):
    """The entry is still in recently deleted with its words and file; the download is still there."""
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.destroyed_at is None and entry.deleted_at is not None
    assert entry.current_version.content["what_happened"] == WORDS
    attachment = Attachment.objects.get(entry=entry)
    assert attachment.file in stored_files()
    download.refresh_from_db()
    assert download.status == ExportStatus.READY and download.bundle in stored_files()


def assert_destroyed(entry, download):
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.destroyed_at is not None
    assert all(version.content is None for version in entry.versions.all())
    assert not Attachment.objects.filter(entry=entry).exists()
    download.refresh_from_db()
    assert download.status == ExportStatus.REMOVED and download.bundle == ""
    assert stored_files() == []


def notices(member) -> int:
    return AccountEvent.objects.filter(user=member, kind=NOTICE).count()


DESTROYING = [
    pytest.param(lambda entry: reverse("diary:destroy", kwargs={"entry_id": entry.id}), id="delete-now"),
    pytest.param(lambda entry: reverse("diary:recently_deleted_empty"), id="empty-recently-deleted"),
]


@pytest.mark.parametrize("address", DESTROYING)
@pytest.mark.parametrize("confirmed_seconds_ago", [None, 6 * 60], ids=["never", "too-long-ago"])
def test_a_borrowed_signed_in_phone_cannot_destroy_evidence(
    client, member, deleted, download, address, confirmed_seconds_ago, django_capture_on_commit_callbacks
):
    client.force_login(member)
    if confirmed_seconds_ago is not None:
        client.confirm_identity(seconds_ago=confirmed_seconds_ago)
    url = address(deleted)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url)
        posted = client.post(url)

    for response in (page, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert "next=" in response["Location"]
    assert_intact(deleted, download)
    assert notices(member) == 0
    assert mail.outbox == []


def test_delete_now_after_the_password_destroys_the_entry_its_files_and_its_downloads_and_tells_the_member(
    client, member, deleted, download, django_capture_on_commit_callbacks
):
    client.force_login(member)
    client.confirm_identity()
    url = reverse("diary:destroy", kwargs={"entry_id": deleted.id})

    confirm = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert "download" in confirm and "removed too" in confirm
    assert response["Location"] == reverse("diary:recently_deleted")
    assert_destroyed(deleted, download)
    assert notices(member) == 1
    assert [message.to for message in mail.outbox] == [[member.email]]
    assert WORDS not in mail.outbox[0].body and "windscreen" not in mail.outbox[0].subject
    followed = client.get(response["Location"]).content.decode()
    assert "removed too" in followed


def test_emptying_recently_deleted_destroys_only_what_is_in_it_and_tells_the_member_once(
    client, member, other_member, deleted, download, django_capture_on_commit_callbacks
):
    second = record(member, "A second deleted entry", 13)
    services.entry_delete(entry=second)
    kept = record(member, "Still in the diary", 14)
    theirs = record(other_member, "Another member's deleted entry", 12)
    services.entry_delete(entry=theirs)
    client.force_login(member)
    client.confirm_identity()

    confirm = client.get(reverse("diary:recently_deleted_empty")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("diary:recently_deleted_empty"))

    assert "2 entries" in confirm and "removed too" in confirm
    assert response["Location"] == reverse("diary:recently_deleted")
    assert_destroyed(deleted, download)
    assert Entry.objects.get(pk=second.pk).destroyed_at is not None
    for untouched in (kept, theirs):
        untouched = Entry.objects.get(pk=untouched.pk)
        assert untouched.destroyed_at is None and untouched.current_version.content is not None
    assert notices(member) == 1
    assert notices(other_member) == 0
    assert len(mail.outbox) == 1
    assert Entry.objects.for_member(member).recently_deleted().count() == 0


def test_emptying_an_empty_recently_deleted_destroys_nothing_and_tells_nobody(
    client, member, django_capture_on_commit_callbacks
):
    kept = record(member, "Still in the diary", 14)
    client.force_login(member)
    client.confirm_identity()

    page = client.get(reverse("diary:recently_deleted_empty"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("diary:recently_deleted_empty"))

    assert page.status_code == 200 and b"Delete all now" not in page.content
    assert response.status_code == 302
    assert Entry.objects.get(pk=kept.pk).destroyed_at is None
    assert notices(member) == 0 and mail.outbox == []


def test_the_30_day_clean_up_destroys_without_telling_anyone(
    member, deleted, download, django_capture_on_commit_callbacks
):
    Entry.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("diary_housekeeping")

    assert_destroyed(deleted, download)
    assert notices(member) == 0
    assert mail.outbox == []


def test_recently_deleted_offers_to_empty_it_only_when_something_is_in_it(client, member, deleted):
    client.force_login(member)
    empty_url = reverse("diary:recently_deleted_empty")

    assert empty_url in client.get(reverse("diary:recently_deleted")).content.decode()
    services.entry_restore(entry=deleted)
    assert empty_url not in client.get(reverse("diary:recently_deleted")).content.decode()

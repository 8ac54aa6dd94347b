"""The diary's rules: versions never overwrite, server time is the server's, deletion leaves a tombstone."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from diary import services
from diary.errors import AttachmentRefused, DiaryError, EntryGone, EntryNotChangeable, InvalidIncident
from diary.models import Attachment, Entry, EntryVersion, VersionKind
from portal.accounts.models import AccountEvent
from portal.fields import encrypted_storage, open_file
from tests.factories import MemberFactory
from tests.files import png_bomb


def incident(text="He was parked outside the house again", **fields):
    return services.IncidentData(what_happened=text, occurred_at=timezone.now() - timedelta(hours=2), **fields)


def photo(name="photo.jpg", body=b"\xff\xd8\xff\xe0 fake jpeg bytes with EXIF"):
    return SimpleUploadedFile(name, body, content_type="image/jpeg")


def stored_names():
    folders, files = encrypted_storage().listdir("")
    return {f"{folder}/{name}" for folder in folders for name in encrypted_storage().listdir(folder)[1]} | set(files)


def test_only_what_happened_is_required():
    with pytest.raises(InvalidIncident, match="Say what happened"):
        services.IncidentData(what_happened="   ", occurred_at=timezone.now())
    with pytest.raises(InvalidIncident, match="kinds of behaviour"):
        incident(behaviours=["following", "gossip"])


def test_recording_keeps_every_field_and_the_server_time(member):
    before = timezone.now()
    data = incident(
        behaviours=["turning_up", "following"],
        location="Outside work",
        exact_words="I know where you are",
        vehicle="Blue hatchback",
        children_present=True,
        reported_to_police=True,
        crime_reference="AB/12345/26",
    )
    version = services.entry_record(member=member, data=data)

    entry = Entry.objects.get(pk=version.entry_id)
    assert before <= entry.recorded_at <= timezone.now()
    assert entry.occurred_at == data.occurred_at
    assert entry.behaviours == ["following", "turning_up"]
    reloaded = EntryVersion.objects.get(pk=version.pk)
    assert services.IncidentData.from_content(reloaded.content) == services.IncidentData(
        **{**data.__dict__, "behaviours": ["following", "turning_up"]}
    )
    assert (reloaded.kind, reloaded.number, reloaded.sequence) == (VersionKind.CREATED, 1, 1)


def test_an_edit_is_a_new_version_and_the_old_one_is_kept(member):
    first = services.entry_record(member=member, data=incident("First account"))
    second = services.entry_edit(entry=first.entry, data=incident("Corrected account"))

    versions = list(EntryVersion.objects.filter(entry=first.entry).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].content["what_happened"] == "First account"
    assert versions[1].content["what_happened"] == "Corrected account"
    assert second.previous_hash == first.hash
    assert Entry.objects.get(pk=first.entry_id).current_version_id == second.pk


def test_each_members_chain_is_their_own(member, other_member):
    services.entry_record(member=member, data=incident())
    theirs = services.entry_record(member=other_member, data=incident())
    mine = services.entry_record(member=member, data=incident())
    assert theirs.sequence == 1
    assert mine.sequence == 2


def test_the_chain_position_cannot_be_taken_twice(member):
    version = services.entry_record(member=member, data=incident())
    with pytest.raises(IntegrityError):
        EntryVersion.objects.create(
            member=member,
            entry=version.entry,
            sequence=1,
            number=2,
            kind=VersionKind.EDITED,
            content=None,
            previous_hash=version.hash,
            hash="f" * 64,
        )


def test_delete_and_restore_are_recorded_in_the_chain(member):
    version = services.entry_record(member=member, data=incident())
    entry = version.entry
    services.entry_delete(entry=entry)
    assert list(Entry.objects.for_member(member).recently_deleted()) == [entry]
    assert not Entry.objects.for_member(member).active().exists()
    with pytest.raises(EntryNotChangeable, match="Restore it first"):
        services.entry_edit(entry=entry, data=incident("changed"))

    services.entry_restore(entry=entry)
    assert list(Entry.objects.for_member(member).active()) == [entry]
    kinds = list(entry.versions.order_by("number").values_list("kind", flat=True))
    assert kinds == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.RESTORED]


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_destroying_leaves_a_tombstone_and_no_content_or_files(member):
    version = services.entry_record(member=member, data=incident(), uploads=[photo()])
    entry = version.entry
    attachment_hash = entry.attachments.get().sha256
    assert stored_names()

    tombstone = services.entry_destroy(entry=entry)

    assert tombstone.kind == VersionKind.DESTROYED
    assert tombstone.attachment_hashes == [attachment_hash]  # what was removed stays on record
    assert all(v.content is None for v in EntryVersion.objects.filter(entry=entry))
    assert not Attachment.objects.filter(entry=entry).exists()
    assert stored_names() == set()
    assert Entry.objects.get(pk=entry.pk).destroyed_at is not None


def test_entries_deleted_over_30_days_ago_are_destroyed(member):
    old = services.entry_record(member=member, data=incident("old")).entry
    recent = services.entry_record(member=member, data=incident("recent")).entry
    services.entry_delete(entry=old)
    services.entry_delete(entry=recent)
    Entry.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert services.incidents_destroy_expired() == 1
    assert Entry.objects.get(pk=old.pk).destroyed_at is not None
    assert Entry.objects.get(pk=recent.pk).destroyed_at is None


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_attachments_are_kept_byte_for_byte_and_hashed(member):
    body = b"\xff\xd8\xff\xe1EXIF GPS 51.5N 0.1W" + bytes(range(256)) * 40
    version = services.entry_record(member=member, data=incident(), uploads=[photo(body=body)])
    attachment = Attachment.objects.get(entry=version.entry)

    assert b"".join(open_file(attachment, "file")) == body
    assert attachment.sha256 == hashlib.sha256(body).hexdigest()
    assert attachment.size == len(body)
    assert version.attachment_hashes == [attachment.sha256]
    assert attachment.original_name == "photo.jpg"


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_a_failure_part_way_leaves_nothing_behind(member):
    """A fault after one file was stored (the second upload is unreadable) keeps no rows or files."""
    unreadable = photo("second.jpg")
    unreadable.close()

    with pytest.raises(ValueError):
        services.entry_record(member=member, data=incident(), uploads=[photo(), unreadable])

    assert Entry.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert EntryVersion.objects.count() == 0
    assert stored_names() == set()


def test_other_members_entries_are_not_in_my_queryset(member):
    services.entry_record(member=MemberFactory(), data=incident())
    assert not Entry.objects.for_member(member).exists()


def test_refusals_are_the_diarys_own_errors_never_built_in_ones(member):
    """A built-in ValueError reaching a view is a 500; the diary's own errors are answered."""
    entry = services.entry_record(member=member, data=incident()).entry
    services.entry_delete(entry=entry)

    refused = []
    for call in (
        lambda: services.entry_delete(entry=entry),
        lambda: services.entry_edit(entry=entry, data=incident("changed")),
        lambda: services.entry_restore(entry=entry),  # the first restore goes through
        lambda: services.entry_restore(entry=entry),
    ):
        try:
            call()
        except Exception as error:  # noqa: BLE001 - which kind is the point of the test
            refused.append(error)

    assert [type(error) for error in refused] == [EntryNotChangeable] * 3
    assert all(isinstance(error, DiaryError) and not isinstance(error, ValueError) for error in refused)
    kinds = list(entry.versions.order_by("number").values_list("kind", flat=True))
    assert kinds == [VersionKind.CREATED, VersionKind.DELETED, VersionKind.RESTORED]


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_nothing_can_be_done_to_a_destroyed_entry(member):
    entry = services.entry_record(member=member, data=incident(), uploads=[photo()]).entry
    services.entry_destroy(entry=entry)

    for call in (
        lambda: services.entry_destroy(entry=entry),
        lambda: services.entry_destroy_by_member(entry=entry),
        lambda: services.entry_edit(entry=entry, data=incident("changed"), uploads=[photo()]),
        lambda: services.entry_delete(entry=entry),
        lambda: services.entry_restore(entry=entry),
    ):
        with pytest.raises(EntryGone):
            call()

    assert list(entry.versions.values_list("kind", flat=True)) == [VersionKind.CREATED, VersionKind.DESTROYED]
    assert not Attachment.objects.exists()
    assert stored_names() == set()


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_a_restore_that_gets_there_first_wins_over_destroying(member):
    """The member restores an entry while a "delete now" (or the 30-day clean-up) read as it was."""
    entry = services.entry_record(member=member, data=incident("Keep me"), uploads=[photo()]).entry
    services.entry_delete(entry=entry)
    read_before_restore = Entry.objects.get(pk=entry.pk)
    cutoff = timezone.now()
    services.entry_restore(entry=entry)

    with pytest.raises(EntryNotChangeable):
        services.entry_destroy_by_member(entry=read_before_restore)
    with pytest.raises(EntryNotChangeable):
        services.entry_destroy(entry=read_before_restore, deleted_before=cutoff)

    entry.refresh_from_db()
    assert entry.destroyed_at is None and entry.deleted_at is None
    assert entry.current_version.content["what_happened"] == "Keep me"
    assert len(stored_names()) == 1
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.NOTES_DESTROYED).exists()


def test_the_30_day_clean_up_skips_an_entry_deleted_again_since(member):
    entry = services.entry_record(member=member, data=incident("Deleted, restored, deleted again")).entry
    services.entry_delete(entry=entry)
    cutoff = timezone.now()
    services.entry_restore(entry=entry)
    services.entry_delete(entry=entry)  # its 30 days start again

    with pytest.raises(EntryNotChangeable):
        services.entry_destroy(entry=entry, deleted_before=cutoff)

    assert Entry.objects.get(pk=entry.pk).destroyed_at is None


def test_a_service_checks_files_itself_whatever_its_caller_did(member, settings):
    disguised = SimpleUploadedFile("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")

    with pytest.raises(AttachmentRefused, match="“holiday.jpg” is not a kind of file the diary can keep"):
        services.entry_record(member=member, data=incident(), uploads=[disguised])

    assert not Entry.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_refused_while_editing_changes_nothing(member):
    entry = services.entry_record(member=member, data=incident()).entry
    bomb = SimpleUploadedFile("map.png", png_bomb(), content_type="image/png")

    with pytest.raises(AttachmentRefused, match="too large to open safely"):
        services.entry_edit(entry=entry, data=incident("Changed"), uploads=[bomb])

    assert entry.versions.count() == 1
    assert not Attachment.objects.exists()

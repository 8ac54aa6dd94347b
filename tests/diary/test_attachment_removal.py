"""A file added by mistake is removed by an edit: a new version that no longer lists it, while the
earlier versions (links of the chain, never rewritten) still do. The file stays stored until the
entry is destroyed, then goes with the rest; downloads hold only the current files and verify."""

import uuid

import pytest
from django.urls import reverse

from diary import chain, services
from diary.errors import AttachmentNotInEntry
from diary.incident import IncidentData
from diary.models import Attachment, EntryVersion
from diary.verify import bundle_verify
from tests.diary.helpers import FORM, as_dicts, read_document, record, stored_files
from tests.factories import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry_with_two_files(member):
    entry = record(member, uploads=[png_upload("keep.png"), png_upload("mistake.png", colour=(0, 0, 200))])
    keep, mistake = sorted(entry.attachments.all(), key=lambda attachment: attachment.original_name)
    return entry, keep, mistake


def _same_words(entry) -> IncidentData:
    return IncidentData.from_content(entry.current_content)


def test_a_removed_file_is_gone_from_the_current_version_and_kept_in_the_chain(member, entry_with_two_files):
    entry, keep, mistake = entry_with_two_files

    version = services.entry_edit(entry=entry, data=_same_words(entry), remove=[mistake.id])

    first = entry.versions.get(number=1)
    assert sorted(first.attachment_hashes) == sorted([keep.sha256, mistake.sha256])
    assert version.attachment_hashes == [keep.sha256]
    assert chain.verify(as_dicts(member)) is None
    mistake.refresh_from_db()
    assert mistake.removed_in == version
    assert list(entry.attachments.current()) == [keep]
    assert mistake.file in stored_files()  # kept until the entry is destroyed


def test_removing_a_file_is_an_edit_even_when_nothing_else_changes(client, member, entry_with_two_files):
    entry, keep, mistake = entry_with_two_files
    client.force_login(member)
    edit_page = client.get(reverse("diary:edit", args=[entry.id])).content.decode()
    assert edit_page.count("Remove this file") == 2
    assert f'value="{mistake.id}"' in edit_page

    response = client.post(
        reverse("diary:edit", args=[entry.id]),
        {**FORM, "what_happened": _same_words(entry).what_happened, "remove": [str(mistake.id)]},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.current_version.number == 2 and entry.current_version.attachment_hashes == [keep.sha256]
    detail = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    assert "keep.png" in detail and "mistake.png" not in detail
    assert mistake.sha256 not in detail
    again = client.get(reverse("diary:edit", args=[entry.id])).content.decode()
    assert again.count("Remove this file") == 1 and str(mistake.id) not in again
    timeline = client.get(reverse("diary:timeline")).content.decode()
    assert "1 file<" in timeline


def test_later_versions_do_not_bring_a_removed_file_back(member, entry_with_two_files):
    entry, keep, mistake = entry_with_two_files
    services.entry_edit(entry=entry, data=_same_words(entry), remove=[mistake.id])

    services.entry_edit(entry=entry, data=_same_words(entry).replace(vehicle="Van"), uploads=[png_upload("new.png")])
    services.entry_delete(entry=entry)
    restored = services.entry_restore(entry=entry)

    (new,) = [attachment for attachment in entry.attachments.all() if attachment.original_name == "new.png"]
    assert sorted(restored.attachment_hashes) == sorted([keep.sha256, new.sha256])
    assert chain.verify(as_dicts(member)) is None


@pytest.mark.parametrize("which", ["another entry's file", "an unknown id", "not an id", "already removed"])
def test_a_file_that_is_not_one_of_the_entrys_current_files_refuses_the_edit(member, entry_with_two_files, which):
    entry, _keep, mistake = entry_with_two_files
    if which == "already removed":
        services.entry_edit(entry=entry, data=_same_words(entry), remove=[mistake.id])
    elsewhere = record(member, "Another day.", uploads=[png_upload("other.png")]).attachments.get()
    ids = {
        "another entry's file": [elsewhere.id],
        "an unknown id": [uuid.uuid4()],
        "not an id": ["../../etc"],
        "already removed": [mistake.id],
    }[which]
    versions_before = EntryVersion.objects.count()

    with pytest.raises(AttachmentNotInEntry, match="no longer in this entry. Nothing was changed"):
        services.entry_edit(entry=entry, data=_same_words(entry).replace(vehicle="Changed"), remove=ids)

    assert EntryVersion.objects.count() == versions_before
    assert elsewhere.removed_in is None and Attachment.objects.get(pk=elsewhere.pk).removed_in is None


def test_another_members_file_posted_for_removal_is_refused_kindly(client, member, other_member, entry_with_two_files):
    _entry, _keep, mistake = entry_with_two_files
    theirs = record(other_member, "Their entry.", uploads=[png_upload("theirs.png")])
    client.force_login(other_member)

    response = client.post(
        reverse("diary:edit", args=[theirs.id]), {**FORM, "what_happened": "Their entry.", "remove": [str(mistake.id)]}
    )

    assert response.status_code == 200
    assert "One of the files to remove is no longer in this entry." in response.content.decode()
    assert theirs.versions.count() == 1
    assert Attachment.objects.get(pk=mistake.pk).removed_in is None


def test_a_download_holds_only_the_current_files_and_its_chain_verifies(
    member, entry_with_two_files, build, public_key
):
    entry, keep, mistake = entry_with_two_files
    services.entry_edit(entry=entry, data=_same_words(entry), remove=[mistake.id])

    path = build(member)

    assert bundle_verify(path, public_key=public_key).ok
    document = read_document(path)
    (exported,) = document["entries"]
    assert [attachment["sha256"] for attachment in exported["attachments"]] == [keep.sha256]
    assert not any(mistake.sha256 in name for name in document["signed"]["files"])
    assert mistake.sha256 in document["chain"][0]["attachments"]  # the earlier version still lists it


def test_a_removed_file_is_destroyed_with_its_entry(client, member, entry_with_two_files):
    entry, keep, mistake = entry_with_two_files
    services.entry_edit(entry=entry, data=_same_words(entry), remove=[mistake.id])
    services.entry_delete(entry=entry)

    services.entry_destroy(entry=entry)

    assert keep.file not in stored_files() and mistake.file not in stored_files()
    assert not Attachment.objects.filter(entry=entry).exists()
    assert chain.verify(as_dicts(member)) is None

"""The hash chain: it verifies as recorded, and names the first link anyone changed."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from diary import chain, services
from diary.models import EntryVersion
from tests.diary import helpers
from tests.diary.helpers import as_dicts


def record(member, text):
    """The entry's first version, recorded a day after it happened."""
    return helpers.record(member, text, when=timezone.now() - timedelta(days=1)).current_version


@pytest.fixture
def diary(member):
    first = record(member, "Followed me from the station")
    record(member, "Forty missed calls")
    services.entry_edit(
        entry=first.entry, data=services.IncidentData("Followed me from the station to work", first.entry.occurred_at)
    )
    return member, as_dicts(member)


def test_a_recorded_chain_verifies(diary):
    _member, versions = diary
    assert len(versions) == 3
    assert chain.verify(versions) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v["content"].update(what_happened="Something else"),
        lambda v: v.update(recorded_at="2020-01-01T00:00:00.000000+00:00"),
        lambda v: v.update(kind="deleted"),
        lambda v: v.update(attachments=["0" * 64]),
        lambda v: v.update(content_digest="0" * 64, content=None),
        lambda v: v.update(number=7),
    ],
    ids=["content", "server time", "kind", "attachment hash", "digest", "number"],
)
def test_any_change_to_a_version_is_named(diary, change):
    _member, versions = diary
    change(versions[1])
    broken = chain.verify(versions)
    assert broken is not None
    assert broken.sequence == 2
    assert broken.entry == versions[1]["entry"]


def test_a_version_removed_from_the_middle_is_named(diary):
    _member, versions = diary
    del versions[1]
    broken = chain.verify(versions)
    assert broken.sequence == 3
    assert "missing or out of order" in broken.reason


def test_reordered_versions_are_named(diary):
    _member, versions = diary
    versions[1], versions[2] = versions[2], versions[1]
    assert chain.verify(versions) is not None


def test_a_short_value_cannot_be_guessed_from_the_digest(member):
    """The digest is keyed by a salt inside the encrypted content, so the same words digest differently."""
    one = record(member, "Yes")
    two = record(member, "Yes")
    assert one.content_digest != two.content_digest
    unsalted = chain.content_digest({**one.content, "_salt": "00" * 16})
    assert unsalted != one.content_digest


def test_a_destroyed_entry_leaves_a_chain_that_still_verifies(diary):
    member, _versions = diary
    entry = EntryVersion.objects.filter(member=member).first().entry
    services.entry_destroy(entry=entry)
    versions = as_dicts(member)
    assert versions[-1]["kind"] == "destroyed"
    assert chain.verify(versions) is None


def test_rotating_the_members_key_does_not_change_the_chain(diary):
    member, before = diary
    call_command("rotate_member_key", member=member.pk)
    after = as_dicts(member)
    assert [v["hash"] for v in after] == [v["hash"] for v in before]
    assert chain.verify(after) is None

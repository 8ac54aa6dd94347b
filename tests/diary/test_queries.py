"""Queries pinned for the member's hot pages and for saving an incident (issue 15).

The counts are the same at 1 and at 500 entries: a page that grew a query per entry, or a save
that grew a round trip under the member's chain lock, fails here before it is slow anywhere.
Measured on the second request, as a member reads: the first one of a session writes down
that it is active (tests/portal/test_sessions.py).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diary import services
from diary.incident import IncidentData
from diary.models import Entry, EntryVersion
from portal import crypto
from tests.diary import helpers
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
# Session, user and the page's own reads; the same whatever the diary holds.
PAGE_QUERIES = {"timeline": 6, "entry": 5, "new-entry form": 2, "edit form": 5, "timeline, searched": 5}
# A search that finds every entry, with dates, kept in the session as a member's search is (the
# timeline reads the member's entries in the dates once, and searches them in memory).
SEARCH = {"q": "entry", "date_from": "2023-01-01", "date_to": "2030-01-01"}


def _member_with(count: int):
    member = MemberFactory()
    for number in range(count):
        helpers.record(member, f"Entry {number}", when=START + timedelta(hours=number))
    return member


def _pages(member) -> dict[str, str]:
    entry = Entry.objects.filter(member=member).first()
    assert entry is not None
    return {
        "timeline": "/notes/",
        "entry": f"/notes/{entry.pk}/",
        "new-entry form": "/notes/new/",
        "edit form": f"/notes/{entry.pk}/edit/",
        "timeline, searched": "/notes/",  # last: the search is kept for the session
    }


def _counts(client, member) -> dict[str, int]:
    client.force_login(member)
    counts = {}
    for label, path in _pages(member).items():
        if label == "timeline, searched":
            assert client.post(path, SEARCH).status_code == 302
        assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        counts[label] = len(captured.captured_queries)
    return counts


@pytest.mark.parametrize("entries", [1, 500])
def test_hot_pages_make_the_same_queries_at_1_and_500_entries(client, entries):
    assert _counts(client, _member_with(entries)) == PAGE_QUERIES


def _save(member) -> EntryVersion:
    data = IncidentData(what_happened="Outside again", occurred_at=timezone.now(), behaviours=["following"])
    with crypto.key_scope():  # each save its own scope, so its key reads are counted
        return services.entry_record(member=member, data=data)


@pytest.mark.parametrize("entries", [0, 30])
def test_saving_an_incident_takes_the_same_few_round_trips_however_long_the_chain(entries):
    """Lock the member's chain, write the entry, read the chain's head, write the first version,
    inside one transaction (SQLite's savepoint statements are not counted). Sealing the content
    reads the member's data key (twice: portal.crypto's, not the diary's, to make one). Then one
    query for the support workers to tell: all a member who shares nothing pays for sharing."""
    member = _member_with(entries)
    _save(member)  # the member's key is made on the first save of all; not part of a save's cost
    with CaptureQueriesContext(connection) as captured:
        version = _save(member)
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert [word for word in statements if word not in {"SAVEPOINT", "RELEASE"}] == [
        "SELECT",  # the chain lock
        "INSERT",  # the entry, naming its first version
        "SELECT",  # the chain's head
        "SELECT",  # the member's data key (portal.crypto)
        "SELECT",  # ... checked to exist (portal.crypto)
        "INSERT",  # the version
        "SELECT",  # workers the diary is shared with, to tell (casework.services.shared_entry_changed): none
    ]
    entry = Entry.objects.get(pk=version.entry_id)
    assert entry.current_version == version
    assert version.sequence == entries + 2 and version.number == 1

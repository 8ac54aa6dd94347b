"""The timeline: newest first, paged, filtered, searched in memory, in a fixed number of queries."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from diary import services, views
from portal import crypto
from tests.diary import helpers
from tests.factories import MemberFactory

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def record(member, what, *, when=START, **fields):
    return helpers.record(member, what, when=when, **fields)


def fill(member, count: int) -> None:
    for n in range(count):
        record(
            member,
            f"Entry number {n}",
            when=START + timedelta(hours=n),
            uploads=[jpeg()] if n % 50 == 0 else [],
            behaviours=["contact"] if n % 2 else ["following"],
        )


def search(client, params=None, page=None):
    """Choose filters as a person does (they are posted, not put in the address), then list."""
    url = reverse("diary:timeline")
    if params:
        client.post(url, params)
    return client.get(url, {"page": page} if page else None)


def queries_for(client, url, params=None) -> int:
    search(client, params)  # the first request of a session may do one-off work
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def listed(response) -> list[str]:
    return [item.data.what_happened for item in response.context["items"]]


@pytest.mark.parametrize(
    "params",
    # Each finds the single entry as well as a full page of the 500, so both pages show entries.
    [None, {"q": "NUMBER"}, {"behaviour": "following"}, {"date_from": "2024-01-01", "date_to": "2024-01-30"}],
    ids=["plain", "search", "behaviour", "dates"],
)
def test_queries_per_page_do_not_grow_with_the_number_of_entries(db, client, params):
    few, many = MemberFactory(), MemberFactory()
    fill(few, 1)
    fill(many, 500)
    url = reverse("diary:timeline")

    client.force_login(few)
    with_one = queries_for(client, url, params)
    client.force_login(many)
    with_many = queries_for(client, url, params)

    assert with_one == with_many
    assert with_one <= 12  # session, user, key, count, page, attachments and the like: not per entry


def test_newest_first_and_paged_by_twenty(client, member):
    fill(member, 45)
    client.force_login(member)

    first = client.get(reverse("diary:timeline"))
    third = search(client, page=3)

    assert listed(first) == [f"Entry number {n}" for n in range(44, 24, -1)]
    assert listed(third) == [f"Entry number {n}" for n in range(4, -1, -1)]
    assert "Older entries" in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()


def test_newest_first_is_by_when_it_happened_not_when_it_was_written(client, member):
    record(member, "Happened last, written first", when=START + timedelta(days=2))
    record(member, "Happened first, written last", when=START)
    client.force_login(member)

    assert listed(client.get(reverse("diary:timeline"))) == [
        "Happened last, written first",
        "Happened first, written last",
    ]


def test_search_looks_in_what_happened_where_and_exact_words_ignoring_case(client, member):
    record(member, "He was at the SUPERMARKET again")
    record(member, "Car outside", location="Outside the Supermarket on High Street")
    record(member, "Phone call", exact_words="I'll see you at the supermarket")
    record(member, "Nothing to do with shops")
    client.force_login(member)

    found = listed(search(client, {"q": "supermarket"}))

    assert sorted(found) == ["Car outside", "He was at the SUPERMARKET again", "Phone call"]
    assert listed(search(client, {"q": "  HIGH street "})) == ["Car outside"]
    assert listed(search(client, {"q": "bicycle"})) == []
    assert "No entries match" in search(client, {"q": "bicycle"}).content.decode()


def test_search_never_looks_in_another_members_entries(client, member, other_member):
    record(other_member, "Their supermarket story")
    record(member, "My own words")
    client.force_login(member)

    assert listed(search(client, {"q": "supermarket"})) == []


def test_search_leaves_out_deleted_entries(client, member):
    gone = record(member, "Deleted supermarket note")
    services.entry_delete(entry=gone)
    client.force_login(member)

    assert listed(search(client, {"q": "supermarket"})) == []


def test_filter_by_behaviour(client, member):
    record(member, "Threat", behaviours=["threats"])
    record(member, "Followed and threatened", behaviours=["following", "threats"])
    record(member, "Followed", behaviours=["following"])
    client.force_login(member)

    assert sorted(listed(search(client, {"behaviour": "threats"}))) == [
        "Followed and threatened",
        "Threat",
    ]


def test_filter_by_dates_includes_both_ends_in_local_time(client, member):
    record(member, "Before", when=datetime(2024, 3, 9, 23, 0, tzinfo=UTC))
    record(member, "First day", when=datetime(2024, 3, 10, 0, 30, tzinfo=UTC))
    record(member, "Last day, late", when=datetime(2024, 3, 12, 23, 30, tzinfo=UTC))
    record(member, "After (London summer time starts 31 March)", when=datetime(2024, 4, 1, 0, 30, tzinfo=UTC))
    client.force_login(member)

    found = listed(search(client, {"date_from": "2024-03-10", "date_to": "2024-03-12"}))
    only_from = listed(search(client, {"date_from": "2024-04-01"}))

    assert found == ["Last day, late", "First day"]
    # 00:30 UTC on 1 April is 01:30 in London: on 1 April locally.
    assert only_from == ["After (London summer time starts 31 March)"]


def test_filters_combine_and_keep_through_pages(client, member):
    for n in range(25):
        record(member, f"Van seen {n}", when=START + timedelta(hours=n), behaviours=["following"])
    record(member, "Van in a message", behaviours=["contact"])
    client.force_login(member)

    first = search(client, {"q": "van", "behaviour": "following"})

    assert len(listed(first)) == 20
    assert 'href="?page=2"' in first.content.decode()
    second = search(client, page=2)
    assert listed(second) == [f"Van seen {n}" for n in range(4, -1, -1)]


def kept_filters(client):
    return client.session.get(views.FILTERS_SESSION_KEY)


def keep_in_session(client, member, value: str) -> None:
    """A filter kept as an older version (or a broken one) might have kept it."""
    session = client.session
    session[views.FILTERS_SESSION_KEY] = crypto.encrypt_value(value, owner_id=member.pk, aad=views._filters_aad(member))
    session.save()


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"date_to": "9999-12-31"}, "between 1900 and 2100"),
        ({"date_from": "0001-01-01"}, "between 1900 and 2100"),
        ({"date_from": "1899-12-31"}, "between 1900 and 2100"),
        ({"date_from": "not a date"}, "Enter a real date"),
        ({"date_from": "2024-03-12", "date_to": "2024-03-10"}, "before the “From” date"),
        ({"behaviour": "nonsense"}, "Choose a type of behaviour from the list"),
        ({"q": "x" * 201}, "at most 200 characters"),
    ],
    ids=["year-9999", "year-1", "before-1900", "not-a-date", "to-before-from", "unknown-behaviour", "long-search"],
)
def test_a_filter_the_timeline_cannot_use_is_refused_kindly_and_never_kept(client, member, params, problem):
    record(member, "Still listed")
    client.force_login(member)

    posted = client.post(reverse("diary:timeline"), params)

    assert posted.status_code == 400
    assert problem in posted.content.decode()
    assert "Still listed" in posted.content.decode()  # the list is still there, as it was
    assert kept_filters(client) is None
    later = client.get(reverse("diary:timeline"))
    assert later.status_code == 200
    assert listed(later) == ["Still listed"]


def test_a_refused_filter_leaves_the_one_already_on_in_place(client, member):
    record(member, "Van outside", behaviours=["following"])
    record(member, "A letter", behaviours=["contact"])
    client.force_login(member)
    search(client, {"behaviour": "following"})
    before = kept_filters(client)

    refused = client.post(reverse("diary:timeline"), {"behaviour": "contact", "date_to": "9999-12-31"})

    assert refused.status_code == 400
    assert listed(refused) == ["Van outside"]
    assert kept_filters(client) == before
    assert listed(search(client)) == ["Van outside"]


@pytest.mark.parametrize(
    "kept",
    [
        json.dumps({"date_to": "9999-12-31"}),  # kept before dates were checked: every page was a 500
        json.dumps({"date_from": "2024-03-12", "date_to": "2024-03-10"}),
        json.dumps({"behaviour": "retired_code"}),
        json.dumps({"date_from": 20240310}),
        json.dumps(["not", "a", "dict"]),
        "not json at all",
    ],
    ids=["year-9999", "reversed", "unknown-behaviour", "number", "list", "not-json"],
)
def test_a_kept_filter_that_no_longer_passes_is_dropped_with_a_message(client, member, kept):
    record(member, "Still listed")
    client.force_login(member)
    keep_in_session(client, member, kept)

    response = client.get(reverse("diary:timeline"))

    assert response.status_code == 200
    assert listed(response) == ["Still listed"]
    assert "could not be used again" in response.content.decode()
    assert kept_filters(client) is None
    assert client.get(reverse("diary:timeline")).status_code == 200


def test_a_kept_filter_that_cannot_be_opened_is_dropped_with_a_message(client, member):
    record(member, "Still listed")
    client.force_login(member)
    session = client.session
    session[views.FILTERS_SESSION_KEY] = "sealed under a key that is gone"
    session.save()

    response = client.get(reverse("diary:timeline"))

    assert response.status_code == 200 and listed(response) == ["Still listed"]
    assert kept_filters(client) is None


def test_a_filter_that_is_on_is_shown(client, member):
    record(member, "Van outside", behaviours=["following"])
    client.force_login(member)

    page = search(client, {"behaviour": "following", "date_from": "2023-01-01"}).content.decode()

    assert '<details class="diary-filter" open>' in page
    assert 'value="2023-01-01"' in page
    assert '<option value="following" selected>' in page


def test_search_words_never_reach_an_address_or_the_session_in_clear(client, member):
    record(member, "Van outside the school gates")
    client.force_login(member)

    posted = client.post(reverse("diary:timeline"), {"q": "school gates", "behaviour": "following"})

    assert posted.status_code == 302
    assert "school" not in posted["Location"] and "following" not in posted["Location"]
    stored = str(dict(client.session))
    assert "school" not in stored and "following" not in stored
    page = search(client)
    assert "school gates" in page.content.decode()  # the form shows it back to the member only
    assert not any("school" in href for href in re.findall(r'href="([^"]*)"', page.content.decode()))


def test_show_all_clears_the_saved_search(client, member):
    record(member, "First")
    record(member, "Second")
    client.force_login(member)
    assert listed(search(client, {"q": "first"})) == ["First"]

    client.post(reverse("diary:timeline"), {"clear": "1"})

    assert sorted(listed(search(client))) == ["First", "Second"]


def summary(response) -> str:
    """The line above the list that says which filters are on, as plain text."""
    page = response.content.decode()
    match = re.search(r'<div class="filter-summary" data-filter-summary>\s*<p>(.*?)</p>', page, re.S)
    assert match, "no summary of the filters above the list"
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_a_filter_that_is_on_says_so_above_the_list_with_clear_beside_it(client, member):
    record(member, "Van outside the station", when=datetime(2025, 3, 2, 9, 0, tzinfo=UTC), behaviours=["following"])
    record(member, "Van at the station again", when=datetime(2025, 3, 4, 9, 0, tzinfo=UTC), behaviours=["following"])
    record(member, "Station, but in April", when=datetime(2025, 4, 2, 9, 0, tzinfo=UTC), behaviours=["following"])
    record(member, "Letter about the station", when=datetime(2025, 3, 3, 9, 0, tzinfo=UTC), behaviours=["contact"])
    client.force_login(member)

    response = search(
        client, {"q": "station", "date_from": "2025-03-01", "date_to": "2025-03-05", "behaviour": "following"}
    )

    assert summary(response) == (
        "Showing entries from 1 March to 5 March 2025 of the type “Following or watching”"
        " that mention “station”: 2 entries."
    )
    page = response.content.decode()
    clear = re.search(r'<div class="filter-summary".*?<form method="post" action="/notes/">(.*?)</form>', page, re.S)
    assert clear and 'name="clear" value="1"' in clear.group(1) and ">Clear<" in clear.group(1)
    assert "csrfmiddlewaretoken" in clear.group(1)
    # Clear works as it says: every entry again, and no summary.
    client.post(reverse("diary:timeline"), {"clear": "1"})
    cleared = client.get(reverse("diary:timeline"))
    assert len(listed(cleared)) == 4
    assert "data-filter-summary" not in cleared.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "letter"}, "Showing entries that mention “letter”: 1 entry."),
        ({"date_from": "2024-12-31"}, "Showing entries from 31 December 2024 on: 2 entries."),
        ({"date_to": "2025-03-01"}, "Showing entries up to 1 March 2025: none."),
        (
            {"date_from": "2024-12-31", "date_to": "2025-03-10"},
            "Showing entries from 31 December 2024 to 10 March 2025: 2 entries.",
        ),
    ],
    ids=["search", "from", "to", "across years"],
)
def test_the_summary_names_each_filter_that_is_on(client, member, params, expected):
    record(member, "Letter through the door", when=datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    record(member, "Phone calls", when=datetime(2025, 3, 8, 9, 0, tzinfo=UTC))
    client.force_login(member)

    assert summary(search(client, params)) == expected


def test_no_summary_without_a_filter_and_the_words_stay_out_of_the_title(client, member):
    record(member, "Van outside the school gates")
    client.force_login(member)
    assert "data-filter-summary" not in search(client).content.decode()

    page = search(client, {"q": "school gates"}).content.decode()

    assert "that mention “school gates”" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "school" not in title


def test_the_summary_stays_while_a_refused_filter_is_corrected(client, member):
    record(member, "Van outside")
    client.force_login(member)
    search(client, {"q": "van"})

    refused = client.post(reverse("diary:timeline"), {"date_from": "not a date"})

    assert refused.status_code == 400
    assert summary(refused) == "Showing entries that mention “van”: 1 entry."

"""An entry's history shows what every version said, in full, and what changed from the version
before, word by word, made on the server (no script), marked with words as well as styles."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diary import selectors, services
from diary.compare import Change, Piece, word_changes
from diary.incident import IncidentData
from tests.diary.helpers import FORM, record
from tests.factories import AttachmentFactory, png_upload

pytestmark = pytest.mark.django_db


def _history(client, entry) -> str:
    response = client.get(reverse("diary:history", args=[entry.id]))
    assert response.status_code == 200
    return response.content.decode()


def _versions(html: str) -> list[str]:
    """Each version's part of the page, oldest first."""
    return re.findall(r'<li class="history-version">(.*?)</li>\s*(?=<li class="history-version">|</ol>)', html, re.S)


def _edit(client, entry, **changes):
    response = client.post(reverse("diary:edit", args=[entry.id]), {**FORM, **changes})
    assert response.status_code == 302, response.content.decode()


def test_the_history_shows_the_earlier_wording_and_what_changed(client, member):
    entry = record(member, "He followed me home from the station.", location="Mill Lane")
    client.force_login(member)
    _edit(client, entry, what_happened="He followed me from the bus station at night.", vehicle="Blue van")

    first, second = _versions(_history(client, entry))

    assert "Version 1: Created" in first and "Version 2: Edited" in second
    assert "He followed me home from the station." in first  # the earlier words, in full
    assert "Mill Lane" in first
    assert "<ins>" not in first and "<del>" not in first
    assert '<del><span class="visually-hidden">[removed: </span>home <span class="visually-hidden">]</span></del>' in (
        second
    )
    assert '<ins><span class="visually-hidden">[added: </span>bus station at night.' in second
    assert (
        "Blue van"
        in re.search(r"<dt>Vehicle details <span class=\"tag\">changed</span></dt>(.*?)</dd>", second, re.S)[1]
    )
    # The location was cleared by the edit: the history says what was removed.
    assert re.search(r"<dt>Where <span class=\"tag\">changed</span></dt>\s*<dd[^>]*><del>.*?Mill Lane", second, re.S)
    assert "Changes from version 1 are marked." in second


def test_every_field_of_a_version_is_shown_through_the_declaration(client, member):
    entry = record(member, "Calls at night.", sender="07700 900123", behaviours=["contact", "threats"])
    client.force_login(member)

    (only,) = _versions(_history(client, entry))

    headings = re.findall(r"<dt>(.*?)</dt>", only)
    assert headings == [
        "When it happened",
        "The date or time is approximate",
        "What happened",
        "Type of behaviour",
        "Sender’s number or account",
        "Children present",
        "Reported to the police",
    ]
    assert "Unwanted calls, messages, letters or gifts, Threats" in only
    assert only.count("Not answered") == 2
    assert "Not ticked" in only


def test_moving_an_entry_and_back_changes_no_words(client, member):
    entry = record(member)
    client.force_login(member)
    client.post(reverse("diary:delete", args=[entry.id]))
    client.post(reverse("diary:restore", args=[entry.id]))

    versions = _versions(_history(client, entry))

    assert len(versions) == 3
    assert all("The words did not change from version" in version for version in versions[1:])
    assert not any("<ins>" in version or "<del>" in version for version in versions)


def test_files_added_and_removed_are_listed_per_version(client, member):
    entry = record(member, uploads=[png_upload("first.png")])
    added = AttachmentFactory(entry=entry, upload=png_upload("second.png", colour=(0, 0, 200)))
    client.force_login(member)
    _edit(client, entry, remove=[str(added.id)])

    first, second, third = _versions(_history(client, entry))

    assert "first.png" in first and "second.png" not in first
    assert "Added in this version:" in second and "[added: </span>second.png" in second
    assert "Removed in this version" in third and "[removed: </span>second.png" in third
    files_now = third.split("Files in this version")[1].split("Removed in this version")[0]
    assert "first.png" in files_now and "second.png" not in files_now
    assert added.sha256 in second


def test_the_history_takes_the_same_queries_however_many_versions(client, member):
    short = record(member, "One version.")
    long = record(member, "Many versions.", uploads=[png_upload()])
    client.force_login(member)
    for number in range(6):
        _edit(client, long, what_happened=f"Many versions, edit {number}.")

    with CaptureQueriesContext(connection) as one:
        _history(client, short)
    with CaptureQueriesContext(connection) as seven:
        html = _history(client, long)

    assert len(_versions(html)) == 7
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_versions_rendered_gives_every_field_of_every_version_as_words(member):
    entry = record(member, "First words.", children_present=True)
    services.entry_edit(
        entry=entry, data=IncidentData.from_content(entry.current_content).replace(what_happened="Second words.")
    )
    versions = list(entry.versions.order_by("number"))

    rendered = selectors.versions_rendered(versions, when=lambda moment: moment.strftime("%Y-%m-%d"))

    assert [item.version.number for item in rendered] == [1, 2]
    first = {row.field.name: row.text for row in rendered[0].fields}
    assert first["what_happened"] == "First words."
    assert first["children_present"] == "Yes" and first["reported_to_police"] == "Not answered"
    assert first["occurred_at"] == "2025-03-01"
    assert {row.field.name: row.text for row in rendered[1].fields}["what_happened"] == "Second words."


def test_word_changes_keep_the_later_text_and_mark_removed_words():
    pieces = word_changes("He was at the gate.\nThen he left.", "He was at the back gate.\nThen he left.")

    assert pieces == [
        Piece(Change.SAME, "He was at the "),
        Piece(Change.ADDED, "back "),
        Piece(Change.SAME, "gate.\nThen he left."),
    ]
    assert word_changes("same words", "same  words") == [Piece(Change.SAME, "same  words")]
    assert word_changes("", "") == []

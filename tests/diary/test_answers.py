"""A yes/no question has three answers: yes, no and not answered. A question the member never
answered reads "Not answered" on the entry's page, in the PDF and in the JSON, never "No"; and
entries written when these questions were tick boxes (an unticked box stored as false) read the
same way, from their own schema, while their versions are never rewritten and still verify."""

import re
import zipfile
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.urls import reverse

from diary import chain, services
from diary.guards import chain_lock
from diary.incident import Answer, IncidentData
from diary.models import Entry, VersionKind
from diary.verify import bundle_verify
from tests.diary.helpers import as_dicts, read_document
from tests.diary.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

QUESTIONS = {"children_present": "Children present", "reported_to_police": "Reported to police"}


def _pdf(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return pdf_text(archive.read("bundle.pdf"))


def _pdf_answer(text: str, label: str) -> str:
    """The value drawn under a label in the PDF (the label, then its value, line by line)."""
    lines = text.splitlines()
    return lines[lines.index(label) + 1]


def _page_answer(html: str, heading: str) -> str:
    found = re.search(rf"<dt>{heading}</dt>\s*<dd>(.*?)</dd>", html)
    assert found, f"no row {heading!r}"
    return found.group(1)


def _posted_entry(client, **answers) -> Entry:
    data = {"what_happened": "He waited at the bus stop.", "occurred_date": "2025-03-04", "occurred_time": "08:10"}
    response = client.post(reverse("diary:new"), {**data, **answers})
    assert response.status_code == 302, response.content.decode()
    return Entry.objects.get()


def _content_as_the_old_code_wrote_it(**ticked) -> dict:
    """A version's content as IncidentData.as_content wrote it before yes/no questions had three
    answers: every box stored true or false, and no schema marker."""
    return {
        "what_happened": "Parked outside the school again.",
        "occurred_at": "2025-03-02T15:30:00+00:00",
        "occurred_approximately": False,
        "behaviours": ["following"],
        "location": "",
        "exact_words": "",
        "sender": "",
        "vehicle": "",
        "witnesses": "",
        "children_present": ticked.get("children_present", False),
        "effect": "",
        "reported_to_police": ticked.get("reported_to_police", False),
        "crime_reference": "",
        "officer": "",
    }


def _record_as_the_old_code_did(member, content: dict) -> Entry:
    """What entry_record did with that content: a new entry, and its first link in the chain."""
    with transaction.atomic():
        chain_lock(member)
        entry = Entry.objects.create(
            member=member, occurred_at=datetime.fromisoformat(content["occurred_at"]), behaviours=content["behaviours"]
        )
        services._append_version(entry=entry, kind=VersionKind.CREATED, content=content)
    return entry


def test_the_new_entry_form_asks_each_question_with_three_answers_and_not_answered_chosen(client, member):
    client.force_login(member)
    page = client.get(reverse("diary:new")).content.decode()

    for name in QUESTIONS:
        radios = re.findall(rf'<input type="radio" name="{name}" value="(\w+)"[^>]*?( checked)?>', page)
        assert radios == [("yes", ""), ("no", ""), ("not_answered", " checked")]
    assert "<legend>Were children present?</legend>" in page
    assert "<legend>Did you report it to the police?</legend>" in page


def test_a_question_left_unanswered_reads_not_answered_on_the_page_in_the_pdf_and_in_the_json(
    client, member, build, public_key
):
    client.force_login(member)
    entry = _posted_entry(client)  # the questions are not touched

    page = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    assert _page_answer(page, "Children present") == "Not answered"
    assert _page_answer(page, "Reported to the police") == "Not answered"

    path = build(member)
    assert bundle_verify(path, public_key=public_key).ok
    content = read_document(path)["chain"][0]["content"]
    assert content["children_present"] == content["reported_to_police"] == "not_answered"
    text = _pdf(path)
    for label in QUESTIONS.values():
        assert _pdf_answer(text, label) == "Not answered"
    assert "\nNo\n" not in f"\n{text}\n"


@pytest.mark.parametrize(("posted", "stored", "shown"), [("yes", Answer.YES, "Yes"), ("no", Answer.NO, "No")])
def test_yes_and_no_are_kept_and_read_back_everywhere(client, member, build, posted, stored, shown):
    client.force_login(member)
    entry = _posted_entry(client, children_present=posted, reported_to_police=posted)

    data = IncidentData.from_content(entry.current_content)
    assert data.children_present == data.reported_to_police == stored
    page = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    assert _page_answer(page, "Children present") == shown
    path = build(member)
    assert read_document(path)["chain"][0]["content"]["reported_to_police"] == posted
    assert _pdf_answer(_pdf(path), "Reported to police") == shown

    edit = client.get(reverse("diary:edit", args=[entry.id])).content.decode()
    assert (
        f'name="children_present" value="{posted}" id="id_children_present_{0 if posted == "yes" else 1}" checked'
        in (edit)
    )


def test_an_answer_that_is_not_one_of_the_three_is_refused_kindly_and_nothing_is_saved(client, member):
    client.force_login(member)
    response = client.post(
        reverse("diary:new"),
        {
            "what_happened": "Rang twice.",
            "occurred_date": "2025-03-04",
            "occurred_time": "08:10",
            "children_present": "on",
        },
    )

    assert response.status_code == 200
    assert "Choose yes, no or not answered for “Were children present?”." in response.content.decode()
    assert not Entry.objects.exists()


def test_an_unticked_box_written_before_the_change_still_verifies_and_reads_not_answered(
    client, member, build, public_key
):
    old = _content_as_the_old_code_wrote_it(reported_to_police=True)
    entry = _record_as_the_old_code_did(member, old)
    kept = dict(entry.current_version.content)

    assert chain.verify(as_dicts(member)) is None
    data = IncidentData.from_content(kept)
    assert data.children_present == Answer.NOT_ANSWERED  # unticked never meant "no"
    assert data.reported_to_police == Answer.YES  # a ticked box did mean yes

    client.force_login(member)
    page = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    assert _page_answer(page, "Children present") == "Not answered"
    assert _page_answer(page, "Reported to the police") == "Yes"

    path = build(member)
    assert bundle_verify(path, public_key=public_key).ok
    exported = read_document(path)["chain"][0]["content"]
    assert exported["children_present"] is False and "_schema" not in exported  # the version as written
    text = _pdf(path)
    assert _pdf_answer(text, "Children present") == "Not answered"
    assert _pdf_answer(text, "Reported to police") == "Yes"


def test_an_old_entry_moved_and_edited_keeps_its_meaning_and_its_chain(client, member, build, public_key):
    entry = _record_as_the_old_code_did(member, _content_as_the_old_code_wrote_it())
    client.force_login(member)
    client.post(reverse("diary:delete", args=[entry.id]))
    client.post(reverse("diary:restore", args=[entry.id]))
    entry.refresh_from_db()
    # Moving it copies the old content as it is: still read by its own (old) schema.
    assert IncidentData.from_content(entry.current_content).children_present == Answer.NOT_ANSWERED

    edit = client.get(reverse("diary:edit", args=[entry.id])).content.decode()
    assert 'value="not_answered" id="id_children_present_2" checked' in edit
    response = client.post(
        reverse("diary:edit", args=[entry.id]),
        {
            "what_happened": "Parked outside the school again, engine running.",
            "occurred_date": "2025-03-02",
            "occurred_time": "15:30",
            "children_present": "not_answered",
            "reported_to_police": "no",
        },
    )
    assert response.status_code == 302

    entry.refresh_from_db()
    newest = entry.current_content
    assert newest["children_present"] == "not_answered" and newest["reported_to_police"] == "no"
    assert chain.verify(as_dicts(member)) is None
    assert bundle_verify(build(member), public_key=public_key).ok
    versions = list(entry.versions.order_by("number"))
    assert versions[0].content["children_present"] is False  # the first version is never rewritten


def test_answers_said_in_code_as_true_and_false_mean_yes_and_no():
    when = datetime(2025, 3, 1, tzinfo=UTC)
    data = IncidentData(what_happened="x", occurred_at=when, children_present=True, reported_to_police=False)

    assert data.children_present == Answer.YES and data.reported_to_police == Answer.NO
    assert IncidentData(what_happened="x", occurred_at=when).children_present == Answer.NOT_ANSWERED

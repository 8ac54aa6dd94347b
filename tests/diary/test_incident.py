"""The incident's fields are declared once (diary.incident.FIELDS): the form, the entry's
page, the search, the PDF and the JSON of a download all render them from that one list."""

import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from diary import incident, selectors
from diary.errors import InvalidIncident
from diary.forms import IncidentForm
from diary.incident import IncidentData, IncidentField, Kind
from diary.models import Entry
from tests.diary.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

WEATHER = IncidentField("weather", Kind.TEXT, "What the weather was like", max_length=100, searched=True)
ANSWERS = {
    "what_happened": "He followed me home.",
    "behaviours": ["following"],
    "location": "Elm Road",
    "exact_words": "You cannot hide",
    "sender": "07700 900123",
    "vehicle": "Blue van",
    "witnesses": "Sam, next door",
    "children_present": "yes",
    "effect": "I could not sleep",
    "reported_to_police": "no",
    "crime_reference": "CR/99",
    "officer": "PC 1234",
}


def _form_names() -> set[str]:
    return {field.name for field in incident.FIELDS if field.kind != Kind.DATETIME}


def _post(client, **answers) -> Entry:
    data = {"occurred_date": "2025-03-04", "occurred_time": "21:15", **answers}
    response = client.post(reverse("diary:new"), data)
    assert response.status_code == 302, response.content.decode()
    return Entry.objects.get()


def _bundle_pdf_and_json(member, build) -> tuple[str, dict]:
    with zipfile.ZipFile(build(member)) as archive:
        return pdf_text(archive.read("bundle.pdf")), json.loads(archive.read("bundle.json"))


def _pdf_labels(text: str) -> list[str]:
    labels = {field.exported_label for field in incident.FIELDS}
    return [line for line in text.splitlines() if line in labels]


def test_every_output_renders_exactly_the_declared_fields(client, member, build):
    client.force_login(member)
    form = IncidentForm()
    assert {name for name in form.fields if name not in ("occurred_date", "occurred_time", "attachments")} == (
        _form_names()
    )
    assert [form.fields[name].label for name in _form_names()] == [incident.field(name).label for name in _form_names()]

    entry = _post(client, **ANSWERS)
    page = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    headings = re.findall(r"<dt>(.*?)</dt>", page)
    listed = [field.shown_heading for field in incident.FIELDS if field.listed]
    assert headings == ["When it happened", "First written down", *listed]

    text, document = _bundle_pdf_and_json(member, build)
    assert _pdf_labels(text) == [field.exported_label for field in incident.exported_fields()]
    content = document["chain"][0]["content"]
    assert set(content) - {"_salt", "_schema"} == {field.name for field in incident.FIELDS}

    assert set(incident.searched_fields()) == {
        field.name for field in incident.FIELDS if field.kind in (Kind.TEXT, Kind.LONG_TEXT)
    }


def test_a_field_added_to_the_declaration_appears_in_every_output(client, member, build, monkeypatch):
    monkeypatch.setattr(incident, "FIELDS", (*incident.FIELDS, WEATHER))
    client.force_login(member)

    form_page = client.get(reverse("diary:new")).content.decode()
    assert 'name="weather"' in form_page and "What the weather was like" in form_page
    assert "weather" in IncidentForm().fields

    entry = _post(client, what_happened="He was at the gate.", weather="Pouring with rain")
    data = IncidentData.from_content(entry.current_version.content)
    assert data.weather == "Pouring with rain"

    detail = client.get(reverse("diary:entry", args=[entry.id])).content.decode()
    assert "<dt>What the weather was like</dt>" in detail and "Pouring with rain" in detail

    assert list(selectors.timeline(member=member, q="pouring")) == [entry]

    text, document = _bundle_pdf_and_json(member, build)
    assert "What the weather was like" in text and "Pouring with rain" in text
    assert document["chain"][0]["content"]["weather"] == "Pouring with rain"

    edit_page = client.get(reverse("diary:edit", args=[entry.id])).content.decode()
    assert "Pouring with rain" in edit_page


def test_content_written_before_a_field_existed_reads_it_as_unanswered(monkeypatch):
    old = IncidentData(what_happened="Calls at night.", occurred_at=datetime(2025, 3, 1, tzinfo=UTC)).as_content()
    monkeypatch.setattr(incident, "FIELDS", (*incident.FIELDS, WEATHER))

    assert IncidentData.from_content(old).weather == ""


def test_content_keeps_its_format():
    data = IncidentData(
        "Calls at night.", datetime(2025, 3, 1, 21, 0, tzinfo=UTC), behaviours=["threats", "contact"], vehicle="Van"
    )

    assert data.as_content() == {
        "what_happened": "Calls at night.",
        "occurred_at": "2025-03-01T21:00:00+00:00",
        "occurred_approximately": False,
        "behaviours": ["contact", "threats"],
        "location": "",
        "exact_words": "",
        "sender": "",
        "vehicle": "Van",
        "witnesses": "",
        "children_present": "not_answered",
        "effect": "",
        "reported_to_police": "not_answered",
        "crime_reference": "",
        "officer": "",
        "_schema": 2,
    }
    assert IncidentData.from_content(data.as_content()) == data.replace(behaviours=["contact", "threats"])
    assert data.replace(vehicle="Car").vehicle == "Car" and data.vehicle == "Van"


def test_the_declaration_refuses_what_the_diary_cannot_keep():
    when = datetime(2025, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidIncident, match="Say what happened"):
        IncidentData(what_happened="  ", occurred_at=when)
    with pytest.raises(InvalidIncident, match="kinds of behaviour"):
        IncidentData(what_happened="x", occurred_at=when, behaviours=["shouting"])
    with pytest.raises(TypeError):
        IncidentData(what_happened="x", occurred_at=when, mood="low")
    with pytest.raises(TypeError):
        IncidentData(what_happened="x")
    with pytest.raises(AttributeError):
        IncidentData(what_happened="x", occurred_at=when).location = "changed"  # type: ignore[misc]

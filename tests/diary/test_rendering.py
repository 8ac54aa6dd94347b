"""The diary's hot pages draw their forms lean (issue 15): the same markup as Django's templates,
without a template per field, label, error list and option; dates written once; the blank
filter form drawn once, and never with anything of a member's in it.

Lean and Django's drawing are compared as HTML, element by element, attribute by attribute and
word by word (only the spaces between elements may differ): every label, hint, error message
and aria attribute the pages had, they keep.
"""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from diary import forms
from diary.incident import IncidentData
from diary.services import entry_edit
from tests.diary import helpers
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db

# Markup a member might type, in every kind of field: it must come back as text, never as HTML.
HOSTILE = '</textarea><script>alert("x")</script>&amp; "quoted" \'single\' <b>'


class _Tree(HTMLParser):
    """An HTML fragment as a list of tags, attributes and words; spaces between words and
    elements do not count, except inside a textarea (where the first line break is dropped,
    as a browser drops it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self.raw = False

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("<", tag, tuple(attrs)))
        self.raw = tag == "textarea"

    def handle_endtag(self, tag):
        self.tokens.append(("/", tag))
        self.raw = False

    def handle_data(self, data):
        if self.raw:
            self.tokens.append(("text", data.removeprefix("\n")))
        elif words := " ".join(data.split()):
            if self.tokens and self.tokens[-1][0] == "words":
                words = f"{self.tokens.pop()[1]} {words}"
            self.tokens.append(("words", words))


def tree(html: str) -> list[tuple]:
    parser = _Tree()
    parser.feed(str(html))
    parser.close()
    return parser.tokens


def _drawings(form) -> dict[str, str]:
    """Everything a page may draw of a form: each field's group, widget, label and errors,
    each option on its own, and the form's own errors."""
    drawn = {"non-field errors": str(form.non_field_errors())}
    for field in form:
        drawn[f"{field.name}: group"] = field.as_field_group()
        drawn[f"{field.name}: widget"] = str(field)
        drawn[f"{field.name}: label"] = field.label_tag()
        drawn[f"{field.name}: legend"] = field.legend_tag()
        drawn[f"{field.name}: errors"] = str(field.errors)
        for index, option in enumerate(field.subwidgets):
            drawn[f"{field.name}: option {index}"] = option.tag()
            drawn[f"{field.name}: option {index} in its label"] = str(option)
    return drawn


def assert_drawn_as_django_draws(make_form):
    """``make_form(renderer=...)``, drawn lean, reads exactly as drawn by Django's templates."""
    lean, django = make_form(renderer=None), make_form(renderer=get_default_renderer())
    assert lean.renderer is forms.LEAN_RENDERER and django.renderer is not forms.LEAN_RENDERER
    lean_drawn, django_drawn = _drawings(lean), _drawings(django)
    assert lean_drawn.keys() == django_drawn.keys()
    for name, html in lean_drawn.items():
        assert tree(html) == tree(django_drawn[name]), name
    return lean_drawn


def _incident_post(**changes) -> dict:
    return {
        "what_happened": "Outside the school",
        "occurred_date": "2025-03-01",
        "occurred_time": "21:30",
        **changes,
    }


@pytest.mark.parametrize(
    "data",
    [
        None,
        _incident_post(),
        # Every kind of problem: a required field blank, a bad date and time, a choice not in the
        # list, text too long, a yes/no answer that is none of the three.
        {
            "what_happened": "  ",
            "occurred_date": "2999-01-01",
            "occurred_time": "25:99",
            "behaviours": ["following", "not-a-behaviour"],
            "location": "x" * 501,
            "children_present": "maybe",
        },
        _incident_post(occurred_date="1850-06-01", occurred_approximately="on", reported_to_police="yes"),
        _incident_post(
            what_happened=HOSTILE,
            location=HOSTILE,
            exact_words="\nStarts with a line break",
            behaviours=["threats", "online"],
            children_present="no",
            sender=HOSTILE,
        ),
    ],
    ids=["blank", "valid", "every-problem", "date-too-early", "hostile-text"],
)
def test_the_entry_form_is_drawn_as_djangos_templates_draw_it(data):
    def make(renderer):
        form = forms.IncidentForm(data, renderer=renderer)  # unbound when data is None
        if data is not None:
            form.is_valid()
        return form

    drawn = assert_drawn_as_django_draws(make)
    assert "<script>" not in "".join(drawn.values())


def test_the_entry_form_with_a_refused_file_and_a_message_of_its_own_is_drawn_as_django_draws_it():
    def make(renderer):
        text = SimpleUploadedFile("notes.txt", b"just text", content_type="text/plain")
        form = forms.IncidentForm(_incident_post(), {"attachments": [text]}, renderer=renderer)
        assert not form.is_valid()
        form.add_error(None, f"Another tab got there first {HOSTILE}")
        return form

    drawn = assert_drawn_as_django_draws(make)
    assert "errorlist nonfield" in drawn["non-field errors"] and "<script>" not in drawn["non-field errors"]


def test_the_edit_form_with_files_to_remove_is_drawn_as_django_draws_it(member):
    attachment = AttachmentFactory(entry=helpers.record(member, HOSTILE, uploads=()))
    data = IncidentData(what_happened=HOSTILE, occurred_at=datetime(2025, 3, 1, 21, 30, tzinfo=UTC), location=HOSTILE)

    def unbound(renderer):
        return forms.IncidentForm(data_initial=data, removable=[attachment], renderer=renderer)

    def refused(renderer):
        posted = _incident_post(remove=[str(attachment.pk), "a-file-that-is-gone"])
        form = forms.IncidentForm(posted, removable=[attachment], renderer=renderer)
        assert not form.is_valid()
        return form

    assert "remove: option 0" in assert_drawn_as_django_draws(unbound)
    assert 'aria-invalid="true"' in assert_drawn_as_django_draws(refused)["remove: option 0"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": HOSTILE, "date_from": "2024-01-01", "date_to": "2024-02-01", "behaviour": "following"},
        {"q": "x" * 201, "date_from": "9999-01-01", "date_to": "not a date", "behaviour": "not-a-behaviour"},
        {"date_from": "2024-05-01", "date_to": "2024-01-01"},
    ],
    ids=["blank", "in-use", "refused", "dates-backwards"],
)
def test_the_timeline_filters_are_drawn_as_djangos_templates_draw_them(data):
    def make(renderer):
        form = forms.TimelineFilterForm(data, renderer=renderer)
        if data is not None:
            form.is_valid()
        return form

    assert_drawn_as_django_draws(make)
    # The whole form, as the timeline draws it ({{ filter_form }}), the blank one from its copy.
    lean, django = make(renderer=None), make(renderer=get_default_renderer())
    assert tree(str(lean)) == tree(django.render(template_name=forms.TimelineFilterForm.template_name))


def test_the_download_form_is_drawn_as_djangos_templates_draw_it():
    def make(renderer):
        form = forms.ExportForm({"start": "2025-03-10", "end": "2025-03-01"}, renderer=renderer)
        assert not form.is_valid()
        return form

    assert_drawn_as_django_draws(make)


def test_the_blank_filters_are_drawn_once_and_hold_nothing_of_a_members(client, member, other_member):
    helpers.record(member, "Van outside the school gates")
    helpers.record(other_member, "Van outside the school gates")
    client.force_login(member)
    client.post(reverse("diary:timeline"), {"q": "school gates", "date_from": "2024-01-01"})
    in_use = client.get(reverse("diary:timeline"))
    assert 'value="school gates"' in in_use.content.decode()
    assert "diary/includes/filter_fields.html" in [template.name for template in in_use.templates]

    client.force_login(other_member)
    client.get(reverse("diary:timeline"))  # the first blank form of the process may be drawn here
    blank = client.get(reverse("diary:timeline"))

    page = blank.content.decode()
    assert "school gates" not in page.split('class="diary-list"')[0]  # only in the entry listed
    assert 'value="2024-01-01"' not in page and '<details class="diary-filter">' in page
    assert 'id="id_q"' in page and 'name="behaviour"' in page
    assert "diary/includes/filter_fields.html" not in [template.name for template in blank.templates]


@pytest.mark.parametrize("page", ["timeline", "new", "edit"])
def test_the_hot_pages_draw_no_template_per_field_option_or_entry(client, member, page):
    """No template of Django's for a field, label, error list, widget or option (their markup is
    drawn in Python), and none drawn more than once: nothing per field, option or entry."""
    entry = helpers.record(member, "Parked outside")
    AttachmentFactory(entry=entry)
    helpers.record(member, "Followed home")
    client.force_login(member)
    path = {"timeline": "/notes/", "new": "/notes/new/", "edit": f"/notes/{entry.pk}/edit/"}[page]
    client.get(path)

    for response in (client.get(path), client.post(path, {"what_happened": "", "q": "x" * 201})):
        drawn = [template.name for template in response.templates]
        assert not [name for name in drawn if name.startswith("django/forms/")]
        assert not [name for name in drawn if drawn.count(name) > 1]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 3, 1, 21, 30, tzinfo=UTC),
        datetime(2025, 7, 14, 23, 5, 59, 123456, tzinfo=UTC),  # summer time: the next day in London
        datetime(2024, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_a_moment_is_written_as_the_date_filters_wrote_it(moment):
    """One turn into the site's time, both forms written from it: the markup of the two |date
    filters it replaces."""
    template = engines["django"].from_string(
        "{% load diary_tags %}{{ moment|when }}|"
        '<time datetime="{{ moment|date:\'c\' }}">{{ moment|date:"l j F Y, H:i" }}</time>'
    )
    lean, with_filters = template.render({"moment": moment}).split("|")
    assert lean == with_filters
    assert timezone.localtime(moment).isoformat() in lean


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Parked outside.",
        "x" * 200,
        "x" * 201,
        "Followed me <home> & waited " * 20,
        "e\u0301" * 150,  # 300 characters, 150 of them combining accents: 150 letters as drawn
        "e\u0301" * 101,
    ],
)
def test_an_entry_s_preview_is_what_truncatechars_gave(text):
    template = engines["django"].from_string("{% load diary_tags %}{{ text|preview }}|{{ text|truncatechars:200 }}")
    lean, with_filter = template.render({"text": text}).split("|")
    assert lean == with_filter


def test_the_timeline_counts_each_entry_s_current_files(client, member):
    """A file an edit removed is kept in the chain but not counted; an entry without files says nothing."""
    with_files = helpers.record(member, "Parked outside")
    for _ in range(3):
        AttachmentFactory(entry=with_files)
    removed = with_files.attachments.first()
    entry_edit(entry=with_files, data=IncidentData.from_content(with_files.current_content), remove=[removed.pk])
    helpers.record(member, "Followed home")
    client.force_login(member)

    page = client.get("/notes/").content.decode()

    assert page.count('class="diary-list__meta"') == 1
    assert '<p class="diary-list__meta">2 files</p>' in page

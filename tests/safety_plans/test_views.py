"""Every plan page is for the member whose plan it is, and for nobody else.

Other members and every staff role are told the page does not exist (404), or see only their
own, empty plan; anonymous visitors are sent to sign in. Pages are never cached, their titles
are one neutral word, and print and PDF hold the whole plan.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safety_plans import services
from safety_plans.models import PlanVersion
from safety_plans.sections import SECTIONS
from tests.content.factories import HelplineFactory
from tests.diary.pdf_text import pdf_text
from tests.portal.support import SENSITIVE_WORDS, parse_page
from tests.safety_plans.pdf_words import pdf_words

pytestmark = pytest.mark.django_db

SECRET = "Jo next door has the spare key"
CODE_WORD = "marmalade"
SECTION_FORM = {"checked": ["locks", "door"], "notes": "Chain on the door"}


@pytest.fixture
def plan(member):
    services.plan_section_save(
        member=member, section_key="people", checked=["told_someone"], notes=SECRET, code_word=CODE_WORD
    )
    services.plan_section_save(member=member, section_key="bag", checked=["cash"], notes="In the wardrobe")
    return member.safety_plan


# name, method, keyword arguments, what the owner gets
VIEWS = [
    ("safety_plans:plan", "get", {}, 200),
    ("safety_plans:section", "get", {"section_key": "home"}, 200),
    ("safety_plans:section", "post", {"section_key": "home"}, 302),
    ("safety_plans:versions", "get", {}, 200),
    ("safety_plans:version", "get", {"number": 1}, 200),
    ("safety_plans:restore", "get", {"number": 1}, 200),
    ("safety_plans:restore", "post", {"number": 1}, 302),
    ("safety_plans:print", "get", {}, 200),
    ("safety_plans:download", "get", {}, 200),
]
VIEW_IDS = [f"{method} {name} {kwargs}" for name, method, kwargs, _status in VIEWS]
STAFF = ["worker", "coordinator", "editor", "admin_user"]


def call(client, method, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    return client.post(url, SECTION_FORM) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "kwargs", "status"), VIEWS, ids=VIEW_IDS)
def test_owner_can_use_every_page(client, member, plan, name, method, kwargs, status):
    client.force_login(member)

    response = call(client, method, name, kwargs)

    assert response.status_code == status
    assert "no-store" in response["Cache-Control"]
    if status == 200 and response["Content-Type"].startswith("text/html"):
        (title,) = parse_page(response).titles
        assert title.endswith("Steps")
        assert not SENSITIVE_WORDS.search(title)


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(("name", "method", "kwargs", "status"), VIEWS, ids=VIEW_IDS)
def test_staff_are_told_the_page_does_not_exist(client, request, plan, role, name, method, kwargs, status):
    client.force_login(request.getfixturevalue(role))

    response = call(client, method, name, kwargs)

    assert response.status_code == 404
    assert SECRET.encode() not in response.content
    assert PlanVersion.objects.count() == 2


@pytest.mark.parametrize(("name", "method", "kwargs", "status"), VIEWS, ids=VIEW_IDS)
def test_another_member_never_reaches_the_plan(client, other_member, plan, name, method, kwargs, status):
    client.force_login(other_member)

    response = call(client, method, name, kwargs)

    # Their own (empty) plan, or 404 for a version they do not have: never the owner's.
    assert response.status_code in {200, 302, 404}
    assert SECRET.encode() not in response.content
    assert CODE_WORD.encode() not in response.content
    if name in {"safety_plans:version", "safety_plans:restore"}:
        assert response.status_code == 404
    if name == "safety_plans:download":
        assert SECRET not in pdf_text(response.content)
    assert plan.versions.count() == 2  # the owner's plan unchanged
    assert not PlanVersion.objects.filter(member=other_member, restored_from__isnull=False).exists()


@pytest.mark.parametrize(("name", "method", "kwargs", "status"), VIEWS, ids=VIEW_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, plan, name, method, kwargs, status):
    response = call(client, method, name, kwargs)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert PlanVersion.objects.count() == 2


def test_the_overview_shows_each_section_and_progress(client, member, plan):
    client.force_login(member)

    page = client.get(reverse("safety_plans:plan")).content.decode()

    assert "You have filled in 2 of 10 parts." in page
    for section in SECTIONS:
        assert section.title in page
        assert reverse("safety_plans:section", kwargs={"section_key": section.key}) in page
    assert SECRET in page
    assert CODE_WORD in page
    assert "Some cash" in page


def test_an_empty_plan_can_be_opened_and_filled_in(client, other_member):
    client.force_login(other_member)

    page = client.get(reverse("safety_plans:plan")).content.decode()

    assert "You have filled in 0 of 10 parts." in page
    assert reverse("safety_plans:versions") not in page


def test_saving_a_section_keeps_the_rest_and_shows_it(client, member, plan):
    client.force_login(member)

    response = client.post(reverse("safety_plans:section", kwargs={"section_key": "home"}), SECTION_FORM, follow=True)

    current = member.safety_plan.versions.first()
    assert current.number == 3
    assert current.content["sections"]["home"] == {"checked": ["locks", "door"], "notes": "Chain on the door"}
    assert current.content["sections"]["people"]["notes"] == SECRET
    assert "Saved “At home”." in response.content.decode()


def test_the_code_word_is_asked_for_with_the_people_section_only(client, member, plan):
    client.force_login(member)

    assert (
        'name="code_word"'
        in client.get(reverse("safety_plans:section", kwargs={"section_key": "people"})).content.decode()
    )
    assert (
        'name="code_word"'
        not in client.get(reverse("safety_plans:section", kwargs={"section_key": "home"})).content.decode()
    )


def test_a_box_the_section_does_not_have_is_refused_kindly(client, member, plan):
    client.force_login(member)

    response = client.post(
        reverse("safety_plans:section", kwargs={"section_key": "home"}), {"checked": ["cash"], "notes": "Kept"}
    )

    assert response.status_code == 400
    assert "Nothing has been saved yet" in response.content.decode()
    assert "Kept" in response.content.decode()  # what they wrote is still there
    assert member.safety_plan.versions.count() == 2


def test_notes_too_long_are_refused_kindly(client, member, plan):
    client.force_login(member)

    response = client.post(
        reverse("safety_plans:section", kwargs={"section_key": "home"}),
        {"notes": "x" * (services.NOTES_MAX + 1)},
    )

    assert response.status_code == 400
    assert f"Please keep this to {services.NOTES_MAX} characters or fewer." in response.content.decode()
    assert member.safety_plan.versions.count() == 2


def test_saving_nothing_new_says_so_and_adds_no_version(client, member, plan):
    client.force_login(member)

    response = client.post(
        reverse("safety_plans:section", kwargs={"section_key": "bag"}),
        {"checked": ["cash"], "notes": "In the wardrobe"},
        follow=True,
    )

    assert "Nothing was changed" in response.content.decode()
    assert member.safety_plan.versions.count() == 2


def test_an_unknown_section_is_not_found(client, member, plan):
    client.force_login(member)

    assert client.get(reverse("safety_plans:section", kwargs={"section_key": "nowhere"})).status_code == 404


def test_versions_list_and_restore_through_the_pages(client, member, plan):
    client.force_login(member)

    listing = client.get(reverse("safety_plans:versions")).content.decode()
    assert "Version 2" in listing and "Version 1" in listing
    first = client.get(reverse("safety_plans:version", kwargs={"number": 1})).content.decode()
    assert SECRET in first and "In the wardrobe" not in first
    assert "Make this my plan again" in first
    confirm = client.get(reverse("safety_plans:restore", kwargs={"number": 1}))
    assert PlanVersion.objects.count() == 2  # asking first changes nothing

    response = client.post(reverse("safety_plans:restore", kwargs={"number": 1}), follow=True)

    assert confirm.status_code == 200
    current = member.safety_plan.versions.first()
    assert (current.number, current.restored_from) == (3, 1)
    assert "bag" not in current.content["sections"]
    assert "Version 1 is your plan again, saved as version 3." in response.content.decode()
    assert "a copy of version 1" in client.get(reverse("safety_plans:versions")).content.decode()


def test_restoring_the_current_version_says_nothing_changed(client, member, plan):
    client.force_login(member)

    response = client.post(reverse("safety_plans:restore", kwargs={"number": 2}), follow=True)

    assert "already your plan" in response.content.decode()
    assert PlanVersion.objects.count() == 2


def test_print_shows_the_whole_plan_every_box_and_the_emergency_numbers(client, member, plan):
    HelplineFactory(name="Police emergency", phone="999", phone_note="press 55 if you cannot speak", is_emergency=True)
    client.force_login(member)

    response = client.get(reverse("safety_plans:print"))

    page = response.content.decode()
    assert not parse_page(response).inline_code
    for section in SECTIONS:
        assert section.title in page
        for item in section.items:
            assert item.text in page
    assert SECRET in page and CODE_WORD in page and "In the wardrobe" in page
    assert "Police emergency" in page and "press 55 if you cannot speak" in page
    assert page.count("(ticked)") == 2


def test_pdf_holds_the_whole_plan_under_a_neutral_name(client, member, plan):
    HelplineFactory(name="Police emergency", phone="999", phone_note="press 55 if you cannot speak", is_emergency=True)
    client.force_login(member)

    response = client.get(reverse("safety_plans:download"))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="steps.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_words(response.content)
    for section in SECTIONS:
        assert section.title in text
        for item in section.items:
            assert item.text in text
    assert SECRET in text and CODE_WORD in text and "In the wardrobe" in text
    assert "Police emergency" in text and "999 (press 55 if you cannot speak)" in text
    assert text.count("[x]") == 2


def test_home_links_to_the_plan_and_reminds_when_a_review_is_due(client, member, plan):
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    assert reverse("safety_plans:plan") in home
    assert "three months since you last changed your plan" not in home

    type(plan).objects.filter(pk=plan.pk).update(updated_at=plan.updated_at.replace(year=plan.updated_at.year - 1))
    home = client.get(reverse("home")).content.decode()

    assert "three months since you last changed your plan" in home


@pytest.mark.parametrize("role", STAFF)
def test_staff_home_has_no_plan_link(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert reverse("safety_plans:plan") not in client.get(reverse("home")).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_versions_page_reads_as_many_rows_for_many_versions_as_for_few(client, member, plan):
    client.force_login(member)
    url = reverse("safety_plans:versions")
    client.get(url)  # the session's first read of the key and its activity are written once
    few = _queries(client, url)
    for number in range(8):
        services.plan_section_save(member=member, section_key="home", checked=[], notes=f"note {number}")

    many = _queries(client, url)

    assert many == few
    assert "Version 10" in client.get(url).content.decode()

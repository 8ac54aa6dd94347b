"""Saving a plan: every save is a new encrypted version; restoring is a version too."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from portal.accounts.services.deletion import account_purge
from safety_plans import selectors, services
from safety_plans.errors import InvalidPlan, PlanUnchanged, VersionNotFound
from safety_plans.models import Plan, PlanVersion
from tests.factories import MemberFactory, PlanFactory, plan_content

pytestmark = pytest.mark.django_db

SECRET = "Hide the spare key under the blue pot"


def test_first_save_makes_the_plan_and_version_one(member):
    version = services.plan_save(member=member, content=plan_content())

    plan = Plan.objects.get(member=member)
    assert plan.current == version
    assert version.number == 1
    assert version.restored_from is None
    assert version.content["sections"]["people"] == {"checked": ["told_someone"], "notes": "My sister Jo, any time."}
    assert version.content["code_word"] == "blue umbrella"


def test_every_save_is_a_new_version_and_earlier_ones_are_kept(member):
    services.plan_save(member=member, content=plan_content("first"))
    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes="second")
    third = services.plan_section_save(member=member, section_key="people", checked=[], notes="third")

    versions = {version.number: version.content for version in PlanVersion.objects.filter(member=member)}
    assert sorted(versions) == [1, 2, 3]
    assert versions[1]["sections"]["people"]["notes"] == "first"
    assert versions[2]["sections"]["home"] == {"checked": ["locks"], "notes": "second"}
    # A section saved on its own keeps the others as they were.
    assert third.content["sections"]["home"]["notes"] == "second"
    assert third.content["sections"]["people"]["notes"] == "third"
    assert third.content["code_word"] == "blue umbrella"
    assert Plan.objects.get(member=member).current == third


def test_saving_what_the_plan_already_says_adds_no_version(member):
    services.plan_save(member=member, content=plan_content())

    with pytest.raises(PlanUnchanged):
        services.plan_save(member=member, content=plan_content())

    assert PlanVersion.objects.filter(member=member).count() == 1


def test_restoring_an_old_version_is_itself_a_new_version(member):
    services.plan_save(member=member, content=plan_content("as it was"))
    services.plan_save(member=member, content=plan_content("changed my mind"))

    restored = services.plan_restore(member=member, number=1)

    assert restored.number == 3
    assert restored.restored_from == 1
    assert restored.content["sections"]["people"]["notes"] == "as it was"
    assert Plan.objects.get(member=member).current == restored
    assert PlanVersion.objects.get(member=member, number=2).content["sections"]["people"]["notes"] == "changed my mind"


def test_restoring_the_current_version_or_one_that_is_not_there_changes_nothing(member):
    services.plan_save(member=member, content=plan_content())
    other = PlanFactory()

    with pytest.raises(PlanUnchanged):
        services.plan_restore(member=member, number=1)
    with pytest.raises(VersionNotFound):
        services.plan_restore(member=member, number=7)
    assert PlanVersion.objects.filter(member=member).count() == 1
    assert other.current.number == 1


@pytest.mark.parametrize(
    "content",
    [
        {"sections": {"diary": {"checked": [], "notes": "x"}}},
        {"sections": {"home": {"checked": ["not_an_item"], "notes": ""}}},
        {"sections": {"home": {"checked": [], "notes": "x" * (services.NOTES_MAX + 1)}}},
        {"sections": {}, "code_word": "x" * (services.CODE_WORD_MAX + 1)},
        ["not", "a", "plan"],
    ],
    ids=["unknown section", "unknown item", "notes too long", "code word too long", "not a dict"],
)
def test_content_the_plan_cannot_keep_is_refused_and_nothing_is_saved(member, content):
    with pytest.raises(InvalidPlan):
        services.plan_save(member=member, content=content)

    assert not PlanVersion.objects.exists()


def test_unknown_section_cannot_be_saved_on_its_own(member):
    with pytest.raises(InvalidPlan):
        services.plan_section_save(member=member, section_key="nowhere", checked=[], notes="x")
    assert not Plan.objects.exists()


def test_checked_items_are_kept_in_the_sections_order_and_words_stripped(member):
    version = services.plan_section_save(
        member=member, section_key="bag", checked=["charger", "documents"], notes="  in the wardrobe \n"
    )

    assert version.content["sections"]["bag"] == {"checked": ["documents", "charger"], "notes": "in the wardrobe"}


def test_the_alert_message_is_saved_as_a_version_of_the_plan(member):
    services.plan_save(member=member, content=plan_content())

    version = services.plan_alert_message_save(member=member, message="Call me please")

    assert version.number == 2
    assert version.content["alert_message"] == "Call me please"
    assert version.content["sections"]["people"]["notes"] == "My sister Jo, any time."


def test_the_plan_is_encrypted_at_rest(member):
    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes=SECRET, code_word=None)
    services.plan_section_save(member=member, section_key="people", checked=[], notes="", code_word="marmalade")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT content FROM {PlanVersion._meta.db_table}")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2
    for value in stored:
        assert "spare key" not in value
        assert "marmalade" not in value
        assert "locks" not in value  # even which boxes are ticked
    version = PlanVersion.objects.get(member=member, number=2)
    assert version.content["sections"]["home"]["notes"] == SECRET


def test_progress_counts_sections_with_anything_in_them(member):
    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes="")
    services.plan_section_save(member=member, section_key="care", checked=[], notes="Walks with Jo")
    services.plan_section_save(member=member, section_key="people", checked=[], notes="", code_word="marmalade")

    sections = selectors.sections_rendered(selectors.plan_content(selectors.plan_for(member=member)), helplines=[])

    assert selectors.plan_progress(sections) == selectors.Progress(filled=3, total=10)


def test_an_empty_plan_has_no_progress(member):
    sections = selectors.sections_rendered(selectors.plan_content(None), helplines=[])

    assert selectors.plan_progress(sections) == selectors.Progress(filled=0, total=10)


def test_review_is_due_three_months_after_the_last_save(member):
    now = timezone.now()
    assert not selectors.plan_review_due(member)  # no plan yet
    plan = PlanFactory(member=member)

    Plan.objects.filter(pk=plan.pk).update(updated_at=now - timedelta(days=80))
    assert not selectors.plan_review_due(member, now=now)
    Plan.objects.filter(pk=plan.pk).update(updated_at=now - timedelta(days=93))
    assert selectors.plan_review_due(member, now=now)

    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes="")
    assert not selectors.plan_review_due(member)


def test_months_before_keeps_to_the_end_of_a_shorter_month():
    moment = timezone.now().replace(year=2026, month=5, day=31)

    assert selectors._months_before(moment, 3).date().isoformat() == "2026-02-28"
    assert selectors._months_before(moment.replace(month=1, day=15), 3).date().isoformat() == "2025-10-15"


def test_versions_are_listed_in_a_constant_number_of_queries(member, django_assert_num_queries):
    plan = PlanFactory(member=member)
    for number in range(5):
        services.plan_section_save(member=member, section_key="home", checked=[], notes=f"note {number}")

    with django_assert_num_queries(1):
        listed = [
            (version.number, version.saved_at, version.restored_from) for version in selectors.plan_versions(plan)
        ]

    assert [number for number, _saved, _restored in listed] == [6, 5, 4, 3, 2, 1]


def test_one_members_save_leaves_anothers_plan_alone(member):
    other = MemberFactory()
    services.plan_save(member=other, content=plan_content("theirs"))

    services.plan_save(member=member, content=plan_content("mine"))

    assert Plan.objects.get(member=other).current.content["sections"]["people"]["notes"] == "theirs"
    assert Plan.objects.get(member=other).current.number == 1


def test_deleting_the_account_removes_the_plan_and_every_version(member):
    services.plan_save(member=member, content=plan_content())
    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes="")
    services.plan_restore(member=member, number=1)
    other = PlanFactory()
    type(member).objects.filter(pk=member.pk).update(deletion_requested_at=timezone.now() - timedelta(days=15))

    assert account_purge(user=member)

    assert not Plan.objects.filter(member_id=member.pk).exists()
    assert not PlanVersion.objects.filter(member_id=member.pk).exists()
    assert Plan.objects.get(pk=other.pk).current.number == 1

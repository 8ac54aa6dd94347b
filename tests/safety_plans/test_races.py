"""Saves at the same moment, from two tabs or devices: each gets its own version number and
none loses another's section. Only PostgreSQL holds row locks, so this runs there (set
DATABASE_URL); on SQLite the database itself lets one writer in at a time."""

import os
import threading

import pytest
from django.db import connection

from safety_plans import services
from safety_plans.models import PlanVersion
from safety_plans.sections import SECTIONS
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="row locks need PostgreSQL: set DATABASE_URL to run this",
    ),
]


def test_sections_saved_at_once_each_become_a_version_and_all_are_kept():
    member = MemberFactory()
    start = threading.Barrier(len(SECTIONS))
    failures: list[BaseException] = []

    def save(section_key: str) -> None:
        try:
            start.wait()
            services.plan_section_save(member=member, section_key=section_key, checked=[], notes=f"{section_key} notes")
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(section.key,)) for section in SECTIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    numbers = sorted(PlanVersion.objects.filter(member=member).values_list("number", flat=True))
    assert numbers == list(range(1, len(SECTIONS) + 1))
    current = member.safety_plan.versions.first().content
    assert {key: value["notes"] for key, value in current["sections"].items()} == {
        section.key: f"{section.key} notes" for section in SECTIONS
    }

"""seed_demo gives each demo member a partly filled plan, and running it again changes nothing."""

import pytest

from portal.demo import demo_seeders
from safety_plans.demo import demo_plan
from safety_plans.models import PlanVersion
from safety_plans.selectors import plan_content, plan_for, plan_progress, sections_rendered

pytestmark = pytest.mark.django_db


def test_demo_members_get_a_partly_filled_plan_once(member):
    assert demo_plan in demo_seeders()[1]

    demo_plan(member=member)
    demo_plan(member=member)

    plan = plan_for(member=member)
    progress = plan_progress(sections_rendered(plan_content(plan), helplines=[]))
    assert 0 < progress.filled < progress.total
    assert plan.current.content["code_word"] == "blue umbrella"
    assert PlanVersion.objects.filter(member=member).count() == 4

"""seed_demo links the demo member with the demo worker, sharing the diary; the second demo
member shares nothing; running it again changes nothing."""

import pytest
from django.core.management import call_command

from casework.models import Link, ShareGrant

pytestmark = pytest.mark.django_db


def test_seed_demo_links_the_demo_member_and_worker_with_a_diary_share(wagtail_home):
    call_command("seed_demo", password="demo-password-for-tests", stdout=open("/dev/null", "w"))
    call_command("seed_demo", password="demo-password-for-tests", stdout=open("/dev/null", "w"))

    link = Link.objects.get()
    assert (link.member.email, link.worker.email) == ("member@demo.test", "worker@demo.test")
    assert link.worker.organisation.name == "Demo Support Service"
    assert list(ShareGrant.objects.values_list("link_id", "scope")) == [(link.pk, ShareGrant.Scope.DIARY)]
    assert not Link.objects.filter(member__email="member2@demo.test").exists()

"""seed_demo gives the demo members a diary of a few weeks, once."""

from django.core.management import call_command

from diary import chain
from diary.models import Entry, EntryVersion
from portal.accounts.models import User
from tests.diary.helpers import as_dicts


def test_demo_members_get_a_diary_once(db, wagtail_home):
    call_command("seed_demo", password="demo-password-123")
    member = User.objects.get(email="member@demo.test")
    entries = Entry.objects.for_member(member)
    versions = EntryVersion.objects.filter(member=member).count()
    assert entries.active().count() >= 7
    assert entries.recently_deleted().count() == 1
    assert entries.filter(versions__number=2).exists()  # one entry was corrected
    assert chain.verify(as_dicts(member)) is None

    call_command("seed_demo", password="demo-password-123")
    assert EntryVersion.objects.filter(member=member).count() == versions
    assert Entry.objects.for_member(User.objects.get(email="member2@demo.test")).exists()
    assert not Entry.objects.filter(member__email="worker@demo.test").exists()

"""The demo's casework (registered for seed_demo): member@demo.test is linked with
worker@demo.test and shares their diary with them; member2@demo.test shares nothing."""

from django.utils import timezone

from portal.accounts.models import User
from portal.demo import site_demo_data

from .models import Link, ShareGrant

DEMO_MEMBER = "member@demo.test"
DEMO_WORKER = "worker@demo.test"
DEMO_DISPLAY_NAME = "Alex"


@site_demo_data
def demo_casework() -> None:
    """Safe to run again: an existing link keeps what it shares."""
    member = User.objects.filter(email=DEMO_MEMBER).first()
    worker = User.objects.filter(email=DEMO_WORKER).first()
    if member is None or worker is None or Link.objects.filter(member=member, worker=worker).exists():
        return
    link = Link.objects.create(member=member, worker=worker, display_name=DEMO_DISPLAY_NAME, accepted_at=timezone.now())
    ShareGrant.objects.create(link=link, scope=ShareGrant.Scope.DIARY)

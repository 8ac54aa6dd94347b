"""The access trail: every read or download of a member's content by someone other than the
member, written once and never changed, and read back by the member (all of theirs) and by
coordinators (their organisation's, without content)."""

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet

from portal.accounts.models import User

from .models import AccessRecord

Action = AccessRecord.Action


def access_record(*, actor: User, member_id: int, action: Action, object_id: UUID | None = None) -> AccessRecord:
    """Write down that ``actor`` read something of the member's. Called in the same request as
    the read, before the content is sent: a read that cannot be recorded is not served."""
    organisation = actor.organisation
    return AccessRecord.objects.create(
        member_id=member_id,
        actor_id=actor.pk,
        actor_email=actor.email,
        actor_role=actor.role,
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
        action=action,
        object_id=object_id,
    )


def access_for_member(*, member: User) -> QuerySet[AccessRecord]:
    return AccessRecord.objects.filter(member_id=member.pk)


def access_for_organisation(*, organisation_id: int) -> QuerySet[AccessRecord]:
    return AccessRecord.objects.filter(organisation_id=organisation_id)


def access_between(*, since: datetime | None, until: datetime | None) -> Iterator[AccessRecord]:
    records = AccessRecord.objects.order_by("at", "id")
    if since is not None:
        records = records.filter(at__gte=since)
    if until is not None:
        records = records.filter(at__lt=until)
    return records.iterator(chunk_size=2000)

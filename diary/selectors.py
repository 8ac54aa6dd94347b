"""Reads for the diary: the member's timeline, with filters and a search over decrypted text.

Content is encrypted, so the database can only sort and filter by the plain columns (when,
which kinds of behaviour); text is searched in memory, after decryption, and only ever over
the member's own entries.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from portal.accounts.models import User

from . import incident
from .incident import IncidentData
from .models import Attachment, Entry, EntryVersion, ExportRequest


@dataclass(frozen=True)
class TimelineItem:
    entry: Entry
    data: IncidentData

    @property
    def attachments(self) -> QuerySet[Attachment]:
        return self.entry.attachments.all()


def _attachments_prefetch() -> Prefetch:
    # Only what a list shows: no encrypted name, so listing decrypts nothing per file.
    return Prefetch("attachments", queryset=Attachment.objects.only("id", "entry_id", "size", "content_type"))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entries_for_timeline(
    *, member: User, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> QuerySet[Entry]:
    """The member's active entries, newest first, narrowed by the SQL-side filters."""
    entries = Entry.objects.for_member(member).active().select_related("current_version")
    if date_from:
        entries = entries.filter(occurred_at__gte=_start_of(date_from))
    if date_to:
        entries = entries.filter(occurred_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    return entries.order_by("-occurred_at", "-recorded_at")


def _matches(data: IncidentData, needle: str) -> bool:
    return any(needle in (getattr(data, name) or "").casefold() for name in incident.searched_fields())


def timeline(
    *,
    member: User,
    q: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    behaviour: str = "",
) -> QuerySet[Entry] | list[Entry]:
    """A list-like of the member's entries to page through.

    Without search or behaviour filter it is a queryset (the database pages it); with them,
    the member's entries in the date range are read once and filtered in memory. Either way
    the number of queries does not depend on the number of entries.
    """
    entries = entries_for_timeline(member=member, date_from=date_from, date_to=date_to)
    needle = q.strip().casefold()
    if not needle and not behaviour:
        return entries
    found = []
    for entry in entries:
        if behaviour and behaviour not in entry.behaviours:
            continue
        if needle and not _matches(IncidentData.from_content(entry.current_content), needle):
            continue
        found.append(entry)
    return found


def timeline_page_items(entries: Iterable[Entry]) -> list[TimelineItem]:
    """Decrypt one page's entries, with their attachments fetched in one query."""
    entries = list(entries)
    prefetch_related_objects(entries, _attachments_prefetch())
    return [TimelineItem(entry=entry, data=IncidentData.from_content(entry.current_content)) for entry in entries]


def recently_deleted(*, member: User) -> list[TimelineItem]:
    entries = (
        Entry.objects.for_member(member).recently_deleted().select_related("current_version").order_by("-deleted_at")
    )
    return timeline_page_items(entries)


def recently_deleted_count(*, member: User) -> int:
    return Entry.objects.for_member(member).recently_deleted().count()


def entry_attachments(entry: Entry) -> QuerySet[Attachment]:
    return entry.attachments.all()


def entry_versions(entry: Entry) -> QuerySet[EntryVersion]:
    """Every version of the entry, oldest first, with its content still sealed (the history
    page shows server times and kinds, not content)."""
    return entry.versions.defer("content").order_by("number")


def entry_destroyed(*, member: User, entry_id: UUID | str) -> bool:
    """Whether the member destroyed this entry of theirs: a repeated "delete now" is then told
    so, rather than shown a page that does not exist."""
    return Entry.objects.for_member(member).filter(pk=entry_id, destroyed_at__isnull=False).exists()


def export_default_start(*, member: User) -> datetime.date:
    """The first day a new download offers: the day of the member's earliest entry, or 90 days ago."""
    first = Entry.objects.for_member(member).active().order_by("occurred_at").first()
    if first is None:
        return timezone.localdate() - datetime.timedelta(days=90)
    return timezone.localdate(first.occurred_at)


def exports_recent(*, member: User, limit: int = 10) -> list[ExportRequest]:
    """The member's latest downloads, newest first (ready, waiting, failed or removed)."""
    return list(ExportRequest.objects.filter(member=member)[:limit])

"""Reads for the diary: the member's timeline, with filters and a search over decrypted text.

Content is encrypted, so the database can only sort and filter by the plain columns (when,
which kinds of behaviour); text is searched in memory, after decryption, and only ever over
the member's own entries.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format

from portal.accounts.models import User

from . import incident
from .compare import Change, Piece, word_changes
from .incident import IncidentData, RenderedField
from .models import Attachment, Entry, EntryVersion, ExportRequest


@dataclass(frozen=True)
class TimelineItem:
    entry: Entry
    data: IncidentData
    files: int  # how many files its current version has


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
    """Decrypt one page's entries, with their files counted in one query (a list shows only
    how many: no file is read, and no file's encrypted name decrypted)."""
    entries = list(entries)
    files = dict(
        Attachment.objects.current()
        .filter(entry__in=entries)
        .order_by()
        .values("entry_id")
        .annotate(count=Count("pk"))
        .values_list("entry_id", "count")
    )
    return [
        TimelineItem(entry=entry, data=IncidentData.from_content(entry.current_content), files=files.get(entry.pk, 0))
        for entry in entries
    ]


def recently_deleted(*, member: User) -> list[TimelineItem]:
    entries = (
        Entry.objects.for_member(member).recently_deleted().select_related("current_version").order_by("-deleted_at")
    )
    return timeline_page_items(entries)


def recently_deleted_count(*, member: User) -> int:
    return Entry.objects.for_member(member).recently_deleted().count()


def entry_attachments(entry: Entry) -> QuerySet[Attachment]:
    """The files of the entry's current version (not those an edit removed)."""
    return entry.attachments.current()


def local_when(moment: datetime.datetime) -> str:
    """A date and time as the diary's pages write it, in the site's time zone."""
    return date_format(timezone.localtime(moment), "l j F Y, H:i")


@dataclass(frozen=True)
class RenderedVersion:
    """One version of an entry with every field as words (``incident.rendered_fields``);
    ``fields`` is empty for a version whose content was destroyed."""

    version: EntryVersion
    fields: list[RenderedField]


def versions_rendered(
    versions: Sequence[EntryVersion], *, when: Callable[[datetime.datetime], str] = local_when
) -> list[RenderedVersion]:
    """Each version, as given (their content already read), with its fields as words, read by
    the version's own schema. No queries: the PDF's earlier versions and the history page use it."""
    return [
        RenderedVersion(
            version,
            []
            if version.content is None
            else incident.rendered_fields(IncidentData.from_content(version.content), when=when),
        )
        for version in versions
    ]


@dataclass(frozen=True)
class FieldInVersion:
    """A field of one version on the history page: its words, and, where they differ from the
    version before, the words as pieces kept, added and removed."""

    heading: str
    text: str
    changed: bool
    pieces: list[Piece]


@dataclass(frozen=True)
class FileInVersion:
    name: str
    sha256: str


@dataclass(frozen=True)
class HistoryVersion:
    version: EntryVersion
    fields: list[FieldInVersion]
    files: list[FileInVersion]
    files_added: list[FileInVersion]
    files_removed: list[FileInVersion]

    @property
    def words_changed(self) -> bool:
        return any(field.changed for field in self.fields)


def _fields_in_version(now: list[RenderedField], before: list[RenderedField] | None) -> list[FieldInVersion]:
    earlier = {rendered.field.name: rendered for rendered in before or []}
    rows = []
    for rendered in now:
        previous = earlier.get(rendered.field.name)
        old_text = previous.text if previous is not None and _said(previous) else ""
        new_text = rendered.text if _said(rendered) else ""
        if not old_text and not new_text:
            continue  # empty in this version and the one before: nothing to show
        changed = before is not None and old_text != new_text
        pieces = word_changes(old_text, new_text) if changed else [Piece(Change.SAME, new_text)]
        rows.append(FieldInVersion(rendered.field.shown_heading, new_text, changed, pieces))
    return rows


def _said(rendered: RenderedField) -> bool:
    """Whether the field has a row: it holds something, or it is a question whose "not
    answered" is part of the record."""
    return bool(rendered.value) or rendered.field.kind in (incident.Kind.BOOL, incident.Kind.YES_NO)


def _files(hashes: list[str], names: dict[str, str]) -> list[FileInVersion]:
    return [FileInVersion(names.get(sha256, "File"), sha256) for sha256 in hashes]


def entry_history(entry: Entry) -> list[HistoryVersion]:
    """Every version of the entry, oldest first: its full content, what changed in the words
    from the version before, and the files it lists, added and removed. Two queries, however
    many versions (the versions with their content, and the entry's files, removed ones too)."""
    versions = list(entry.versions.order_by("number"))
    names = {attachment.sha256: attachment.original_name or "File" for attachment in entry.attachments.all()}
    history = []
    before: list[RenderedField] | None = None
    previous_hashes: list[str] = []
    for rendered in versions_rendered(versions):
        hashes = sorted(rendered.version.attachment_hashes)
        added = Counter(hashes) - Counter(previous_hashes)
        removed = Counter(previous_hashes) - Counter(hashes)
        history.append(
            HistoryVersion(
                version=rendered.version,
                fields=_fields_in_version(rendered.fields, before),
                files=_files(hashes, names),
                files_added=_files(sorted(added.elements()), names),
                files_removed=_files(sorted(removed.elements()), names),
            )
        )
        before, previous_hashes = rendered.fields, hashes
    return history


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


def exports_recent(*, member: User, requested_by: User | None = None, limit: int = 10) -> list[ExportRequest]:
    """The latest downloads of the member's diary, newest first (ready, waiting, failed or
    removed), each with the support worker who asked for it, if one did. With
    ``requested_by``, only those that worker asked for. ``holds_deleted_entry`` says whether one
    holds an entry the member has since moved to "recently deleted"."""
    exports = (
        ExportRequest.objects.filter(member=member)
        .select_related("requested_by__organisation")
        # Such a bundle is the member's alone to download now (diary.permissions.can_download_export).
        .annotate(holds_deleted_entry=Exists(Entry.objects.filter(exports=OuterRef("pk"), deleted_at__isnull=False)))
    )
    if requested_by is not None:
        exports = exports.filter(requested_by=requested_by)
    return list(exports[:limit])

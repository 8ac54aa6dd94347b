"""Writes to the diary. Every change appends a version to the member's hash chain."""

import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import AccountEvent, User
from portal.accounts.services.events import event_record
from portal.fields import delete_file, file_writer, store_file

from . import chain
from .errors import DiaryError, EntryGone, EntryNotChangeable
from .incident import Behaviour, IncidentData  # noqa: F401  (Behaviour: callers still import it from here)
from .models import Attachment, Entry, EntryVersion, VersionKind

RECENTLY_DELETED_DAYS = 30


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.UTC).isoformat(timespec="microseconds")


def _append_version(*, entry: Entry, kind: str, content: dict | None) -> EntryVersion:
    """Add the next link to the member's chain. Callers hold the member's chain lock."""
    head = EntryVersion.objects.filter(member_id=entry.member_id).order_by("-sequence").first()
    sequence = head.sequence + 1 if head else 1
    previous_hash = head.hash if head else chain.GENESIS
    number = EntryVersion.objects.filter(entry=entry).count() + 1
    recorded_at = timezone.now()
    if content is not None:
        content = {**content, chain.SALT_KEY: secrets.token_hex(16)}
        digest = chain.content_digest(content)
    else:
        digest = ""
    attachment_hashes = sorted(entry.attachments.values_list("sha256", flat=True))
    header = chain.version_header(
        entry_id=str(entry.id),
        number=number,
        sequence=sequence,
        kind=kind,
        recorded_at=_timestamp(recorded_at),
        content_digest=digest,
        attachment_hashes=attachment_hashes,
    )
    version = EntryVersion.objects.create(
        member_id=entry.member_id,
        entry=entry,
        sequence=sequence,
        number=number,
        kind=kind,
        recorded_at=recorded_at,
        content=content,
        content_digest=digest,
        attachment_hashes=attachment_hashes,
        previous_hash=previous_hash,
        hash=chain.version_hash(previous_hash, header),
    )
    entry.current_version = version
    entry.save(update_fields=["current_version"])
    return version


def _lock_chain(member: User) -> None:
    """One writer at a time per member's chain (other members are not held up)."""
    User.objects.select_for_update().filter(pk=member.pk).first()


# The state checks below run on the row read under the chain lock: the view's own check may
# be a moment old (a double submit, another tab or device), and the service has the last word.
def _refuse_if_gone(entry: Entry) -> None:
    if entry.destroyed_at:
        raise EntryGone()


def _refuse_unless_active(entry: Entry, message: str) -> None:
    _refuse_if_gone(entry)
    if entry.deleted_at:
        raise EntryNotChangeable(message)


@contextmanager
def _files_removed_on_failure():
    """Stored files whose rows never commit are deleted, so a failure leaves nothing behind."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            delete_file(name)
        raise


def incident_record(*, member: User, data: IncidentData, uploads: list = ()) -> EntryVersion:
    """Record a new incident, with its attachments, as the first version of a new entry.

    ``uploads`` are validated Django uploaded files (see forms.AttachmentsField).
    """
    with _files_removed_on_failure() as stored, transaction.atomic():
        _lock_chain(member)
        entry = Entry.objects.create(member=member, occurred_at=data.occurred_at, behaviours=sorted(data.behaviours))
        for upload in uploads:
            stored.append(_attachment_store(entry=entry, upload=upload).file)
        return _append_version(entry=entry, kind=VersionKind.CREATED, content=data.as_content())


def incident_edit(*, entry: Entry, data: IncidentData, uploads: list = ()) -> EntryVersion:
    """Record a changed account of an incident, and any added files, as a new version."""
    with _files_removed_on_failure() as stored, transaction.atomic():
        _lock_chain(entry.member)
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        _refuse_unless_active(entry, "This entry is in “Recently deleted”, so it cannot be changed. Restore it first.")
        for upload in uploads:
            stored.append(_attachment_store(entry=entry, upload=upload).file)
        entry.occurred_at = data.occurred_at
        entry.behaviours = sorted(data.behaviours)
        entry.save(update_fields=["occurred_at", "behaviours"])
        return _append_version(entry=entry, kind=VersionKind.EDITED, content=data.as_content())


def _attachment_store(*, entry: Entry, upload) -> Attachment:
    """Keep an uploaded file byte for byte, encrypted; its SHA-256 enters the chain."""
    attachment = Attachment(
        member_id=entry.member_id,
        entry=entry,
        content_type=upload.content_type,
        original_name=upload.name or "",
    )
    upload.seek(0)
    sealed = store_file(attachment, "file", upload)
    attachment.size = sealed.size
    attachment.sha256 = sealed.sha256
    try:
        attachment.save()
    except BaseException:
        delete_file(attachment.file)
        raise
    return attachment


@transaction.atomic
def incident_delete(*, entry: Entry) -> EntryVersion:
    """Move an entry to "recently deleted" (restorable for 30 days)."""
    _lock_chain(entry.member)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _refuse_unless_active(entry, "This entry is already in “Recently deleted”.")
    entry.deleted_at = timezone.now()
    entry.save(update_fields=["deleted_at"])
    return _append_version(entry=entry, kind=VersionKind.DELETED, content=entry.current_version.content)


@transaction.atomic
def incident_restore(*, entry: Entry) -> EntryVersion:
    _lock_chain(entry.member)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _refuse_if_gone(entry)
    if not entry.deleted_at:
        raise EntryNotChangeable("This entry is already back in your diary.")
    entry.deleted_at = None
    entry.save(update_fields=["deleted_at"])
    return _append_version(entry=entry, kind=VersionKind.RESTORED, content=entry.current_version.content)


def incident_destroy(*, entry: Entry, deleted_before: datetime | None = None) -> EntryVersion:
    """Destroy an entry's content and files for good, leaving a tombstone in the chain.

    The versions stay as links (their hashes and digests), so the chain still verifies and
    shows that something was removed, and when. With ``deleted_before``, only an entry moved
    to "recently deleted" at or before then is destroyed: if another request restored it
    meanwhile, the restore wins and nothing is lost.

    This tells nobody: the member's own "delete now" goes through ``incident_destroy_by_member``
    or ``incidents_destroy_all_deleted``, which tell them.
    """
    names = []
    with transaction.atomic():
        _lock_chain(entry.member)
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        _refuse_if_gone(entry)
        if deleted_before is not None and (entry.deleted_at is None or entry.deleted_at > deleted_before):
            raise EntryNotChangeable("This entry is back in your diary, so it was not deleted.")
        names = list(entry.attachments.values_list("file", flat=True))
        tombstone = _append_version(entry=entry, kind=VersionKind.DESTROYED, content=None)
        entry.versions.update(content=None)
        entry.attachments.all().delete()
        entry.destroyed_at = timezone.now()
        entry.save(update_fields=["destroyed_at"])
    for name in names:
        delete_file(name)
    exports_destroy_holding(entry=entry)
    return tombstone


def incident_destroy_by_member(*, entry: Entry) -> EntryVersion:
    """The member's "delete now" for one entry in "recently deleted".

    Destroying evidence is a change of control (someone holding the member's phone could do
    it), so the member is told by email and under recent changes.
    """
    tombstone = incident_destroy(entry=entry, deleted_before=timezone.now())
    event_record(user=entry.member, kind=AccountEvent.Kind.NOTES_DESTROYED)
    return tombstone


def incidents_destroy_all_deleted(*, member: User) -> int:
    """Empty the member's "recently deleted": destroy every entry in it, and tell them once.

    Returns how many were destroyed. An entry restored or destroyed by another request
    meanwhile is left as that request left it.
    """
    cutoff = timezone.now()
    waiting = list(Entry.objects.for_member(member).recently_deleted().filter(deleted_at__lte=cutoff))
    count = 0
    try:
        for entry in waiting:
            try:
                incident_destroy(entry=entry, deleted_before=cutoff)
            except (EntryGone, EntryNotChangeable):
                continue
            count += 1
    finally:
        # Even if a fault stops it part way, what was destroyed is not kept from the member.
        if count:
            event_record(user=member, kind=AccountEvent.Kind.NOTES_DESTROYED)
    return count


def incidents_destroy_expired(*, now: datetime | None = None) -> int:
    """Destroy entries that have been in "recently deleted" for more than 30 days.

    Housekeeping, not the member's act: no notice is sent.
    """
    cutoff = (now or timezone.now()) - timedelta(days=RECENTLY_DELETED_DAYS)
    expired = list(Entry.objects.filter(deleted_at__lte=cutoff, destroyed_at__isnull=True))
    count = 0
    for entry in expired:
        try:
            incident_destroy(entry=entry, deleted_before=cutoff)
        except (EntryGone, EntryNotChangeable):
            continue  # restored, or destroyed by the member, since the list was read
        count += 1
    return count


def export_request(*, member: User, start, end):
    """Ask for an evidence bundle of the entries between two dates; it is built in the background."""
    from .models import ExportRequest
    from .tasks import export_build

    if end < start:
        raise DiaryError("The 'To' date is before the 'From' date. Check the dates and try again.")
    export = ExportRequest.objects.create(member=member, start=start, end=end)
    transaction.on_commit(lambda: export_build.enqueue(str(export.pk)))
    return export


EXPORT_LIFETIME = timedelta(hours=24)


def export_make(*, export_id) -> None:
    """Build a requested bundle, encrypted as it is written, and keep it until it expires.

    The entries it holds are recorded before it is written, so destroying one of them while it
    is built removes it (``exports_destroy_holding``); and it is kept only if, under the member's
    chain lock, none of them was destroyed meanwhile. Nothing unencrypted is written to disk.
    """
    from .export import bundle_entries, bundle_write
    from .models import ExportRequest, ExportStatus

    pending = ExportRequest.objects.filter(pk=export_id, status=ExportStatus.PENDING)
    if not pending.update(status=ExportStatus.RUNNING):
        return  # removed meanwhile, or already taken by another worker
    export = ExportRequest.objects.select_related("member").get(pk=export_id)
    try:
        entries = bundle_entries(member=export.member, start=export.start, end=export.end)
        export.entries.set(entries)
        with _files_removed_on_failure() as stored:
            with file_writer(export, "bundle") as sink:
                bundle_write(member=export.member, start=export.start, end=export.end, entries=entries, target=sink)
            stored.append(export.bundle)
            kept = _export_keep(export=export, entries=entries, size=sink.sealed.size)
        if not kept:
            delete_file(export.bundle)
    except Exception:
        # The member sees "could not be made" and can ask again; nothing half-made is kept.
        ExportRequest.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(status=ExportStatus.FAILED)
        raise


@transaction.atomic
def _export_keep(*, export, entries: list[Entry], size: int) -> bool:
    """Mark a stored bundle ready, unless it was removed or one of its entries destroyed meanwhile."""
    from .models import ExportRequest, ExportStatus

    _lock_chain(export.member)  # incident_destroy holds it too: one of the two goes first
    current = ExportRequest.objects.select_for_update().filter(pk=export.pk).first()
    if current is None or current.status != ExportStatus.RUNNING:
        return False
    if Entry.objects.filter(pk__in=[entry.pk for entry in entries], destroyed_at__isnull=False).exists():
        _export_mark_removed(current)
        return False
    export.size = size
    export.status = ExportStatus.READY
    export.expires_at = timezone.now() + EXPORT_LIFETIME
    export.save(update_fields=["bundle", "size", "status", "expires_at"])
    return True


def exports_destroy_holding(*, entry: Entry) -> int:
    """Destroy every download that holds ``entry`` (its file too, ready or still being built).

    Called when the entry is destroyed, so that no copy of it stays in a download. Each one is
    left as a notice that it was removed, for a day, so the member knows why it went.
    """
    from .models import ExportRequest, ExportStatus

    with transaction.atomic():
        _lock_chain(entry.member)
        holding = list(ExportRequest.objects.filter(entries=entry).exclude(status=ExportStatus.REMOVED))
        for export in holding:
            name = export.bundle
            _export_mark_removed(export)
            # Inside the transaction: if the storage fails, the row still names the file.
            delete_file(name)
    return len(holding)


def _export_mark_removed(export) -> None:
    from .models import ExportRequest, ExportStatus

    export.entries.clear()
    ExportRequest.objects.filter(pk=export.pk).update(
        status=ExportStatus.REMOVED, bundle="", size=0, expires_at=timezone.now() + EXPORT_LIFETIME
    )


def exports_remove_expired(*, now: datetime | None = None) -> int:
    """Delete finished bundles whose download link has expired (and notices of removed ones)."""
    from .models import ExportRequest

    expired = ExportRequest.objects.filter(expires_at__lte=now or timezone.now())
    count = 0
    for export in expired.iterator():
        name = export.bundle
        export.delete()
        delete_file(name)
        count += 1
    return count

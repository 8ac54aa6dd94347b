"""A download of the diary, from request to removal: asked for (by the member, or by a support
worker they share their whole diary with), built in the background, kept encrypted for a day,
removed when it expires or when an entry it holds is destroyed.

The bundle's contents (the PDF, the JSON, the files) are written by ``export``.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import IO, cast
from uuid import UUID

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from casework.trail import Action, access_record
from portal.accounts.models import AccountEvent, User
from portal.accounts.services.events import event_record
from portal.fields import delete_file, file_writer

from .errors import DiaryError
from .export import bundle_entries, bundle_write
from .guards import chain_lock, files_removed_on_failure
from .models import Entry, ExportRequest, ExportStatus

EXPORT_LIFETIME = timedelta(hours=24)
# While a download is being prepared its page asks the browser to load it again this often.
REFRESH_SECONDS = 3
# ...but only this long after it was asked for. A bundle takes seconds; one still waiting after
# this is stuck (the worker is down), and a page that refreshed itself for ever would keep alive
# a session that should sign out when nobody is using the phone.
PREPARING_REFRESH_LIMIT = timedelta(minutes=10)


@transaction.atomic
def export_request(*, member: User, start: date, end: date, requested_by: User | None = None) -> ExportRequest:
    """Ask for an evidence bundle of the entries between two dates; it is built in the background.

    ``requested_by`` is a support worker asking for it, whom the caller has checked the member
    shares their whole diary with (``casework.permissions.worker_reads_diary_of``). The request
    goes in the member's access trail and the member is told, by email and under recent changes,
    who asked.
    """
    if end < start:
        raise DiaryError("The 'To' date is before the 'From' date. Check the dates and try again.")
    export = ExportRequest.objects.create(member=member, start=start, end=end, requested_by=requested_by)
    if requested_by is not None:
        access_record(actor=requested_by, member_id=member.pk, action=Action.EXPORT_MADE, object_id=export.pk)
        event_record(user=member, kind=AccountEvent.Kind.WORKER_EXPORTED, actor=requested_by)
    transaction.on_commit(lambda: export_build.enqueue(str(export.pk)))
    return export


def exports_preparing(*, exports: Iterable[ExportRequest], now: datetime) -> bool:
    """Whether any of ``exports`` is still being prepared, and recently enough asked for that the
    member's page should keep checking on it (``PREPARING_REFRESH_LIMIT``)."""
    return any(
        export.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
        and now - export.requested_at < PREPARING_REFRESH_LIMIT
        for export in exports
    )


@task
def export_build(export_id: str) -> None:
    """Build a requested bundle and keep it, encrypted, for a day."""
    export_make(export_id=export_id)


def export_make(*, export_id: UUID | str) -> None:
    """Build a requested bundle, encrypted as it is written, and keep it until it expires.

    The entries it holds are recorded before it is written, so destroying one of them while it
    is built removes it (``exports_destroy_holding``); and it is kept only if, under the member's
    chain lock, none of them was destroyed meanwhile. Nothing unencrypted is written to disk.
    """
    pending = ExportRequest.objects.filter(pk=export_id, status=ExportStatus.PENDING)
    if not pending.update(status=ExportStatus.RUNNING):
        return  # removed meanwhile, or already taken by another worker
    export = ExportRequest.objects.select_related("member").get(pk=export_id)
    try:
        entries = bundle_entries(member=export.member, start=export.start, end=export.end)
        export.entries.set(entries)
        with files_removed_on_failure() as stored:
            with file_writer(export, "bundle") as sink:
                # The encrypting writer has all a streamed zip needs: write and flush.
                target = cast(IO[bytes], sink)
                bundle_write(member=export.member, start=export.start, end=export.end, entries=entries, target=target)
            stored.append(export.bundle)
            if sink.sealed is None:  # set by file_writer when its block ends without an error
                raise RuntimeError("The download's file was not sealed.")
            kept = _export_keep(export=export, entries=entries, size=sink.sealed.size)
        if not kept:
            delete_file(export.bundle)
    except Exception:
        # The member sees "could not be made" and can ask again; nothing half-made is kept.
        ExportRequest.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(status=ExportStatus.FAILED)
        raise


@transaction.atomic
def _export_keep(*, export: ExportRequest, entries: list[Entry], size: int) -> bool:
    """Mark a stored bundle ready, unless it was removed or one of its entries destroyed meanwhile."""
    chain_lock(export.member)  # entry_destroy holds it too: one of the two goes first
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
    with transaction.atomic():
        chain_lock(entry.member)
        holding = list(ExportRequest.objects.filter(entries=entry).exclude(status=ExportStatus.REMOVED))
        for export in holding:
            name = export.bundle
            _export_mark_removed(export)
            # Inside the transaction: if the storage fails, the row still names the file.
            delete_file(name)
    return len(holding)


def _export_mark_removed(export: ExportRequest) -> None:
    export.entries.clear()
    ExportRequest.objects.filter(pk=export.pk).update(
        status=ExportStatus.REMOVED, bundle="", size=0, expires_at=timezone.now() + EXPORT_LIFETIME
    )


def exports_remove_expired(*, now: datetime | None = None) -> int:
    """Delete finished bundles whose download link has expired (and notices of removed ones)."""
    expired = ExportRequest.objects.filter(expires_at__lte=now or timezone.now())
    count = 0
    for export in expired.iterator():
        name = export.bundle
        export.delete()
        delete_file(name)
        count += 1
    return count

"""Writes to the diary. Every change appends a version to the member's hash chain."""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import IO, cast
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.services import shared_entry_changed
from portal.accounts.models import AccountEvent, User
from portal.accounts.services.events import event_record
from portal.fields import delete_file, store_file
from portal.uploads import Upload, UploadRefused, upload_check

from . import chain
from .downloads import export_request, exports_destroy_holding  # noqa: F401  (export_request: callers still import it from here)
from .errors import AttachmentNotInEntry, AttachmentRefused, EntryGone, EntryNotChangeable
from .guards import chain_lock, files_removed_on_failure
from .incident import Behaviour, IncidentData  # noqa: F401  (Behaviour: callers still import it from here)
from .models import Attachment, Entry, EntryVersion, VersionKind

RECENTLY_DELETED_DAYS = 30


def _chain_head(member_id: int) -> tuple[int, str]:
    """The next position in the member's chain and the hash it follows. Callers hold the lock."""
    head = (
        EntryVersion.objects.filter(member_id=member_id).order_by("-sequence").values_list("sequence", "hash").first()
    )
    return (head[0] + 1, head[1]) if head else (1, chain.GENESIS)


def _version_new(
    *, entry: Entry, kind: str, content: dict | None, number: int, attachment_hashes: list[str]
) -> EntryVersion:
    """The next link of the member's chain, not yet saved. Callers hold the member's chain lock."""
    sequence, previous_hash = _chain_head(entry.member_id)
    recorded_at = timezone.now()
    if content is not None:
        content = {**content, chain.SALT_KEY: secrets.token_hex(16)}
        digest = chain.content_digest(content)
    else:
        digest = ""
    attachment_hashes = sorted(attachment_hashes)
    header = chain.version_header(
        entry_id=str(entry.id),
        number=number,
        sequence=sequence,
        kind=kind,
        recorded_at=chain.timestamp(recorded_at),
        content_digest=digest,
        attachment_hashes=attachment_hashes,
    )
    return EntryVersion(
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


def _append_version(
    *, entry: Entry, kind: str, content: dict | None, removing: Sequence[Attachment] = ()
) -> EntryVersion:
    """Add the next link to the member's chain. Callers hold the member's chain lock.

    The link lists the hashes of the entry's current files, less those in ``removing``, which
    are then marked as removed in it.
    """
    number = EntryVersion.objects.filter(entry=entry).count() + 1
    kept = entry.attachments.current().exclude(pk__in=[attachment.pk for attachment in removing])
    version = _version_new(
        entry=entry,
        kind=kind,
        content=content,
        number=number,
        attachment_hashes=list(kept.values_list("sha256", flat=True)),
    )
    version.save(force_insert=True)
    entry.current_version = version
    entry.save(update_fields=["current_version"])
    if removing:
        Attachment.objects.filter(pk__in=[attachment.pk for attachment in removing]).update(removed_in=version)
    return version


# The state checks below run on the row read under the chain lock: the view's own check may
# be a moment old (a double submit, another tab or device), and the service has the last word.
def _refuse_if_gone(entry: Entry) -> None:
    if entry.destroyed_at:
        raise EntryGone()


def _refuse_unless_active(entry: Entry, message: str) -> None:
    _refuse_if_gone(entry)
    if entry.deleted_at:
        raise EntryNotChangeable(message)


def _uploads_check(uploads: Sequence[Upload]) -> None:
    """Refuse the lot if any file cannot be kept (checked here whatever the caller checked)."""
    for upload in uploads:
        try:
            upload_check(upload, max_bytes=settings.DIARY_MAX_UPLOAD_BYTES)
        except UploadRefused as refused:
            raise AttachmentRefused(refused.message) from refused


def entry_record(*, member: User, data: IncidentData, uploads: Sequence[Upload] = ()) -> EntryVersion:
    """Record a new incident, with its attachments, as the first version of a new entry.

    ``uploads`` are Django uploaded files; each is checked (portal.uploads) before anything is
    kept, and ``AttachmentRefused`` names the first that cannot be.
    """
    _uploads_check(uploads)
    with files_removed_on_failure() as stored, transaction.atomic():
        chain_lock(member)
        # The few round trips the chain needs, under its lock: the entry (naming its first
        # version ahead, as the foreign key is checked at commit), its files, the chain's head,
        # and the version.
        entry = Entry(member=member, occurred_at=data.occurred_at, behaviours=sorted(data.behaviours))
        entry.current_version_id = uuid4()
        entry.save(force_insert=True)
        hashes = []
        for upload in uploads:
            attachment = _attachment_store(entry=entry, upload=upload)
            stored.append(attachment.file)
            hashes.append(attachment.sha256)
        version = _version_new(
            entry=entry, kind=VersionKind.CREATED, content=data.as_content(), number=1, attachment_hashes=hashes
        )
        version.id = entry.current_version_id
        version.save(force_insert=True)
        entry.current_version = version
        shared_entry_changed(member=member, entry_id=entry.pk)  # workers told once this commits
        return version


def _current_attachments(entry: Entry, ids: Sequence[UUID | str]) -> list[Attachment]:
    """The entry's current files with these ids; refuses the lot if any id is not one of them."""
    try:
        wanted = {UUID(str(attachment_id)) for attachment_id in ids}
    except ValueError:
        raise AttachmentNotInEntry() from None
    found = list(entry.attachments.current().filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise AttachmentNotInEntry()
    return found


def entry_edit(
    *, entry: Entry, data: IncidentData, uploads: Sequence[Upload] = (), remove: Sequence[UUID | str] = ()
) -> EntryVersion:
    """Record a changed account of an incident, any added files, and any removed, as a new version.

    ``remove`` are ids of the entry's current files added by mistake: the new version no longer
    lists them, the earlier ones still do, and the files are kept until the entry is destroyed.
    An id that is not one of them refuses the whole edit (``AttachmentNotInEntry``). Removing a
    file and changing nothing else is an edit too.
    """
    _uploads_check(uploads)
    member = entry.member
    with files_removed_on_failure() as stored, transaction.atomic():
        chain_lock(member)
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        _refuse_unless_active(entry, "This entry is in “Recently deleted”, so it cannot be changed. Restore it first.")
        removing = _current_attachments(entry, remove)
        for upload in uploads:
            stored.append(_attachment_store(entry=entry, upload=upload).file)
        entry.occurred_at = data.occurred_at
        entry.behaviours = sorted(data.behaviours)
        entry.save(update_fields=["occurred_at", "behaviours"])
        version = _append_version(entry=entry, kind=VersionKind.EDITED, content=data.as_content(), removing=removing)
        shared_entry_changed(member=member, entry_id=entry.pk)
        return version


def _attachment_store(*, entry: Entry, upload: Upload) -> Attachment:
    """Keep an uploaded file byte for byte, encrypted; its SHA-256 enters the chain."""
    attachment = Attachment(
        member_id=entry.member_id,
        entry=entry,
        content_type=upload.content_type,
        original_name=upload.name or "",
    )
    upload.seek(0)
    sealed = store_file(attachment, "file", cast(IO[bytes], upload))  # an uploaded file is a binary stream
    attachment.size = sealed.size
    attachment.sha256 = sealed.sha256
    try:
        attachment.save()
    except BaseException:
        delete_file(attachment.file)
        raise
    return attachment


@transaction.atomic
def entry_delete(*, entry: Entry) -> EntryVersion:
    """Move an entry to "recently deleted" (restorable for 30 days)."""
    chain_lock(entry.member)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _refuse_unless_active(entry, "This entry is already in “Recently deleted”.")
    entry.deleted_at = timezone.now()
    entry.save(update_fields=["deleted_at"])
    return _append_version(entry=entry, kind=VersionKind.DELETED, content=entry.current_content)


@transaction.atomic
def entry_restore(*, entry: Entry) -> EntryVersion:
    """Bring an entry back from "recently deleted": workers it is shared with can read it again."""
    member = entry.member
    chain_lock(member)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _refuse_if_gone(entry)
    if not entry.deleted_at:
        raise EntryNotChangeable("This entry is already back in your diary.")
    entry.deleted_at = None
    entry.save(update_fields=["deleted_at"])
    version = _append_version(entry=entry, kind=VersionKind.RESTORED, content=entry.current_content)
    shared_entry_changed(member=member, entry_id=entry.pk)
    return version


def entry_destroy(*, entry: Entry, deleted_before: datetime | None = None) -> EntryVersion:
    """Destroy an entry's content and files for good, leaving a tombstone in the chain.

    The versions stay as links (their hashes and digests), so the chain still verifies and
    shows that something was removed, and when. With ``deleted_before``, only an entry moved
    to "recently deleted" at or before then is destroyed: if another request restored it
    meanwhile, the restore wins and nothing is lost.

    This tells nobody: the member's own "delete now" goes through ``entry_destroy_by_member``
    or ``incidents_destroy_all_deleted``, which tell them.
    """
    names = []
    with transaction.atomic():
        chain_lock(entry.member)
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


def entry_destroy_by_member(*, entry: Entry) -> EntryVersion:
    """The member's "delete now" for one entry in "recently deleted".

    Destroying evidence is a change of control (someone holding the member's phone could do
    it), so the member is told by email and under recent changes.
    """
    tombstone = entry_destroy(entry=entry, deleted_before=timezone.now())
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
                entry_destroy(entry=entry, deleted_before=cutoff)
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
            entry_destroy(entry=entry, deleted_before=cutoff)
        except (EntryGone, EntryNotChangeable):
            continue  # restored, or destroyed by the member, since the list was read
        count += 1
    return count

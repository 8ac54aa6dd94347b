"""Who may see and change which diary entry. The one place these rules live.

The member who wrote an entry sees and changes it. A support worker may read it, never change
it, while the member shares it with them (casework.permissions decides, on every request), and
each such read is written to the member's access trail before anything is sent. Everyone else
is told it does not exist (404), so an address reveals nothing about whether an entry is behind it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from casework import permissions as sharing
from casework.trail import Action, access_record
from portal.accounts.models import User

from .models import Attachment, Entry, ExportRequest

# Who asks: a signed-in person or an anonymous visitor.
Viewer = User | AnonymousUser


def can_keep_diary(user: Viewer) -> bool:
    return user.is_authenticated and user.is_active and user.is_member


def is_owner(user: Viewer, entry: Entry) -> bool:
    return can_keep_diary(user) and entry.member_id == user.pk and entry.destroyed_at is None


def can_view_entry(user: Viewer, entry: Entry) -> bool:
    return is_owner(user, entry) or sharing.worker_reads_entry(user, entry)


def can_change_entry(user: Viewer, entry: Entry) -> bool:
    """Only the member, and only while the entry is in their diary: sharing is read-only."""
    return is_owner(user, entry) and entry.deleted_at is None


def can_view_attachment(user: Viewer, attachment: Attachment) -> bool:
    """A file is read with its entry; one the member removed from the entry is the member's alone."""
    if is_owner(user, attachment.entry):
        return True
    return attachment.removed_in_id is None and sharing.worker_reads_entry(user, attachment.entry)


def diary_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to sign-in; anyone who is not a member gets a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not can_keep_diary(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def diary_reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages that read one entry or file: anonymous visitors go to sign-in; anyone who could
    never read an entry (neither a member nor a support worker) gets a 404, whatever the method;
    the rest is decided with the object (entry_for_reading, attachment_for_viewing)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not (can_keep_diary(request.user) or sharing.is_caseworker(request.user)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def entry_for_viewing(user: Viewer, entry_id: UUID | str) -> Entry:
    """The member's own entry (active or recently deleted), or 404."""
    entry = Entry.objects.for_member(user).select_related("current_version").filter(pk=entry_id).first()
    if entry is None or not is_owner(user, entry):
        raise Http404
    return entry


def entry_for_reading(user: Viewer, entry_id: UUID | str, *, action: Action = Action.ENTRY_READ) -> Entry:
    """An entry its owner or a worker it is shared with may read, or 404. A worker's read is
    written to the member's access trail here, so no page can show an entry unrecorded."""
    entry = Entry.objects.select_related("current_version").filter(pk=entry_id).first()
    if entry is None or not can_view_entry(user, entry):
        raise Http404
    if isinstance(user, User) and not is_owner(user, entry):
        access_record(actor=user, member_id=entry.member_id, action=action, object_id=entry.pk)
    return entry


def entry_for_changing(user: Viewer, entry_id: UUID | str) -> Entry:
    """The member's own active entry, or 404."""
    entry = entry_for_viewing(user, entry_id)
    if not can_change_entry(user, entry):
        raise Http404
    return entry


def deleted_entry_for_owner(user: Viewer, entry_id: UUID | str) -> Entry:
    """The member's own entry in "recently deleted", or 404."""
    entry = entry_for_viewing(user, entry_id)
    if entry.deleted_at is None:
        raise Http404
    return entry


def attachment_for_viewing(user: Viewer, attachment_id: UUID | str) -> Attachment:
    """A file its owner or a worker its entry is shared with may open, or 404; a worker's
    opening is written to the member's access trail before a byte is sent."""
    attachment = Attachment.objects.filter(pk=attachment_id).select_related("entry").first()
    if attachment is None or not can_view_attachment(user, attachment):
        raise Http404
    if isinstance(user, User) and not is_owner(user, attachment.entry):
        access_record(actor=user, member_id=attachment.member_id, action=Action.FILE_OPENED, object_id=attachment.pk)
    return attachment


def can_download_export(user: Viewer, export: ExportRequest) -> bool:
    """The member downloads any bundle of their diary. A support worker downloads only one they
    asked for, and only while the member still shares their whole diary with them and every
    entry it holds is still in the diary: a revoked share or an entry the member has since
    moved to "recently deleted" stops the very next download."""
    if not export.downloadable:
        return False
    if can_keep_diary(user) and export.member_id == user.pk:
        return True
    return (
        export.requested_by_id is not None
        and export.requested_by_id == user.pk
        and export.member.is_active
        and sharing.worker_reads_diary_of(user, export.member_id)
        and not export.entries.exclude(deleted_at__isnull=True, destroyed_at__isnull=True).exists()
    )


def export_for_download(user: Viewer, export_id: UUID | str) -> ExportRequest:
    """A finished, unexpired bundle ``user`` may download (``can_download_export``), or 404.

    A worker's download is written to the member's access trail here, before a byte is sent.
    """
    export = ExportRequest.objects.select_related("member").filter(pk=export_id).first()
    if export is None or not isinstance(user, User) or not can_download_export(user, export):
        raise Http404
    if export.member_id != user.pk:
        access_record(actor=user, member_id=export.member_id, action=Action.EXPORT_DOWNLOADED, object_id=export.pk)
    return export

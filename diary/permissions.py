"""Who may see and change which diary entry. The one place these rules live.

Only the member who wrote an entry may see it, for now; everyone else is told it does not
exist (404), so an address reveals nothing about whether an entry is behind it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from portal.accounts.models import User

from .models import Attachment, Entry, ExportRequest

# Who asks: a signed-in person or an anonymous visitor.
Viewer = User | AnonymousUser


def can_keep_diary(user: Viewer) -> bool:
    return user.is_authenticated and user.is_active and user.is_member


def can_view_entry(user: Viewer, entry: Entry) -> bool:
    return can_keep_diary(user) and entry.member_id == user.pk and entry.destroyed_at is None


def can_change_entry(user: Viewer, entry: Entry) -> bool:
    return can_view_entry(user, entry) and entry.deleted_at is None


def can_view_attachment(user: Viewer, attachment: Attachment) -> bool:
    return can_view_entry(user, attachment.entry)


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


def entry_for_viewing(user: Viewer, entry_id: UUID | str) -> Entry:
    """The member's own entry (active or recently deleted), or 404."""
    entry = Entry.objects.for_member(user).select_related("current_version").filter(pk=entry_id).first()
    if entry is None or not can_view_entry(user, entry):
        raise Http404
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
    attachment = (
        Attachment.objects.filter(entry__in=Entry.objects.for_member(user), pk=attachment_id)
        .select_related("entry")
        .first()
    )
    if attachment is None or not can_view_attachment(user, attachment):
        raise Http404
    return attachment


def export_for_download(user: Viewer, export_id: UUID | str) -> ExportRequest:
    """The member's own finished, unexpired bundle, or 404."""
    export = ExportRequest.objects.filter(member_id=user.pk, pk=export_id).first() if can_keep_diary(user) else None
    if export is None or not export.downloadable:
        raise Http404
    return export

"""The diary's pages: quick entry, timeline, an entry and its history, deleting and restoring.

Every view is for the member who owns the diary, except that a support worker the member shares
an entry with may read it, its history and its files; ``permissions`` decides, and anyone else
is told the page does not exist. Page titles stay neutral: entry text never goes in a title.
What a service refuses (a double submit, a race with another tab) comes back as a DiaryError,
answered with a plain message, never a 500.
"""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import selectors as sharing_selectors
from casework.trail import Action
from portal import crypto
from portal.accounts.decorators import reauthentication_required
from portal.fields import open_file
from portal.security import location_allowed

from . import incident, selectors, services
from .errors import DiaryError, EntryGone, EntryNotChangeable
from .forms import IncidentForm, TimelineFilterForm
from .incident import IncidentData
from .models import Entry
from .permissions import (
    attachment_for_viewing,
    deleted_entry_for_owner,
    diary_member_required,
    diary_reader_required,
    entry_for_changing,
    entry_for_reading,
    entry_for_viewing,
    is_owner,
)

# "Diary" would tell someone glancing at the tab what this is (tests/portal/support.py SENSITIVE_WORDS).
SECTION = "Notes"
PAGE_SIZE = 20


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"diary/{template}", {"section": SECTION, **context}, status=status)


def _refused(request, error: DiaryError, to: str, **kwargs):
    """A double submit, or another tab or device got there first: say what happened, plainly,
    and go where the entry now is. Nothing was changed by this request."""
    messages.info(request, str(error))
    return redirect(to, **kwargs)


def _entry_for_posting(user, entry_id) -> Entry:
    """The member's own entry, active or recently deleted, for an action whose service then
    checks it against the entry's state (under its lock, so a race cannot slip between).

    An entry they destroyed raises EntryGone, so a repeated "delete now" is answered kindly;
    anyone else's entry, or none, is a 404 as always.
    """
    try:
        return entry_for_viewing(user, entry_id)
    except Http404:
        if selectors.entry_destroyed(member=user, entry_id=entry_id):
            raise EntryGone() from None
        raise


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_new(request):
    """The quick entry: one screen, only "what happened" required."""
    status = 200
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                version = services.entry_record(
                    member=request.user, data=form.incident_data(), uploads=form.cleaned_data["attachments"]
                )
            except DiaryError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                messages.success(request, "Saved in your diary.")
                return redirect("diary:entry", entry_id=version.entry_id)
    else:
        form = IncidentForm()
    return location_allowed(_render(request, "entry_form.html", {"form": form, "editing": None}, status=status))


# What a member searches for is as private as what they wrote: it is posted, never put in an
# address (browser history), and kept in the session only encrypted under their own key.
FILTERS_SESSION_KEY = "timeline_filters"


def _filters_aad(user) -> bytes:
    return crypto.value_aad(owner_id=user.pk, model_label="session", field_name=FILTERS_SESSION_KEY, row_id="")


def _saved_filter_form(request) -> TimelineFilterForm | None:
    """The member's kept filters, checked again as they are loaded.

    Kept filters that no longer open or pass the checks (kept by an older version, or under a
    key since replaced) are dropped, and the member told, rather than breaking the timeline.
    """
    sealed = request.session.get(FILTERS_SESSION_KEY)
    if not sealed:
        return None
    try:
        kept = json.loads(crypto.decrypt_value(sealed, owner_id=request.user.pk, aad=_filters_aad(request.user)))
    except (crypto.CryptoError, ValueError, TypeError):
        kept = None
    if isinstance(kept, dict) and all(isinstance(value, str) for value in kept.values()):
        form = TimelineFilterForm(kept)
        if form.is_valid():
            return form
    del request.session[FILTERS_SESSION_KEY]
    messages.info(request, "Your last search could not be used again, so every entry is shown. You can search again.")
    return None


def _save_filters(request, data: dict[str, str]) -> None:
    if not data:
        request.session.pop(FILTERS_SESSION_KEY, None)
        return
    request.session[FILTERS_SESSION_KEY] = crypto.encrypt_value(
        json.dumps(data), owner_id=request.user.pk, aad=_filters_aad(request.user)
    )


@diary_member_required
@require_http_methods(["GET", "POST"])
def timeline(request):
    saved = _saved_filter_form(request)
    filter_form, status = saved or TimelineFilterForm(), 200
    if request.method == "POST":
        if "clear" in request.POST:
            _save_filters(request, {})
            return redirect("diary:timeline")
        posted = TimelineFilterForm(request.POST)
        if posted.is_valid():
            _save_filters(request, posted.stored())
            return redirect("diary:timeline")
        # Nothing is kept: the list stays as it was, and the form says what to change.
        filter_form, status = posted, 400
    filters = saved.filters() if saved else {}
    entries = selectors.timeline(member=request.user, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "timeline.html",
        {
            "filter_form": filter_form,
            "filtering": bool(filters),
            "active_filters": filters,  # for the line above the list saying what is shown
            "page": page,
            "items": selectors.timeline_page_items(page.object_list),
        },
        status=status,
    )


@diary_reader_required
@require_GET
def entry_detail(request, entry_id):
    entry = entry_for_reading(request.user, entry_id)
    data = IncidentData.from_content(entry.current_content)
    owner = is_owner(request.user, entry)
    return _render(
        request,
        "entry_detail.html",
        {
            "entry": entry,
            "data": data,
            "rows": incident.shown_fields(data),
            "attachments": selectors.entry_attachments(entry),
            "is_owner": owner,
            # A support worker reads it read-only, with their own mark and a way back to the case.
            "case": None if owner else sharing_selectors.case_of_entry(worker=request.user, entry=entry),
        },
    )


@diary_reader_required
@require_GET
def entry_history(request, entry_id):
    entry = entry_for_reading(request.user, entry_id, action=Action.HISTORY_READ)
    context = {"entry": entry, "versions": selectors.entry_history(entry), "is_owner": is_owner(request.user, entry)}
    return _render(request, "entry_history.html", context)


def _entry_form_page(request, form, entry: Entry | None, status: int = 200):
    context = {"form": form, "editing": entry}
    return location_allowed(_render(request, "entry_form.html", context, status=status))


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id):
    if request.method == "GET":
        entry = entry_for_changing(request.user, entry_id)
        form = IncidentForm(
            data_initial=IncidentData.from_content(entry.current_content),
            removable=selectors.entry_attachments(entry),
        )
        return _entry_form_page(request, form, entry)
    form = IncidentForm(request.POST, request.FILES)
    try:
        entry = _entry_for_posting(request.user, entry_id)
        form = IncidentForm(request.POST, request.FILES, removable=selectors.entry_attachments(entry))
        if not form.is_valid():
            return _entry_form_page(request, form, entry)
        services.entry_edit(
            entry=entry,
            data=form.incident_data(),
            uploads=form.cleaned_data["attachments"],
            remove=form.removed_attachments(),
        )
    except EntryGone:
        # Deleted for good in another tab while this was being written: the words are not
        # lost, they come back in a new-entry form.
        form.is_valid()
        form.add_error(
            None,
            "This entry was deleted for good, so your changes could not be saved to it. "
            "What you wrote is below: “Save” keeps it as a new entry.",
        )
        return _entry_form_page(request, form, None, status=409)
    except EntryNotChangeable as error:
        form.add_error(None, f"{error} Your changes were not saved; what you wrote is below, to copy.")
        return _entry_form_page(request, form, entry, status=409)
    except DiaryError as error:
        form.add_error(None, str(error))
        return _entry_form_page(request, form, entry, status=400)
    messages.success(request, "Your changes are saved. The earlier version is kept in the entry’s history.")
    return redirect("diary:entry", entry_id=entry.id)


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, entry_id):
    if request.method == "GET":
        entry = entry_for_changing(request.user, entry_id)
        return _render(request, "entry_delete.html", {"entry": entry, "days": services.RECENTLY_DELETED_DAYS})
    try:
        services.entry_delete(entry=_entry_for_posting(request.user, entry_id))
    except EntryNotChangeable as error:
        return _refused(request, error, "diary:recently_deleted")
    except EntryGone as error:
        return _refused(request, error, "diary:timeline")
    messages.success(
        request,
        f"The entry is in “Recently deleted”. You can restore it there for {services.RECENTLY_DELETED_DAYS} days.",
    )
    return redirect("diary:timeline")


@diary_member_required
@require_GET
def recently_deleted(request):
    return _render(
        request,
        "recently_deleted.html",
        {"items": selectors.recently_deleted(member=request.user), "days": services.RECENTLY_DELETED_DAYS},
    )


@diary_member_required
@require_POST
def entry_restore(request, entry_id):
    try:
        services.entry_restore(entry=_entry_for_posting(request.user, entry_id))
    except EntryNotChangeable as error:
        return _refused(request, error, "diary:entry", entry_id=entry_id)
    except EntryGone as error:
        return _refused(request, error, "diary:recently_deleted")
    messages.success(request, "The entry is back in your diary.")
    return redirect("diary:entry", entry_id=entry_id)


DESTROYED_DOWNLOADS = "Any download of your diary that held it has been removed too."


@diary_member_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def entry_destroy(request, entry_id):
    """Delete now, for good: only from "recently deleted", only after a confirmation page, and
    only once the person has just given their password (a borrowed phone must not be enough)."""
    if request.method == "GET":
        entry = deleted_entry_for_owner(request.user, entry_id)
        return _render(request, "entry_destroy.html", {"entry": entry})
    try:
        services.entry_destroy_by_member(entry=_entry_for_posting(request.user, entry_id))
    except EntryNotChangeable as error:
        return _refused(request, error, "diary:entry", entry_id=entry_id)
    except EntryGone as error:
        return _refused(request, error, "diary:recently_deleted")
    messages.success(request, f"The entry and its files are destroyed. They cannot be recovered. {DESTROYED_DOWNLOADS}")
    return redirect("diary:recently_deleted")


@diary_member_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def recently_deleted_empty(request):
    """Destroy everything in "recently deleted" at once, after a confirmation page and a fresh
    password, like "delete now" for each entry."""
    if request.method == "GET":
        count = selectors.recently_deleted_count(member=request.user)
        return _render(request, "recently_deleted_empty.html", {"count": count})
    count = services.incidents_destroy_all_deleted(member=request.user)
    if count:
        messages.success(
            request,
            f"{count} entr{pluralize(count, 'y,ies')} and {pluralize(count, 'its,their')} files are destroyed. "
            f"They cannot be recovered. Any download of your diary that held them has been removed too.",
        )
    else:
        messages.info(request, "There was nothing in “Recently deleted” to delete.")
    return redirect("diary:recently_deleted")


@diary_reader_required
@require_GET
def attachment_download(request, attachment_id):
    """The original bytes, decrypted as they are sent; never cached, never sniffed."""
    attachment = attachment_for_viewing(request.user, attachment_id)
    response = StreamingHttpResponse(open_file(attachment, "file"), content_type=attachment.content_type)
    response["Content-Length"] = str(attachment.size)
    disposition = "inline" if attachment.content_type.startswith("image/") else "attachment"
    # The member's own file name stays out of the response: it may name people or places,
    # and the browser would keep it in its download history.
    extension = attachment.content_type.split("/")[-1].replace("x-", "").replace("quicktime", "mov")
    response["Content-Disposition"] = f'{disposition}; filename="file.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

"""The diary's pages: quick entry, timeline, an entry and its history, deleting and restoring.

Every view is for the member who owns the diary; ``permissions`` decides, and anyone else is
told the page does not exist. Page titles stay neutral: entry text never goes in a title.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import crypto
from portal.fields import open_file

from . import selectors, services
from .forms import IncidentForm, TimelineFilterForm
from .permissions import (
    attachment_for_viewing,
    deleted_entry_for_owner,
    diary_member_required,
    entry_for_changing,
    entry_for_viewing,
)
from .services import Behaviour, IncidentData

# "Diary" would tell someone glancing at the tab what this is (tests/portal/support.py SENSITIVE_WORDS).
SECTION = "Notes"
PAGE_SIZE = 20


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"evidence_log/{template}", {"section": SECTION, **context}, status=status)


def _location_allowed(response):
    """The entry form may ask for the device's location (only when the member taps the button)."""
    response["Permissions-Policy"] = settings.PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
    return response


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_new(request):
    """The quick entry: one screen, only "what happened" required."""
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES)
        if form.is_valid():
            version = services.incident_record(
                member=request.user, data=form.incident_data(), uploads=form.cleaned_data["attachments"]
            )
            messages.success(request, "Saved in your diary.")
            return redirect("diary:entry", entry_id=version.entry_id)
    else:
        form = IncidentForm()
    return _location_allowed(_render(request, "entry_form.html", {"form": form, "editing": None}))


# What a member searches for is as private as what they wrote: it is posted, never put in an
# address (browser history), and kept in the session only encrypted under their own key.
FILTERS_SESSION_KEY = "timeline_filters"
FILTER_FIELDS = ("q", "date_from", "date_to", "behaviour")


def _filters_aad(user) -> bytes:
    return crypto.value_aad(owner_id=user.pk, model_label="session", field_name=FILTERS_SESSION_KEY, row_id="")


def _saved_filters(request) -> dict:
    sealed = request.session.get(FILTERS_SESSION_KEY)
    if not sealed:
        return {}
    try:
        return json.loads(crypto.decrypt_value(sealed, owner_id=request.user.pk, aad=_filters_aad(request.user)))
    except (crypto.CryptoError, ValueError):
        del request.session[FILTERS_SESSION_KEY]
        return {}


def _save_filters(request, data: dict) -> None:
    if not any(data.values()):
        request.session.pop(FILTERS_SESSION_KEY, None)
        return
    request.session[FILTERS_SESSION_KEY] = crypto.encrypt_value(
        json.dumps(data), owner_id=request.user.pk, aad=_filters_aad(request.user)
    )


@diary_member_required
@require_http_methods(["GET", "POST"])
def timeline(request):
    if request.method == "POST":
        chosen = {} if "clear" in request.POST else {name: request.POST.get(name, "") for name in FILTER_FIELDS}
        _save_filters(request, chosen)
        return redirect("diary:timeline")
    saved = _saved_filters(request)
    filter_form = TimelineFilterForm(saved or None)
    filters = filter_form.filters() if saved else {}
    entries = selectors.timeline(member=request.user, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "timeline.html",
        {
            "filter_form": filter_form,
            "filtering": bool(filters),
            "page": page,
            "items": selectors.timeline_page_items(page.object_list),
        },
    )


@diary_member_required
@require_GET
def entry_detail(request, entry_id):
    entry = entry_for_viewing(request.user, entry_id)
    data = IncidentData.from_content(entry.current_version.content)
    return _render(
        request,
        "entry_detail.html",
        {
            "entry": entry,
            "data": data,
            "behaviour_labels": [Behaviour.LABELS[code] for code in data.behaviours],
            "attachments": selectors.entry_attachments(entry),
        },
    )


@diary_member_required
@require_GET
def entry_history(request, entry_id):
    entry = entry_for_viewing(request.user, entry_id)
    return _render(request, "entry_history.html", {"entry": entry, "versions": selectors.entry_versions(entry)})


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id):
    entry = entry_for_changing(request.user, entry_id)
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES)
        if form.is_valid():
            services.incident_edit(entry=entry, data=form.incident_data(), uploads=form.cleaned_data["attachments"])
            messages.success(request, "Your changes are saved. The earlier version is kept in the entry’s history.")
            return redirect("diary:entry", entry_id=entry.id)
    else:
        form = IncidentForm(data_initial=IncidentData.from_content(entry.current_version.content))
    return _location_allowed(
        _render(
            request,
            "entry_form.html",
            {"form": form, "editing": entry, "attachments": selectors.entry_attachments(entry)},
        )
    )


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, entry_id):
    entry = entry_for_changing(request.user, entry_id)
    if request.method == "POST":
        services.incident_delete(entry=entry)
        messages.success(
            request,
            f"The entry is in “Recently deleted”. You can restore it there for {services.RECENTLY_DELETED_DAYS} days.",
        )
        return redirect("diary:timeline")
    return _render(request, "entry_delete.html", {"entry": entry, "days": services.RECENTLY_DELETED_DAYS})


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
    entry = deleted_entry_for_owner(request.user, entry_id)
    services.incident_restore(entry=entry)
    messages.success(request, "The entry is back in your diary.")
    return redirect("diary:entry", entry_id=entry.id)


@diary_member_required
@require_http_methods(["GET", "POST"])
def entry_destroy(request, entry_id):
    """Delete now, for good: only from "recently deleted", and only after a confirmation page."""
    entry = deleted_entry_for_owner(request.user, entry_id)
    if request.method == "POST":
        services.incident_destroy(entry=entry)
        messages.success(request, "The entry and its files are destroyed. They cannot be recovered.")
        return redirect("diary:recently_deleted")
    return _render(request, "entry_destroy.html", {"entry": entry})


@diary_member_required
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

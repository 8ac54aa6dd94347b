"""Exporting the diary as an evidence bundle: choose dates, wait, download within a day; and the
public page of the key that signs bundles. A support worker asks for a bundle on their own
page (casework.export_views) and downloads it here."""

from django.conf import settings
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal import crypto
from portal.fields import open_file

from . import downloads, selectors
from .errors import DiaryError
from .forms import ExportForm
from .permissions import diary_member_required, diary_reader_required, export_for_download


@diary_member_required
@require_http_methods(["GET", "POST"])
def export(request):
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                downloads.export_request(
                    member=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
                )
            except DiaryError as error:
                form.add_error(None, str(error))
            else:
                messages.info(request, "Your download is being prepared. It stays here for 24 hours once it is ready.")
                return redirect("diary:export")
    else:
        # As a date input reads them (YYYY-MM-DD): in the site's own date format the browser shows
        # the field blank and posts nothing, and the defaults came back as "This field is required".
        start, end = selectors.export_default_start(member=request.user), timezone.localdate()
        form = ExportForm(initial={"start": start.isoformat(), "end": end.isoformat()})
    exports = selectors.exports_recent(member=request.user)
    response = render(request, "diary/export.html", {"section": "Download", "form": form, "exports": exports})
    if request.method == "GET" and downloads.exports_preparing(exports=exports, now=timezone.now()):
        # The page moves on by itself once the download is ready: a header, which needs no script
        # (the CSP allows none inline). Never on a form sent back with a mistake to correct.
        response["Refresh"] = str(downloads.REFRESH_SECONDS)
    return response


@diary_reader_required
@require_GET
def export_download(request, export_id):
    """The member's bundle, or one a support worker they share their whole diary with asked for
    (who may download it is decided with the bundle, and a worker's download recorded there)."""
    export = export_for_download(request.user, export_id)
    response = StreamingHttpResponse(open_file(export, "bundle"), content_type="application/zip")
    response["Content-Length"] = str(export.size)
    name = f"{settings.SITE_NAME.lower()}-{export.start:%Y%m%d}-{export.end:%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def signing_key(request):
    """The portal's public signing key, for anyone checking a bundle (no sign-in needed).

    Public and the same for everyone, so a third party can compare it with the key they were
    given; it names no member and no account.
    """
    public_key = crypto.public_key_b64()
    return render(
        request,
        "diary/signing_key.html",
        {"section": "Signing key", "public_key": public_key, "fingerprint": crypto.public_key_fingerprint(public_key)},
    )

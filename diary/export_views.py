"""Exporting the diary as an evidence bundle: choose dates, wait, download within a day; and the
public page of the key that signs bundles."""

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
from .models import ExportStatus
from .permissions import diary_member_required, export_for_download


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
        form = ExportForm(
            initial={"start": selectors.export_default_start(member=request.user), "end": timezone.localdate()}
        )
    exports = selectors.exports_recent(member=request.user)
    waiting = any(e.status in (ExportStatus.PENDING, ExportStatus.RUNNING) for e in exports)
    return render(
        request,
        "diary/export.html",
        {"section": "Download", "form": form, "exports": exports, "waiting": waiting, "now": timezone.now()},
    )


@diary_member_required
@require_GET
def export_download(request, export_id):
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

"""A support worker's download of a member's diary: the same signed bundle the member gets, for
dates the worker chooses, while the member shares their whole diary with them.

Asking for one is written to the member's access trail and the member is told who asked
(diary.downloads.export_request); the bundle is downloaded at the diary's own address, which
checks the share again and records the download (diary.permissions.export_for_download).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from diary import downloads
from diary.errors import DiaryError
from diary.selectors import export_default_start, exports_recent

from .export_forms import CaseDownloadForm
from .permissions import case_for_worker, caseworker_required, worker_reads_diary_of

SECTION = "Cases"


@caseworker_required
@require_http_methods(["GET", "POST"])
def case_download(request, case_id):
    link = case_for_worker(request.user, case_id)
    if not worker_reads_diary_of(request.user, link.member_id):
        raise Http404  # linked, but the whole diary is not shared with them (or no longer)
    member = link.member
    if request.method == "POST":
        form = CaseDownloadForm(request.POST)
        if form.is_valid():
            try:
                downloads.export_request(
                    member=member,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    requested_by=request.user,
                )
            except DiaryError as error:
                form.add_error(None, str(error))
            else:
                messages.info(
                    request,
                    "The download is being prepared. It stays here for 24 hours once it is ready. "
                    "They are told that you asked for it.",
                )
                return redirect("casework:case_download", link.pk)
    else:
        start, end = export_default_start(member=member), timezone.localdate()
        form = CaseDownloadForm(initial={"start": start.isoformat(), "end": end.isoformat()})
    exports = exports_recent(member=member, requested_by=request.user)
    context = {"section": SECTION, "link": link, "form": form, "exports": exports}
    response = render(request, "casework/case_download.html", context, status=400 if form.errors else 200)
    if request.method == "GET" and downloads.exports_preparing(exports=exports, now=timezone.now()):
        # As the member's page: a header moves the page on once the download is ready, no script.
        response["Refresh"] = str(downloads.REFRESH_SECONDS)
    return response

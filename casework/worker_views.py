"""The support worker's pages: their caseload, one case with what the member shares, their
marks and case notes, the member's shared plan, and referral codes to give new members.

Only a signed-in worker who has passed the second step reaches these (``caseworker_required``);
a case is theirs or a 404 (``case_for_worker``). Opening a case and reading a plan are written
to the member's access trail before the page is sent; entries and files are read at the
diary's own addresses, which record each read (diary.permissions).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diary.permissions import entry_for_reading
from safety_plans.permissions import plan_for_member_or_404
from safety_plans.selectors import plan_content, sections_rendered

from . import selectors, services
from .errors import CaseworkError
from .forms import CaseNoteForm
from .permissions import case_for_worker, caseworker_required
from .trail import Action, access_record

SECTION = "Cases"


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"casework/{template}", {"section": SECTION, **context}, status=status)


@caseworker_required
@require_GET
def caseload(request):
    return _render(request, "caseload.html", {"cases": selectors.caseload(worker=request.user)})


@caseworker_required
@require_POST
def code_new(request):
    """A new referral code, shown once: only its hash is kept, so it cannot be shown again."""
    code = services.referral_code_issue(worker=request.user)
    return _render(request, "code_new.html", {"code": code, "valid_days": services.REFERRAL_LIFETIME.days})


@caseworker_required
@require_GET
def case(request, case_id):
    link = case_for_worker(request.user, case_id)
    access_record(actor=request.user, member_id=link.member_id, action=Action.CASE_OPENED, object_id=link.pk)
    entries = selectors.case_entries(link=link)
    context = {
        "link": link,
        "entries": entries,
        "shares_diary": selectors.case_shares_diary(link=link),
        "shares_plan": selectors.case_shares_plan(link=link),
        "seen_before": link.worker_seen_at,
    }
    response = _render(request, "case.html", context)
    services.case_seen(link=link)
    return response


@caseworker_required
@require_POST
def review(request, case_id, entry_id):
    link = case_for_worker(request.user, case_id)
    # Reading the entry is what a mark needs: a worker it is not shared with gets a 404 here.
    entry = entry_for_reading(request.user, entry_id)
    if entry.member_id != link.member_id:
        return redirect("casework:case", link.pk)
    reviewed = request.POST.get("reviewed") == "yes"
    services.review_mark(link=link, entry_id=entry.pk, reviewed=reviewed)
    messages.success(request, "Marked as reviewed." if reviewed else "The reviewed mark is removed.")
    return redirect("diary:entry", entry.pk)


@caseworker_required
@require_http_methods(["GET", "POST"])
def notes(request, case_id):
    link = case_for_worker(request.user, case_id)
    form = CaseNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_note_write(link=link, text=form.cleaned_data["text"])
        except CaseworkError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Note saved.")
            return redirect("casework:notes", link.pk)
    context = {"link": link, "form": form, "notes": selectors.case_notes(link=link)}
    return _render(request, "notes.html", context, status=400 if form.errors else 200)


@caseworker_required
@require_GET
def plan(request, case_id):
    """The member's safety plan, read-only, while they share it (safety_plans.permissions)."""
    link = case_for_worker(request.user, case_id)
    shared_plan = plan_for_member_or_404(request.user, link.member)
    context = {
        "link": link,
        "plan": shared_plan,
        "sections": sections_rendered(plan_content(shared_plan)) if shared_plan else [],
    }
    return _render(request, "plan.html", context)

"""The plan's pages: the overview, one section at a time, earlier versions, print and PDF.

Every view is for the member whose plan it is; ``permissions`` decides, and anyone else is told
the page does not exist. Page titles are one neutral word. What a service refuses (nothing
changed, a version that is not there) comes back as a PlanError, answered with a plain message.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .errors import InvalidPlan, PlanError, PlanUnchanged
from .forms import SectionForm
from .pdf import plan_pdf
from .permissions import plan_for_member_or_404, plan_member_required, version_for_member_or_404
from .sections import section_for

# "Safety plan" would tell someone glancing at the tab what this is (tests/portal/support.py SENSITIVE_WORDS).
SECTION = "Steps"


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"safety_plans/{template}", {"section": SECTION, **context}, status=status)


@plan_member_required
@require_GET
def plan(request):
    """The whole plan, section by section, with how far the member has got."""
    member_plan = plan_for_member_or_404(request.user, request.user)
    sections = selectors.sections_rendered(selectors.plan_content(member_plan))
    return _render(
        request,
        "plan.html",
        {
            "plan": member_plan,
            "sections": sections,
            "progress": selectors.plan_progress(sections),
            "review_due": selectors.plan_review_due(request.user),
        },
    )


@plan_member_required
@require_http_methods(["GET", "POST"])
def section_edit(request, section_key: str):
    """One section: its checklist and notes (and the code word), on a short phone-sized form."""
    section = section_for(section_key)
    if section is None:
        raise Http404
    member_plan = plan_for_member_or_404(request.user, request.user)
    content = selectors.plan_content(member_plan)
    status = 200
    if request.method == "POST":
        form = SectionForm(request.POST, section=section)
        if form.is_valid():
            try:
                services.plan_section_save(
                    member=request.user,
                    section_key=section.key,
                    checked=form.cleaned_data["checked"],
                    notes=form.cleaned_data["notes"],
                    code_word=form.cleaned_data.get("code_word"),
                )
            except PlanUnchanged as error:
                messages.info(request, str(error))
            except InvalidPlan as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Saved “{section.title}”.")
            if not form.errors:
                return redirect(reverse("safety_plans:plan") + f"#{section.key}")
        status = 400
    else:
        form = SectionForm(initial=SectionForm.initial_from(content, section), section=section)
    helplines = selectors.section_helplines(section)
    return _render(
        request, "section_form.html", {"form": form, "plan_section": section, "helplines": helplines}, status
    )


@plan_member_required
@require_GET
def versions(request):
    """Every saved version, newest first, each with when it was saved."""
    member_plan = plan_for_member_or_404(request.user, request.user)
    return _render(
        request,
        "versions.html",
        {"plan": member_plan, "versions": list(selectors.plan_versions(member_plan))},
    )


@plan_member_required
@require_GET
def version_detail(request, number: int):
    """What the plan said in one version, with a way to make it the plan again."""
    version = version_for_member_or_404(request.user, request.user, number)
    sections = selectors.sections_rendered(version.content)
    current = version.plan.current_id == version.pk
    return _render(request, "version_detail.html", {"version": version, "sections": sections, "is_current": current})


@plan_member_required
@require_http_methods(["GET", "POST"])
def version_restore(request, number: int):
    """Asks first; restoring saves the old content as a new version, so nothing is lost."""
    version = version_for_member_or_404(request.user, request.user, number)
    if request.method == "POST":
        try:
            restored = services.plan_restore(member=request.user, number=version.number)
        except PlanError as error:
            messages.info(request, str(error))
        else:
            messages.success(
                request, f"Version {version.number} is your plan again, saved as version {restored.number}."
            )
        return redirect("safety_plans:plan")
    return _render(request, "version_restore.html", {"version": version})


@plan_member_required
@require_GET
def plan_print(request):
    """The whole plan on one page, laid out for paper (portal.css, "Plan print")."""
    member_plan = plan_for_member_or_404(request.user, request.user)
    sections = selectors.sections_rendered(selectors.plan_content(member_plan))
    return _render(request, "print.html", {"plan": member_plan, "sections": sections})


@plan_member_required
@require_GET
def plan_download(request):
    """The whole plan as a PDF, under a file name that says nothing."""
    member_plan = plan_for_member_or_404(request.user, request.user)
    sections = selectors.sections_rendered(selectors.plan_content(member_plan))
    saved_at = member_plan.updated_at if member_plan is not None and member_plan.current_id else None
    response = HttpResponse(plan_pdf(sections=sections, saved_at=saved_at), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="steps.pdf"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response

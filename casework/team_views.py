"""A coordinator's pages: their organisation's support workers and cases, inviting a worker,
linking a member with a worker, moving a case, and the organisation's access records.

A coordinator sees who works with whom and who read what, never what was read: no member's
name, address or anything they wrote or shared is on these pages; a case is named by a short
reference. Every page is behind ``coordinator_required`` (a coordinator of an organisation,
signed in with two steps; anyone else is told the page does not exist). Inviting a worker and
linking a member, which decide who can be reached, need a recent reauthentication.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.decorators import reauthentication_required
from portal.accounts.errors import NotAllowed
from portal.accounts.models import Role, User
from portal.accounts.services.staff import staff_account_create

from . import selectors, services, trail
from .errors import AlreadyLinked, CaseworkError
from .models import AccessRecord, Link
from .permissions import case_for_coordinator, coordinator_required
from .team_forms import InviteForm, LinkForm, MoveForm

SECTION = "Team"
CASES_PAGE_SIZE = 100
ACCESS_PAGE_SIZE = 50
CASE_REFERENCE_LENGTH = 8

# What each kind of access is called on the coordinator's page. The trail's own labels speak to
# the member ("Read your safety plan"); these speak about the case.
ACCESS_WORDS: dict[str, str] = {
    AccessRecord.Action.CASE_OPENED: "Opened the case",
    AccessRecord.Action.ENTRY_READ: "Read a diary entry",
    AccessRecord.Action.HISTORY_READ: "Read the earlier versions of a diary entry",
    AccessRecord.Action.FILE_OPENED: "Opened a file from a diary entry",
    AccessRecord.Action.PLAN_READ: "Read the safety plan",
    AccessRecord.Action.EXPORT_MADE: "Asked for a copy of the shared diary",
    AccessRecord.Action.EXPORT_DOWNLOADED: "Downloaded a copy of the shared diary",
}

# The same words whether or not a member has the address: the page must not tell a coordinator
# who has an account.
LINKED_MESSAGE = (
    "If a member has that address, we have asked them to accept a link with {worker}. "
    "The case appears here once they accept."
)
# An address already in use, by anyone: nothing says whose it is, and nothing changes.
NOT_INVITED_MESSAGE = (
    "We cannot invite this address. Ask the person for another work address, or ask an administrator for help."
)


def case_reference(link_id: UUID) -> str:
    """A case's short name on these pages: the start of its link's id, never the member's name."""
    return str(link_id)[:CASE_REFERENCE_LENGTH]


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"casework/team/{template}", {"section": SECTION, **context}, status=status)


# --- Reads for these pages -------------------------------------------------------------------


def _organisation_id(request) -> int:
    organisation_id = request.user.organisation_id
    if organisation_id is None:  # coordinator_required lets in only coordinators of an organisation
        raise Http404
    return organisation_id


def _workers_with_setup(*, organisation_id: int) -> list[tuple[User, bool]]:
    """The organisation's workers, each with whether two-step sign-in is on (as
    portal.accounts.selectors.two_step_is_on decides it: a confirmed authenticator app)."""
    workers = list(selectors.organisation_workers(organisation_id=organisation_id))
    with_app = set(TOTPDevice.objects.filter(user__in=workers, confirmed=True).values_list("user_id", flat=True))
    return [(worker, worker.pk in with_app) for worker in workers]


def _workers_to_choose(*, organisation_id: int) -> QuerySet[User]:
    return selectors.organisation_workers(organisation_id=organisation_id).filter(is_active=True)


@dataclass(frozen=True)
class WorkerRow:
    email: str
    ready: bool
    status: str


def _worker_row(worker: User, two_step_on: bool) -> WorkerRow:
    if not worker.is_active:
        return WorkerRow(worker.email, False, "Account closed")
    if not worker.has_usable_password():
        return WorkerRow(worker.email, False, "Invited: has not chosen a password yet")
    if not two_step_on:
        return WorkerRow(worker.email, False, "Has not set up two-step sign-in yet")
    return WorkerRow(worker.email, True, "Ready")


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    who: str
    role: str
    what: str
    case: str | None


def _case_references(*, organisation_id: int, records: list[AccessRecord]) -> dict:
    """Case references for a page of records, in one query: by the member and the worker who read,
    or, for a worker no longer on the case (it moved, or they were unlinked), by the member's
    earliest case in the organisation."""
    links = (
        Link.objects.accepted()
        .filter(worker__organisation_id=organisation_id, member_id__in={record.member_id for record in records})
        .order_by("-linked_at")
        .values_list("id", "member_id", "worker_id")
    )
    references: dict = {}
    for link_id, member_id, worker_id in links:
        reference = case_reference(link_id)
        references[(member_id, worker_id)] = reference
        references[member_id] = reference  # earliest last, so it wins
    return references


def _access_row(record: AccessRecord, references: dict) -> AccessRow:
    role = Role(record.actor_role).label if record.actor_role in Role.values else record.actor_role
    return AccessRow(
        at=record.at,
        who=record.actor_email,
        role=role,
        what=ACCESS_WORDS.get(record.action, record.get_action_display()),
        case=references.get((record.member_id, record.actor_id)) or references.get(record.member_id),
    )


# --- Pages -----------------------------------------------------------------------------------


@coordinator_required
@require_GET
def team(request):
    organisation_id = _organisation_id(request)
    workers = [_worker_row(*pair) for pair in _workers_with_setup(organisation_id=organisation_id)]
    cases = Paginator(selectors.organisation_cases(organisation_id=organisation_id), CASES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(link, case_reference(link.id)) for link in cases]
    context = {"organisation": request.user.organisation, "workers": workers, "cases": cases, "case_rows": rows}
    return _render(request, "team.html", context)


@coordinator_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            worker = staff_account_create(
                email=form.cleaned_data["email"],
                role=Role.WORKER,
                actor=request.user,
                organisation=request.user.organisation,
            )
        except (NotAllowed, IntegrityError):  # in use, or invited a moment ago in another tab
            form.add_error("email", NOT_INVITED_MESSAGE)
        else:
            messages.success(
                request,
                f"We have emailed {worker.email} a link to choose a password. "
                "They set up two-step sign-in before they can see anything.",
            )
            return redirect("team:home")
    return _render(request, "invite.html", {"form": form}, status=400 if form.errors else 200)


@coordinator_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def link(request):
    workers = _workers_to_choose(organisation_id=_organisation_id(request))
    form = LinkForm(request.POST or None, workers=workers)
    if request.method == "POST" and form.is_valid():
        worker = form.cleaned_data["worker"]
        try:
            services.link_by_coordinator(
                coordinator=request.user,
                member_email=form.cleaned_data["member_email"],
                worker=worker,
                display_name=form.cleaned_data["display_name"],
            )
        except CaseworkError as error:
            form.add_error("worker", str(error))
        else:
            messages.success(request, LINKED_MESSAGE.format(worker=worker.email))
            return redirect("team:home")
    context = {"form": form, "has_workers": workers.exists()}
    return _render(request, "link.html", context, status=400 if form.errors else 200)


@coordinator_required
@require_http_methods(["GET", "POST"])
def move(request, case_id):
    organisation_id = _organisation_id(request)
    case = case_for_coordinator(request.user, case_id)
    workers = _workers_to_choose(organisation_id=organisation_id).exclude(pk=case.worker_id)
    form = MoveForm(request.POST or None, workers=workers)
    if request.method == "POST" and form.is_valid():
        worker = form.cleaned_data["worker"]
        try:
            moved = services.link_reassign(coordinator=request.user, link=case, worker=worker)
        except AlreadyLinked:
            form.add_error("worker", "That support worker already has a case with this member. Choose another.")
        except CaseworkError as error:
            form.add_error("worker", str(error))
        else:
            messages.success(
                request,
                f"Case {case_reference(case.id)} is now with {worker.email}, as case {case_reference(moved.id)}. "
                "Nothing the member shared has moved: they choose again what the new worker can see.",
            )
            return redirect("team:home")
    context = {"case": case, "reference": case_reference(case.id), "form": form, "has_workers": workers.exists()}
    return _render(request, "move.html", context, status=400 if form.errors else 200)


@coordinator_required
@require_GET
def access(request):
    organisation_id = _organisation_id(request)
    page = Paginator(trail.access_for_organisation(organisation_id=organisation_id), ACCESS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    records = list(page)
    references = _case_references(organisation_id=organisation_id, records=records) if records else {}
    rows = [_access_row(record, references) for record in records]
    return _render(request, "access.html", {"page": page, "rows": rows})

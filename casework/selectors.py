"""Reads for the casework pages: a worker's caseload and one case, what a member shares with
each worker in plain words, and a coordinator's view of their organisation."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from diary.incident import Behaviour
from diary.models import Entry
from portal.accounts.models import Role, User

from .models import CaseNote, Link, Review, ShareGrant


def links_of_member(*, member: User) -> QuerySet[Link]:
    """The member's workers, with their organisations and grants (the member's sharing page)."""
    return (
        Link.objects.filter(member=member)
        .select_related("worker__organisation")
        .prefetch_related(
            Prefetch("grants", queryset=ShareGrant.objects.select_related("entry").order_by("granted_at"))
        )
    )


def shared_in_words(link: Link) -> list[str]:
    """What the worker can see, as the member's sharing page says it."""
    grants = list(link.grants.all())
    scopes = {grant.scope for grant in grants}
    said = []
    if ShareGrant.Scope.DIARY in scopes:
        said.append("Your whole diary, including entries you add later")
    else:
        count = sum(1 for grant in grants if grant.scope == ShareGrant.Scope.ENTRY)
        if count:
            said.append(f"{count} diary entr{'y' if count == 1 else 'ies'} you chose")
    if ShareGrant.Scope.PLAN in scopes:
        said.append("Your safety plan")
    return said


def behaviour_labels(entry: Entry) -> list[str]:
    return [Behaviour.LABELS.get(code, code) for code in entry.behaviours]


def entries_shareable(*, member: User) -> QuerySet[Entry]:
    return Entry.objects.for_member(member).active().order_by("-occurred_at")


@dataclass(frozen=True)
class CaseSummary:
    link: Link
    shares_diary: bool
    shares_plan: bool
    entries_shared: int
    new_since_seen: int


def caseload(*, worker: User) -> list[CaseSummary]:
    """The worker's links, with what each member shares and how much is new since they looked.

    A fixed number of queries whatever the caseload: one for the links with their grant
    counts, one for what changed since each was last seen.
    """
    links = list(
        Link.objects.accepted()
        .filter(worker=worker, member__is_active=True)
        .annotate(
            diary_grants=Count("grants", filter=Q(grants__scope=ShareGrant.Scope.DIARY)),
            plan_grants=Count("grants", filter=Q(grants__scope=ShareGrant.Scope.PLAN)),
            entry_grants=Count("grants", filter=Q(grants__scope=ShareGrant.Scope.ENTRY)),
        )
        .order_by("linked_at")
    )
    summaries = []
    for link in links:
        new = 0
        if link.diary_grants or link.entry_grants:
            new = (
                _shared_entries(link, diary=bool(link.diary_grants)).filter(_changed_since(link.worker_seen_at)).count()
            )
        summaries.append(
            CaseSummary(
                link=link,
                shares_diary=bool(link.diary_grants),
                shares_plan=bool(link.plan_grants),
                entries_shared=link.entry_grants,
                new_since_seen=new,
            )
        )
    return summaries


def _changed_since(moment: datetime | None) -> Q:
    return Q() if moment is None else Q(current_version__recorded_at__gt=moment)


def _shared_entries(link: Link, *, diary: bool) -> QuerySet[Entry]:
    entries = Entry.objects.for_member(link.member_id).active()
    if not diary:
        entries = entries.filter(pk__in=link.grants.filter(scope=ShareGrant.Scope.ENTRY).values("entry_id"))
    return entries


@dataclass(frozen=True)
class SharedEntry:
    entry: Entry
    behaviours: list[str]
    changed_at: datetime
    reviewed_at: datetime | None
    is_new: bool


def case_entries(*, link: Link) -> list[SharedEntry]:
    """The entries the member shares with this worker, newest first, with the worker's marks.

    Read from the columns kept beside the encrypted content (when, kinds of behaviour): listing
    a case decrypts nothing.
    """
    scopes = set(link.grants.values_list("scope", flat=True))
    if not scopes & {ShareGrant.Scope.DIARY, ShareGrant.Scope.ENTRY}:
        return []
    entries = (
        _shared_entries(link, diary=ShareGrant.Scope.DIARY in scopes)
        .select_related("current_version")
        .only("id", "occurred_at", "recorded_at", "behaviours", "current_version__recorded_at")
        .order_by("-occurred_at", "-recorded_at")
    )
    reviews = dict(Review.objects.filter(link=link).values_list("entry_id", "reviewed_at"))
    seen = link.worker_seen_at
    return [
        SharedEntry(
            entry=entry,
            behaviours=behaviour_labels(entry),
            changed_at=_changed_at(entry),
            reviewed_at=reviews.get(entry.pk),
            is_new=seen is None or _changed_at(entry) > seen,
        )
        for entry in entries
    ]


def _changed_at(entry: Entry) -> datetime:
    # An entry in the diary always has a current version (only a destroyed one has none).
    return entry.current_version.recorded_at if entry.current_version else entry.recorded_at


def case_shares_plan(*, link: Link) -> bool:
    return link.grants.filter(scope=ShareGrant.Scope.PLAN).exists()


def case_shares_diary(*, link: Link) -> bool:
    return link.grants.filter(scope=ShareGrant.Scope.DIARY).exists()


@dataclass(frozen=True)
class EntryCase:
    """What the entry's page shows a worker: their case and their mark on the entry."""

    link: Link
    display_name: str
    reviewed_at: datetime | None


def case_of_entry(*, worker: User, entry: Entry) -> EntryCase | None:
    link = Link.objects.accepted().filter(worker=worker, member_id=entry.member_id).first()
    if link is None:
        return None
    review = Review.objects.filter(link=link, entry=entry).first()
    return EntryCase(link=link, display_name=link.display_name, reviewed_at=review.reviewed_at if review else None)


def case_notes(*, link: Link) -> QuerySet[CaseNote]:
    """Notes of the worker's organisation on this member, newest first."""
    return CaseNote.objects.filter(member_id=link.member_id, organisation=link.worker.organisation).select_related(
        "author"
    )


def organisation_workers(*, organisation_id: int) -> QuerySet[User]:
    return User.objects.filter(organisation_id=organisation_id, role=Role.WORKER).order_by("email")


def organisation_cases(*, organisation_id: int) -> QuerySet[Link]:
    """The organisation's links the members accepted, for a coordinator: who works with whom,
    never what is shared (a request a member has not accepted shows nowhere)."""
    return (
        Link.objects.accepted()
        .filter(worker__organisation_id=organisation_id)
        .select_related("worker")
        .order_by("linked_at")
    )

"""Who may read what a member shares, and who may reach the support workers' and
coordinators' pages. The one place these rules live; diary.permissions and
safety_plans.permissions ask here about anyone who is not the member.

A worker reads only what a live ShareGrant on their own link names, checked against the
database on every request: revoking a grant or unlinking stops the very next one. The second
step is part of the rule, not only a gate in front of it: a staff session that has not passed
it reads nothing.
"""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from portal.accounts.models import Role, User

from .models import Link, ShareGrant

if TYPE_CHECKING:
    from diary.models import Entry

Viewer = User | AnonymousUser


def _verified(user: Viewer) -> bool:
    # django-otp's middleware gives request.user is_verified(); a user loaded any other way has
    # not passed a second step in this request.
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def is_caseworker(user: Viewer) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.WORKER and _verified(user)


def is_coordinator(user: Viewer) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.COORDINATOR
        and user.organisation_id is not None
        and _verified(user)
    )


def _grants(user: Viewer, member_id: int) -> QuerySet[ShareGrant]:
    return ShareGrant.objects.filter(
        link__worker_id=user.pk, link__member_id=member_id, link__accepted_at__isnull=False
    )


def worker_reads_entry(user: Viewer, entry: "Entry") -> bool:
    """A linked worker reads an entry the member shared: the whole diary or that entry, while it
    is in the diary (not deleted, not destroyed)."""
    if not is_caseworker(user) or entry.deleted_at is not None or entry.destroyed_at is not None:
        return False
    return _grants(user, entry.member_id).filter(Q(scope=ShareGrant.Scope.DIARY) | Q(entry_id=entry.pk)).exists()


def worker_reads_diary_of(user: Viewer, member_id: int) -> bool:
    """The whole diary is shared: what a download of it for the worker needs."""
    return is_caseworker(user) and _grants(user, member_id).filter(scope=ShareGrant.Scope.DIARY).exists()


def worker_reads_plan_of(user: Viewer, member_id: int) -> bool:
    return is_caseworker(user) and _grants(user, member_id).filter(scope=ShareGrant.Scope.PLAN).exists()


def case_for_worker(user: Viewer, case_id: UUID | str) -> Link:
    """The worker's own link to a member, or 404."""
    link = Link.objects.accepted().filter(pk=case_id, worker_id=user.pk).select_related("member").first()
    if link is None or not is_caseworker(user) or not link.member.is_active:
        raise Http404
    return link


def case_for_coordinator(user: Viewer, case_id: UUID | str) -> Link:
    """One of the coordinator's organisation's accepted cases, or 404 (another organisation's too)."""
    link = None
    if isinstance(user, User) and is_coordinator(user):
        link = (
            Link.objects.accepted()
            .filter(pk=case_id, worker__organisation_id=user.organisation_id)
            .select_related("worker")
            .first()
        )
    if link is None:
        raise Http404
    return link


def link_for_member(user: Viewer, link_id: UUID | str) -> Link:
    """One of the member's own links, or 404."""
    link = Link.objects.filter(pk=link_id, member_id=user.pk).select_related("worker__organisation").first()
    if link is None or not _is_member(user):
        raise Http404
    return link


def _required(check: Callable[[Viewer], bool]) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _is_member(user: Viewer) -> bool:
    return isinstance(user, User) and user.is_active and user.is_member


member_required = _required(_is_member)
caseworker_required = _required(is_caseworker)
coordinator_required = _required(is_coordinator)

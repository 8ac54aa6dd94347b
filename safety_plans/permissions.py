"""Who may read a member's plan. The one place these rules live.

A plan is its member's; a support worker the member shares it with may read it, never change
it (casework.permissions decides, on every request), and each such read is written to the
member's access trail. Everyone else is told it does not exist (404).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from casework import permissions as sharing
from casework.trail import Action, access_record
from portal.accounts.models import User

from .models import Plan, PlanVersion

# Who asks: a signed-in person or an anonymous visitor.
Viewer = User | AnonymousUser


def can_keep_plan(user: Viewer) -> bool:
    return user.is_authenticated and user.is_active and user.is_member


def can_read_plan_of(user: Viewer, member: User) -> bool:
    """Whether ``user`` may read ``member``'s plan: the member (its versions and its print and
    PDF copies too), or a worker they share it with (the current plan only)."""
    if can_keep_plan(user) and member.pk == user.pk:
        return True
    return member.is_active and sharing.worker_reads_plan_of(user, member.pk)


def can_read_plan(user: Viewer, plan: Plan) -> bool:
    return can_keep_plan(user) and plan.member_id == user.pk or sharing.worker_reads_plan_of(user, plan.member_id)


def can_change_plan(user: Viewer, member: User) -> bool:
    """Only the member changes their own plan, whoever else may one day read it."""
    return can_keep_plan(user) and member.pk == user.pk


def plan_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to sign-in; anyone who is not a member gets a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not can_keep_plan(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def plan_for_member_or_404(user: Viewer, member: User) -> Plan | None:
    """``member``'s plan (None before its first save) if ``user`` may read it, else 404. A read by
    anyone but the member is written to the member's access trail before anything is sent."""
    if not can_read_plan_of(user, member):
        raise Http404
    plan = Plan.objects.select_related("current").filter(member=member).first()
    if plan is not None and not can_read_plan(user, plan):
        raise Http404
    if isinstance(user, User) and member.pk != user.pk:
        access_record(actor=user, member_id=member.pk, action=Action.PLAN_READ, object_id=None)
    return plan


def version_for_member_or_404(user: Viewer, member: User, number: int) -> PlanVersion:
    """One version of ``member``'s plan for the member, else 404: a worker reads the current plan only."""
    if member.pk != user.pk:
        raise Http404
    plan = plan_for_member_or_404(user, member)
    version = PlanVersion.objects.filter(plan=plan, number=number).first() if plan is not None else None
    if version is None:
        raise Http404
    return version

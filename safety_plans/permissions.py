"""Who may read a member's plan. The one place these rules live.

For now a plan is its member's alone; everyone else is told it does not exist (404). Sharing a
plan with a support worker plugs in here, in ``can_read_plan_of``, and every page follows.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from portal.accounts.models import User

from .models import Plan, PlanVersion

# Who asks: a signed-in person or an anonymous visitor.
Viewer = User | AnonymousUser


def can_keep_plan(user: Viewer) -> bool:
    return user.is_authenticated and user.is_active and user.is_member


def can_read_plan_of(user: Viewer, member: User) -> bool:
    """Whether ``user`` may read ``member``'s plan, its versions and its print and PDF copies."""
    return can_keep_plan(user) and member.pk == user.pk


def can_read_plan(user: Viewer, plan: Plan) -> bool:
    return can_keep_plan(user) and plan.member_id == user.pk


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
    """``member``'s plan (None before its first save) if ``user`` may read it, else 404."""
    if not can_read_plan_of(user, member):
        raise Http404
    plan = Plan.objects.select_related("current").filter(member=member).first()
    if plan is not None and not can_read_plan(user, plan):
        raise Http404
    return plan


def version_for_member_or_404(user: Viewer, member: User, number: int) -> PlanVersion:
    """One version of ``member``'s plan if ``user`` may read it, else 404."""
    plan = plan_for_member_or_404(user, member)
    version = PlanVersion.objects.filter(plan=plan, number=number).first() if plan is not None else None
    if version is None:
        raise Http404
    return version

"""Reads of a member's plan: its content section by section, its progress, its versions, and
whether it is due a review. Every page, the print view and the PDF read the plan through here."""

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from content.models import Helpline
from content.selectors import emergency_numbers
from portal.accounts.models import User

from .models import Plan, PlanVersion
from .sections import SECTIONS, Item, Section
from .services import empty_content

REVIEW_AFTER_MONTHS = 3  # a plan not saved for this long is worth a look: lives and risks change


@dataclass(frozen=True)
class RenderedItem:
    item: Item
    checked: bool


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    items: list[RenderedItem]
    notes: str
    code_word: str  # only for the section that asks for it
    helplines: list[Helpline]  # only for the emergency numbers

    @property
    def filled(self) -> bool:
        """Anything written or ticked. The helplines are the editors', not the member's."""
        return bool(self.notes or self.code_word or any(rendered.checked for rendered in self.items))


@dataclass(frozen=True)
class Progress:
    filled: int
    total: int


def plan_for(*, member: User) -> Plan | None:
    return Plan.objects.select_related("current").filter(member=member).first()


def plan_content(plan: Plan | None) -> dict[str, Any]:
    """What the plan says now; an empty plan before the first save."""
    if plan is None or plan.current is None:
        return empty_content()
    return plan.current.content


def sections_rendered(content: dict[str, Any], *, helplines: list[Helpline] | None = None) -> list[RenderedSection]:
    """Every section, in order, with what the member ticked and wrote. The emergency numbers
    are read from the advice library once (pass ``helplines`` to reuse a list already read)."""
    if helplines is None:
        helplines = emergency_numbers()
    saved = content.get("sections") or {}
    rendered = []
    for section in SECTIONS:
        given = saved.get(section.key) or {}
        checked = set(given.get("checked") or [])
        rendered.append(
            RenderedSection(
                section=section,
                items=[RenderedItem(item=item, checked=item.key in checked) for item in section.items],
                notes=given.get("notes") or "",
                code_word=(content.get("code_word") or "") if section.has_code_word else "",
                helplines=helplines if section.shows_helplines else [],
            )
        )
    return rendered


def section_helplines(section: Section) -> list[Helpline]:
    """The emergency numbers for the section that lists them; none for the others."""
    return emergency_numbers() if section.shows_helplines else []


def plan_progress(rendered: list[RenderedSection]) -> Progress:
    """How many sections have anything in them."""
    return Progress(filled=sum(1 for section in rendered if section.filled), total=len(rendered))


def plan_versions(plan: Plan | None) -> QuerySet[PlanVersion] | list[PlanVersion]:
    """The plan's versions, newest first, without their content (one query however many)."""
    if plan is None:
        return []
    fields = ("id", "plan_id", "member_id", "number", "saved_at", "restored_from")
    return PlanVersion.objects.filter(plan=plan).only(*fields)


def _months_before(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 - months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def plan_review_due(member: User, *, now: datetime | None = None) -> bool:
    """Whether the member's plan was last saved three months ago or more (a gentle reminder;
    no plan yet is not "due": the home page links to it anyway)."""
    updated_at = Plan.objects.filter(member=member, current__isnull=False).values_list("updated_at", flat=True).first()
    if updated_at is None:
        return False
    return updated_at <= _months_before(now or timezone.now(), REVIEW_AFTER_MONTHS)

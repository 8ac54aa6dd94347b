"""Writes to a member's plan. Every save is a new encrypted version; nothing is overwritten.

A save holds the member's plan lock until its transaction ends, so two tabs saving at once
each get their own version number and neither loses the other's section.

The message an alert sends is a change of control (someone holding the member's phone could
rewrite what their trusted contacts are told). Its page saves it with ``plan_alert_message_save``
behind recent reauthentication; restoring an earlier version keeps the current message; and
every change, whichever service makes it, is recorded as an account event in the same
transaction, so the owner is emailed.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from casework.services import shared_plan_changed
from portal.accounts.models import AccountEvent, User
from portal.accounts.services.events import event_record

from .errors import InvalidPlan, PlanUnchanged, VersionNotFound
from .models import Plan, PlanVersion
from .sections import SECTIONS_BY_KEY

NOTES_MAX = 4000  # a page or two of words per section
CODE_WORD_MAX = 100
ALERT_MESSAGE_MAX = 1000  # the alert's own limits are checked where it is written (contacts.py)


def empty_content() -> dict[str, Any]:
    """What a plan says before anything is written in it."""
    return {"sections": {}, "code_word": "", "alert_message": ""}


def content_clean(content: dict[str, Any]) -> dict[str, Any]:
    """The content in its one stored form: every known section, checked items in the section's
    order, words stripped; an unknown section or item, or words too long, raise InvalidPlan."""
    if not isinstance(content, dict):
        raise InvalidPlan("The plan could not be read. Nothing was changed.")
    sections = content.get("sections") or {}
    unknown = set(sections) - set(SECTIONS_BY_KEY)
    if unknown:
        raise InvalidPlan("The plan has a part this site does not know. Nothing was changed.")
    cleaned: dict[str, Any] = {"sections": {}}
    for key, section in SECTIONS_BY_KEY.items():
        given = sections.get(key) or {}
        checked = set(given.get("checked") or [])
        if not checked <= set(section.item_keys()):
            raise InvalidPlan(f"“{section.title}” has a box this site does not know. Nothing was changed.")
        notes = _words(given.get("notes"), limit=NOTES_MAX, what=f"The notes in “{section.title}”")
        if checked or notes:
            cleaned["sections"][key] = {
                "checked": [item for item in section.item_keys() if item in checked],
                "notes": notes,
            }
    cleaned["code_word"] = _words(content.get("code_word"), limit=CODE_WORD_MAX, what="The code word")
    cleaned["alert_message"] = _words(content.get("alert_message"), limit=ALERT_MESSAGE_MAX, what="The message")
    return cleaned


def _words(value: Any, *, limit: int, what: str) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise InvalidPlan(f"{what} are too long to keep (at most {limit} characters). Nothing was changed.")
    return text


def _plan_locked(member: User) -> Plan:
    """The member's plan, created on first save, locked until the transaction ends.

    The member's row is locked first (as the diary's chain lock does), so two first saves at
    once cannot both create a plan.
    """
    User.objects.select_for_update().filter(pk=member.pk).first()
    # Only the plan's row: PostgreSQL cannot lock the nullable side of the join to its current version.
    plan = Plan.objects.select_for_update(of=("self",)).select_related("current").filter(member=member).first()
    return plan if plan is not None else Plan.objects.create(member=member)


def _version_add(plan: Plan, content: dict[str, Any], *, restored_from: int | None = None) -> PlanVersion:
    last = plan.current.number if plan.current is not None else 0
    now = timezone.now()
    version = PlanVersion.objects.create(
        member_id=plan.member_id, plan=plan, number=last + 1, saved_at=now, content=content, restored_from=restored_from
    )
    plan.current = version
    plan.updated_at = now
    plan.save(update_fields=["current", "updated_at"])
    # A worker the member shares the plan with hears there is an update (never what).
    shared_plan_changed(member_id=plan.member_id)
    return version


def _current_content(plan: Plan) -> dict[str, Any]:
    return plan.current.content if plan.current is not None else empty_content()


def _alert_message_of(content: dict[str, Any]) -> str:
    written = content.get("alert_message") if isinstance(content, dict) else None
    return written.strip() if isinstance(written, str) else ""


def _alert_message_change_record(*, member: User, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Record a changed alert message (a change of control), in the caller's transaction."""
    if _alert_message_of(before) != _alert_message_of(after):
        event_record(user=member, kind=AccountEvent.Kind.ALERT_MESSAGE_CHANGED)


@transaction.atomic
def plan_save(*, member: User, content: dict[str, Any]) -> PlanVersion:
    """Save the whole plan as a new version. Saving what it already says adds no version; a
    different alert message is recorded as a change of control."""
    cleaned = content_clean(content)
    plan = _plan_locked(member)
    if plan.current is not None and content_clean(plan.current.content) == cleaned:
        raise PlanUnchanged()
    _alert_message_change_record(member=member, before=_current_content(plan), after=cleaned)
    return _version_add(plan, cleaned)


@transaction.atomic
def plan_section_save(
    *, member: User, section_key: str, checked: list[str], notes: str, code_word: str | None = None
) -> PlanVersion:
    """Save one section (and the code word, with the section that asks for it) as a new version.

    The rest of the plan is read under the lock, so a section saved in another tab is kept.
    """
    section = SECTIONS_BY_KEY.get(section_key)
    if section is None:
        raise InvalidPlan("The plan has no such part. Nothing was changed.")
    plan = _plan_locked(member)
    content = _current_content(plan)
    sections = {**content.get("sections", {}), section_key: {"checked": checked, "notes": notes}}
    content = {**content, "sections": sections}
    if code_word is not None and section.has_code_word:
        content["code_word"] = code_word
    cleaned = content_clean(content)
    if plan.current is not None and content_clean(plan.current.content) == cleaned:
        raise PlanUnchanged()
    return _version_add(plan, cleaned)


@transaction.atomic
def plan_alert_message_save(*, member: User, message: str) -> PlanVersion:
    """Save the message sent to trusted contacts in an alert, as a new version of the plan, and
    record the change (the owner is emailed once it commits). The view asks for recent
    reauthentication first."""
    plan = _plan_locked(member)
    cleaned = content_clean({**_current_content(plan), "alert_message": message})
    if plan.current is not None and content_clean(plan.current.content) == cleaned:
        raise PlanUnchanged()
    _alert_message_change_record(member=member, before=_current_content(plan), after=cleaned)
    return _version_add(plan, cleaned)


@transaction.atomic
def plan_restore(*, member: User, number: int) -> PlanVersion:
    """Make an earlier version current again, by saving its content as a new version that
    records which one it came from. The versions in between are kept.

    The alert message stays as it is now: restoring needs no reauthentication, so it must not
    become a way round the message's own page (which does).
    """
    plan = _plan_locked(member)
    earlier = PlanVersion.objects.filter(plan=plan, number=number).first()
    if earlier is None or plan.current is None:
        raise VersionNotFound()
    if earlier.number == plan.current.number:
        raise PlanUnchanged("This version is already your plan. Nothing was changed.")
    restored = content_clean({**earlier.content, "alert_message": _alert_message_of(plan.current.content)})
    if restored == content_clean(plan.current.content):
        raise PlanUnchanged(
            "Your plan already says what this version says (your message to the people you trust is kept "
            "as it is now). Nothing was changed."
        )
    return _version_add(plan, restored, restored_from=earlier.number)

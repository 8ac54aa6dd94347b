"""The plan's part of the member's home page: a link to it, and a gentle reminder to look at it
again when it has not been saved for three months."""

from django import template

from .. import selectors
from ..permissions import can_keep_plan

register = template.Library()


@register.inclusion_tag("safety_plans/includes/home.html", takes_context=True)
def plan_home(context) -> dict:
    user = context["user"]
    if not can_keep_plan(user):
        return {"shown": False}
    return {"shown": True, "review_due": selectors.plan_review_due(user)}

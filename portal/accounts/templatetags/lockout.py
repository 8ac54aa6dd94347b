"""Template filters for the lockout page, so its wording follows the configured cool-off."""

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(value: timedelta | None) -> int | None:
    """A cool-off as whole minutes, rounded up so the page never promises too short a wait."""
    if value is None or value == "":
        return None
    return max(1, math.ceil(value.total_seconds() / 60))

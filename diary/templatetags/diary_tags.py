"""Template filters for the diary's pages."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from diary.selectors import local_when

register = template.Library()


@register.filter
def when(moment):
    """A moment as the diary's pages write it, in a <time> element that gives it in full:
    turned into the site's time once, and written in both forms from there."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local_when(local))


@register.filter
def preview(text: str, length: int = 200) -> str:
    """The first ``length`` characters, as ``truncatechars`` gives them, without its walk over
    every character of a text already short enough: most entries, on the timeline's every row."""
    return text if len(text) <= length else Truncator(text).chars(length)

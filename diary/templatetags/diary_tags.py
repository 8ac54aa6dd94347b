"""Template filters for the diary's pages."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

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

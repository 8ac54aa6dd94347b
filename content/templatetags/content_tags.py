"""Template tags for pages outside the advice library that show part of it."""

from django import template

from content import selectors

register = template.Library()


@register.inclusion_tag("content/includes/emergency_numbers.html")
def emergency_numbers() -> dict:
    """The emergency numbers box, as editors last set the numbers: {% emergency_numbers %}."""
    return {"emergency_numbers": selectors.emergency_numbers(), "directory": selectors.directory_page()}


@register.inclusion_tag("content/includes/advice_links.html")
def advice_links() -> dict:
    """Links into the advice library for a signed-in person, whose "/" is their own home."""
    return {"sections": selectors.advice_sections(), "directory": selectors.directory_page()}

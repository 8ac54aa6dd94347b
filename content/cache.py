"""The server's cache of public pages' bodies.

Only the body is cached, rendered with no request, user or session in its context, so nothing
personal can be stored in it or shown to the next reader; the page around it (the header with
the reader's own menu) is rendered per request. A page's entries go when it is published or
unpublished (content/signals.py); a change to a helpline, need or topic (shown on many pages)
starts the whole library afresh.
"""

from collections.abc import Callable, Mapping
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

LIBRARY_VERSION_KEY = "content:library"


def _page_version_key(page_id: int) -> str:
    return f"content:page:{page_id}"


def _versions(page_id: int) -> tuple[str, str]:
    """The library's and the page's current versions: forgetting one makes every key built on it new."""
    page_key = _page_version_key(page_id)
    found = cache.get_many([LIBRARY_VERSION_KEY, page_key])
    library = found.get(LIBRARY_VERSION_KEY)
    page = found.get(page_key)
    if library is None:
        library = uuid4().hex
        # add, not set: two first readers at once agree on one version.
        if not cache.add(LIBRARY_VERSION_KEY, library, timeout=None):
            library = cache.get(LIBRARY_VERSION_KEY, library)
    if page is None:
        page = uuid4().hex
        if not cache.add(page_key, page, timeout=None):
            page = cache.get(page_key, page)
    return library, page


def body_cache_key(page_id: int, variant: str = "") -> str:
    library, page = _versions(page_id)
    return f"content:body:{library}:{page}:{page_id}:{variant}"


def body_render(*, page_id: int, template: str, context: Callable[[], Mapping[str, Any]], variant: str = "") -> str:
    """The page body from the cache, rendered and kept there first if it is not yet.

    `context` is called only when the body has to be rendered, and must return nothing about
    the reader: the result is shared by everyone who reads the page.
    """
    key = body_cache_key(page_id, variant)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, dict(context()))
        cache.set(key, html, timeout=settings.CONTENT_CACHE_SECONDS)
    return html


def page_forget(*, page_id: int) -> None:
    """Drop a page's cached body (every filtered variant of it too) after it is published or
    unpublished."""
    cache.delete_many([body_cache_key(page_id), _page_version_key(page_id)])


def library_forget() -> None:
    """Drop every cached body, for a change that shows on many pages (a helpline's number)."""
    cache.delete(LIBRARY_VERSION_KEY)

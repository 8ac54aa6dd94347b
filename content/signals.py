"""Clearing the server's cache of public pages when what they show changes.

Not a domain rule (style guide: no signals for those): a cache follows what Wagtail publishes,
and Wagtail announces that with these signals, from the editor, the scheduler and the API alike.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from content import cache
from content.models import Helpline, Need, Topic


def page_changed(sender, instance, **kwargs) -> None:
    cache.page_forget(page_id=instance.pk)
    # A page's title shows in its parent's list and in its siblings' related links.
    cache.library_forget()


def snippet_changed(sender, **kwargs) -> None:
    """A helpline, need or topic shows on many pages (the emergency numbers on every one)."""
    cache.library_forget()


def connect() -> None:
    page_published.connect(page_changed, dispatch_uid="content_page_published")
    page_unpublished.connect(page_changed, dispatch_uid="content_page_unpublished")
    for model in (Helpline, Need, Topic):
        post_save.connect(snippet_changed, sender=model, dispatch_uid=f"content_{model.__name__}_saved")
        post_delete.connect(snippet_changed, sender=model, dispatch_uid=f"content_{model.__name__}_deleted")
    m2m_changed.connect(snippet_changed, sender=Helpline.needs.through, dispatch_uid="content_helpline_needs")

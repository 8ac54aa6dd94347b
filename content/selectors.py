"""Reads for the advice library: the emergency numbers, the directory's filter, and search."""

from wagtail.models import Page
from wagtail.search.query import PlainText

from content.models import AdviceIndexPage, DirectoryFilter, DirectoryPage, Helpline, Need

# Search shows this many results at most: enough to choose from, and no paging by address.
SEARCH_RESULTS_LIMIT = 20


def emergency_numbers() -> list[Helpline]:
    """The helplines marked as emergency numbers, in the editors' order, for any page to show."""
    return list(Helpline.objects.emergency())


def directory_filter_parse(*, area: str | None, need: str | None) -> DirectoryFilter:
    return DirectoryFilter.from_query(area=area, need=need)


def directory_helplines(*, chosen: DirectoryFilter) -> list[Helpline]:
    return list(Helpline.objects.for_directory(area=chosen.area, need=chosen.need))


def directory_needs() -> list[Need]:
    return list(Need.objects.order_by("name"))


def directory_page() -> DirectoryPage | None:
    """The live directory, for the "all helplines" link beside the emergency numbers."""
    return DirectoryPage.objects.live().public().order_by("path").first()


def pages_search(*, query: str) -> list[Page]:
    """Live, public pages matching the words, best first. Drafts, unpublished and private
    (password or sign-in restricted) pages are never found."""
    if not query.strip():
        return []
    results = Page.objects.live().public().search(PlainText(query))[:SEARCH_RESULTS_LIMIT]
    return [page.specific for page in results]


def advice_sections() -> list[AdviceIndexPage]:
    """The live advice index pages, for links from pages outside the library (a member's home)."""
    return list(AdviceIndexPage.objects.live().public().order_by("path"))

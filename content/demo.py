"""The demo advice library: helplines, topics, the home page's words, the advice pages, the self-check
and the directory (registered for seed_demo; the words are in content/demo_pages.py).

``make run`` seeds on every start, and editors may have changed the demo pages since: so anything that
already exists (a helpline by name, a topic or need by slug, a page by slug under its parent) is left as
it is, and only what is missing is created.
"""

from typing import Any

from django.db import models, transaction
from wagtail.models import Page

from portal.demo import site_demo_data

from . import demo_pages as words
from .models import (
    AdviceIndexPage,
    AdvicePage,
    AdvicePageRelatedPage,
    DirectoryPage,
    Helpline,
    HomePage,
    Need,
    SelfCheckPage,
    Topic,
)


@site_demo_data
@transaction.atomic
def demo_content_create() -> dict[str, int]:
    """Fill the advice library, creating only what is missing; returns how many of each were created."""
    created = {"helplines": 0, "pages": 0}
    needs = _needs_create()
    helplines, created["helplines"] = _helplines_create(needs)
    topics = _topics_create()
    home = _home_page()
    _home_fill(home, helplines)
    index = _child(home, words.ADVICE_INDEX["slug"])
    if index is None:
        data = words.ADVICE_INDEX
        index = _add(home, AdviceIndexPage(title=data["title"], slug=data["slug"], intro=data["intro"]))
        created["pages"] += 1
    created["pages"] += _advice_pages_create(index, helplines, topics)
    created["pages"] += _self_check_create(index)
    created["pages"] += _directory_create(home)
    return created


def _needs_create() -> dict[str, Need]:
    needs = {}
    for slug, name in words.NEEDS:
        needs[slug], _ = _get_or_create(Need, {"slug": slug}, {"name": name})
    return needs


def _helplines_create(needs: dict[str, Need]) -> tuple[dict[str, int], int]:
    """Every demo helpline by name, with its id (an editor's later corrections are kept)."""
    ids = {}
    created = 0
    for position, data in enumerate(words.HELPLINES):
        fields = {key: value for key, value in data.items() if key not in ("name", "needs")}
        helpline, new = _get_or_create(Helpline, {"name": data["name"]}, {**fields, "sort_order": (position + 1) * 10})
        if new:
            helpline.needs.set([needs[slug] for slug in data["needs"]])
            created += 1
        ids[helpline.name] = helpline.pk
    return ids, created


def _topics_create() -> dict[str, Topic]:
    topics = {}
    for name, slug in words.TOPICS:
        topics[slug], _ = _get_or_create(Topic, {"slug": slug}, {"name": name})
    return topics


def _get_or_create[M: models.Model](model: type[M], lookup: dict[str, Any], defaults: dict[str, Any]) -> tuple[M, bool]:
    """``get_or_create`` without its ``except DoesNotExist``: saving a snippet runs search-index tasks, and
    django.tasks logs whatever exception is being handled when a task finishes, so inside that ``except``
    every new row would print a DoesNotExist traceback to the terminal."""
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        return existing, False
    return model._default_manager.create(**lookup, **defaults), True


def _home_page() -> HomePage:
    """The site's home page, which content's migrations create in place of Wagtail's welcome page."""
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("There is no home page: run `manage.py migrate` before seeding the demo.")
    return home


def _home_fill(home: HomePage, helplines: dict[str, int]) -> None:
    """Give the home page its demo words, unless it has been published since the migration made it
    (by an editor, or by an earlier seeding)."""
    if home.latest_revision_id is not None or home.body:
        return
    home.intro = words.HOME["intro"]
    home.body = _stream(words.HOME["body"], helplines)
    _publish(home)


def _advice_pages_create(index: Page, helplines: dict[str, int], topics: dict[str, Topic]) -> int:
    """The advice pages missing under the index; related pages are linked once every page exists."""
    new_pages: list[tuple[AdvicePage, dict[str, Any]]] = []
    for data in words.ADVICE_PAGES:
        if _child(index, data["slug"]) is not None:
            continue
        page = AdvicePage(
            title=data["title"], slug=data["slug"], summary=data["summary"], body=_stream(data["body"], helplines)
        )
        page.topics = [topics[slug] for slug in data["topics"]]
        new_pages.append((_add(index, page, publish=False), data))
    by_slug = {page.slug: page for page in index.get_children()}
    for page, data in new_pages:
        page.related_pages = [AdvicePageRelatedPage(page=by_slug[slug]) for slug in data["related"]]
        _publish(page)
    return len(new_pages)


def _self_check_create(index: Page) -> int:
    data = words.SELF_CHECK
    if _child(index, data["slug"]) is not None:
        return 0
    questions = [{"type": "question", "value": question} for question in data["questions"]]
    page = SelfCheckPage(
        title=data["title"], slug=data["slug"], intro=data["intro"], questions=questions, outcome=data["outcome"]
    )
    _add(index, page)
    return 1


def _directory_create(home: HomePage) -> int:
    data = words.DIRECTORY
    if _child(home, data["slug"]) is not None:
        return 0
    _add(home, DirectoryPage(title=data["title"], slug=data["slug"], intro=data["intro"]))
    return 1


def _child(parent: Page, slug: str) -> Page | None:
    """The page with this slug under ``parent``, if there is one (whatever its type or state)."""
    return parent.get_children().filter(slug=slug).first()


def _add[P: Page](parent: Page, page: P, *, publish: bool = True) -> P:
    """Save ``page`` under ``parent`` and publish it (or leave that to the caller, who has more to add)."""
    parent.add_child(instance=page)
    if publish:
        _publish(page)
    return page


def _stream(blocks: list[dict[str, Any]], helplines: dict[str, int]) -> list[dict[str, Any]]:
    """Blocks in StreamField's stored form, with each helpline card's name swapped for its snippet's id."""
    return [
        {"type": "helpline", "value": helplines[block["value"]]} if block["type"] == "helpline" else block
        for block in blocks
    ]


def _publish(page: Page) -> None:
    """Publish through a revision, as an editor would, so the admin shows its history."""
    page.save_revision().publish()

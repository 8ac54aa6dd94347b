"""The demo advice library (content/demo.py): seeded once however often seed_demo runs, every page live
and readable, every block it uses shown, and the emergency numbers read from the helplines directory."""

import html
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils.html import strip_tags
from wagtail.models import Page, Revision

from content import demo_pages as words
from content.blocks import action_url
from content.demo import demo_content_create
from content.models import (
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
from content.selectors import emergency_numbers

pytestmark = pytest.mark.django_db

EMERGENCY_NAMES = [
    words.EMERGENCY,
    words.NON_EMERGENCY,
    words.STALKING_HELPLINE,
    words.DOMESTIC_ABUSE_HELPLINE,
    words.SAMARITANS,
]


@pytest.fixture(scope="class")
def library(django_db_setup, django_db_blocker):
    """The demo library seeded once for a class of tests that only read it (seeding takes seconds), and
    rolled back after them. Each test still runs in its own transaction inside this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_content_create()
        yield
        transaction.set_rollback(True)


def text_of(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(markup)).split())


def page_text(client, page: Page) -> str:
    response = client.get(page.url)
    assert response.status_code == 200, page.url
    return text_of(response.content.decode())


def counts() -> dict[str, int]:
    models = (Page, Revision, Helpline, Need, Topic, AdvicePageRelatedPage)
    return {model.__name__: model.objects.count() for model in models} | {
        "advice topics": AdvicePage.topics.through.objects.count(),
        "helpline needs": Helpline.needs.through.objects.count(),
    }


def test_seed_demo_builds_the_library(password):
    call_command("seed_demo", password=password, stdout=io.StringIO())

    assert AdvicePage.objects.live().count() == len(words.ADVICE_PAGES)
    assert Helpline.objects.count() == len(words.HELPLINES)


def test_seeding_twice_creates_nothing_new():
    first = demo_content_create()
    before = counts()

    second = demo_content_create()

    assert first == {"helplines": len(words.HELPLINES), "pages": len(words.ADVICE_PAGES) + 3}
    assert second == {"helplines": 0, "pages": 0}
    assert counts() == before


def block_texts(block: dict, helplines: dict[str, Helpline]) -> list[str]:
    """The words a reader should find on the page for one demo block."""
    kind, value = block["type"], block["value"]
    if kind == "heading":
        return [value["text"]]
    if kind == "paragraph":
        return [text_of(value)]
    if kind == "callout":
        return [value["title"], text_of(value["body"])]
    if kind == "checklist":
        return [value["title"], *value["items"]]
    if kind == "helpline":
        return [helplines[value].name, helplines[value].phone]
    if kind == "accordion":
        return [text for item in value["items"] for text in (item["question"], text_of(item["answer"]))]
    if kind == "action":
        return [value["text"]]
    raise AssertionError(f"a demo block this test does not know: {kind}")


def test_summaries_fit_lists_and_search():
    for data in words.ADVICE_PAGES:
        assert 0 < len(data["summary"]) <= 300, data["slug"]


@pytest.mark.usefixtures("library")
class TestTheSeededLibrary:
    def test_seeding_again_keeps_what_editors_changed(self):
        helpline = Helpline.objects.get(name=words.STALKING_HELPLINE)
        helpline.opening_hours = "Weekdays, checked with the Trust"
        helpline.save(update_fields=["opening_hours"])
        page = AdvicePage.objects.get(slug=words.WORK)
        page.summary = "An editor's own summary."
        page.save_revision().publish()
        home = HomePage.objects.get()
        home.intro = "<p>An editor's own welcome.</p>"
        home.save_revision().publish()

        demo_content_create()

        assert Helpline.objects.get(pk=helpline.pk).opening_hours == "Weekdays, checked with the Trust"
        assert AdvicePage.objects.get(pk=page.pk).summary == "An editor's own summary."
        assert HomePage.objects.get().intro == "<p>An editor's own welcome.</p>"

    def test_seeding_puts_back_a_page_that_was_deleted(self):
        AdvicePage.objects.get(slug=words.ORDERS).delete()

        created = demo_content_create()

        assert created == {"helplines": 0, "pages": 1}
        assert AdvicePage.objects.live().filter(slug=words.ORDERS).count() == 1

    def test_the_library_is_laid_out_under_the_home_page(self):
        home = HomePage.objects.get()
        index = AdviceIndexPage.objects.get(slug=words.ADVICE_INDEX["slug"])

        assert index.get_parent().specific == home
        assert AdvicePage.objects.child_of(index).live().public().count() >= 10
        assert SelfCheckPage.objects.child_of(index).live().count() == 1
        assert DirectoryPage.objects.child_of(home).live().count() == 1
        assert index.url == "/advice/"

    def test_every_page_is_live_and_public_and_opens(self, client):
        pages = HomePage.objects.get().get_descendants(inclusive=True).specific()

        assert pages.count() >= len(words.ADVICE_PAGES) + 4
        for page in pages:
            assert page.live and not page.get_view_restrictions().exists(), page.url
            assert client.get(page.url).status_code == 200, page.url

    def test_every_page_has_a_published_revision(self):
        for page in HomePage.objects.get().get_descendants(inclusive=True):
            assert page.live_revision is not None, page.url

    def test_every_block_is_shown_on_its_page(self, client):
        helplines = {h.name: h for h in Helpline.objects.all()}
        used = set()
        for data in words.ADVICE_PAGES:
            page = AdvicePage.objects.get(slug=data["slug"])
            shown = page_text(client, page)
            raw = client.get(page.url).content.decode()
            for block in data["body"]:
                used.add(block["type"])
                for text in block_texts(block, helplines):
                    assert text in shown, f"{data['slug']}: {block['type']} {text!r}"
                if block["type"] == "accordion":
                    assert "<details" in raw and "<summary" in raw
                if block["type"] == "action":
                    assert f'href="{action_url(block["value"]["target"])}"' in raw

        # Every kind of block the demo can show without an uploaded picture is shown somewhere.
        assert used == {"heading", "paragraph", "callout", "checklist", "helpline", "accordion", "action"}

    def test_advice_pages_link_their_related_reading(self, client):
        page = AdvicePage.objects.get(slug=words.WHAT_IS_STALKING)
        raw = client.get(page.url).content.decode()

        related = [AdvicePage.objects.get(slug=slug) for slug in words.ADVICE_PAGES[0]["related"]]
        assert [r.page.specific for r in page.related_pages.all()] == related
        for other in related:
            assert f'href="{other.url}"' in raw

    def test_advice_pages_have_their_topics(self):
        page = AdvicePage.objects.get(slug=words.ONLINE_SAFETY)

        assert sorted(page.topics.values_list("slug", flat=True)) == sorted([words.ONLINE, words.SAFETY])

    def test_the_home_page_says_what_the_service_is(self, client):
        shown = page_text(client, HomePage.objects.get())

        assert text_of(words.HOME["intro"]) in shown
        assert "Create a free, private account" in shown
        assert f'href="{reverse("account_signup")}"' in client.get("/").content.decode()

    def test_what_stalking_is_spells_out_the_four_words(self, client):
        shown = page_text(client, AdvicePage.objects.get(slug=words.WHAT_IS_STALKING))

        for word in ("Fixated", "Obsessive", "Unwanted", "Repeated"):
            assert word in shown

    def test_the_self_check_asks_about_each_part_of_the_pattern_and_sends_nothing(self, client):
        page = SelfCheckPage.objects.get(slug=words.SELF_CHECK["slug"])
        raw = client.get(page.url).content.decode()
        shown = text_of(raw)

        assert {q["pattern"] for q in words.SELF_CHECK["questions"]} == {"fixated", "obsessive", "unwanted", "repeated"}
        for question in words.SELF_CHECK["questions"]:
            assert question["question"] in shown
            assert text_of(question["guidance"]) in shown
        assert raw.count("<details") >= len(words.SELF_CHECK["questions"])
        assert text_of(words.SELF_CHECK["outcome"]) in shown
        # Answers stay with the reader: the page has no form of its own to send them with.
        main = raw.split("<main", 1)[1].split("</main>", 1)[0]
        assert "<form" not in main and "<input" not in main

    def test_the_directory_lists_every_demo_helpline(self, client):
        shown = page_text(client, DirectoryPage.objects.get())

        for data in words.HELPLINES:
            assert data["name"] in shown
            assert data["phone"] in shown

    def test_the_emergency_numbers_are_the_directorys(self):
        assert [h.name for h in emergency_numbers()] == EMERGENCY_NAMES
        assert not Helpline.objects.filter(is_emergency=True).exclude(name__in=EMERGENCY_NAMES).exists()

    def test_the_home_page_shows_the_emergency_numbers_from_the_directory(self, client):
        raw = client.get("/").content.decode()
        shown = text_of(raw)

        for helpline in emergency_numbers():
            assert helpline.phone in shown
            assert f'href="{helpline.phone_href}"' in raw
        assert "press 55" in shown
        assert Helpline.objects.get(name=words.VICTIM_SUPPORT).phone not in shown

    def test_a_corrected_number_is_what_the_home_page_shows(self, client):
        helpline = Helpline.objects.get(name=words.NON_EMERGENCY)
        helpline.phone_note = "Or ask at the front desk of any police station."
        helpline.save(update_fields=["phone_note"])
        cache.clear()

        shown = page_text(client, HomePage.objects.get())

        assert "Or ask at the front desk of any police station." in shown


def test_helplines_give_a_number_and_only_hours_they_publish():
    for data in words.HELPLINES:
        assert re.fullmatch(r"[0-9 ]+", data["phone"]), data["name"]
        assert data["opening_hours"] in ("24 hours, every day", words.SEE_WEBSITE), data["name"]
        assert data["website"] == "" or data["website"].startswith("https://"), data["name"]

"""Each page type is created under its parent in the Wagtail admin, and every block renders."""

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.models import (
    AdviceIndexPage,
    AdvicePage,
    DirectoryPage,
    HomePage,
    SelfCheckPage,
    StandardPage,
)
from tests.conftest import PortalClient
from tests.content import factories
from tests.factories import AdminFactory


class TestEditorsCreatePages(WagtailPageTestCase):
    """Through the admin's own add-page form, as an editor would (signed in with two steps)."""

    client_class = PortalClient

    def setUp(self):
        self.client.force_login(AdminFactory())
        self.home = factories.home_page()

    def test_the_home_page_sits_under_the_root_only_once(self):
        self.assertCanCreateAt(Page, HomePage)
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))  # max_count 1, already there

    def test_advice_index_under_home(self):
        self.assertCanCreate(
            self.home,
            AdviceIndexPage,
            nested_form_data({"title": "Advice", "intro": rich_text("<p>Plain advice.</p>")}),
        )
        self.assertCanNotCreateAt(AdviceIndexPage, AdviceIndexPage)

    def test_advice_page_under_an_index(self):
        index = factories.advice_index()
        data = nested_form_data(
            {
                "title": "Keeping evidence",
                "summary": "How to keep a record.",
                "body": streamfield(
                    [
                        ("heading", {"text": "Write it down", "level": "h2"}),
                        ("paragraph", rich_text("<p>Note the date and time.</p>")),
                        ("checklist", {"title": "Keep", "items": streamfield([("item", "Screenshots")])}),
                    ]
                ),
                "related_pages": inline_formset([]),
            }
        )
        self.assertCanCreate(index, AdvicePage, data)
        self.assertCanNotCreateAt(HomePage, AdvicePage)

    def test_standard_page_under_home_or_an_index(self):
        data = nested_form_data({"title": "About", "body": streamfield([("paragraph", rich_text("<p>About us.</p>"))])})
        self.assertCanCreate(self.home, StandardPage, data)
        self.assertCanCreateAt(AdviceIndexPage, StandardPage)

    def test_self_check_page(self):
        data = nested_form_data(
            {
                "title": "Is this stalking",
                "intro": rich_text("<p>Read each question.</p>"),
                "questions": streamfield(
                    [
                        (
                            "question",
                            {
                                "question": "Do they follow you?",
                                "guidance": rich_text("<p>Fixated.</p>"),
                                "pattern": "fixated",
                            },
                        )
                    ]
                ),
                "outcome": rich_text("<p>Call a helpline.</p>"),
            }
        )
        self.assertCanCreate(self.home, SelfCheckPage, data)

    def test_directory_under_home(self):
        self.assertCanCreate(self.home, DirectoryPage, nested_form_data({"title": "Helplines", "intro": rich_text("")}))
        self.assertCanNotCreateAt(AdviceIndexPage, DirectoryPage)


@pytest.fixture
def every_block(db, tmp_path):
    image = Image.objects.create(title="A phone", file=get_test_image_file())
    helpline = factories.HelplineFactory(name="National Stalking Helpline", phone="0808 802 0300")
    return [
        {"type": "heading", "value": {"text": "A heading block", "level": "h2"}},
        {"type": "heading", "value": {"text": "A smaller heading", "level": "h3"}},
        {"type": "paragraph", "value": "<p>A <b>paragraph</b> block.</p>"},
        {"type": "callout", "value": {"kind": "warning", "title": "Careful now", "body": "<p>Callout body.</p>"}},
        {"type": "checklist", "value": {"title": "Things to keep", "items": ["Screenshots", "Letters"]}},
        {"type": "helpline", "value": helpline.pk},
        {
            "type": "accordion",
            "value": {"items": [{"question": "Can I call anonymously?", "answer": "<p>Yes, you can.</p>"}]},
        },
        {"type": "image", "value": {"image": image.pk, "alt": "A phone on a table", "caption": "Keep it charged"}},
        {"type": "action", "value": {"target": "diary", "text": "Start your diary"}},
        {"type": "action", "value": {"target": "plan", "text": "Make a plan"}},
    ]


def test_every_block_renders_on_an_advice_page(client, every_block):
    index = factories.advice_index()
    page = factories.page_add(
        index, AdvicePage(title="Everything", slug="everything", summary="All the blocks.", body=every_block)
    )

    html = client.get(page.url).content.decode()

    assert "<h2>A heading block</h2>" in html
    assert "<h3>A smaller heading</h3>" in html
    assert "A <b>paragraph</b> block." in html
    assert 'class="callout callout--warning"' in html and "Careful now" in html
    assert "<li>Screenshots</li>" in html and "<li>Letters</li>" in html
    assert "National Stalking Helpline" in html and 'href="tel:08088020300"' in html
    assert '<summary class="accordion__question">Can I call anonymously?</summary>' in html
    assert 'alt="A phone on a table"' in html and "Keep it charged" in html
    assert 'href="/notes/new/">Start your diary</a>' in html
    assert 'href="/accounts/signup/">Make a plan</a>' in html


def test_the_self_check_is_read_without_a_form(client, db):
    page = factories.self_check_page(factories.home_page())

    html = client.get(page.url).content.decode()

    assert "<details" in html and "Do they contact you again and again?" in html and "That is repeated." in html
    main = html.split('<main id="main"', 1)[1]
    assert "<form" not in main  # nothing answered can be sent


def test_standard_and_index_pages_render(client, db):
    index = factories.advice_index()
    factories.advice_page(index, title="Reporting to the police")
    standard = factories.standard_page(factories.home_page(), title="About", body="Who runs this site.")

    index_html = client.get(index.url).content.decode()
    assert "Reporting to the police" in index_html and "About reporting to the police." in index_html
    assert "Who runs this site." in client.get(standard.url).content.decode()


def test_drafts_are_not_listed_or_linked(client, db):
    index = factories.advice_index()
    factories.advice_page(index, title="Draft advice", live=False)
    live = factories.advice_page(index, title="Live advice")
    draft = AdvicePage.objects.get(title="Draft advice")
    live.related_pages.create(page=draft)
    live.save_revision().publish()

    assert "Draft advice" not in client.get(index.url).content.decode()
    assert "Draft advice" not in client.get(live.url).content.decode()


def test_home_page_at_root_shows_sign_in_and_the_emergency_numbers(client, db):
    factories.HelplineFactory(
        name="Police emergency", phone="999", phone_note="then press 55 if you cannot speak", is_emergency=True
    )
    factories.HelplineFactory(name="Not an emergency line", is_emergency=False)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Help if you are being stalked" in html
    assert 'href="/accounts/login/"' in html and 'href="/accounts/signup/"' in html
    assert "Police emergency" in html and "then press 55 if you cannot speak" in html
    assert "Not an emergency line" not in html


def test_signed_in_people_still_go_to_their_own_home(client, member):
    client.force_login(member)

    response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/home/"


def test_the_migration_replaced_wagtails_welcome_page(db):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()


def test_advice_pages_are_never_stored_by_the_browser(client, db):
    page = factories.advice_page(factories.advice_index(), title="Online safety")

    for response in (client.get(page.url), client.get("/")):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_without_a_home_page_the_front_page_still_offers_sign_in(client, db):
    from wagtail.models import Site

    Site.objects.all().delete()

    response = client.get("/")

    assert response.status_code == 200 and 'href="/accounts/login/"' in response.content.decode()

"""Factories for the advice library: snippets through factory_boy, pages through Wagtail's tree.

Pages go under the one HomePage (made by the content migration; made again here after a
transactional test has emptied the tables)."""

import factory
from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from content.models import (
    AdviceIndexPage,
    AdvicePage,
    Area,
    DirectoryPage,
    Helpline,
    HomePage,
    Need,
    SelfCheckPage,
    StandardPage,
    Topic,
)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Need {n}")
    slug = factory.Sequence(lambda n: f"need-{n}")


class HelplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Helpline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Helpline {n}")
    helps_with = "Listening, advice and support."
    phone = "0808 000 0000"
    opening_hours = "Weekdays 9am to 5pm"
    area = Area.UK
    languages = "English"

    @factory.post_generation
    def needs(self, create, extracted, **kwargs):
        if create and extracted:
            self.needs.set(extracted)


def home_page() -> HomePage:
    """The site's HomePage, made (with its Site) if a transactional test has flushed it."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="Help if you are being stalked", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    return home


def page_add(parent: Page, page: Page, *, live: bool = True) -> Page:
    """Add a page under parent and publish it (or leave it a draft), as an editor would."""
    page.live = False
    parent.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
        page.refresh_from_db()
    return page


def paragraph(text: str) -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def advice_index(*, title: str = "Advice", slug: str = "advice") -> AdviceIndexPage:
    return page_add(home_page(), AdviceIndexPage(title=title, slug=slug, intro="<p>Plain advice.</p>"))


def advice_page(parent: AdviceIndexPage, *, title: str, body: str = "Some advice.", live: bool = True, **fields):
    fields.setdefault("summary", f"About {title.lower()}.")
    fields.setdefault("slug", title.lower().replace(" ", "-"))
    return page_add(parent, AdvicePage(title=title, body=paragraph(body), **fields), live=live)


def standard_page(parent: Page, *, title: str = "About", body: str = "About this site.") -> StandardPage:
    return page_add(parent, StandardPage(title=title, slug=title.lower().replace(" ", "-"), body=paragraph(body)))


def self_check_page(parent: Page, *, title: str = "Is this stalking") -> SelfCheckPage:
    questions = [
        {
            "type": "question",
            "value": {
                "question": "Do they contact you again and again?",
                "guidance": "<p>That is repeated.</p>",
                "pattern": "repeated",
            },
        }
    ]
    page = SelfCheckPage(
        title=title,
        slug="is-this-stalking",
        intro="<p>Read each question.</p>",
        questions=questions,
        outcome="<p>Call a helpline.</p>",
    )
    return page_add(parent, page)


def directory_page(*, title: str = "Helplines") -> DirectoryPage:
    return page_add(home_page(), DirectoryPage(title=title, slug="helplines", intro="<p>Who can help.</p>"))

"""The advice library's page types and snippets (helplines, needs, topics).

Snippets are registered with the admin in content/wagtail_hooks.py. Pages render their body
through content.cache, so a public page is served from the server's cache and nothing personal
is ever part of what is cached.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from content.blocks import RICH_TEXT_FEATURES, AdviceStreamBlock, SelfCheckStreamBlock


class Topic(models.Model):
    """What an advice page is about ("Online safety"), for grouping and related reading."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Need(models.Model):
    """Something a helpline helps with ("Stalking", "Domestic abuse"), for filtering the directory."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.TextChoices):
    UK = "uk", _("The whole UK")
    ENGLAND = "england", _("England")
    WALES = "wales", _("Wales")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


class Helpline(index.Indexed, models.Model):
    """A helpline or local service. The emergency numbers anywhere in the portal are the ones
    marked is_emergency, so an editor can correct a number without a deploy."""

    name = models.CharField(max_length=120)
    helps_with = models.TextField(help_text="What they help with, in a sentence or two.")
    phone = models.CharField(max_length=40, blank=True, help_text='As people dial it, e.g. "0808 802 0300".')
    phone_note = models.CharField(max_length=200, blank=True, help_text='e.g. "then press 55 if you cannot speak".')
    opening_hours = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    area = models.CharField(max_length=20, choices=Area.choices, default=Area.UK)
    languages = models.CharField(max_length=200, blank=True, default="English")
    needs = models.ManyToManyField(Need, blank=True, related_name="helplines")
    is_emergency = models.BooleanField(
        default=False, help_text="Shown in the emergency numbers box on the home page and elsewhere."
    )
    sort_order = models.IntegerField(default=0, help_text="Lower numbers come first.")

    panels = [
        FieldPanel("name"),
        FieldPanel("helps_with"),
        MultiFieldPanel(
            [FieldPanel("phone"), FieldPanel("phone_note"), FieldPanel("opening_hours"), FieldPanel("website")],
            heading="How to reach them",
        ),
        FieldPanel("area"),
        FieldPanel("languages"),
        FieldPanel("needs"),
        FieldPanel("is_emergency"),
        FieldPanel("sort_order"),
    ]

    search_fields = [
        index.SearchField("name"),
        index.SearchField("helps_with"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_href(self) -> str:
        """The tel: address for the number as written ("0808 802 0300" -> "tel:08088020300")."""
        digits = "".join(c for c in self.phone if c.isdigit() or c == "+")
        return f"tel:{digits}" if digits else ""


class HomePage(Page):
    """The public front page at /: what the service is, the emergency numbers, sign in and sign up."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(AdviceStreamBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "content.AdviceIndexPage",
        "content.StandardPage",
        "content.SelfCheckPage",
        "content.DirectoryPage",
    ]
    max_count = 1
    template = "content/home_page.html"


class AdviceIndexPage(Page):
    """A topic area of advice (e.g. "Advice" at /advice/), listing its pages."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.AdvicePage", "content.StandardPage", "content.SelfCheckPage"]
    template = "content/advice_index_page.html"

    def advice_pages(self):
        """The live, public pages under this index, in the editors' order."""
        return self.get_children().live().public().specific()


class AdvicePage(Page):
    summary = models.TextField(max_length=300, help_text="One or two plain sentences, shown in lists and search.")
    body = StreamField(AdviceStreamBlock())
    topics = ParentalManyToManyField(Topic, blank=True, related_name="advice_pages")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("topics"),
        InlinePanel("related_pages", label="Related pages"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]

    parent_page_types = ["content.AdviceIndexPage"]
    subpage_types: list[str] = []
    template = "content/advice_page.html"

    def related_live_pages(self) -> list[Page]:
        """Related pages a reader can open: drafts, unpublished and private pages left out."""
        pages = Page.objects.filter(pk__in=[r.page_id for r in self.related_pages.all()]).live().public()
        by_id = {p.pk: p for p in pages.specific()}
        return [by_id[r.page_id] for r in self.related_pages.all() if r.page_id in by_id]


class AdvicePageRelatedPage(Orderable):
    source = ParentalKey(AdvicePage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("page")]


class StandardPage(Page):
    """A plain page (about the service, accessibility, contact)."""

    body = StreamField(AdviceStreamBlock())

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["content.HomePage", "content.AdviceIndexPage"]
    subpage_types: list[str] = []
    template = "content/standard_page.html"


class SelfCheckPage(Page):
    """ "Is this stalking?": questions read and answered in the reader's head, never sent.

    Each question opens (<details>) to its guidance; there is no form, so nothing answered
    reaches the server, its logs or the database.
    """

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    questions = StreamField(SelfCheckStreamBlock())
    outcome = RichTextField(features=RICH_TEXT_FEATURES, blank=True, help_text="What to do next, whatever the answers.")

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("questions"), FieldPanel("outcome")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("questions"),
        index.SearchField("outcome"),
    ]

    parent_page_types = ["content.HomePage", "content.AdviceIndexPage"]
    subpage_types: list[str] = []
    template = "content/self_check_page.html"


class DirectoryPage(Page):
    """The helplines and services, filtered by ?area= and ?need= (plain GET links, public)."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []
    template = "content/directory_page.html"

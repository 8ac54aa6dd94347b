"""The advice library's page types and snippets (helplines, needs, topics).

Snippets are registered with the admin in content/wagtail_hooks.py. Pages render their body
through content.cache, so a public page is served from the server's cache and nothing personal
is ever part of what is cached.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from content import cache
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
    ENGLAND_AND_WALES = "england_and_wales", _("England and Wales")
    SCOTLAND = "scotland", _("Scotland")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


_AREAS_OVERLAPPING: dict[str, list[str]] = {
    Area.ENGLAND: [Area.ENGLAND_AND_WALES],
    Area.WALES: [Area.ENGLAND_AND_WALES],
    Area.ENGLAND_AND_WALES: [Area.ENGLAND, Area.WALES],
}


class HelplineQuerySet(models.QuerySet["Helpline"]):
    def emergency(self) -> "HelplineQuerySet":
        return self.filter(is_emergency=True).order_by("sort_order", "name")

    def for_directory(self, *, area: str, need: str) -> "HelplineQuerySet":
        """Helplines for an area and a need ("" for any). A UK-wide service serves every nation,
        so it is listed under England, Wales, Scotland and Northern Ireland as well; one for
        England and Wales under each of the two."""
        helplines = self.prefetch_related("needs")
        if area == Area.UK:
            helplines = helplines.filter(area=Area.UK)
        elif area:
            helplines = helplines.filter(area__in=[area, Area.UK, *_AREAS_OVERLAPPING.get(area, [])])
        if need:
            helplines = helplines.filter(needs__slug=need)
        return helplines.order_by("sort_order", "name").distinct()


@dataclass(frozen=True)
class DirectoryFilter:
    """The directory's filter as asked for in the address. Unknown values are dropped, so a
    mistyped or crafted address shows everything rather than an error, and the cache holds one
    copy per real filter, never one per guess."""

    area: str = ""
    need: str = ""

    @classmethod
    def from_query(cls, *, area: str | None, need: str | None) -> "DirectoryFilter":
        known_area = area if area in Area.values else ""
        known_need = need if need and Need.objects.filter(slug=need).exists() else ""
        return cls(area=known_area or "", need=known_need or "")

    @property
    def cache_variant(self) -> str:
        return f"area={self.area}&need={self.need}"


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

    objects = HelplineQuerySet.as_manager()

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


class CachedBodyPage:
    """A public page whose body comes from the server's cache, and which no browser keeps.

    The body template sees only what body_context() gives it (the page, never the request or
    the reader), so the cached copy is the same for everyone; base.html around it is rendered
    per request with the reader's own header. Previews are rendered fresh, never cached.
    """

    body_template: str

    def body_context(self, request) -> Mapping[str, Any]:
        return {"page": self}

    def body_variant(self, request) -> str:
        """Which cached copy of the body this request reads (the directory's filter)."""
        return ""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(request, "is_preview", False):
            context["body_html"] = render_to_string(self.body_template, dict(self.body_context(request)))
        else:
            context["body_html"] = cache.body_render(
                page_id=self.pk,  # type: ignore[attr-defined]
                template=self.body_template,
                context=lambda: self.body_context(request),
                variant=self.body_variant(request),
            )
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        # A browser's cache on a shared device would show what was read.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response


class HomePage(CachedBodyPage, Page):
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
    body_template = "content/bodies/home_page.html"

    def body_context(self, request) -> Mapping[str, Any]:
        return {
            "page": self,
            "emergency_numbers": list(Helpline.objects.emergency()),
            "directory": DirectoryPage.objects.live().public().order_by("path").first(),
            "sections": self.get_children().live().public().in_menu().specific(),
        }


class AdviceIndexPage(CachedBodyPage, Page):
    """A topic area of advice (e.g. "Advice" at /advice/), listing its pages."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types = ["content.AdvicePage", "content.StandardPage", "content.SelfCheckPage"]
    template = "content/page.html"
    body_template = "content/bodies/advice_index_page.html"

    def advice_pages(self):
        """The live, public pages under this index, in the editors' order."""
        return self.get_children().live().public().specific()

    def body_context(self, request) -> Mapping[str, Any]:
        return {"page": self, "advice_pages": self.advice_pages()}


class AdvicePage(CachedBodyPage, Page):
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
    template = "content/page.html"
    body_template = "content/bodies/advice_page.html"

    def body_context(self, request) -> Mapping[str, Any]:
        return {"page": self, "related_pages": self.related_live_pages(), "topics": list(self.topics.all())}

    def related_live_pages(self) -> list[Page]:
        """Related pages a reader can open: drafts, unpublished and private pages left out."""
        pages = Page.objects.filter(pk__in=[r.page_id for r in self.related_pages.all()]).live().public()
        by_id = {p.pk: p for p in pages.specific()}
        return [by_id[r.page_id] for r in self.related_pages.all() if r.page_id in by_id]


class AdvicePageRelatedPage(Orderable):
    source = ParentalKey(AdvicePage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("page")]


class StandardPage(CachedBodyPage, Page):
    """A plain page (about the service, accessibility, contact)."""

    body = StreamField(AdviceStreamBlock())

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["content.HomePage", "content.AdviceIndexPage"]
    subpage_types: list[str] = []
    template = "content/page.html"
    body_template = "content/bodies/standard_page.html"


class SelfCheckPage(CachedBodyPage, Page):
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
    template = "content/page.html"
    body_template = "content/bodies/self_check_page.html"


class DirectoryPage(CachedBodyPage, Page):
    """The helplines and services, filtered by ?area= and ?need= (plain GET links, public)."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["content.HomePage"]
    subpage_types: list[str] = []
    template = "content/page.html"
    body_template = "content/bodies/directory_page.html"

    def body_variant(self, request) -> str:
        return self._chosen(request).cache_variant

    def body_context(self, request) -> Mapping[str, Any]:
        chosen = self._chosen(request)
        return {
            "page": self,
            "chosen": chosen,
            "helplines": list(Helpline.objects.for_directory(area=chosen.area, need=chosen.need)),
            "areas": Area.choices,
            "needs": list(Need.objects.order_by("name")),
        }

    @staticmethod
    def _chosen(request) -> DirectoryFilter:
        return DirectoryFilter.from_query(area=request.GET.get("area"), need=request.GET.get("need"))

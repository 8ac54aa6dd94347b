"""The StreamField blocks every advice page is built from, declared once for the editor and the page.

Their names are fixed: demo content (content/demo.py) is written against them.
"""

from django.urls import NoReverseMatch, reverse
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

# No "embed" and no "image": nothing on a public page may load from another site (the strict
# CSP), and images go through the image block, whose alt text is required.
RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(choices=[("h2", "Heading"), ("h3", "Subheading")], default="h2")

    class Meta:
        icon = "title"
        template = "content/blocks/heading.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=[("info", "Information"), ("warning", "Warning")], default="info")
    title = blocks.CharBlock(max_length=120)
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "content/blocks/callout.html"


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    items = blocks.ListBlock(blocks.CharBlock(max_length=300))

    class Meta:
        icon = "list-ul"
        template = "content/blocks/checklist.html"


class AccordionItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)


class AccordionBlock(blocks.StructBlock):
    """Questions and answers as <details>: they open and close with JavaScript off."""

    items = blocks.ListBlock(AccordionItemBlock())

    class Meta:
        icon = "list-ol"
        template = "content/blocks/accordion.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    # Required: a picture that a screen reader cannot describe is no help to its reader.
    alt = blocks.CharBlock(
        required=True, max_length=250, help_text="What the picture shows, for people who cannot see it."
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "content/blocks/image.html"


# Where each call to action leads. Safety plans do not exist yet: "plan" leads to sign-up,
# from where a member reaches their home.
ACTION_TARGETS = {
    "diary": "diary:new",
    "plan": "account_signup",
    "sign_up": "account_signup",
}


class ActionBlock(blocks.StructBlock):
    """A call to action into the portal ("Start your diary"), linked by the portal's URL names."""

    target = blocks.ChoiceBlock(
        choices=[("diary", "Start a diary"), ("plan", "Make a safety plan"), ("sign_up", "Create an account")],
        default="sign_up",
    )
    text = blocks.CharBlock(max_length=80)

    class Meta:
        icon = "link"
        template = "content/blocks/action.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["href"] = action_url(value["target"])
        return context


def action_url(target: str) -> str:
    """The portal address a call to action leads to; sign-up for anything unknown."""
    try:
        return reverse(ACTION_TARGETS.get(target, "account_signup"))
    except NoReverseMatch:
        return reverse("account_signup")


class AdviceStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, icon="pilcrow", template="content/blocks/paragraph.html"
    )
    callout = CalloutBlock()
    checklist = ChecklistBlock()
    helpline = SnippetChooserBlock("content.Helpline", icon="phone", template="content/blocks/helpline.html")
    accordion = AccordionBlock()
    image = ImageBlock()
    action = ActionBlock()


PATTERN_CHOICES = [
    ("fixated", "Fixated"),
    ("obsessive", "Obsessive"),
    ("unwanted", "Unwanted"),
    ("repeated", "Repeated"),
]


class QuestionBlock(blocks.StructBlock):
    """One self-check question. It is read, never answered to the server: nothing is sent or kept."""

    question = blocks.CharBlock(max_length=250)
    guidance = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    pattern = blocks.ChoiceBlock(choices=PATTERN_CHOICES, help_text="Which part of the FOUR pattern it asks about.")

    class Meta:
        icon = "help"
        template = "content/blocks/question.html"


class SelfCheckStreamBlock(blocks.StreamBlock):
    question = QuestionBlock()

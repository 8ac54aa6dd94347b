"""Replace Wagtail's default "Welcome to your new Wagtail site!" page with the portal's HomePage
at /, and point the default Site at it."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # Wagtail's tree paths: base 36, 4 characters a step
STEP = 4

INTRO = (
    "<p>If you are being stalked or harassed, you are not alone and it is not your fault. "
    "Read plain advice on what stalking is, keeping evidence and staying safe, and find the "
    "helplines that can support you.</p>"
    "<p>You can also keep a private diary of what happens, and share it only if you choose.</p>"
)


def _child_path(parent_path: str, taken: set[str]) -> str:
    number = 1
    while True:
        step, n = "", number
        while n:
            n, digit = divmod(n, len(ALPHABET))
            step = ALPHABET[digit] + step
        path = parent_path + step.rjust(STEP, "0")
        if path not in taken:
            return path
        number += 1


def home_page_create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("content.HomePage")

    if HomePage.objects.exists():
        return
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    page_type = ContentType.objects.get_for_model(Page)
    # Wagtail's welcome page is a bare Page; one with children is someone's work and stays.
    welcome = Page.objects.filter(depth=2, content_type=page_type, slug="home", numchild=0).first()
    locale = Locale.objects.filter(pk=welcome.locale_id).first() if welcome else Locale.objects.order_by("pk").first()

    sites = list(Site.objects.filter(root_page=welcome)) if welcome else []
    if welcome:
        # Sites would go with the page (on_delete=CASCADE): moved to the new page first.
        Site.objects.filter(root_page=welcome).update(root_page=root)
        welcome.delete()
        root.numchild = max(root.numchild - 1, 0)

    taken = set(Page.objects.filter(depth=2, path__startswith=root.path).values_list("path", flat=True))
    slug = "home" if not Page.objects.filter(depth=2, slug="home").exists() else "home-page"
    home = HomePage.objects.create(
        title="Help if you are being stalked",
        draft_title="Help if you are being stalked",
        slug=slug,
        content_type=ContentType.objects.get_for_model(HomePage),
        path=_child_path(root.path, taken),
        depth=2,
        numchild=0,
        url_path=f"/{slug}/",
        locale=locale,
        live=True,
        intro=INTRO,
        body=[],
    )
    root.numchild += 1
    root.save(update_fields=["numchild"])

    if sites:
        Site.objects.filter(pk__in=[s.pk for s in sites]).update(root_page=home)
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    else:
        Site.objects.filter(is_default_site=True).update(root_page=home)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    # Going back leaves the page in place: it is harmless, and deleting pages is the editors' call.
    operations = [migrations.RunPython(home_page_create, migrations.RunPython.noop)]

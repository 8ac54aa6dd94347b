"""The advice library's side of the Wagtail admin: helplines, needs and topics as snippets, with
list filters, under one menu item.

Who may do what here is decided by the editorial groups (content/migrations/0003_editorial_groups.py),
which a person is in by their role (portal.accounts.auth.ROLE_GROUPS).
"""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from content.models import Helpline, Need, Topic


class HelplineViewSet(SnippetViewSet):
    model = Helpline
    icon = "help"
    menu_label = "Helplines"
    list_display = ("name", "phone", "area", "is_emergency", "sort_order")
    # Finding the one to correct: by where it serves, whether it is an emergency number, what it helps with.
    list_filter = ("area", "is_emergency", "needs")
    # Helpline is indexed (its name and what it helps with) for the admin's search.
    search_backend_name = "default"
    ordering = ("sort_order", "name")
    copy_view_enabled = False  # a copied helpline is a second, wrong number waiting to be shown


class NeedViewSet(SnippetViewSet):
    model = Need
    icon = "list-ul"
    menu_label = "Needs"
    list_display = ("name", "slug")
    search_fields = ("name",)
    search_backend_name = None  # a short list: Django's own lookups, no search index
    copy_view_enabled = False


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = "Topics"
    list_display = ("name", "slug")
    search_fields = ("name",)
    search_backend_name = None
    copy_view_enabled = False


class DirectoryViewSetGroup(SnippetViewSetGroup):
    menu_label = "Helplines and topics"
    menu_icon = "help"
    menu_order = 200  # after Pages and Images
    items = (HelplineViewSet, NeedViewSet, TopicViewSet)


register_snippet(DirectoryViewSetGroup)

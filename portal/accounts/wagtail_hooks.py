"""The Wagtail admin is for advice content, not for accounts.

Wagtail's user management lets a superuser (every administrator here) set anyone's password and
address. Its addresses are not served (portal.accounts.middleware.CLOSED_PREFIXES); these hooks
take away the links to them, so nobody is offered a page that is not there. Accounts are
managed in Django's admin, where every change is recorded and shown to the account's owner.
"""

from wagtail import hooks

USER_MANAGEMENT = "users"


@hooks.register("construct_settings_menu")
def hide_user_management_from_settings(request, menu_items):
    menu_items[:] = [item for item in menu_items if item.name != USER_MANAGEMENT]


@hooks.register("construct_search")
def hide_user_management_from_search(request, search_areas):
    search_areas[:] = [area for area in search_areas if area.name != USER_MANAGEMENT]

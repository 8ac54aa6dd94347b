"""What someone holding the phone could read: tab titles, addresses, and the page code itself.

Threat model 1: no sensitive words in titles or URLs of signed-in pages, a quick exit on every
page, and no inline code (the CSP forbids it, so inline code is a page that silently breaks).
"""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.portal.support import (
    KNOWN_SIGNED_IN_PATHS,
    NOT_FOUND_PATH,
    SENSITIVE_WORDS,
    is_html,
    parameterless_paths,
    parse_page,
    portal_routes,
    tab_title,
)

PAGE_PATHS = [*parameterless_paths(), NOT_FOUND_PATH]

PUBLIC_PAGES = {"/", "/accounts/login/", "/accounts/signup/", "/help/using-this-site/"}

# allauth's title for "we sent you an email" is four words; the portal must override it.
LONG_TITLE_PATH = "/accounts/confirm-email/"


def _pages(client, user=None) -> dict:
    """Every page of PAGE_PATHS that answers with HTML, by path, for this person."""
    pages = {}
    for path in PAGE_PATHS:
        if user is not None:
            client.force_login(user)  # again each time: /exit/ signs out
            client.confirm_identity()  # so the pages behind a fresh password are walked too
        response = client.get(path)
        if is_html(response):
            pages[path] = response
    return pages


@pytest.fixture(params=["public", "signed-in"])
def pages(request, client, member):
    """The HTML pages as an anonymous visitor, then as a signed-in member, sees them."""
    found = _pages(client, member if request.param == "signed-in" else None)
    expected = KNOWN_SIGNED_IN_PATHS - {"/"} if request.param == "signed-in" else PUBLIC_PAGES
    # The walk must reach real pages, or the checks below would pass on nothing.
    assert expected | {NOT_FOUND_PATH} <= found.keys()
    return found


def _neutral_title(title: str) -> bool:
    # The site name, an en dash, then one or two plain words, none of them telling.
    pattern = rf"{re.escape(settings.SITE_NAME)} – [A-Za-z]+(?: [A-Za-z]+)?"
    return bool(re.fullmatch(pattern, title)) and not SENSITIVE_WORDS.search(title)


def test_signed_in_page_titles_are_the_site_name_and_a_neutral_word(client, member):
    pages = _pages(client, member)

    titles = {path: tab_title(response) for path, response in pages.items() if path != LONG_TITLE_PATH}

    assert KNOWN_SIGNED_IN_PATHS - {"/"} <= titles.keys()
    assert {path: title for path, title in titles.items() if not _neutral_title(title)} == {}


def test_email_sent_page_title_is_short(client, member):
    client.force_login(member)

    response = client.get(LONG_TITLE_PATH)

    assert response.status_code == 200
    assert _neutral_title(tab_title(response)), tab_title(response)


def test_title_check_rejects_telling_or_long_titles():
    site = settings.SITE_NAME
    assert _neutral_title(f"{site} – Home")
    assert _neutral_title(f"{site} – Change Password")
    assert not _neutral_title(f"{site} – Verify Your Email Address")
    assert not _neutral_title(f"{site} – Evidence")
    assert not _neutral_title("Log in")


def test_home_title_is_neutral_for_every_role(client, any_user):
    client.force_login(any_user)

    response = client.get("/home/")

    assert response.status_code == 200
    assert tab_title(response) == f"{settings.SITE_NAME} – Home"


def test_no_address_a_member_can_reach_names_what_the_site_is_for():
    addresses = [path for path, _name, _parameters in portal_routes()]

    assert KNOWN_SIGNED_IN_PATHS <= set(addresses)
    assert [path for path in addresses if SENSITIVE_WORDS.search(path)] == []


def test_sensitive_word_check_would_catch_a_telling_address():
    assert SENSITIVE_WORDS.search("/my-evidence/")
    assert SENSITIVE_WORDS.search("/Stalking-help/")


def test_favicon_says_nothing():
    favicon = finders.find("portal/favicon.svg")

    assert favicon
    with open(favicon, encoding="utf-8") as file:
        assert not SENSITIVE_WORDS.search(file.read())


def test_pages_have_no_inline_code(pages):
    findings = {path: parse_page(response).inline_code for path, response in pages.items()}

    assert {path: found for path, found in findings.items() if found} == {}


def test_pages_keep_the_quick_exit(pages):
    problems = {}
    for path, response in pages.items():
        links = parse_page(response).quick_exit_links
        if not links:
            problems[path] = "no [data-quick-exit] link"
        for link in links:
            # The portal's own exit address, which signs out and then goes on to the neutral site.
            if link["tag"] != "a" or link.get("href") != reverse("quick_exit"):
                problems[path] = f"quick exit is not a plain link to the exit address: {link}"
            elif "noreferrer" not in (link.get("rel") or "").split():
                problems[path] = f"quick exit without rel=noreferrer: {link}"

    assert problems == {}


@pytest.mark.parametrize("path", ["/django-admin/", "/django-admin/accounts/user/"])
def test_django_admin_pages_have_no_inline_code(client, admin_user, path):
    client.force_login(admin_user)

    response = client.get(path)

    assert response.status_code == 200
    assert parse_page(response).inline_code == []


@pytest.mark.parametrize(
    ("html", "finding"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<p style="color: red">x</p>', "style= attribute"),
        ('<img src="x.png" onerror="alert(1)">', "onerror= handler"),
        ("<style>p { color: red }</style>", "inline <style>"),
        ('<a href="javascript:alert(1)">x</a>', "javascript: URL"),
    ],
)
def test_inline_code_check_catches_each_kind(html, finding):
    class Page:
        content = f"<!doctype html><html><body>{html}</body></html>".encode()
        charset = "utf-8"

    findings = parse_page(Page()).inline_code

    assert len(findings) == 1 and finding in findings[0], findings


def test_inline_code_check_allows_json_data_and_external_scripts():
    class Page:
        content = (
            b'<script src="/static/portal/quick-exit.js" defer></script>'
            b'<script type="application/json">{"a": 1}</script>'
        )
        charset = "utf-8"

    assert parse_page(Page()).inline_code == []

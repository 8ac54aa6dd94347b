"""Search finds live, public pages only, and keeps what was searched for out of the address."""

from wagtail.models import PageViewRestriction

from tests.content import factories


def search(client, words: str):
    return client.post("/advice/search/", {"q": words})


def test_finds_a_live_page(client, db):
    factories.advice_page(factories.advice_index(), title="Protective orders", body="A restraining order can help.")

    html = search(client, "restraining").content.decode()

    assert "Protective orders" in html and "1 page found" in html


def test_drafts_are_not_found(client, db):
    factories.advice_page(factories.advice_index(), title="Unfinished", body="Quokka advice.", live=False)

    html = search(client, "quokka").content.decode()

    assert "Unfinished" not in html and "Nothing found" in html


def test_unpublished_pages_are_not_found(client, db):
    page = factories.advice_page(factories.advice_index(), title="Withdrawn", body="Quokka advice.")
    page.unpublish()

    assert "Withdrawn" not in search(client, "quokka").content.decode()


def test_private_pages_are_not_found(client, db):
    page = factories.advice_page(factories.advice_index(), title="Staff only", body="Quokka advice.")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    factories.advice_page(factories.advice_index(title="More", slug="more"), title="Open", body="Quokka advice.")

    html = search(client, "quokka").content.decode()

    assert "Staff only" not in html and "Open" in html


def test_no_words_gets_a_kind_message(client, db):
    html = search(client, "   ").content.decode()

    assert "Type a word or two to search for" in html


def test_the_form_sends_words_in_the_body_not_the_address(client, db):
    response = client.get("/advice/search/")

    html = response.content.decode()
    assert 'method="post"' in html and 'action="/advice/search/"' in html
    assert "no-store" in response["Cache-Control"]

"""Public pages' bodies come from the server's cache: a publish clears the page, nothing
personal is ever stored in it, and browsers are told to keep nothing."""

from django.core.cache import cache

from content.cache import body_cache_key
from tests.content import factories


def test_a_page_body_is_cached_and_served_from_the_cache(client, db):
    page = factories.advice_page(factories.advice_index(), title="Evidence", body="Keep screenshots.")

    client.get(page.url)
    key = body_cache_key(page.pk)
    assert "Keep screenshots." in cache.get(key)

    cache.set(key, "<p>Served from the cache.</p>")
    assert "Served from the cache." in client.get(page.url).content.decode()


def test_publishing_clears_that_page_from_the_cache(client, db):
    page = factories.advice_page(factories.advice_index(), title="Evidence", body="Old wording.")
    client.get(page.url)
    key = body_cache_key(page.pk)
    assert cache.get(key) is not None

    page.body = factories.paragraph("New wording.")
    page.save_revision().publish()

    assert cache.get(key) is None
    html = client.get(page.url).content.decode()
    assert "New wording." in html and "Old wording." not in html


def test_unpublishing_clears_it_too(client, db):
    page = factories.advice_page(factories.advice_index(), title="Evidence")
    client.get(page.url)
    key = body_cache_key(page.pk)

    page.unpublish()

    assert cache.get(key) is None
    assert client.get(page.url).status_code == 404


def test_a_new_page_shows_in_its_index_at_once(client, db):
    index = factories.advice_index()
    client.get(index.url)

    factories.advice_page(index, title="Brand new advice")

    assert "Brand new advice" in client.get(index.url).content.decode()


def test_a_preview_is_never_cached(client, db):
    page = factories.advice_page(factories.advice_index(), title="Evidence", body="Published words.")
    page.body = factories.paragraph("Draft words.")
    page.save_revision()

    page.refresh_from_db()
    draft = page.get_latest_revision_as_object()
    request = client.get("/").wsgi_request
    request.is_preview = True
    draft.get_context(request)

    assert "Draft words." not in cache.get(body_cache_key(page.pk), "")
    assert "Published words." in client.get(page.url).content.decode()


def test_a_signed_in_reader_gets_their_own_header_around_the_same_body(client, member, worker):
    page = factories.advice_page(factories.advice_index(), title="Evidence", body="Keep screenshots.")
    client.force_login(member)
    member_html = client.get(page.url).content.decode()
    cached = cache.get(body_cache_key(page.pk))

    client.logout()
    anonymous_html = client.get(page.url).content.decode()

    assert "Keep screenshots." in member_html and "Keep screenshots." in anonymous_html
    assert "Sign out" in member_html and "Sign out" not in anonymous_html
    assert member.email not in cached and "csrf" not in cached.lower() and "Sign out" not in cached


def test_pages_are_never_stored_by_a_browser(client, member):
    page = factories.advice_page(factories.advice_index(), title="Evidence")
    directory = factories.directory_page()

    for url in (page.url, directory.url, "/", "/advice/search/"):
        assert "no-store" in client.get(url)["Cache-Control"], url

"""robots.txt keeps search engines out of signed-in areas; the sitemap lists public pages only."""

from tests.content import factories


def test_robots_keeps_signed_in_areas_out(client, db):
    response = client.get("/robots.txt")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/plain")
    for path in ("/notes/", "/accounts/", "/account", "/admin/", "/django-admin/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines  # the advice itself stays findable
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_sitemap_lists_live_pages_only(client, db):
    index = factories.advice_index()
    factories.advice_page(index, title="Published advice")
    factories.advice_page(index, title="Draft advice", live=False)

    xml = client.get("/sitemap.xml").content.decode()

    assert "/advice/published-advice/" in xml
    assert "draft-advice" not in xml

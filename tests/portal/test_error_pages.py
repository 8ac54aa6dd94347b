"""Error pages: plain, neutral words, no debug detail, and the quick exit still there.

Someone fleeing a page must be able to leave from an error page as from any other.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.portal.support import parse_page, tab_title
from tests.portal.urls_with_fault import FAULT_DETAIL

# Words that would betray a debug page or a stack trace.
DEBUG_MARKERS = ("Traceback", "Exception", "Django", "DEBUG", "settings.py", 'File "', "Request Method")


def assert_plain_error_page(response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert tab_title(response) == f"{settings.SITE_NAME} – {title}"
    page = parse_page(response)
    assert page.inline_code == []
    assert page.quick_exit_links, "the quick exit is missing"
    assert {link["href"] for link in page.quick_exit_links} == {reverse("quick_exit")}
    text = response.content.decode()
    for marker in DEBUG_MARKERS:
        assert marker not in text, marker
    # The strict policy holds on error pages too.
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def faulty_site(settings):
    """The portal with one extra address whose view fails."""
    settings.ROOT_URLCONF = "tests.portal.urls_with_fault"


@pytest.fixture
def quiet_client():
    """A client that gets the 500 page back instead of the exception, as a browser would."""
    client = Client()
    client.raise_request_exception = False
    return client


def test_400_for_a_bad_host(client, db):
    response = client.get("/", headers={"host": "not-this-site.example"})

    assert_plain_error_page(response, 400, "Problem")
    assert b"not-this-site.example" not in response.content


@pytest.mark.parametrize("path", ["/admin/", "/django-admin/"])
def test_403_for_a_staff_area(client, member, path):
    client.force_login(member)

    response = client.get(path)

    assert_plain_error_page(response, 403, "Not available")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["public", "signed-in"])
def test_404(client, member, signed_in):
    if signed_in:
        client.force_login(member)

    response = client.get("/no-such-page/")

    assert_plain_error_page(response, 404, "Not found")
    assert b"/no-such-page/" not in response.content  # nothing echoed into the page
    if signed_in:
        assert "no-store" in response["Cache-Control"]


def test_404_from_a_view_says_nothing_of_why(client, member):
    # A wrong role gets the same 404 as a missing page (STYLE.md, "Tests").
    client.force_login(member)

    response = client.get("/documents/999999/anything.pdf")

    assert_plain_error_page(response, 404, "Not found")


@pytest.mark.parametrize(
    ("signed_in", "path"), [(False, "/accounts/login/"), (True, "/start/")], ids=["public", "signed-in"]
)
def test_403_for_a_form_sent_without_its_csrf_token(member, signed_in, path):
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(member)

    response = client.post(path, {"login": member.email, "password": "x"})

    assert_plain_error_page(response, 403, "Problem")
    assert b"CSRF" not in response.content
    assert b"Forbidden" not in response.content


@pytest.mark.usefixtures("faulty_site")
def test_500(quiet_client, db):
    response = quiet_client.get("/fault/")

    assert_plain_error_page(response, 500, "Problem")
    assert FAULT_DETAIL.encode() not in response.content
    assert b"RuntimeError" not in response.content


@pytest.mark.usefixtures("faulty_site")
def test_500_while_signed_in_is_not_stored(quiet_client, member):
    quiet_client.force_login(member)

    response = quiet_client.get("/fault/")

    assert_plain_error_page(response, 500, "Problem")
    assert FAULT_DETAIL.encode() not in response.content
    assert member.email.encode() not in response.content
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("faulty_site")
def test_faulty_site_still_serves_the_portal(client, db):
    # The test URLconf is the portal's plus one address, so the 500 test runs on the real site.
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="login"' in response.content

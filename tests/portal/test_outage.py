"""With the database down, a request gets a kind "please try again in a moment" page (503 with
Retry-After), the portal's headers and the quick exit, never a stack trace or the error's text."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal import outage
from tests.portal.support import parse_page, production_env, run_python, tab_title
from tests.portal.urls_with_outage import OTHER_DETAIL, OUTAGE_DETAIL

CLOSED_PORT = 1
TRY_AGAIN = "Please try again in a moment"


@pytest.fixture
def outage_site(settings):
    settings.ROOT_URLCONF = "tests.portal.urls_with_outage"


@pytest.fixture
def quiet_client():
    """A client that gets the error page back instead of the exception, as a browser would."""
    client = Client()
    client.raise_request_exception = False
    return client


def assert_try_again_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    assert tab_title(response) == f"{settings.SITE_NAME} – Problem"
    page = parse_page(response)
    assert page.inline_code == []
    assert {link["href"] for link in page.quick_exit_links} == {reverse("quick_exit")}
    text = response.content.decode()
    assert TRY_AGAIN in text
    for detail in (OUTAGE_DETAIL, OTHER_DETAIL, "OperationalError", "InterfaceError", "Traceback"):
        assert detail not in text
    # The strict policy and the framing ban hold on this page too.
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.usefixtures("outage_site")
@pytest.mark.parametrize("path", ["/outage/database-down/", "/outage/connection-closed/", "/outage/wrapped/"])
def test_a_database_outage_asks_to_try_again_in_a_moment(quiet_client, db, path):
    assert_try_again_page(quiet_client.get(path))


@pytest.mark.usefixtures("outage_site")
def test_a_signed_in_person_gets_the_same_page_and_it_is_not_stored(quiet_client, member):
    quiet_client.force_login(member)

    response = quiet_client.post("/outage/database-down/")

    assert_try_again_page(response)
    assert member.email.encode() not in response.content


@pytest.mark.usefixtures("outage_site")
def test_any_other_fault_is_still_the_plain_error_page(quiet_client, db):
    response = quiet_client.get("/outage/other/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert TRY_AGAIN.encode() not in response.content


def test_with_the_database_unreachable_pages_ask_to_try_again_and_the_quick_exit_still_leaves(tmp_path):
    # A real production process whose database refuses connections. Static files are served
    # from where they are here (the collected, hashed copy has its own test).
    env = production_env(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/portal")
    code = """
import json
import django
django.setup()
from django.test import Client, override_settings
from django.conf import settings
client = Client(raise_request_exception=False, headers={"host": "portal.example"})
client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
answers = {}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    for path in ("/home/", "/some-advice-page/", "/exit/"):
        response = client.get(path, secure=True)
        answers[path] = [response.status_code, response.content.decode(), dict(response.headers)]
print(json.dumps(answers))
"""
    result = run_python(code, env=env)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    # A signed-in page (the session lives in the database) and a public advice page.
    for path in ("/home/", "/some-advice-page/"):
        status, body, headers = answers[path]
        assert status == 503, path
        assert headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
        assert "no-store" in headers["Cache-Control"]
        assert "Content-Security-Policy" in headers
        assert "Strict-Transport-Security" in headers
        assert TRY_AGAIN in body
        for detail in ("OperationalError", "5432", f":{CLOSED_PORT}", "Traceback"):
            assert detail not in body
    # The quick exit goes on to the neutral site, and the browser still forgets the site.
    status, _body, headers = answers["/exit/"]
    assert status == 302
    assert headers["Location"] == "https://www.bbc.co.uk/weather"
    assert "Clear-Site-Data" in headers

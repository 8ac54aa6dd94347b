"""The quick exit's server side: /exit/ ends the session and tells the browser to forget the site.

Both exit links point here, so a tap signs out even before the page's script has loaded or with
scripts off (a GET, then on to the neutral site); the script POSTs here (a beacon, so no CSRF
token) before it leaves for the neutral site itself. Signing out forgets the site the same way.
See DESIGN.md, "The quick exit", point 4.
"""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import OperationalError
from django.test import Client

from portal.accounts.models import SignedInSession
from portal.security import ACTIVITY_RESOLUTION, SESSION_LAST_SEEN_KEY
from tests.portal.support import parse_page, session_exists, sign_in_and_start_session

EXIT_PATH = "/exit/"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def _assert_signed_out(client, session_key: str) -> None:
    assert not session_exists(session_key)
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _assert_old_cookie_refused(session_cookie: str) -> None:
    """Whoever copied the session cookie before it ended gets an anonymous visitor's answer."""
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    response = replay.get("/home/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/home/"
    assert "_auth_user_id" not in replay.session


def _assert_forget_everything(response) -> None:
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_post_ends_the_session_and_clears_site_data(client, any_user):
    session_key = sign_in_and_start_session(client, any_user)

    response = client.post(EXIT_PATH)

    assert response.status_code == 204
    assert response.content == b""
    _assert_forget_everything(response)
    # The browser is told to drop the session cookie as well.
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    _assert_signed_out(client, session_key)


def test_get_ends_the_session_and_goes_to_the_neutral_site(client, member):
    session_key = sign_in_and_start_session(client, member)

    response = client.get(EXIT_PATH)

    assert response.status_code == 302
    assert response["Location"] == "https://weather.example/"
    assert response["Location"] == settings.QUICK_EXIT_URL
    _assert_forget_everything(response)
    # The neutral site must not learn where the visitor came from.
    assert response["Referrer-Policy"] in {"no-referrer", "same-origin"}
    _assert_signed_out(client, session_key)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_beacon_without_a_csrf_token_still_ends_the_session(csrf_client, member):
    session_key = sign_in_and_start_session(csrf_client, member)

    response = csrf_client.post(EXIT_PATH)

    assert response.status_code == 204
    _assert_signed_out(csrf_client, session_key)


@pytest.mark.parametrize("method", ["post", "get"])
def test_exit_after_the_idle_timeout_still_goes_to_the_neutral_site(client, member, method):
    # The most likely moment to need the exit is after the phone sat unattended for a while.
    session_key = sign_in_and_start_session(client, member)
    session = client.session
    session[SESSION_LAST_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT - ACTIVITY_RESOLUTION - 60
    session.save()

    response = getattr(client, method)(EXIT_PATH)

    if method == "post":
        assert response.status_code == 204
    else:
        assert response.status_code == 302
        assert response["Location"] == settings.QUICK_EXIT_URL
    _assert_forget_everything(response)
    _assert_signed_out(client, session_key)


@pytest.mark.parametrize("method", ["post", "get"])
def test_exit_without_a_session_answers_the_same_and_makes_none(client, db, method):
    response = getattr(client, method)(EXIT_PATH)

    assert response.status_code == (204 if method == "post" else 302)
    _assert_forget_everything(response)
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_exit_ends_only_this_session(client, member):
    other_device = Client()
    other_key = sign_in_and_start_session(other_device, member)
    sign_in_and_start_session(client, member)

    client.post(EXIT_PATH)

    # "Sign out everywhere" is a separate choice; the exit leaves the member's other devices.
    assert session_exists(other_key)
    assert other_device.get("/home/").status_code == 200


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused_and_sign_nobody_out(client, member, method):
    session_key = sign_in_and_start_session(client, member)

    response = getattr(client, method)(EXIT_PATH)

    assert response.status_code == 405
    assert session_exists(session_key)


# --- The exit links themselves: the plain path, with no script at all ---------------------------


def test_both_exit_links_go_through_the_exit_address(client, member):
    sign_in_and_start_session(client, member)

    page = parse_page(client.get("/home/"))

    assert len(page.quick_exit_links) == 2
    for link in page.quick_exit_links:
        assert link["tag"] == "a"
        assert link["href"] == EXIT_PATH
        assert "noreferrer" in link["rel"].split()
    # The script leaves for the neutral site directly; it reads the address from the bar.
    assert f'data-quick-exit-destination="{settings.QUICK_EXIT_URL}"' in client.get("/home/").content.decode()


def test_following_the_exit_link_signs_out_on_the_server(client, member):
    """What a tap does before the script has loaded, or with scripts off."""
    session_key = sign_in_and_start_session(client, member)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SignedInSession.objects.filter(session_key=session_key).exists()
    exit_link = parse_page(client.get("/home/")).quick_exit_links[0]["href"]

    response = client.get(exit_link)

    assert response.status_code == 302
    assert response["Location"] == settings.QUICK_EXIT_URL
    _assert_forget_everything(response)
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    # The session row and its place in the owner's list of signed-in sessions are both gone.
    assert not session_exists(session_key)
    assert not SignedInSession.objects.filter(session_key=session_key).exists()
    assert not SignedInSession.objects.filter(user=member).exists()
    _assert_old_cookie_refused(session_cookie)
    _assert_signed_out(client, session_key)


def test_anonymous_visitor_following_the_exit_link_is_sent_on(client, db):
    exit_link = parse_page(client.get("/accounts/login/")).quick_exit_links[0]["href"]

    response = client.get(exit_link)

    assert response.status_code == 302
    assert response["Location"] == settings.QUICK_EXIT_URL
    _assert_forget_everything(response)


def test_exit_link_still_leaves_when_the_session_store_is_down(client, member, monkeypatch):
    """A database restart must not turn the exit into an error page that keeps the person here."""
    sign_in_and_start_session(client, member)
    client.raise_request_exception = False

    def database_down(self):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(DatabaseSessionStore, "load", database_down)
    assert client.get("/home/").status_code == 503  # control: the fault is real (the "try again" page)

    response = client.get(EXIT_PATH)

    assert response.status_code == 302
    assert response["Location"] == settings.QUICK_EXIT_URL
    _assert_forget_everything(response)


# --- Signing out forgets the site as the exit does ------------------------------------------------


def test_sign_out_ends_the_session_and_clears_site_data(client, member):
    session_key = sign_in_and_start_session(client, member)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SignedInSession.objects.filter(session_key=session_key).exists()

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert not session_exists(session_key)
    assert not SignedInSession.objects.filter(session_key=session_key).exists()
    _assert_old_cookie_refused(session_cookie)
    _assert_signed_out(client, session_key)


def test_sign_out_page_itself_signs_nobody_out(client, member):
    """Opening the sign-out page asks to confirm; only the form's POST signs out and clears data."""
    session_key = sign_in_and_start_session(client, member)

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert "Clear-Site-Data" not in response
    assert session_exists(session_key)

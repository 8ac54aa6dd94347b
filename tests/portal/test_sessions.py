"""Sessions: cookies scripts cannot read, an idle timeout, an absolute lifetime, the keep-alive.

Threat model 1: a phone picked up later must not still be signed in.
"""

import re
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.security import ACTIVITY_RESOLUTION, SESSION_LAST_SEEN_KEY, SESSION_STARTED_KEY
from tests.portal.support import production_env, run_python, session_exists, sign_in_and_start_session

LOGIN_PATH = "/accounts/login/"
KEEP_ALIVE_PATH = "/session/keep-alive/"


def _set_clock(client, key: str, seconds_ago: float) -> None:
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()


def _is_signed_in(client) -> bool:
    return client.get("/home/").status_code == 200


# --- Cookies ---------------------------------------------------------------------------


def test_session_cookie_is_http_only_lax_and_ends_with_the_browser(client, member, password):
    response = client.post(LOGIN_PATH, {"login": member.email, "password": password})

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # A browser-session cookie: a shared phone must not stay signed in after the browser closes.
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def test_csrf_cookie_is_http_only_and_lax(client, member, password):
    response = client.post(LOGIN_PATH, {"login": member.email, "password": password})

    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_cookies_are_secure_in_production(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE)"
    )

    result = run_python(code, env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "Lax"]


def test_development_cookies_are_not_marked_secure(tmp_path):
    # The same check in development proves the production one is not vacuous.
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE)"

    result = run_python(
        code,
        env={"PORTAL_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "portal.settings"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


# --- Idle timeout ---------------------------------------------------------------------


PAST_THE_IDLE_LIMIT = settings.SESSION_IDLE_TIMEOUT + 5


def test_idle_session_is_ended_with_a_kind_message(client, member):
    session_key = sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, PAST_THE_IDLE_LIMIT)

    response = client.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_PATH
    assert response.get("X-Frame-Options") == "DENY"
    assert not session_exists(session_key)
    sign_in_page = client.get(response["Location"])
    assert sign_in_page.status_code == 200
    assert b"You were signed out because nothing happened for a while." in sign_in_page.content
    assert not _is_signed_in(client)


def test_session_within_the_idle_limit_stays_and_counts_as_activity(client, member):
    session_key = sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, settings.SESSION_IDLE_TIMEOUT - 30)
    before = time.time()

    response = client.get("/home/")

    assert response.status_code == 200
    assert client.session.session_key == session_key
    assert client.session[SESSION_LAST_SEEN_KEY] >= before


def test_idle_limit_follows_the_setting(client, member, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, 6 * 60)

    assert not _is_signed_in(client)


def test_each_page_says_how_long_it_has_left_by_the_time_written_down(client, member):
    # Activity is written down at most once a minute, so the page's own warning and reload
    # must count from the server's time, not from when the page was loaded.
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, 40)

    page = client.get("/home/").content.decode()

    left = int(re.search(r'data-idle-left="(\d+)"', page).group(1))
    assert settings.SESSION_IDLE_TIMEOUT - 42 <= left <= settings.SESSION_IDLE_TIMEOUT - 40


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


@pytest.mark.parametrize("path", ["/home/", "/notes/", "/notes/new/", "/accounts/settings/"])
def test_a_signed_in_read_writes_nothing_when_activity_was_written_under_a_minute_ago(client, member, path):
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, ACTIVITY_RESOLUTION - 10)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    assert _writes(queries.captured_queries) == []


def test_the_keep_alive_always_counts(client, member):
    # Sent at most once a minute while the person types, and by "Stay signed in": the page
    # then counts the whole limit again, so the server must too.
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, 10)
    before = time.time()

    assert client.post(KEEP_ALIVE_PATH).status_code == 204

    assert client.session[SESSION_LAST_SEEN_KEY] >= before


def test_activity_is_written_once_a_minute_has_passed(client, member):
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, ACTIVITY_RESOLUTION + 1)
    before = time.time()

    with CaptureQueriesContext(connection) as queries:
        assert _is_signed_in(client)

    assert client.session[SESSION_LAST_SEEN_KEY] >= before
    written = _writes(queries.captured_queries)
    # The session itself and its row in the list of signed-in sessions, in that one request.
    assert len(written) == 2, written


# --- Absolute lifetime ----------------------------------------------------------------


def test_session_is_ended_after_its_absolute_lifetime_however_active(client, member):
    session_key = sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_STARTED_KEY, settings.SESSION_COOKIE_AGE + 5)
    _set_clock(client, SESSION_LAST_SEEN_KEY, 1)

    response = client.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_PATH
    assert not session_exists(session_key)
    sign_in_page = client.get(response["Location"])
    hours = settings.SESSION_COOKIE_AGE // 3600
    assert f"signed out {hours} hours after signing in".encode() in sign_in_page.content
    assert not _is_signed_in(client)


def test_session_within_its_absolute_lifetime_stays(client, member):
    session_key = sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_STARTED_KEY, settings.SESSION_COOKIE_AGE - 30)

    assert _is_signed_in(client)
    assert client.session.session_key == session_key


def test_sign_in_starts_both_clocks(client, member):
    before = time.time()

    sign_in_and_start_session(client, member)

    assert before <= client.session[SESSION_STARTED_KEY] <= time.time()
    assert before <= client.session[SESSION_LAST_SEEN_KEY] <= time.time()


# --- Keep-alive -----------------------------------------------------------------------


def test_keep_alive_refreshes_the_last_seen_time(client, member):
    sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, settings.SESSION_IDLE_TIMEOUT - 30)
    before = time.time()

    response = client.post(KEEP_ALIVE_PATH)

    assert response.status_code == 204
    assert client.session[SESSION_LAST_SEEN_KEY] >= before
    # Refreshed: what would have expired in 30 seconds is now good for the whole limit.
    _set_clock(client, SESSION_LAST_SEEN_KEY, settings.SESSION_IDLE_TIMEOUT - 30)
    assert _is_signed_in(client)


def test_keep_alive_cannot_revive_an_expired_session(client, member):
    session_key = sign_in_and_start_session(client, member)
    _set_clock(client, SESSION_LAST_SEEN_KEY, PAST_THE_IDLE_LIMIT)

    response = client.post(KEEP_ALIVE_PATH)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_PATH
    assert not session_exists(session_key)
    assert not _is_signed_in(client)


def test_keep_alive_for_an_anonymous_visitor_says_no_and_makes_no_session(client, db):
    response = client.post(KEEP_ALIVE_PATH)

    assert response.status_code == 403
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_keep_alive_only_accepts_post(client, member):
    sign_in_and_start_session(client, member)

    assert client.get(KEEP_ALIVE_PATH).status_code == 405


@pytest.fixture
def csrf_client():
    """A client that checks CSRF tokens as a browser's requests are checked."""
    return Client(enforce_csrf_checks=True)


def test_keep_alive_needs_the_csrf_token(csrf_client, member):
    sign_in_and_start_session(csrf_client, member)

    response = csrf_client.post(KEEP_ALIVE_PATH)

    assert response.status_code == 403


def test_keep_alive_works_with_the_token_the_page_gives_its_script(csrf_client, member):
    sign_in_and_start_session(csrf_client, member)
    page = csrf_client.get("/home/").content.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    body = re.search(r"<body[^>]*>", page).group(0)

    response = csrf_client.post(KEEP_ALIVE_PATH, headers={"X-CSRFToken": token})

    assert response.status_code == 204
    # The script finds the endpoint and the limits on <body>, as static/portal/session.js expects.
    assert f'data-keep-alive-url="{KEEP_ALIVE_PATH}"' in body
    assert f'data-idle-timeout="{settings.SESSION_IDLE_TIMEOUT}"' in body
    assert f'data-idle-warning="{settings.SESSION_IDLE_WARNING}"' in body


def test_pages_state_the_configured_limits(client, member, settings):
    settings.SESSION_IDLE_TIMEOUT = 45 * 60
    settings.SESSION_IDLE_WARNING = 3 * 60
    sign_in_and_start_session(client, member)

    help_page = client.get("/help/using-this-site/").content.decode()
    home = client.get("/home/").content.decode()

    assert "signed out automatically after 45 minutes without activity" in help_page
    assert "you will be signed out in 3 minutes because nothing has happened" in home
    assert 'data-idle-timeout="2700"' in home

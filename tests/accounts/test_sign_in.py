"""Signing in with an email address and password, and signing out for good."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client

from tests.two_step import VERIFY, pass_second_step

pytestmark = pytest.mark.django_db

WRONG_PASSWORD_ERROR = "The email address and/or password you specified are not correct."


def test_sign_in_with_email_and_password(client, any_user, sign_in):
    response = sign_in(client, any_user.email)

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.session[SESSION_KEY] == str(any_user.pk)
    if any_user.is_portal_staff:
        # Staff always have two-step sign-in on: the code comes before any page.
        assert client.get("/home/")["Location"].startswith(VERIFY)
        assert pass_second_step(client, any_user)["Location"] == "/home/"
    home = client.get("/home/")
    assert home.status_code == 200
    assert any_user.email in home.content.decode()


def test_sign_in_ignores_the_case_of_the_address(client, member, sign_in):
    # Phone keyboards capitalise the first letter.
    response = sign_in(client, member.email.capitalize())

    assert response["Location"] == "/home/"
    assert client.session[SESSION_KEY] == str(member.pk)


def test_wrong_password_shows_a_clear_error_and_signs_nobody_in(client, member, sign_in):
    response = sign_in(client, member.email, "not-the-password-1")

    assert response.status_code == 200
    assert WRONG_PASSWORD_ERROR in response.content.decode()
    assert SESSION_KEY not in client.session
    # The typed password is not sent back into the page.
    assert b"not-the-password-1" not in response.content


def test_sign_in_changes_the_session_key(client, member, sign_in):
    """A session id planted before sign-in is worthless after it (session fixation)."""
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key

    sign_in(client, member.email)

    assert client.session.session_key != before


def test_sign_in_lasts_only_until_the_browser_closes(client, member, sign_in):
    sign_in(client, member.email)

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_sign_in_does_not_follow_a_next_address_to_another_site(client, member, password):
    response = client.post(
        "/accounts/login/?next=https://elsewhere.example/", {"login": member.email, "password": password}
    )

    assert response.status_code == 302
    assert response["Location"] == "/home/"


def test_inactive_account_cannot_sign_in(client, member, sign_in):
    member.is_active = False
    member.save(update_fields=["is_active"])

    sign_in(client, member.email)

    assert SESSION_KEY not in client.session
    assert client.get("/home/")["Location"].startswith("/accounts/login/")


def test_sign_out_ends_the_session(client, member, sign_in):
    sign_in(client, member.email)
    session_key = client.session.session_key

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    home = client.get("/home/")
    assert home.status_code == 302
    assert home["Location"] == "/accounts/login/?next=/home/"
    assert not Session.objects.filter(session_key=session_key).exists()


def test_a_copied_session_cookie_is_useless_after_sign_out(client, member, sign_in):
    """Whoever copied the cookie (or kept the phone's browser open) is signed out too."""
    sign_in(client, member.email)
    copy = Client()
    copy.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert copy.get("/home/").status_code == 200

    client.post("/accounts/logout/")

    assert copy.get("/home/")["Location"] == "/accounts/login/?next=/home/"

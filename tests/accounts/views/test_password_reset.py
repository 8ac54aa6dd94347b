"""Resetting a forgotten password by email, from the request to signing in with the new one."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

pytestmark = pytest.mark.django_db


def request_reset(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def set_new_password(client, reset_path, new_password):
    """Follow the emailed link (it moves the key out of the address) and submit the form."""
    response = client.get(reset_path, follow=True)
    assert response.status_code == 200
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
    return client.post(form_path, {"password1": new_password, "password2": new_password})


def test_password_reset_end_to_end(client, member, password, new_password, mailoutbox, link_in, sign_in):
    response = request_reset(client, member.email)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    reset_path = link_in(mailoutbox[0])
    assert reset_path.startswith("/accounts/password/reset/key/")

    response = set_new_password(client, reset_path, new_password)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    old = sign_in(Client(), member.email, password)
    assert old.status_code == 200, "the old password no longer signs in"
    new_device = Client()
    new = sign_in(new_device, member.email, new_password)
    assert new.status_code == 302
    assert new["Location"] == "/home/"
    assert new_device.session[SESSION_KEY] == str(member.pk)


def test_the_reset_email_is_neutral(client, member, mailoutbox, assert_neutral):
    request_reset(client, member.email)

    assert_neutral(mailoutbox[0])


def test_the_key_leaves_the_address_bar_before_the_form_is_shown(client, member, mailoutbox, link_in):
    """Browser history keeps addresses; a usable reset key must not be among them."""
    request_reset(client, member.email)
    reset_path = link_in(mailoutbox[0])
    key = reset_path.rstrip("/").rsplit("-", 1)[-1]

    response = client.get(reset_path, follow=True)

    assert response.redirect_chain, "the key should be moved into the session"
    assert key not in response.redirect_chain[-1][0]


def test_a_reset_link_works_only_once(client, member, new_password, mailoutbox, link_in):
    request_reset(client, member.email)
    reset_path = link_in(mailoutbox[0])
    set_new_password(client, reset_path, new_password)

    second_try = Client()
    page = second_try.get(reset_path, follow=True)
    second_try.post(reset_path, {"password1": "another-new-pass-41", "password2": "another-new-pass-41"})

    assert "This link does not work" in page.content.decode()
    assert b'name="password1"' not in page.content
    member.refresh_from_db()
    assert member.check_password(new_password)
    assert not member.check_password("another-new-pass-41")


def test_a_weak_new_password_is_refused(client, member, password, mailoutbox, link_in):
    request_reset(client, member.email)

    response = set_new_password(client, link_in(mailoutbox[0]), "password123")

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(password)


def test_resetting_the_password_signs_out_every_other_session(
    client, member, new_password, mailoutbox, link_in, sign_in
):
    """Someone who knew the old password and is signed in elsewhere loses access."""
    other_device = Client()
    sign_in(other_device, member.email)
    assert other_device.get("/home/").status_code == 200

    request_reset(client, member.email)
    set_new_password(client, link_in(mailoutbox[-1]), new_password)

    assert other_device.get("/home/")["Location"] == "/accounts/login/?next=/home/"

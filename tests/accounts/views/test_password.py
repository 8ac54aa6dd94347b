"""Changing the password, and with it signing out of every other session (or not)."""

import pytest
from django.test import Client

from portal.accounts.models import AccountEvent, SignedInSession
from tests.conftest import PortalClient
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/password/change/"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def phone_and_laptop(member, sign_in):
    """The member signed in on two devices; the password is changed on the phone."""
    phone, laptop = PortalClient(HTTP_USER_AGENT=FIREFOX_ANDROID), PortalClient(HTTP_USER_AGENT=CHROME_WINDOWS)
    for client in (phone, laptop):
        assert sign_in(client, member.email)["Location"] == "/home/"
    phone.confirm_identity()  # tests/accounts/test_session_state.py shows the page asks first
    return phone, laptop


def change_password(client, new_password: str, **extra):
    data = {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password, **extra}
    return client.post(CHANGE_URL, data)


def is_signed_in(client) -> bool:
    response = client.get("/home/")
    if response.status_code == 200:
        return True
    assert response["Location"] == "/accounts/login/?next=/home/"
    return False


def test_the_page_offers_to_sign_out_of_other_sessions_ticked(member, phone_and_laptop):
    phone, _ = phone_and_laptop

    page = phone.get(CHANGE_URL)

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert '<input type="checkbox" name="end_other_sessions"' in html
    assert 'id="id_end_other_sessions" checked' in html
    assert "Sign out of all other sessions" in html


def test_with_the_box_ticked_every_other_session_ends(member, phone_and_laptop, new_password, sign_in):
    phone, laptop = phone_and_laptop

    response = change_password(phone, new_password, end_other_sessions="on")

    assert response.status_code == 302
    assert "You were signed out of 1 other session." in phone.get(response["Location"]).content.decode()
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
    # This session is still listed, under its new key, and marked as this device.
    row = SignedInSession.objects.get(user=member)
    assert row.session_key == phone.session.session_key
    assert row.browser == "Firefox on Android"
    kinds = set(AccountEvent.objects.filter(user=member).values_list("kind", flat=True))
    assert {AccountEvent.Kind.PASSWORD_CHANGED, AccountEvent.Kind.OTHER_SESSIONS_ENDED} <= kinds
    # And the new password is the one that works.
    assert sign_in(Client(), member.email, new_password)["Location"] == "/home/"


def test_with_the_box_unticked_the_other_sessions_stay_signed_in(member, phone_and_laptop, new_password):
    phone, laptop = phone_and_laptop

    response = change_password(phone, new_password)  # an unticked box is not sent at all

    assert response.status_code == 302
    assert is_signed_in(phone)
    assert is_signed_in(laptop)
    assert is_signed_in(laptop), "still signed in on the request after"
    assert set(SignedInSession.objects.filter(user=member).values_list("session_key", flat=True)) == {
        phone.session.session_key,
        laptop.session.session_key,
    }
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.PASSWORD_CHANGED).count() == 1
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.OTHER_SESSIONS_ENDED).exists()


def test_a_session_that_is_not_listed_is_signed_out_by_the_change_anyway(member, phone_and_laptop, new_password):
    """Django's own rule stands for anything the list does not know: it is signed out."""
    phone, _ = phone_and_laptop
    unlisted = Client()
    unlisted.force_login(member)
    SignedInSession.objects.filter(session_key=unlisted.session.session_key).delete()
    assert unlisted.session.session_key

    change_password(phone, new_password)

    # The middleware cannot list it again: the session no longer gets past authentication.
    assert not is_signed_in(unlisted)


def test_a_wrong_current_password_changes_nothing(member, phone_and_laptop, new_password):
    phone, laptop = phone_and_laptop

    response = phone.post(
        CHANGE_URL,
        {"oldpassword": "not-the-password-1", "password1": new_password, "password2": new_password},
    )

    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    assert is_signed_in(laptop)
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.PASSWORD_CHANGED).exists()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)

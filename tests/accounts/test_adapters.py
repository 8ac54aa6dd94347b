"""Self sign-up: a neutral verification email, verifying signs in, first use shows /start/ once."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY

from portal.accounts.adapters import AccountAdapter
from portal.accounts.forms import SignupForm
from portal.accounts.models import Role, User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

EMAIL = "new.person@example.org"
SIGN_UP_PASSWORD = "a-long-passphrase-9"


def sign_up(client, email=EMAIL, **extra_fields):
    data = {"email": email, "password1": SIGN_UP_PASSWORD, "password2": SIGN_UP_PASSWORD, **extra_fields}
    return client.post("/accounts/signup/", data)


def test_sign_up_sends_a_neutral_verification_email(client, mailoutbox, assert_neutral, link_in):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    assert_neutral(message)
    assert link_in(message).startswith("/accounts/confirm-email/")
    assert not EmailAddress.objects.get(email=EMAIL).verified


def test_sign_up_does_not_sign_in_before_verification(client):
    sign_up(client)

    assert SESSION_KEY not in client.session
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_following_the_link_verifies_signs_in_and_shows_before_you_start_once(client, mailoutbox, link_in, sign_in):
    sign_up(client)
    confirm_path = link_in(mailoutbox[0])

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert not EmailAddress.objects.get(email=EMAIL).verified, "a GET alone must not verify"

    response = client.post(confirm_path, follow=True)

    assert EmailAddress.objects.get(email=EMAIL).verified
    user = User.objects.get(email=EMAIL)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert response.redirect_chain[-1][0] == "/start/"
    assert response.status_code == 200

    response = client.post("/start/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-step/offer/", "then two-step sign-in is offered"
    response = client.get("/home/")
    assert response.status_code == 200, "the page is shown once, not again"

    # Later sign-ins go straight home.
    client.post("/accounts/logout/")
    response = sign_in(client, EMAIL, SIGN_UP_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.get("/home/").status_code == 200


def test_a_verified_member_who_has_not_seen_before_you_start_is_sent_there_at_sign_in(
    client, mailoutbox, link_in, sign_in
):
    sign_up(client)
    client.post(link_in(mailoutbox[0]))
    client.post("/accounts/logout/")

    response = sign_in(client, EMAIL, SIGN_UP_PASSWORD)

    assert response["Location"] == "/start/"
    assert client.get("/home/")["Location"] == "/start/"


@pytest.mark.parametrize(
    "extra",
    [
        {"role": "admin"},
        {"role": "worker", "organisation": "ORG"},
        {"role": "editor", "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    ],
)
def test_self_sign_up_always_makes_a_member_without_an_organisation(client, extra):
    organisation = OrganisationFactory()
    extra = {key: (organisation.pk if value == "ORG" else value) for key, value in extra.items()}

    sign_up(client, **extra)

    user = User.objects.get(email=EMAIL)
    assert user.role == Role.MEMBER
    assert user.organisation is None
    assert not user.is_superuser
    assert not user.is_staff


def test_sign_up_saves_a_member_even_if_something_upstream_set_another_role(rf):
    """The adapter is the last word: a future form field or hook cannot make staff by sign-up."""
    form = SignupForm(data={"email": EMAIL, "password1": SIGN_UP_PASSWORD, "password2": SIGN_UP_PASSWORD})
    assert form.is_valid(), form.errors
    request = rf.post("/accounts/signup/")
    user = User(role=Role.ADMIN, organisation=OrganisationFactory())

    AccountAdapter(request).save_user(request, user, form)

    user.refresh_from_db()
    assert user.role == Role.MEMBER
    assert user.organisation is None


def test_unverified_account_cannot_sign_in(client, sign_in):
    sign_up(client)
    other_device = type(client)()

    response = sign_in(other_device, EMAIL, SIGN_UP_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert SESSION_KEY not in other_device.session
    page = other_device.get(response["Location"])
    assert b"Check your email" in page.content
    assert other_device.get("/home/")["Location"].startswith("/accounts/login/")


def test_the_link_opened_on_another_device_verifies_but_signs_nobody_in(client, mailoutbox, link_in):
    """Whoever reads the email (perhaps not its owner) does not get a signed-in session from it."""
    sign_up(client)
    other_device = type(client)()

    other_device.post(link_in(mailoutbox[0]))

    assert EmailAddress.objects.get(email=EMAIL).verified
    assert SESSION_KEY not in other_device.session
    assert other_device.get("/home/")["Location"].startswith("/accounts/login/")

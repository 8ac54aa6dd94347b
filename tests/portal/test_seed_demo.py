"""The demo accounts: one per role, safe to create again, and able to sign in."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client

from portal.accounts.models import Organisation, Role, User
from tests.two_step import VERIFY, pass_second_step

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-pass-phrase-2024"
DEMO_ACCOUNTS = {
    "member@demo.test": Role.MEMBER,
    "member2@demo.test": Role.MEMBER,
    "worker@demo.test": Role.WORKER,
    "coordinator@demo.test": Role.COORDINATOR,
    "editor@demo.test": Role.EDITOR,
    "reviewer@demo.test": Role.REVIEWER,
    "admin@demo.test": Role.ADMIN,
}


def seed(password=DEMO_PASSWORD) -> str:
    out = StringIO()
    call_command("seed_demo", password=password, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "organisations": Organisation.objects.count(),
        "email addresses": EmailAddress.objects.count(),
    }


def test_creates_one_account_per_role():
    seed()

    users = {user.email: user for user in User.objects.all()}
    assert set(users) == set(DEMO_ACCOUNTS)
    for email, role in DEMO_ACCOUNTS.items():
        user = users[email]
        assert user.role == role, email
        assert user.is_active
        assert user.is_superuser == (role == Role.ADMIN), email
        if role in (Role.WORKER, Role.COORDINATOR):
            assert user.organisation is not None, email
        else:
            assert user.organisation is None, email
    assert users["worker@demo.test"].organisation == users["coordinator@demo.test"].organisation


def test_every_demo_address_is_verified():
    seed()

    for email in DEMO_ACCOUNTS:
        address = EmailAddress.objects.get(email=email)
        assert address.verified, email
        assert address.primary, email
        assert address.user.email == email


def test_running_it_twice_changes_nothing_but_the_password():
    seed("first-demo-password-1")
    first = counts()

    seed()

    assert counts() == first
    admin = User.objects.get(email="admin@demo.test")
    assert admin.check_password(DEMO_PASSWORD)
    assert not admin.check_password("first-demo-password-1")


def test_output_lists_every_account():
    output = seed()

    for email, role in DEMO_ACCOUNTS.items():
        line = next((line for line in output.splitlines() if email in line.split()), None)
        assert line is not None, email
        assert role.label in line


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_each_demo_account_signs_in_through_the_real_form(email, sign_in):
    seed()
    browser = Client()

    response = sign_in(browser, email, DEMO_PASSWORD)

    assert response.status_code == 302
    user = User.objects.get(email=email)
    assert browser.session[SESSION_KEY] == str(user.pk)
    if DEMO_ACCOUNTS[email] == Role.MEMBER:
        # Members meet the "before you start" page first.
        assert response["Location"] == "/start/"
        assert browser.get("/start/").status_code == 200
    else:
        # Staff give a code from the authenticator app set up with the printed key, then go home.
        assert browser.get("/home/")["Location"].startswith(VERIFY)
        response = pass_second_step(browser, user)
        assert response["Location"] == "/home/"
        assert browser.get("/home/").status_code == 200


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="not run in production"):
        seed()

    assert not User.objects.exists()

"""A curious insider with an administrator's account has no way into anyone's account.

Threat model 4. Each test tries what an administrator could try, in Django's admin or the
Wagtail admin, and checks what the database holds afterwards: the password hash, the addresses,
the role, the events that tell the account's owner.
"""

import re
from datetime import datetime, timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.test import Client

from portal.accounts.models import AccountEvent, Role, User
from portal.accounts.services.staff import account_admin_change
from tests.conftest import PortalClient
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "insider-knows-this-one-52"
ATTACKER_EMAIL = "insider@example.net"
USERS = "/django-admin/accounts/user/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def admin_change(client, user, **fields):
    """Post the account's change form as an administrator would, every field included."""
    data = {"role": user.role, "organisation": user.organisation_id or "", "_save": "Save", **fields}
    if data.pop("is_active", user.is_active):
        data["is_active"] = "on"
    return client.post(f"{USERS}{user.pk}/change/", {k: v for k, v in data.items() if v is not None})


def invite(client, email="new.worker@example.org", role=Role.WORKER, organisation=None, **extra):
    organisation = organisation or OrganisationFactory()
    data = {"email": email, "role": role, "organisation": organisation.pk, "_save": "Save", **extra}
    return client.post(f"{USERS}add/", data)


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def choose_password(reset_path: str, password: str) -> Client:
    """Follow the link in a fresh browser, as the invited person does, and submit the form."""
    browser = Client()
    page = browser.get(reset_path, follow=True)
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else reset_path
    browser.post(form_path, {"password1": password, "password2": password})
    return browser


# --- Passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_djangos_set_password_form_is_not_served(admin_client, member, password, method):
    hash_before = member.password

    response = getattr(admin_client, method)(
        f"{USERS}{member.pk}/password/",
        {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 404
    member.refresh_from_db()
    assert member.password == hash_before
    assert member.check_password(password)


def test_the_change_form_shows_no_hash_and_no_way_to_set_one(admin_client, member):
    response = admin_client.get(f"{USERS}{member.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert member.password not in page
    assert member.password.split("$")[-1] not in page
    assert 'name="password' not in page
    assert "/password/" not in page


def test_posting_a_password_or_an_address_on_the_change_form_changes_neither(admin_client, member, password):
    hash_before = member.password

    admin_change(admin_client, member, password="argon2$made-up", email=ATTACKER_EMAIL)

    member.refresh_from_db()
    assert member.password == hash_before
    assert member.check_password(password)
    assert member.email != ATTACKER_EMAIL
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [member.email]


def test_djangos_own_change_password_page_is_not_served(admin_client, admin_user, password):
    response = admin_client.post(
        "/django-admin/password_change/",
        {"old_password": password, "new_password1": ATTACKER_PASSWORD, "new_password2": ATTACKER_PASSWORD},
    )

    assert response.status_code == 404
    admin_user.refresh_from_db()
    assert admin_user.check_password(password)


# --- Addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/django-admin/account/emailaddress/", "/django-admin/account/emailconfirmation/"])
def test_allauths_address_admin_is_not_served(admin_client, path):
    assert admin_client.get(path).status_code == 404
    assert admin_client.get(f"{path}add/").status_code == 404


def test_an_administrator_cannot_attach_a_confirmed_address_to_an_account(admin_client, member):
    response = admin_client.post(
        "/django-admin/account/emailaddress/add/",
        {"user": member.pk, "email": ATTACKER_EMAIL, "verified": "on", "primary": "on", "_save": "Save"},
    )

    assert response.status_code == 404
    assert not EmailAddress.objects.filter(email=ATTACKER_EMAIL).exists()
    assert not EmailConfirmation.objects.exists()
    assert EmailAddress.objects.get(user=member).email == member.email


def test_an_address_cannot_be_confirmed_from_the_admin(admin_client):
    waiting = User.objects.create_user("waiting@example.org", "a-long-passphrase-9")
    address = EmailAddress.objects.create(user=waiting, email=waiting.email, verified=False, primary=True)

    admin_client.post(
        "/django-admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [address.pk], "index": 0},
    )

    address.refresh_from_db()
    assert address.verified is False


# --- The Wagtail admin -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "add/", "{pk}/", "{pk}/delete/", "{pk}/history/"])
def test_wagtails_user_management_is_not_served(admin_client, member, password, suffix):
    hash_before = member.password
    path = "/admin/users/" + suffix.format(pk=member.pk)

    got = admin_client.get(path)
    posted = admin_client.post(
        path,
        {"email": ATTACKER_EMAIL, "password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD, "is_active": "on"},
    )

    assert got.status_code == 404
    assert posted.status_code == 404
    member.refresh_from_db()
    assert member.password == hash_before
    assert member.email != ATTACKER_EMAIL
    assert User.objects.filter(pk=member.pk).exists()
    assert not EmailAddress.objects.filter(email=ATTACKER_EMAIL).exists()


@pytest.mark.parametrize("action", ["set_active_state", "delete", "assign_role"])
def test_wagtails_bulk_actions_on_accounts_are_not_served(admin_client, member, action):
    response = admin_client.post(
        f"/admin/bulk/accounts/user/{action}/?id={member.pk}", {"mark_as_active": "", "role": ""}
    )

    assert response.status_code == 404
    member.refresh_from_db()
    assert member.is_active


def test_the_wagtail_admin_offers_no_user_management(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "/admin/users/" not in page
    assert "/admin/groups/" in page, "the settings menu is still there, with groups"


def test_wagtails_account_page_changes_nobodys_address(admin_client, admin_user):
    admin_client.post(
        "/admin/account/",
        {"name_email-email": ATTACKER_EMAIL, "name_email-first_name": "", "name_email-last_name": ""},
    )

    admin_user.refresh_from_db()
    assert admin_user.email != ATTACKER_EMAIL
    assert not EmailAddress.objects.filter(email=ATTACKER_EMAIL).exists()


# --- Staff are invited, and choose their own password ------------------------------------------


def test_the_add_form_has_no_password_fields(admin_client):
    page = admin_client.get(f"{USERS}add/").content.decode()

    assert 'name="email"' in page
    assert 'name="role"' in page
    assert 'name="password' not in page
    assert 'value="member"' not in page, "members sign themselves up"


def test_an_invited_worker_chooses_their_own_password_once(
    admin_client, admin_user, mailoutbox, assert_neutral, new_password, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            admin_client, organisation=organisation, password1=ATTACKER_PASSWORD, password2=ATTACKER_PASSWORD
        )

    assert response.status_code == 302
    worker = User.objects.get(email="new.worker@example.org")
    assert (worker.role, worker.organisation, worker.is_superuser) == (Role.WORKER, organisation, False)
    assert not worker.has_usable_password(), "nobody but the worker chooses the password"
    assert not worker.check_password(ATTACKER_PASSWORD)
    address = EmailAddress.objects.get(user=worker)
    assert (address.email, address.verified) == (worker.email, False), "the worker confirms it, not the admin"
    invited = AccountEvent.objects.get(user=worker, kind=AccountEvent.Kind.STAFF_INVITED)
    assert invited.actor == admin_user
    [invitation] = [m for m in mailoutbox if "password" in m.body and "/reset/key/" in m.body]
    assert invitation.to == [worker.email]
    assert invitation.subject == "Daybook: Your new account"
    assert "3 days" in invitation.body
    assert_neutral(invitation)
    [link] = links_in(invitation)
    reset_path = path_of(link)

    choose_password(reset_path, new_password)

    worker.refresh_from_db()
    assert worker.check_password(new_password)
    hash_after_first_use = worker.password
    second = choose_password(reset_path, ATTACKER_PASSWORD)
    worker.refresh_from_db()
    assert worker.password == hash_after_first_use, "the link works once"
    assert not worker.check_password(ATTACKER_PASSWORD)
    assert SESSION_KEY not in second.session


def test_the_invited_worker_signs_in_after_confirming_their_address(
    admin_client, mailoutbox, new_password, sign_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin_client)
    worker = User.objects.get(email="new.worker@example.org")
    [invitation] = [m for m in mailoutbox if "/reset/key/" in m.body]
    choose_password(path_of(links_in(invitation)[0]), new_password)
    mailoutbox.clear()
    browser = Client()

    sign_in(browser, worker.email, new_password)
    [confirmation] = mailoutbox
    browser.post(path_of(links_in(confirmation)[0]))

    assert EmailAddress.objects.get(user=worker).verified
    assert browser.session[SESSION_KEY] == str(worker.pk)


@pytest.mark.parametrize(("seconds_late", "works"), [(-60, True), (60, False)])
def test_the_invitation_expires(
    admin_client,
    mailoutbox,
    new_password,
    settings,
    monkeypatch,
    seconds_late,
    works,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin_client)
    [invitation] = [m for m in mailoutbox if "/reset/key/" in m.body]
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + seconds_late)  # noqa: DTZ005 - Django's token clock is naive
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    choose_password(path_of(links_in(invitation)[0]), new_password)

    worker = User.objects.get(email="new.worker@example.org")
    assert worker.check_password(new_password) is works
    assert worker.has_usable_password() is works


def test_an_address_already_in_use_is_not_invited_again(admin_client, member, mailoutbox):
    response = invite(admin_client, email=member.email.upper())

    assert response.status_code == 200, "the form is shown again with a message"
    assert User.objects.filter(email__iexact=member.email).count() == 1
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert mailoutbox == []


def test_a_member_cannot_be_made_from_the_admin(admin_client, mailoutbox):
    invite(admin_client, email="someone@example.org", role=Role.MEMBER)

    assert not User.objects.filter(email="someone@example.org").exists()
    assert mailoutbox == []


# --- What an administrator may change is recorded and shown ------------------------------------


def test_role_and_organisation_changes_are_recorded_and_shown_to_the_person(
    admin_client, admin_user, worker, mailoutbox, django_capture_on_commit_callbacks
):
    new_organisation = OrganisationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_change(admin_client, worker, role=Role.COORDINATOR, organisation=new_organisation.pk)

    assert response.status_code == 302
    worker.refresh_from_db()
    assert (worker.role, worker.organisation) == (Role.COORDINATOR, new_organisation)
    events = AccountEvent.objects.filter(user=worker, actor=admin_user)
    assert set(events.values_list("kind", flat=True)) == {
        AccountEvent.Kind.ROLE_CHANGED,
        AccountEvent.Kind.ORGANISATION_CHANGED,
    }
    assert {m.to[0] for m in mailoutbox} == {worker.email}
    assert len(mailoutbox) == 2
    worker_browser = PortalClient()
    worker_browser.force_login(worker)
    listed = worker_browser.get("/accounts/two-step/").content.decode()
    assert "Role changed by an administrator" in listed
    assert "Organisation changed by an administrator" in listed


def test_closing_an_account_signs_it_out_and_reopening_is_recorded(admin_client, admin_user, editor):
    editors_browser = PortalClient()
    editors_browser.force_login(editor)
    assert editors_browser.get("/admin/").status_code == 200
    session_key = editors_browser.session.session_key

    admin_change(admin_client, editor, is_active=False)

    editor.refresh_from_db()
    assert editor.is_active is False
    assert not Session.objects.filter(session_key=session_key).exists()
    admin_change(admin_client, editor, is_active=True)
    kinds = list(AccountEvent.objects.filter(user=editor, actor=admin_user).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([AccountEvent.Kind.DEACTIVATED, AccountEvent.Kind.REACTIVATED])


def test_saving_without_a_change_records_nothing(admin_client, worker):
    admin_change(admin_client, worker)

    assert not AccountEvent.objects.filter(user=worker, actor__isnull=False).exists()


def test_a_members_role_cannot_be_changed(admin_client, member):
    admin_change(admin_client, member, role=Role.ADMIN)

    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert member.is_superuser is False
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.ROLE_CHANGED).exists()


def test_superuser_follows_the_administrator_role(admin_user, editor):
    account_admin_change(user=editor, actor=admin_user, role=Role.ADMIN, organisation=None, is_active=True)
    editor.refresh_from_db()
    assert editor.is_superuser

    account_admin_change(user=editor, actor=admin_user, role=Role.EDITOR, organisation=None, is_active=True)
    editor.refresh_from_db()
    assert editor.is_superuser is False


def test_accounts_cannot_be_deleted_from_the_admin(admin_client, member):
    page = admin_client.post(f"{USERS}{member.pk}/delete/", {"post": "yes"})
    action = admin_client.post(USERS, {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"})

    assert page.status_code == 403
    assert action.status_code in (200, 302)
    assert User.objects.filter(pk=member.pk).exists()

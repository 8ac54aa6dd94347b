"""What each role is and grants: organisations for workers, admin access, staff flag, hashing."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from portal.accounts.auth import RoleBackend
from portal.accounts.errors import NotAllowed
from portal.accounts.models import Role, User
from portal.accounts.services.staff import staff_account_create
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ACCESS_ADMIN = "wagtailadmin.access_admin"
ROLE_FIXTURES = {
    "member": Role.MEMBER,
    "worker": Role.WORKER,
    "coordinator": Role.COORDINATOR,
    "editor": Role.EDITOR,
    "admin_user": Role.ADMIN,
}


# --- Organisations ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WORKER, Role.COORDINATOR])
def test_the_database_refuses_a_worker_or_coordinator_without_an_organisation(role):
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="lone@example.org", role=role, organisation=None).save()

    assert not User.objects.filter(email="lone@example.org").exists()


@pytest.mark.parametrize("role", [Role.WORKER, Role.COORDINATOR])
def test_creating_a_worker_or_coordinator_without_an_organisation_is_a_validation_error(role, admin_user):
    with pytest.raises(ValidationError, match="must belong to an organisation"):
        staff_account_create(email="lone@example.org", role=role, actor=admin_user)

    assert not User.objects.filter(email="lone@example.org").exists()


@pytest.mark.parametrize("role", [Role.WORKER, Role.COORDINATOR])
def test_taking_a_workers_organisation_away_is_refused(role, admin_user):
    user = staff_account_create(
        email="staff@example.org", role=role, organisation=OrganisationFactory(), actor=admin_user
    )

    user.organisation = None
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save(update_fields=["organisation"])


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EDITOR, Role.ADMIN])
def test_other_roles_need_no_organisation(role):
    user = User.objects.create_user("someone@example.org", "a-long-passphrase-9", role=role)

    assert user.pk is not None
    assert user.organisation is None


def test_members_cannot_be_made_through_the_staff_service(admin_user):
    with pytest.raises(NotAllowed, match="sign themselves up"):
        staff_account_create(email="m@example.org", role=Role.MEMBER, actor=admin_user)

    assert not User.objects.filter(email="m@example.org").exists()


@pytest.mark.parametrize("role", [Role.WORKER, Role.COORDINATOR, Role.EDITOR, Role.ADMIN])
def test_staff_accounts_start_with_no_password_and_an_unconfirmed_address(role, admin_user):
    user = staff_account_create(
        email="Staff@Example.org", role=role, organisation=OrganisationFactory(), actor=admin_user
    )

    assert user.email == "staff@example.org"
    assert not user.has_usable_password()
    assert user.is_superuser is (role == Role.ADMIN)
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("staff@example.org", False, True)
    ]


# --- Permissions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture_name", "may_use_admin"),
    [("member", False), ("worker", False), ("coordinator", False), ("editor", True), ("admin_user", True)],
)
def test_role_backend_grants_wagtail_admin_access_only_to_editors_and_admins(request, fixture_name, may_use_admin):
    user = request.getfixturevalue(fixture_name)
    # Not a superuser, so the answer comes from the role alone.
    user.is_superuser = False

    assert RoleBackend().has_perm(user, ACCESS_ADMIN) is may_use_admin
    assert user.has_perm(ACCESS_ADMIN) is may_use_admin


def test_role_backend_grants_nothing_to_an_inactive_editor(editor):
    editor.is_active = False

    assert not RoleBackend().has_perm(editor, ACCESS_ADMIN)
    assert not editor.has_perm(ACCESS_ADMIN)


def test_role_backend_grants_no_permission_on_a_particular_object(editor, member):
    assert not RoleBackend().has_perm(editor, ACCESS_ADMIN, obj=member)


def test_role_backend_never_signs_anyone_in(rf, editor, password):
    assert RoleBackend().authenticate(rf.get("/"), email=editor.email, password=password) is None


@pytest.mark.parametrize(
    ("fixture_name", "status"),
    [("member", 403), ("worker", 403), ("coordinator", 403), ("editor", 200), ("admin_user", 200)],
)
def test_only_editors_and_admins_reach_the_wagtail_admin(client, request, fixture_name, status):
    user = request.getfixturevalue(fixture_name)
    user.is_superuser = False
    user.save(update_fields=["is_superuser"])
    client.force_login(user)

    assert client.get("/admin/").status_code == status


def test_anonymous_visitors_to_the_wagtail_admin_are_sent_to_the_portal_sign_in(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- The staff flag -----------------------------------------------------------------


@pytest.mark.parametrize("fixture_name", ROLE_FIXTURES)
def test_is_staff_only_for_admins(request, fixture_name):
    user = request.getfixturevalue(fixture_name)

    assert user.is_staff is (ROLE_FIXTURES[fixture_name] == Role.ADMIN)


def test_an_inactive_admin_is_not_staff(admin_user):
    admin_user.is_active = False

    assert admin_user.is_staff is False


@pytest.mark.parametrize(("fixture_name", "status"), [("editor", 403), ("worker", 403), ("admin_user", 200)])
def test_only_admins_reach_djangos_admin(client, request, fixture_name, status):
    client.force_login(request.getfixturevalue(fixture_name))

    assert client.get("/django-admin/").status_code == status


# --- Password hashing ---------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(member):
    assert member.password.startswith("argon2")


def test_a_signed_up_members_password_is_hashed_with_argon2(client):
    password = "a-long-passphrase-9"
    client.post("/accounts/signup/", {"email": "new@example.org", "password1": password, "password2": password})

    user = User.objects.get(email="new@example.org")
    assert user.password.startswith("argon2$")
    assert password not in user.password


def test_an_older_hash_is_upgraded_to_argon2_at_sign_in(member, password, sign_in):
    member.password = make_password(password, hasher="pbkdf2_sha256")
    member.save(update_fields=["password"])
    browser = Client()

    sign_in(browser, member.email, password)

    assert browser.session[SESSION_KEY] == str(member.pk)
    member.refresh_from_db()
    assert member.password.startswith("argon2$")

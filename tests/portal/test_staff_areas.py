"""Who gets into the staff areas: the Wagtail admin (/admin/) and Django's admin (/django-admin/).

Threat model 4: an insider must not wander into an area their role has no business in.
Both admins sign in through the portal's own sign-in page (lockout, verification, 2FA).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from wagtail.models import Page, PageViewRestriction, Site

from tests.two_step import VERIFY, pass_second_step

ROLES = ["member", "worker", "coordinator", "editor", "admin_user"]
WAGTAIL_ADMIN_ROLES = {"editor", "admin_user"}
DJANGO_ADMIN_ROLES = {"admin_user"}


def _assert_neutral_403(response):
    assert response.status_code == 403
    assert b"data-quick-exit" in response.content
    assert f"<title>{settings.SITE_NAME} – Not available</title>".encode() in response.content
    # Made by the middleware in front of the admin, yet framed no more than any other page.
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", ROLES)
def test_wagtail_admin_is_for_editors_and_admins(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/admin/")

    if role in WAGTAIL_ADMIN_ROLES:
        assert response.status_code == 200
    else:
        _assert_neutral_403(response)


@pytest.mark.parametrize("role", sorted(set(ROLES) - WAGTAIL_ADMIN_ROLES))
@pytest.mark.parametrize("path", ["/admin/pages/", "/admin/images/", "/admin/snippets/", "/admin/api/main/pages/"])
def test_wagtail_admin_is_closed_beyond_its_front_page_too(client, request, role, path):
    client.force_login(request.getfixturevalue(role))

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_django_admin_is_for_admins_only(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/django-admin/")

    if role in DJANGO_ADMIN_ROLES:
        assert response.status_code == 200
    else:
        _assert_neutral_403(response)


@pytest.mark.parametrize("role", sorted(set(ROLES) - DJANGO_ADMIN_ROLES))
def test_django_admin_is_closed_beyond_its_front_page_too(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get("/django-admin/accounts/user/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/",
        "/admin/users/add/",
        "/admin/users/1/",
        "/admin/bulk/accounts/user/set_active_state/",
        "/django-admin/password_change/",
    ],
)
def test_addresses_that_reach_into_accounts_are_served_to_nobody(client, request, role, path):
    """Wagtail's user management sets passwords and addresses; administrators are superusers there."""
    client.force_login(request.getfixturevalue(role))

    assert client.get(path).status_code == 404
    assert client.post(path, {"password1": "x", "password2": "x"}).status_code == 404


def test_deactivated_editor_is_signed_out_of_the_wagtail_admin(client, editor):
    client.force_login(editor)
    editor.is_active = False
    editor.save(update_fields=["is_active"])

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/django-admin/", "/django-admin/accounts/user/"])
def test_anonymous_visitors_are_sent_to_the_portal_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_admin_login_pages_send_visitors_to_the_portal_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"


def test_editor_signing_in_from_the_admin_login_ends_up_in_the_admin(client, editor, password):
    sign_in = client.get("/admin/login/")["Location"]

    response = client.post(sign_in, {"login": editor.email, "password": password}, follow=True)
    assert response.request["PATH_INFO"] == VERIFY, "the second step comes first"
    response = pass_second_step(client, editor, response.redirect_chain[-1][0], follow=True)

    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/"


def test_admin_login_does_not_send_anyone_off_site(client, editor):
    client.force_login(editor)

    response = client.get("/admin/login/", {"next": "https://evil.example/"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == ["/admin/"]


def test_admin_logout_uses_the_portal_sign_out(client, editor):
    client.force_login(editor)

    response = client.get("/admin/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/logout/"


def test_wagtail_front_end_login_form_is_not_served(client, member, password):
    # Wagtail's own login form would skip email verification and the second factor.
    response = client.get("/_util/login/", {"next": "/some-page/"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == ["/some-page/"]
    posted = client.post("/_util/login/", {"username": member.email, "password": password})
    assert posted.status_code == 302
    assert urlsplit(posted["Location"]).path == "/accounts/login/"
    assert client.get("/home/").status_code == 302  # still signed out


def test_advice_pages_for_signed_in_people_use_the_portal_sign_in(client, db):
    home = Site.objects.get(is_default_site=True).root_page
    page = home.add_child(instance=Page(title="Members only", slug="members-only"))
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(page.url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={page.url}"

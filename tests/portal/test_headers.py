"""Response headers: nothing a signed-in person sees is cached, and every page is locked down.

Threat model 1: Back and the browser cache must show nothing after a quick exit or sign-out.
The pages are found by walking the URL resolver, so a new page is covered without a new test.
"""

import pytest

from tests.portal.support import (
    KNOWN_SIGNED_IN_PATHS,
    NOT_FOUND_PATH,
    content_security_policy,
    parameterless_paths,
)

PORTAL_PATHS = parameterless_paths()
SIGNED_IN_PATHS = [*PORTAL_PATHS, NOT_FOUND_PATH]


def assert_not_stored(response):
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= cache_control, response.get("Cache-Control")


def assert_strict_csp(response):
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    policy = content_security_policy(response)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


# Pages with a "use my location" button or box may ask for the location, from this site only.
LOCATION_PAGES = {"/notes/new/", "/steps/send/"}


def assert_locked_down(response):
    """The headers every response carries, whoever asks and whatever the status."""
    # Either keeps the portal's address from the neutral site the quick exit opens.
    assert response.get("Referrer-Policy") in {"no-referrer", "same-origin"}
    permissions = {item.strip() for item in response.get("Permissions-Policy", "").split(",")}
    asks_location = response.status_code == 200 and response.wsgi_request.path in LOCATION_PAGES
    location = "geolocation=(self)" if asks_location else "geolocation=()"
    assert {"camera=()", "microphone=()", location} <= permissions
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin"
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert response.get("X-Frame-Options") == "DENY"


def test_resolver_walk_finds_the_signed_in_pages():
    assert KNOWN_SIGNED_IN_PATHS <= set(PORTAL_PATHS)
    assert not any(path.startswith(("/admin/", "/django-admin/")) for path in PORTAL_PATHS)


@pytest.mark.parametrize("path", SIGNED_IN_PATHS)
def test_signed_in_responses_are_not_stored_and_locked_down(client, member, path):
    client.force_login(member)

    response = client.get(path)

    assert_not_stored(response)
    assert_strict_csp(response)
    assert_locked_down(response)


@pytest.mark.parametrize("path", SIGNED_IN_PATHS)
def test_public_responses_are_locked_down(client, db, path):
    response = client.get(path)

    assert_strict_csp(response)
    assert_locked_down(response)


def test_home_is_not_stored_for_any_role(client, any_user):
    client.force_login(any_user)

    response = client.get("/home/")

    assert response.status_code == 200
    assert_not_stored(response)
    assert_strict_csp(response)
    assert_locked_down(response)


def test_page_shown_after_sign_in_form_is_not_stored(client, member, password):
    # The sign-in POST itself, and the page it leads to, as a real browser would see them.
    response = client.post("/accounts/login/", {"login": member.email, "password": password})

    assert response.status_code == 302
    assert_not_stored(response)
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert home.request["PATH_INFO"] == "/home/"
    assert member.email.encode() in home.content
    assert_not_stored(home)
    assert_locked_down(home)


def test_wagtail_admin_gets_its_looser_policy_and_nothing_else(client, editor):
    client.force_login(editor)

    response = client.get("/admin/")

    assert response.status_code == 200
    policy = content_security_policy(response)
    assert "'unsafe-inline'" in policy["script-src"]
    # The loosening is for the admin's own scripts only; the rest of the policy holds.
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert_not_stored(response)
    assert_locked_down(response)


@pytest.mark.parametrize("path", ["/home/", "/accounts/email/", "/administrator/", "/adminx/", NOT_FOUND_PATH])
def test_editor_gets_the_strict_policy_outside_the_wagtail_admin(client, editor, path):
    client.force_login(editor)

    response = client.get(path)

    assert_strict_csp(response)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/help/using-this-site/"])
def test_public_pages_keep_the_strict_policy(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict_csp(response)


def test_django_admin_is_not_stored_and_keeps_the_strict_policy(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/django-admin/")

    assert response.status_code == 200
    assert_not_stored(response)
    assert_strict_csp(response)
    assert_locked_down(response)


@pytest.mark.parametrize("role", ["member", "worker", "coordinator"])
def test_people_turned_away_from_the_wagtail_admin_keep_the_strict_policy(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get("/admin/")

    assert response.status_code == 403
    assert_strict_csp(response)


def test_anonymous_visitor_sent_away_from_the_wagtail_admin_keeps_the_strict_policy(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert_strict_csp(response)

"""Lockout (django-axes): five wrong passwords for one address from one place pause signing in."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HERE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
WRONG = "not-the-password-1"
LOCKED_STATUS = 429  # axes' AXES_HTTP_RESPONSE_CODE: Too Many Requests
LOCKED_TEXT = "Signing in is paused"
WRONG_PASSWORD_TEXT = "are not correct"


@pytest.fixture(autouse=True)
def _documented_limits(settings):
    """The defaults from settings.py, whatever the environment running the tests says."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0


def attempt(email, password, ip=HERE, browser=None):
    browser = browser or Client()
    return browser.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def fail_five_times(email, ip=HERE):
    """Five wrong passwords; returns the responses."""
    return [attempt(email, WRONG, ip) for _ in range(5)]


def assert_locked(response):
    assert response.status_code == LOCKED_STATUS
    page = response.content.decode()
    assert LOCKED_TEXT in page
    assert "Please wait 15 minutes and try again." in page
    assert 'href="/accounts/password/reset/"' in page


def _without_csrf(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def test_five_wrong_passwords_then_even_the_right_one_is_refused(member, password):
    responses = fail_five_times(member.email)

    for response in responses[:4]:
        assert response.status_code == 200
        assert WRONG_PASSWORD_TEXT in response.content.decode()
    # The fifth failure reaches the limit, and its answer is already the lockout page.
    assert_locked(responses[4])

    browser = Client()
    sixth = attempt(member.email, password, browser=browser)

    assert_locked(sixth)
    assert SESSION_KEY not in browser.session
    assert browser.get("/home/")["Location"].startswith("/accounts/login/")


def test_the_lock_is_for_that_address_from_that_place_only(member, other_member, password):
    fail_five_times(member.email)

    same_address_elsewhere = Client()
    response = attempt(member.email, password, ELSEWHERE, browser=same_address_elsewhere)
    assert response.status_code == 302
    assert same_address_elsewhere.session[SESSION_KEY] == str(member.pk)

    other_address_here = Client()
    response = attempt(other_member.email, password, HERE, browser=other_address_here)
    assert response.status_code == 302
    assert other_address_here.session[SESSION_KEY] == str(other_member.pk)

    # Signing in elsewhere did not lift the lock here.
    assert_locked(attempt(member.email, password, HERE))


def test_the_lock_is_kept_in_the_database(member, password):
    """Every app server shares the lock: it lives in the database, not in one server's cache."""
    fail_five_times(member.email)

    row = AccessAttempt.objects.get(username=member.email, ip_address=HERE)
    assert row.failures_since_start == 5
    cache.clear()
    assert_locked(attempt(member.email, password))


def test_capitals_and_spaces_in_the_address_do_not_get_round_the_lock(member, password):
    variants = [member.email.upper(), f" {member.email} ", member.email.capitalize()]
    for variant in [*variants, member.email, member.email]:
        attempt(variant, WRONG)

    assert AccessAttempt.objects.get().username == member.email
    assert_locked(attempt(member.email, password))


def test_an_unknown_address_locks_the_same_way_as_a_known_one(member):
    unknown = "nobody.here@example.org"

    known_answers = [attempt(member.email, WRONG) for _ in range(6)]
    unknown_answers = [attempt(unknown, WRONG) for _ in range(6)]

    def seen(response, email):
        body = response.content.decode().replace(email, "EMAIL")
        return response.status_code, _without_csrf(body)

    assert [seen(r, member.email) for r in known_answers] == [seen(r, unknown) for r in unknown_answers]
    assert AccessAttempt.objects.filter(username=unknown, ip_address=HERE).exists()


def test_the_lock_lifts_after_the_cool_off(member, password):
    fail_five_times(member.email)

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert_locked(attempt(member.email, password))

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    browser = Client()
    response = attempt(member.email, password, browser=browser)
    assert response.status_code == 302
    assert browser.session[SESSION_KEY] == str(member.pk)


def test_the_page_states_the_configured_cool_off(member, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)

    response = fail_five_times(member.email)[-1]

    assert response.status_code == LOCKED_STATUS
    assert "Please wait 30 minutes and try again." in response.content.decode()


def test_a_successful_sign_in_clears_earlier_failures(member, password):
    """Four slips, then the right password: the count starts again rather than locking at the next slip."""
    for _ in range(4):
        attempt(member.email, WRONG)
    assert attempt(member.email, password).status_code == 302

    response = attempt(member.email, WRONG)

    assert response.status_code == 200
    assert WRONG_PASSWORD_TEXT in response.content.decode()


def test_allauth_rate_limits_do_not_answer_before_the_lockout(password):
    """Ten failures from one place (two addresses) and two more tries: each answer is still the
    lockout page. allauth's default limits (5 failures per address, 10 per IP a minute) would have
    answered with a form error first, and axes would never have counted those tries."""
    people = MemberFactory.create_batch(2)
    for person in people:
        fail_five_times(person.email)

    for person in people:
        assert_locked(attempt(person.email, password))


# --- Behind the TLS proxy -----------------------------------------------------------

PROXY = "10.0.0.2"


def attempt_via_proxy(email, password, forwarded_for, browser=None):
    browser = browser or Client()
    return browser.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_get_round_the_lock(member, password):
    for n in range(5):
        attempt_via_proxy(member.email, WRONG, forwarded_for=f"192.0.2.{n}")

    assert_locked(attempt_via_proxy(member.email, password, forwarded_for="192.0.2.99"))
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_behind_a_trusted_proxy_each_client_is_locked_separately(member, password, settings):
    """Clients behind the one proxy must not share one lock: the proxy is not the client."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        attempt_via_proxy(member.email, WRONG, forwarded_for=HERE)

    assert_locked(attempt_via_proxy(member.email, password, forwarded_for=HERE))
    # A client cannot escape by prepending an address of its own choosing.
    assert_locked(attempt_via_proxy(member.email, password, forwarded_for=f"192.0.2.1, {HERE}"))
    assert AccessAttempt.objects.get().ip_address == HERE
    elsewhere = Client()
    response = attempt_via_proxy(member.email, password, forwarded_for=ELSEWHERE, browser=elsewhere)
    assert response.status_code == 302
    assert elsewhere.session[SESSION_KEY] == str(member.pk)


def test_successful_sign_ins_leave_no_record_of_where_they_came_from(member, password):
    """If the database leaks, it must not hold a history of a member's addresses."""
    attempt(member.email, WRONG)
    assert attempt(member.email, password).status_code == 302

    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists(), "the failure is forgotten once they sign in"

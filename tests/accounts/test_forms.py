"""No account enumeration: a known and an unknown address get the same answer everywhere.

Each test makes the same request for an address that has an account and one that does not,
each from a fresh browser, and compares what comes back once the CSRF token and the address
itself are taken out.
"""

import re
import statistics
import time

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from portal.accounts.models import User
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

KNOWN = "known.person@example.org"
UNKNOWN = "nobody.here@example.org"
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|name="csrf-token" content=)"[^"]*"')


@pytest.fixture
def known(db):
    return MemberFactory(email=KNOWN)


def sign_in_wrongly(browser, email):
    return browser.post("/accounts/login/", {"login": email, "password": "not-the-password-1"})


def sign_up(browser, email):
    data = {"email": email, "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    return browser.post("/accounts/signup/", data)


def request_reset(browser, email):
    return browser.post("/accounts/password/reset/", {"email": email})


def seen_by_the_visitor(response, email: str) -> dict:
    """What a visitor can observe, with the address and the per-request token removed."""
    body = response.content.decode()
    body = CSRF.sub(r'\1"TOKEN"', body)
    body = re.sub(re.escape(email), "EMAIL", body, flags=re.IGNORECASE)
    body = body.replace(email.replace("@", "%40"), "EMAIL")
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "cookies": sorted(response.cookies),
        "body": body,
    }


def both(request, *, known_email=KNOWN, unknown_email=UNKNOWN):
    """The same request for both addresses: each response, and the page it leads to."""
    results = []
    for email in (known_email, unknown_email):
        browser = Client()
        response = request(browser, email)
        seen = [seen_by_the_visitor(response, email)]
        if response.status_code == 302:
            seen.append(seen_by_the_visitor(browser.get(response["Location"]), email))
        results.append(seen)
    return results


def test_failed_sign_in_is_the_same_for_known_and_unknown_addresses(known):
    for_known, for_unknown = both(sign_in_wrongly)

    assert for_known[0]["status"] == 200
    assert "are not correct" in for_known[0]["body"]
    assert for_known == for_unknown


def test_sign_up_is_the_same_for_a_taken_and_a_new_address(known, mailoutbox, password, assert_neutral):
    for_known, for_unknown = both(sign_up)

    assert for_known[0]["location"] == "/accounts/confirm-email/"
    assert "Check your email" in for_known[1]["body"]
    assert for_known == for_unknown
    # Only the owner of the taken address learns about the attempt, by email.
    to_known = [m for m in mailoutbox if m.to == [KNOWN]]
    assert len(to_known) == 1
    assert "already exists" in to_known[0].body
    assert_neutral(to_known[0])
    # ...and the existing account is untouched.
    assert User.objects.filter(email=KNOWN).count() == 1
    known.refresh_from_db()
    assert known.check_password(password)


def test_a_sign_up_for_a_taken_address_differing_only_in_case_is_the_same_too(known):
    for_known, for_unknown = both(sign_up, known_email=KNOWN.upper())

    assert for_known == for_unknown
    assert User.objects.filter(email__iexact=KNOWN).count() == 1


def test_password_reset_request_is_the_same_for_known_and_unknown_addresses(known, mailoutbox):
    for_known, for_unknown = both(request_reset)

    assert for_known[0]["location"] == "/accounts/password/reset/done/"
    assert for_known == for_unknown
    # The known address gets a link; the unknown one gets no way into any account.
    to_known = [m for m in mailoutbox if m.to == [KNOWN]]
    to_unknown = [m for m in mailoutbox if m.to == [UNKNOWN]]
    assert len(to_known) == 1
    assert "/accounts/password/reset/key/" in to_known[0].body
    assert all("/accounts/password/reset/key/" not in m.body for m in to_unknown)


# --- Time taken ---------------------------------------------------------------------
# Hashing a password with Argon2 takes a noticeable fraction of a second: a path that skips it
# for one kind of address answers measurably faster, and the difference names the address.


@pytest.fixture
def password_hashes(monkeypatch):
    """Counts the Argon2 hashes computed, whether to store a password or to check one."""
    count = {"n": 0}

    def counting(method):
        def counted(self, *args, **kwargs):
            count["n"] += 1
            return method(self, *args, **kwargs)

        return counted

    monkeypatch.setattr(Argon2PasswordHasher, "encode", counting(Argon2PasswordHasher.encode))
    monkeypatch.setattr(Argon2PasswordHasher, "verify", counting(Argon2PasswordHasher.verify))
    return count


@pytest.mark.parametrize("request_for", [sign_up, sign_in_wrongly, request_reset])
def test_known_and_unknown_addresses_cost_the_same_password_hashing(known, password_hashes, request_for):
    request_for(Client(), KNOWN)
    for_known = password_hashes["n"]
    password_hashes["n"] = 0

    request_for(Client(), UNKNOWN)

    assert for_known == password_hashes["n"]


def test_sign_up_takes_as_long_for_a_taken_address_as_for_a_new_one(known):
    def median_seconds(emails):
        times = []
        for email in emails:
            started = time.perf_counter()
            sign_up(Client(), email)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    # Each taken-address try is a new address that already has an account.
    taken = [MemberFactory().email for _ in range(5)]
    new = [f"new{n}@example.org" for n in range(5)]

    for_taken, for_new = median_seconds(taken), median_seconds(new)

    # Generous bounds: skipping the hash makes one side several times faster.
    assert 0.5 < for_taken / for_new < 2, (for_taken, for_new)

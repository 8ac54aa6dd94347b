"""The list of places an account is signed in, and signing out of all the others."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AccountEvent, SignedInSession
from portal.accounts.services.sessions import describe_browser
from portal.security import SESSION_LAST_SEEN_KEY
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

SESSIONS_URL = "/accounts/sessions/"
END_OTHERS_URL = "/accounts/sessions/end-others/"

# Real User-Agent headers, as each browser sends them.
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1"
)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
SAMSUNG_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
FIREFOX_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "FxiOS/133.0 Mobile/15E148 Safari/605.1.15"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
OPERA_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"
)


def browser(user_agent: str) -> Client:
    """A separate browser, with its own cookies, that says what it is in every request."""
    return Client(HTTP_USER_AGENT=user_agent)


def signed_in(user, user_agent: str, sign_in) -> Client:
    client = browser(user_agent)
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    return client


def is_signed_in(client) -> bool:
    response = client.get("/home/")
    if response.status_code == 200:
        return True
    assert response["Location"] == "/accounts/login/?next=/home/"
    return False


def listed_sessions(response) -> list[str]:
    """Each session on the page, as the text of its list item (tags removed)."""
    items = re.findall(r"<li>\s*<h2>(.*?)</li>", response.content.decode(), flags=re.DOTALL)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


# --- Naming browsers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (FIREFOX_ANDROID, "Firefox on Android"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (SAMSUNG_ANDROID, "Samsung Internet on Android"),
        (CHROME_MAC, "Chrome on Mac"),
        (FIREFOX_LINUX, "Firefox on Linux"),
        (CHROME_ANDROID, "Chrome on Android"),
        (CHROME_IPHONE, "Chrome on iPhone"),
        (FIREFOX_IPAD, "Firefox on iPad"),
        (SAFARI_MAC, "Safari on Mac"),
        (OPERA_WINDOWS, "Opera on Windows"),
    ],
)
def test_browsers_are_named_in_words(user_agent, described):
    assert describe_browser(user_agent) == described


@pytest.mark.parametrize("user_agent", ["", "curl/8.5.0", "python-requests/2.32.3", "x" * 5000])
def test_anything_else_is_an_unknown_browser(user_agent):
    assert describe_browser(user_agent) == "Unknown browser"


def test_an_unknown_browser_on_a_known_device_says_which_device():
    assert describe_browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) NewBrowser/1.0") == "Unknown browser on Windows"


def test_a_described_browser_always_fits_its_column():
    assert len(describe_browser("Mozilla/5.0 (Windows NT 10.0) " + "Firefox/1.0 " * 1000)) <= 100


# --- The list --------------------------------------------------------------------------


def test_the_list_shows_each_session_by_browser_and_marks_this_device(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)

    response = laptop.get(SESSIONS_URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sessions = listed_sessions(response)
    assert len(sessions) == 2
    # Newest activity first: the laptop signed in last.
    assert sessions[0].startswith("Chrome on Windows This device")
    assert sessions[1].startswith("Firefox on Android")
    assert "This device" not in sessions[1]
    today = date_format(timezone.localtime(), "j F Y")
    assert f"Signed in {today} at" in sessions[1]
    assert f"Last active {today} at" in sessions[1]
    # The same list, seen from the phone, marks the phone.
    assert [s.split(" This device")[0] for s in listed_sessions(phone.get(SESSIONS_URL)) if "This device" in s] == [
        "Firefox on Android"
    ]


def test_the_list_shows_no_ip_address(member, sign_in):
    client = browser(FIREFOX_ANDROID)
    sign_in(client, member.email, REMOTE_ADDR="203.0.113.77")

    response = client.get(SESSIONS_URL, REMOTE_ADDR="203.0.113.77")

    assert listed_sessions(response)[0].startswith("Firefox on Android")
    assert b"203.0.113.77" not in response.content


def test_the_list_never_shows_another_members_sessions(member, other_member, sign_in):
    signed_in(other_member, SAFARI_IPHONE, sign_in)
    mine = signed_in(member, FIREFOX_LINUX, sign_in)

    sessions = listed_sessions(mine.get(SESSIONS_URL))

    assert len(sessions) == 1
    assert sessions[0].startswith("Firefox on Linux")


def test_staff_see_their_own_sessions_too(worker):
    # Staff sign in with a second step (their own tests cover it); the list is the same for them.
    client = browser(EDGE_WINDOWS)
    client.force_login(worker)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=worker).persistent_id
    session.save()

    response = client.get(SESSIONS_URL)

    assert response.status_code == 200
    assert listed_sessions(response)[0].startswith("Edge on Windows This device")


def test_ended_and_expired_sessions_are_not_listed(member, sign_in):
    old = signed_in(member, SAFARI_IPHONE, sign_in)
    gone = signed_in(member, CHROME_MAC, sign_in)
    here = signed_in(member, FIREFOX_LINUX, sign_in)
    Session.objects.filter(session_key=old.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    Session.objects.filter(session_key=gone.session.session_key).delete()

    sessions = listed_sessions(here.get(SESSIONS_URL))

    assert [s.split(" This device")[0] for s in sessions] == ["Firefox on Linux"]


def test_rows_of_ended_sessions_are_cleared_at_the_next_sign_in(member, sign_in):
    gone = signed_in(member, CHROME_MAC, sign_in)
    Session.objects.filter(session_key=gone.session.session_key).delete()
    assert SignedInSession.objects.filter(user=member).count() == 1

    signed_in(member, FIREFOX_LINUX, sign_in)

    assert list(SignedInSession.objects.filter(user=member).values_list("browser", flat=True)) == ["Firefox on Linux"]


def test_the_list_costs_the_same_queries_however_many_sessions(member, sign_in):
    client = signed_in(member, FIREFOX_LINUX, sign_in)
    client.get(SESSIONS_URL)  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as one:
        client.get(SESSIONS_URL)
    for user_agent in (CHROME_MAC, SAFARI_IPHONE, EDGE_WINDOWS, SAMSUNG_ANDROID):
        signed_in(member, user_agent, sign_in)

    with CaptureQueriesContext(connection) as five:
        response = client.get(SESSIONS_URL)

    assert len(listed_sessions(response)) == 5
    assert len(five) == len(one)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for response in (client.get(SESSIONS_URL), client.post(END_OTHERS_URL)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


# --- Signing out of all other sessions ---------------------------------------------------


def test_signing_out_of_all_other_sessions_ends_them_and_keeps_this_one(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)
    tablet = signed_in(member, FIREFOX_IPAD, sign_in)
    assert is_signed_in(laptop) and is_signed_in(tablet)

    response = phone.post(END_OTHERS_URL, follow=True)

    assert response.redirect_chain == [(SESSIONS_URL, 302)]
    assert "You were signed out of 2 other sessions. Only this device is signed in now." in response.content.decode()
    assert [s.split(" This device")[0] for s in listed_sessions(response)] == ["Firefox on Android"]
    assert not is_signed_in(laptop)
    assert not is_signed_in(tablet)
    assert is_signed_in(phone)
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.OTHER_SESSIONS_ENDED).count() == 1


def test_with_no_other_sessions_the_page_says_so(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)

    response = phone.post(END_OTHERS_URL, follow=True)

    assert "There were no other sessions to sign out of." in response.content.decode()
    assert is_signed_in(phone)


def test_signing_out_of_other_sessions_leaves_other_accounts_alone(member, other_member, sign_in):
    theirs = signed_in(other_member, SAFARI_IPHONE, sign_in)
    mine = signed_in(member, FIREFOX_LINUX, sign_in)

    mine.post(END_OTHERS_URL)

    assert is_signed_in(theirs)


def test_signing_out_of_other_sessions_needs_a_post(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)

    assert phone.get(END_OTHERS_URL).status_code == 405
    assert is_signed_in(laptop)


def test_signing_out_of_other_sessions_needs_the_pages_csrf_token(member, sign_in):
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)
    forged = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=FIREFOX_ANDROID)
    sign_in(forged, member.email)

    assert forged.post(END_OTHERS_URL).status_code == 403
    assert is_signed_in(laptop)


# --- Keeping rows current ---------------------------------------------------------------


def _session_last_seen(client, seconds_ago: float) -> None:
    session = client.session
    session[SESSION_LAST_SEEN_KEY] = time.time() - seconds_ago
    session.save()


def test_last_active_is_written_with_the_sessions_activity_at_most_once_a_minute(member, sign_in):
    client = signed_in(member, FIREFOX_ANDROID, sign_in)
    row = SignedInSession.objects.get(user=member)
    recently = timezone.now() - timedelta(seconds=50)
    SignedInSession.objects.filter(pk=row.pk).update(last_active_at=recently)
    _session_last_seen(client, 50)

    client.get("/home/")
    client.get(SESSIONS_URL)

    assert SignedInSession.objects.get(pk=row.pk).last_active_at == recently

    _session_last_seen(client, 61)
    before = timezone.now()

    client.get("/home/")

    assert SignedInSession.objects.get(pk=row.pk).last_active_at >= before


def test_a_session_from_before_the_list_joins_it_at_its_next_request(member):
    client = browser(SAMSUNG_ANDROID)
    client.force_login(member)  # signed in without the sign-in page: no row yet
    assert not SignedInSession.objects.filter(user=member).exists()

    response = client.get(SESSIONS_URL)

    assert listed_sessions(response)[0].startswith("Samsung Internet on Android This device")
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SIGNED_IN).exists()


def test_a_session_that_owes_the_second_step_is_not_listed_until_it_passes(sign_in):
    member = MemberFactory(authenticator=True)
    client = browser(SAFARI_IPHONE)
    sign_in(client, member.email)
    client.get("/accounts/two-step/verify/")

    assert not SignedInSession.objects.filter(user=member).exists()
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SIGNED_IN).exists()

    device = TOTPDevice.objects.get(user=member)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    client.post("/accounts/two-step/verify/", {"code": code})

    assert is_signed_in(client)
    row = SignedInSession.objects.get(user=member)
    assert row.session_key == client.session.session_key
    assert row.browser == "Safari on iPhone"


# --- Signing out ------------------------------------------------------------------------


def test_signing_out_takes_the_session_off_the_list(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)

    laptop.post("/accounts/logout/")

    assert list(SignedInSession.objects.filter(user=member).values_list("browser", flat=True)) == ["Firefox on Android"]
    assert [s.split(" This device")[0] for s in listed_sessions(phone.get(SESSIONS_URL))] == ["Firefox on Android"]


def test_the_quick_exit_takes_the_session_off_the_list(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)

    assert laptop.post("/exit/").status_code == 204

    assert not is_signed_in(laptop)
    assert list(SignedInSession.objects.filter(user=member).values_list("browser", flat=True)) == ["Firefox on Android"]
    assert is_signed_in(phone)


def test_deleting_the_account_signs_out_every_session(member, sign_in):
    phone = signed_in(member, FIREFOX_ANDROID, sign_in)
    laptop = signed_in(member, CHROME_WINDOWS, sign_in)

    phone.post("/accounts/reauthenticate/?next=/accounts/delete/", {"password": PASSWORD})
    response = phone.post("/accounts/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not is_signed_in(phone)
    assert not is_signed_in(laptop)
    assert not SignedInSession.objects.filter(user=member).exists()

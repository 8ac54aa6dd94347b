"""The email that tells a person their account was just signed in to."""

import logging
import smtplib
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import default_task_backend
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import tasks
from portal.accounts.models import AccountEvent, SignedInSession
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SUBJECT = "Daybook: New sign-in to your account"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
ADDRESS = "198.51.100.23"
# Words that would tell whoever reads the email what the portal is for.
PURPOSE_WORDS = ("stalk", "diary", "evidence", "abuse", "safety", "support", "harass", "victim", "police")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient, quoting the address back, as real ones do."""

    def send_messages(self, email_messages):
        recipients = [address for message in email_messages for address in message.to]
        raise smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 mailbox unavailable") for address in recipients})


class UnreachableBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


@pytest.fixture(autouse=True)
def _portal_address(settings):
    """Links in emails are made from the portal's public address, as a worker has no request."""
    settings.PORTAL_BASE_URL = "https://portal.example"


@pytest.fixture
def queued(settings):
    """Tasks wait in a queue instead of running at once, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


def notices() -> list:
    return [message for message in mail.outbox if message.subject == SUBJECT]


def sign_in_from(email: str, user_agent: str, sign_in) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = sign_in(client, email, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    return client


def uk_time(moment) -> str:
    return timezone.localtime(moment, tasks.NOTICE_TIME_ZONE).strftime("%-d %B %Y at %H:%M")


def test_signing_in_sends_a_neutral_notice_to_the_owner(member, sign_in, assert_neutral):
    sign_in_from(member.email, FIREFOX_ANDROID, sign_in)

    [notice] = notices()
    event = AccountEvent.objects.get(user=member, kind=AccountEvent.Kind.SIGNED_IN)
    assert notice.to == [member.email]
    assert notice.subject == SUBJECT
    assert f"When: {uk_time(event.created_at)} (UK time)" in notice.body
    assert "Browser and device: Firefox on Android" in notice.body
    assert "https://portal.example/accounts/password/change/" in notice.body
    assert "https://portal.example/accounts/sessions/" in notice.body
    assert "sign out of all other sessions" in notice.body
    assert ADDRESS not in notice.body
    assert "127.0.0.1" not in notice.body
    assert_neutral(notice)
    for word in PURPOSE_WORDS:
        assert word not in notice.body.lower(), word


def test_each_sign_in_sends_its_own_notice(member, sign_in):
    sign_in_from(member.email, FIREFOX_ANDROID, sign_in)
    sign_in_from(member.email, CHROME_WINDOWS, sign_in)

    bodies = [notice.body for notice in notices()]
    assert len(bodies) == 2
    assert "Browser and device: Firefox on Android" in bodies[0]
    assert "Browser and device: Chrome on Windows" in bodies[1]


@pytest.mark.parametrize(
    ("signed_in_at", "shown"),
    [
        (datetime(2026, 11, 26, 14, 5, tzinfo=UTC), "26 November 2026 at 14:05"),
        # British Summer Time: an hour ahead of the server's UTC.
        (datetime(2026, 7, 1, 13, 5, tzinfo=UTC), "1 July 2026 at 14:05"),
    ],
)
def test_the_time_is_given_as_it_is_in_the_uk(member, signed_in_at, shown):
    row = SignedInSession.objects.create(user=member, session_key="k" * 32, browser="Safari on iPhone")
    event = AccountEvent.objects.create(user=member, kind=AccountEvent.Kind.SIGNED_IN, created_at=signed_in_at)

    # Called outside any request, as a worker would.
    tasks.sign_in_notice_send.call(row.pk, event.pk)

    [notice] = notices()
    assert f"When: {shown} (UK time)" in notice.body


def test_the_queued_notice_carries_only_ids(member, sign_in, queued):
    sign_in_from(member.email, FIREFOX_ANDROID, sign_in)

    [task] = queued.results
    assert task.task.name == "sign_in_notice_send"
    assert all(isinstance(arg, int) for arg in task.args), task.args
    assert not notices(), "nothing is sent until a worker runs the task"

    task.task.call(*task.args, **task.kwargs)

    [notice] = notices()
    assert "Browser and device: Firefox on Android" in notice.body


def test_a_session_signed_out_of_before_the_notice_goes_still_gets_it(member, sign_in, queued):
    """Signing in and straight out again must not let someone slip past the notice."""
    client = sign_in_from(member.email, FIREFOX_ANDROID, sign_in)
    client.post("/accounts/logout/")
    assert not SignedInSession.objects.filter(user=member).exists()
    [task] = queued.results

    task.task.call(*task.args)

    [notice] = notices()
    assert "Browser and device: not known (that session has already been signed out)" in notice.body


def test_no_notice_until_the_second_step_is_passed(sign_in):
    member = MemberFactory(authenticator=True)
    client = Client(HTTP_USER_AGENT=CHROME_WINDOWS)
    sign_in(client, member.email)

    assert not notices()

    device = TOTPDevice.objects.get(user=member)
    client.post(
        "/accounts/two-step/verify/",
        {"code": f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"},
    )

    [notice] = notices()
    assert "Browser and device: Chrome on Windows" in notice.body


@pytest.mark.parametrize("backend", [RefusingBackend, UnreachableBackend])
def test_a_failing_mail_server_does_not_stop_the_sign_in(member, sign_in, settings, caplog, backend):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.{backend.__name__}"}}
    caplog.set_level(logging.INFO)

    client = sign_in_from(member.email, FIREFOX_ANDROID, sign_in)

    assert client.get("/home/").status_code == 200
    assert SignedInSession.objects.filter(user=member).count() == 1
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SIGNED_IN).count() == 1
    warnings = [r for r in caplog.records if r.name == "portal.accounts.tasks" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"account {member.pk} could not be sent" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert member.email not in caplog.text


def test_a_failed_notice_is_tried_again_later_where_the_queue_can_wait(member, settings, queued, caplog):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    row = SignedInSession.objects.create(user=member, session_key="k" * 32, browser="Safari on iPhone")
    event = AccountEvent.objects.create(user=member, kind=AccountEvent.Kind.SIGNED_IN)

    tasks.sign_in_notice_send.call(row.pk, event.pk)

    [retry] = queued.results
    assert retry.args == [row.pk, event.pk, 2]
    assert retry.task.run_after > timezone.now()
    assert not caplog.records or all(r.levelno < logging.WARNING for r in caplog.records)

    tasks.sign_in_notice_send.call(row.pk, event.pk, tasks.NOTICE_SEND_ATTEMPTS)

    assert len(queued.results) == 1, "given up after the last attempt"
    assert "could not be sent after 3 attempts" in caplog.text
    assert member.email not in caplog.text

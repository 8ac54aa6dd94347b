"""The text that carries a sign-in code arrives once: not twice when Twilio took it after our
timeout, nor when the code was asked for twice before the first text went, nor when a retry
outlives its code. Texts go through the real twilio library to the fake Twilio server; retries
are queued by the database queue (production's) and run here one by one."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal import sms
from portal.accounts import tasks
from portal.accounts.models import PhoneDevice
from portal.accounts.services import two_step
from tests.factories import MemberFactory
from tests.fake_twilio import TIMEOUT_SECONDS

pytestmark = pytest.mark.django_db

NUMBER = "+447700900123"
# Longer than the client waits: it gives up, while the fake answers (or not) later.
HANGS = TIMEOUT_SECONDS * 3


@pytest.fixture
def production_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def phone():
    device = two_step.phone_device_create(user=MemberFactory(), number=NUMBER, confirmed=True)
    device.generate_token(valid_secs=300)
    return device


def run_queued() -> int:
    """Run every task waiting in the database queue, oldest first, as db_worker would; how many."""
    waiting = list(DBTaskResult.objects.order_by("enqueued_at", "id"))
    DBTaskResult.objects.filter(pk__in=[result.pk for result in waiting]).delete()
    for result in waiting:
        tasks.phone_code_deliver.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    return len(waiting)


def texts_to(fake_twilio, number=NUMBER) -> list[str]:
    return [form["Body"] for form in fake_twilio.sent if form["To"] == number]


def lists_asked(fake_twilio) -> int:
    return sum(1 for request in fake_twilio.requests if request.method == "GET")


def wait_for_acceptance(fake_twilio, count: int) -> None:
    deadline = time.monotonic() + HANGS + 2
    while len(fake_twilio.sent) < count and time.monotonic() < deadline:
        time.sleep(0.05)


# --- The gateway: which failures may have delivered the text -----------------------------


def test_a_timeout_after_sending_is_an_unknown_outcome(fake_twilio):
    fake_twilio.delay(HANGS, accept_first=True)

    began = time.monotonic()
    with pytest.raises(sms.SmsOutcomeUnknown):
        sms.sms_send(to=NUMBER, body="Your code is 123456")

    assert time.monotonic() - began < TIMEOUT_SECONDS + 1, "the timeout holds"
    assert texts_to(fake_twilio) == ["Your code is 123456"], "Twilio took it all the same"


@pytest.mark.parametrize("failure", ["refused", "answered 500"])
def test_a_text_never_taken_is_a_plain_failure(fake_twilio, failure):
    if failure == "refused":
        fake_twilio.stop()
    else:
        fake_twilio.answer_with(status=500)

    with pytest.raises(sms.SmsError) as raised:
        sms.sms_send(to=NUMBER, body="Your code is 123456")

    assert not isinstance(raised.value, sms.SmsOutcomeUnknown)
    assert not fake_twilio.sent


def test_asking_twilio_finds_the_very_text_and_no_other(fake_twilio):
    before = timezone.now() - timedelta(seconds=5)
    sms.sms_send(to=NUMBER, body="Your code is 123456")

    assert sms.sms_accepted(to=NUMBER, body="Your code is 123456", since=before)
    assert not sms.sms_accepted(to=NUMBER, body="Your code is 654321", since=before)
    assert not sms.sms_accepted(to="+447700900999", body="Your code is 123456", since=before)
    assert not sms.sms_accepted(to=NUMBER, body="Your code is 123456", since=timezone.now() + timedelta(minutes=1))
    [listed] = [request for request in fake_twilio.requests if request.method == "GET"][:1]
    assert listed.query["To"] == NUMBER


def test_when_twilio_cannot_say_asking_fails(fake_twilio):
    fake_twilio.answer_with(status=503)

    with pytest.raises(sms.SmsError):
        sms.sms_accepted(to=NUMBER, body="Your code is 123456", since=timezone.now())


# --- The sign-in code's text --------------------------------------------------------------


def test_a_text_twilio_took_after_our_timeout_is_not_sent_again(fake_twilio, production_queue, phone):
    """The bug this guards: Twilio takes the text, our call times out, and the retry texted the
    person a second time."""
    fake_twilio.delay(HANGS, accept_first=True)

    tasks.phone_code_deliver.call(str(phone.pk))

    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["kwargs"]["maybe_sent"] is True
    assert phone.token not in str(retry.args_kwargs) and NUMBER[-6:] not in str(retry.args_kwargs)
    fake_twilio.delay(0)

    assert run_queued() == 1

    assert texts_to(fake_twilio) == [f"Your code is {phone.token}"], "one text, not two"
    assert lists_asked(fake_twilio) == 1, "the retry asked Twilio first"
    assert not DBTaskResult.objects.exists(), "and, finding it there, stopped"
    phone.refresh_from_db()
    assert phone.delivery_failed_at is None


def test_a_text_lost_in_a_timeout_is_sent_on_the_next_try(fake_twilio, production_queue, phone):
    fake_twilio.answer_with(status=500)
    fake_twilio.delay(HANGS)  # no answer in time, and then a refusal: Twilio never took it

    tasks.phone_code_deliver.call(str(phone.pk))
    fake_twilio.delay(0)
    fake_twilio.answer_with(status=201)
    run_queued()

    assert texts_to(fake_twilio) == [f"Your code is {phone.token}"]
    assert lists_asked(fake_twilio) == 1
    assert not DBTaskResult.objects.exists()


def test_while_twilio_cannot_say_whether_it_took_the_text_nothing_is_sent(fake_twilio, production_queue, phone):
    fake_twilio.delay(HANGS, accept_first=True)
    tasks.phone_code_deliver.call(str(phone.pk))
    fake_twilio.delay(0)
    fake_twilio.answer_with(status=500)

    run_queued()  # the second try: Twilio answers 500 when asked

    assert [r.method for r in fake_twilio.requests] == ["POST", "GET"], "asked, and sent nothing blind"
    [third] = DBTaskResult.objects.all()
    assert third.args_kwargs["args"][1:] == [3] and third.args_kwargs["kwargs"]["maybe_sent"] is True

    fake_twilio.answer_with(status=201)
    run_queued()  # the third and last try: Twilio says it has the text

    assert texts_to(fake_twilio) == [f"Your code is {phone.token}"]
    phone.refresh_from_db()
    assert phone.delivery_failed_at is None


def test_a_refused_text_is_tried_again_without_asking(fake_twilio, production_queue, phone):
    fake_twilio.answer_with(status=500)
    tasks.phone_code_deliver.call(str(phone.pk))
    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["maybe_sent"] is False

    fake_twilio.answer_with(status=201)
    run_queued()

    assert texts_to(fake_twilio) == [f"Your code is {phone.token}"]
    assert lists_asked(fake_twilio) == 0, "a refused text cannot have been taken: no need to ask"


def test_after_the_last_try_the_page_can_say_the_text_failed(fake_twilio, production_queue, phone):
    fake_twilio.stop()

    tasks.phone_code_deliver.call(str(phone.pk))
    run_queued()
    run_queued()

    phone.refresh_from_db()
    assert phone.delivery_failed_at is not None
    assert not DBTaskResult.objects.exists(), "no try after the last"


def test_a_code_asked_for_twice_before_either_text_went_is_texted_once(production_queue, phone):
    """Two taps on "Text me a code" make two codes and queue two texts; when the worker gets to
    them both would carry the second code. One is enough."""
    two_step.phone_code_send(device=phone)
    two_step.phone_code_send(device=phone)
    assert DBTaskResult.objects.count() == 2

    run_queued()

    phone.refresh_from_db()
    assert [text.body for text in sms.MemoryBackend.outbox] == [f"Your code is {phone.token}"]


def test_a_retry_for_a_code_since_replaced_sends_nothing(production_queue, phone):
    sms.MemoryBackend.fail_with = sms.SmsError("Twilio answered 500.")
    tasks.phone_code_deliver.call(str(phone.pk))  # the first code's text fails; its retry waits
    sms.MemoryBackend.fail_with = None

    two_step.phone_code_send(device=phone)  # the person asks again: a new code, a new text
    run_queued()

    phone.refresh_from_db()
    assert [text.body for text in sms.MemoryBackend.outbox] == [f"Your code is {phone.token}"]


def test_a_retry_after_the_code_expired_sends_nothing(production_queue, phone):
    sms.MemoryBackend.fail_with = sms.SmsError("Twilio answered 500.")
    tasks.phone_code_deliver.call(str(phone.pk))
    sms.MemoryBackend.fail_with = None
    PhoneDevice.objects.filter(pk=phone.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    run_queued()

    assert sms.MemoryBackend.outbox == []

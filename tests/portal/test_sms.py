"""The SMS gateway: the real twilio library talking HTTP to a fake Twilio, and failures that never leak a text."""

import logging
import time
import traceback

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import sms
from portal.sms import SmsError, SmsMessage, TwilioBackend, sms_send
from tests import fake_twilio as fake

NUMBER = "+447700900123"
BODY = "Your code is 481516"
MESSAGES_PATH = f"/2010-04-01/Accounts/{fake.ACCOUNT_SID}/Messages.json"
API_KEY_SID = "SK" + "a1" * 16
API_KEY_SECRET = "fake-api-key-secret"
MESSAGING_SERVICE_SID = "MG" + "b2" * 16


def _everything_logged(caplog) -> str:
    return "\n".join(f"{record.name} {record.getMessage()}" for record in caplog.records)


def test_a_text_is_posted_to_twilios_messages_api_with_the_account_credentials(fake_twilio, caplog):
    caplog.set_level(logging.DEBUG)

    sms_send(to=NUMBER, body=BODY)

    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == MESSAGES_PATH
    assert (request.username, request.password) == (fake.ACCOUNT_SID, fake.AUTH_TOKEN)
    assert request.form == {"To": NUMBER, "Body": BODY, "From": fake.FROM_NUMBER}
    assert fake_twilio.sent == [request.form]
    # The library logs each request; even at DEBUG, neither the number nor the text is in it.
    assert caplog.records, "expected the library's request log"
    assert NUMBER not in _everything_logged(caplog)
    assert BODY not in _everything_logged(caplog)


def test_an_api_key_pair_signs_the_request_for_the_account(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_API_KEY_SID = API_KEY_SID
    settings.TWILIO_API_KEY_SECRET = API_KEY_SECRET

    sms_send(to=NUMBER, body=BODY)

    [request] = fake_twilio.requests
    assert request.path == MESSAGES_PATH  # still the account's messages, not the key's
    assert (request.username, request.password) == (API_KEY_SID, API_KEY_SECRET)


def test_an_api_key_pair_is_preferred_to_the_auth_token(fake_twilio, settings):
    settings.TWILIO_API_KEY_SID = API_KEY_SID
    settings.TWILIO_API_KEY_SECRET = API_KEY_SECRET

    sms_send(to=NUMBER, body=BODY)

    assert (fake_twilio.requests[0].username, fake_twilio.requests[0].password) == (API_KEY_SID, API_KEY_SECRET)


def test_a_messaging_service_can_send_instead_of_one_number(fake_twilio, settings):
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID

    sms_send(to=NUMBER, body=BODY)

    [request] = fake_twilio.requests
    assert request.form == {"To": NUMBER, "Body": BODY, "MessagingServiceSid": MESSAGING_SERVICE_SID}


def _twilio_fails(server):
    server.answer_with(status=500)


def _twilio_rejects_the_number_and_quotes_it(server):
    # Twilio's real message for error 21211 quotes the number back.
    server.answer_with(status=400, code=21211, message=f"The 'To' number {NUMBER} is not a valid phone number.")


def _twilio_is_too_slow(server):
    server.delay(fake.TIMEOUT_SECONDS + 3)


def _twilio_is_unreachable(server):
    server.stop()


@pytest.mark.parametrize(
    ("make_it_fail", "expected_message"),
    [
        (_twilio_fails, "Twilio answered 500 (error 20500)."),
        (_twilio_rejects_the_number_and_quotes_it, "Twilio answered 400 (error 21211)."),
        (_twilio_is_too_slow, "Twilio did not answer in time."),
        (_twilio_is_unreachable, "Twilio could not be reached."),
    ],
)
def test_every_failure_raises_sms_error_and_logs_neither_number_nor_text(
    fake_twilio, caplog, make_it_fail, expected_message
):
    make_it_fail(fake_twilio)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SmsError) as raised:
        sms_send(to=NUMBER, body=BODY)

    assert str(raised.value) == expected_message
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(record.name, record.getMessage()) for record in warnings] == [
        ("portal.sms", f"Text not sent: {expected_message}")
    ]
    logged = _everything_logged(caplog)
    # A traceback of the error, as logger.exception would write it, must not carry Twilio's words.
    printed = "".join(traceback.format_exception(raised.value))
    for secret in (NUMBER, BODY):
        assert secret not in logged
        assert secret not in printed
    assert fake_twilio.sent == []


def test_a_slow_twilio_is_given_up_on_after_the_timeout(fake_twilio):
    fake_twilio.delay(fake.TIMEOUT_SECONDS + 3)

    started = time.monotonic()
    with pytest.raises(SmsError, match="did not answer in time"):
        sms_send(to=NUMBER, body=BODY)
    waited = time.monotonic() - started

    assert len(fake_twilio.requests) == 1  # the request arrived; the answer never did
    assert fake.TIMEOUT_SECONDS <= waited < fake.TIMEOUT_SECONDS + 1


def test_twilio_answers_again_after_failing(fake_twilio):
    fake_twilio.answer_with(status=503)
    with pytest.raises(SmsError, match="503"):
        sms_send(to=NUMBER, body=BODY)

    fake_twilio.answer_with(status=201)
    sms_send(to=NUMBER, body=BODY)

    assert len(fake_twilio.requests) == 2
    assert [form["Body"] for form in fake_twilio.sent] == [BODY]


def _unset_twilio(settings, *names):
    for name in names:
        setattr(settings, name, "")


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (
            (
                "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN",
                "TWILIO_API_KEY_SECRET",
                "TWILIO_FROM_NUMBER",
                "TWILIO_MESSAGING_SERVICE_SID",
            ),
            "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET, "
            "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.",
        ),
        (("TWILIO_ACCOUNT_SID",), ": TWILIO_ACCOUNT_SID."),
        (("TWILIO_AUTH_TOKEN",), ": TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET."),
        (("TWILIO_FROM_NUMBER",), ": TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."),
    ],
)
def test_missing_configuration_names_the_missing_settings(fake_twilio, settings, unset, named):
    _unset_twilio(settings, *unset)

    with pytest.raises(ImproperlyConfigured) as raised:
        TwilioBackend()

    assert str(raised.value).endswith(named)


def test_an_api_key_secret_without_its_sid_is_named(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_API_KEY_SECRET = API_KEY_SECRET

    with pytest.raises(ImproperlyConfigured, match=r": TWILIO_API_KEY_SID\.$"):
        TwilioBackend()


def test_sending_without_configuration_is_an_sms_error_too_and_reaches_nobody(fake_twilio, settings, caplog):
    _unset_twilio(settings, "TWILIO_ACCOUNT_SID")

    with pytest.raises(SmsError) as raised:
        sms_send(to=NUMBER, body=BODY)

    assert isinstance(raised.value, ImproperlyConfigured)
    assert "TWILIO_ACCOUNT_SID" in caplog.text
    assert fake_twilio.requests == []


def test_a_backend_that_cannot_be_imported_is_an_sms_error(settings):
    settings.SMS_BACKEND = "portal.sms.NoSuchBackend"

    with pytest.raises(SmsError, match="SMS_BACKEND 'portal.sms.NoSuchBackend' cannot be imported"):
        sms_send(to=NUMBER, body=BODY)


def test_the_memory_backend_keeps_texts_for_tests(settings):
    sms_send(to=NUMBER, body=BODY)

    assert sms.MemoryBackend.outbox == [SmsMessage(to=NUMBER, body=BODY)]


def test_the_memory_backend_can_play_a_provider_that_is_down(caplog):
    sms.MemoryBackend.fail_with = SmsError("Twilio answered 500.")

    with pytest.raises(SmsError, match="Twilio answered 500"):
        sms_send(to=NUMBER, body=BODY)

    assert sms.MemoryBackend.outbox == []
    assert "Text not sent: Twilio answered 500." in caplog.text

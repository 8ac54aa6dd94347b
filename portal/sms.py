"""The one gateway for every SMS the portal sends: Twilio in production, the console in development.

Texts must be neutral: never a word about what the portal is for.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A text could not be handed to the provider.

    The message is safe to log: it never holds the phone number or the text.
    """


class SmsNotConfigured(SmsError, ImproperlyConfigured):
    """The gateway's settings are missing or wrong; callers that handle SmsError handle this too."""


class SmsOutcomeUnknown(SmsError):
    """The request went to the provider but no answer came back (a timeout, or the connection
    broke after sending): the provider may have taken the text, which may yet arrive.

    Sending it again could text the person twice: ask ``sms_accepted`` first. Every other
    SmsError means the text was not taken (the provider could not be reached, or refused it).
    """


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class ConsoleBackend:
    """Prints texts to the development server's console."""

    def send(self, message: SmsMessage) -> str:
        print(f"SMS to {message.to}: {message.body}")  # noqa: T201 - the console is the point
        return ""

    def accepted(self, message: SmsMessage, *, since: datetime) -> bool:
        return False  # printing never leaves the outcome unknown, so nothing is ever asked


class MemoryBackend:
    """Keeps texts in ``outbox`` for tests to read; set ``fail_with`` to make every send fail."""

    outbox: list[SmsMessage] = []
    fail_with: SmsError | None = None

    def send(self, message: SmsMessage) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.outbox.append(message)
        return f"memory-{len(self.outbox)}"

    def accepted(self, message: SmsMessage, *, since: datetime) -> bool:
        if self.fail_with is not None:
            raise SmsError("The memory backend is failing.")
        return message in self.outbox


class TwilioBackend:
    """Hands texts to Twilio's Messages API, configured by the TWILIO_* settings."""

    def __init__(self) -> None:
        account_sid = settings.TWILIO_ACCOUNT_SID
        auth_token = settings.TWILIO_AUTH_TOKEN
        api_key_sid = settings.TWILIO_API_KEY_SID
        api_key_secret = settings.TWILIO_API_KEY_SECRET
        from_number = settings.TWILIO_FROM_NUMBER
        messaging_service_sid = settings.TWILIO_MESSAGING_SERVICE_SID

        missing = []
        if not account_sid:
            missing.append("TWILIO_ACCOUNT_SID")
        if not (auth_token or api_key_secret):
            missing.append("TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET")
        if api_key_secret and not api_key_sid:
            missing.append("TWILIO_API_KEY_SID")
        if not (from_number or messaging_service_sid):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            raise SmsNotConfigured(f"Texts cannot be sent through Twilio without these settings: {', '.join(missing)}.")
        timeout = settings.SMS_TIMEOUT_SECONDS
        if not timeout or timeout <= 0:
            raise SmsNotConfigured("SMS_TIMEOUT_SECONDS must be a number of seconds above 0.")

        # Tests point the real library at a loopback server; the hook brings its own timeout.
        http_client = settings.SMS_TWILIO_HTTP_CLIENT or TwilioHttpClient(timeout=timeout)
        if api_key_secret:
            # An API key can be revoked on its own, without changing the account's auth token.
            self.client = Client(
                username=api_key_sid, password=api_key_secret, account_sid=account_sid, http_client=http_client
            )
        else:
            self.client = Client(username=account_sid, password=auth_token, http_client=http_client)
        self.sender = {"from_": from_number} if from_number else {}
        if messaging_service_sid:
            self.sender["messaging_service_sid"] = messaging_service_sid

    def send(self, message: SmsMessage) -> str:
        with _twilio_errors(sending=True):
            sent = self.client.messages.create(to=message.to, body=message.body, **self.sender)
        return sent.sid or ""

    def accepted(self, message: SmsMessage, *, since: datetime) -> bool:
        """Whether Twilio took this text (the same number and words) at or after ``since``."""
        with _twilio_errors(sending=False):
            recent = self.client.messages.list(to=message.to, limit=RECENT_TEXTS_LOOKED_AT)
        return any(_is_the_text(sent, message, since) for sent in recent)


# A member's phone gets a handful of texts from the portal an hour: the newest this many are
# enough to find one sent in the last few minutes.
RECENT_TEXTS_LOOKED_AT = 20
# Twilio took these texts but they will never arrive.
UNDELIVERED = frozenset({"failed", "undelivered", "canceled"})


def _is_the_text(sent, message: SmsMessage, since: datetime) -> bool:
    if str(sent.status or "") in UNDELIVERED or sent.date_created is None or sent.date_created < since:
        return False
    # A trial account puts words before the text; an account that redacts bodies shows none.
    return not sent.body or sent.body.endswith(message.body)


@contextmanager
def _twilio_errors(*, sending: bool) -> Iterator[None]:
    """Turn what the twilio library and requests raise into SmsError, or SmsOutcomeUnknown when
    a text was sent out (``sending``) and may have been taken although no answer came back.

    Twilio's own error messages can quote the number, so only the status and code are kept,
    and `from None` keeps the original exception out of any logged traceback.
    """
    unknown = SmsOutcomeUnknown if sending else SmsError
    try:
        yield
    except (TwilioRestException, TwilioServiceException) as error:
        code = f" (error {error.code})" if error.code and error.code != error.status else ""
        raise SmsError(f"Twilio answered {error.status}{code}.") from None
    except TwilioException:
        raise SmsError("Twilio's library refused the request.") from None
    except requests.ConnectTimeout:  # before anything was sent
        raise SmsError("Twilio could not be reached in time.") from None
    except requests.Timeout:
        raise unknown("Twilio did not answer in time.") from None
    except requests.ConnectionError as error:
        if _never_connected(error):
            raise SmsError("Twilio could not be reached.") from None
        raise unknown("The connection to Twilio broke before it answered.") from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise unknown("Twilio's answer broke off.") from None
    except requests.RequestException as error:
        raise SmsError(f"The request to Twilio failed ({type(error).__name__}).") from None
    except ValueError:  # a success answer that is not JSON: Twilio took the request
        raise unknown("Twilio's answer could not be read.") from None


def _never_connected(error: requests.ConnectionError) -> bool:
    """Whether the connection was never made (refused, or no such host), so nothing was sent."""
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError says why
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _backend():
    try:
        backend_class = import_string(settings.SMS_BACKEND)
    except ImportError:
        raise SmsNotConfigured(f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported.") from None
    return backend_class()


def sms_send(*, to: str, body: str) -> str:
    """Send one text now, through the configured backend, and return the provider's id for it ("" when
    the backend has none). Raises SmsError when it cannot be handed over, and SmsOutcomeUnknown
    when it was sent out but no answer came back (see ``sms_accepted`` before trying again)."""
    try:
        return _backend().send(SmsMessage(to=to, body=body))
    except SmsError as error:
        logger.warning("Text not sent: %s", error)
        raise


def sms_accepted(*, to: str, body: str, since: datetime) -> bool:
    """Whether the provider took this very text (the same number and words) at or after ``since``.

    Asked before sending again a text whose last try ended in SmsOutcomeUnknown, so that a
    provider that took it after our timeout does not text the person twice. Raises SmsError
    when the provider cannot say (then the text must not be sent blind either).
    """
    try:
        return _backend().accepted(SmsMessage(to=to, body=body), since=since)
    except SmsError as error:
        logger.warning("Could not ask whether a text was taken: %s", error)
        raise

"""The one gateway for every SMS the portal sends: Twilio in production, the console in development.

Texts must be neutral: never a word about what the portal is for.
"""

import logging
from dataclasses import dataclass

import requests
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


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class ConsoleBackend:
    """Prints texts to the development server's console."""

    def send(self, message: SmsMessage) -> str:
        print(f"SMS to {message.to}: {message.body}")  # noqa: T201 - the console is the point
        return ""


class MemoryBackend:
    """Keeps texts in ``outbox`` for tests to read; set ``fail_with`` to make every send fail."""

    outbox: list[SmsMessage] = []
    fail_with: SmsError | None = None

    def send(self, message: SmsMessage) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.outbox.append(message)
        return f"memory-{len(self.outbox)}"


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
        # Twilio's own error messages can quote the number, so only the status and code are kept,
        # and `from None` keeps the original exception out of any logged traceback.
        try:
            sent = self.client.messages.create(to=message.to, body=message.body, **self.sender)
        except (TwilioRestException, TwilioServiceException) as error:
            code = f" (error {error.code})" if error.code and error.code != error.status else ""
            raise SmsError(f"Twilio answered {error.status}{code}.") from None
        except TwilioException:
            raise SmsError("Twilio's library refused the request.") from None
        except requests.Timeout:
            raise SmsError("Twilio did not answer in time.") from None
        except requests.ConnectionError:
            raise SmsError("Twilio could not be reached.") from None
        except requests.RequestException as error:
            raise SmsError(f"The request to Twilio failed ({type(error).__name__}).") from None
        except ValueError:  # a success answer that is not JSON
            raise SmsError("Twilio's answer could not be read.") from None
        return sent.sid or ""


def sms_send(*, to: str, body: str) -> str:
    """Send one text now, through the configured backend, and return the provider's id for it ("" when
    the backend has none). Raises SmsError when it cannot be handed over."""
    try:
        try:
            backend_class = import_string(settings.SMS_BACKEND)
        except ImportError:
            raise SmsNotConfigured(f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported.") from None
        return backend_class().send(SmsMessage(to=to, body=body))
    except SmsError as error:
        logger.warning("Text not sent: %s", error)
        raise

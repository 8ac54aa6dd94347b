"""The one gateway for every SMS the portal sends.

Backends: the console (development) and an in-memory outbox (tests). Texts must be
neutral: never a word about what the portal is for.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class ConsoleBackend:
    """Prints texts to the development server's console."""

    def send(self, message: SmsMessage) -> None:
        print(f"SMS to {message.to}: {message.body}")  # noqa: T201 - the console is the point


class MemoryBackend:
    """Keeps texts in ``outbox`` for tests to read."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def sms_send(*, to: str, body: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(SmsMessage(to=to, body=body))

"""The portal's settings for the SMS scenario: texts go through the real twilio library to the
fake Twilio of tests/fake_twilio.py at RELIABILITY_FAKE_TWILIO_URL, as the suite's texting
tests send them. Nothing else differs from production."""

import os

from portal.settings import *  # noqa: F403
from portal.settings import SMS_TIMEOUT_SECONDS

if fake_twilio_url := os.environ.get("RELIABILITY_FAKE_TWILIO_URL"):
    from tests.fake_twilio import LoopbackHttpClient

    SMS_TWILIO_HTTP_CLIENT = LoopbackHttpClient(  # type: ignore[assignment]
        base_url=fake_twilio_url, timeout=SMS_TIMEOUT_SECONDS
    )

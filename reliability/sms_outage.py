"""The SMS provider failing: Twilio refusing connections, then hanging past the timeout, then
answering 500, then well again, then taking a text but answering only after the timeout (the
fake Twilio of tests/fake_twilio.py, through the real twilio library). Members sign in with an
app code or a backup code at normal speed throughout; texts asked for meanwhile are retried by
the task worker and delivered once Twilio recovers, each exactly once; and the text Twilio took
after the portal stopped waiting is not sent again (the retry asks Twilio first).
"""

import contextlib
import secrets
import time

from django_otp.oath import totp

from tests.fake_twilio import FakeTwilio

from .client import Browser
from .result import Result
from .stack import free_port, stack

# The production default: a sign-in that waited on Twilio would take at least this long.
SMS_TIMEOUT_SECONDS = 10
# A sign-in (the password, then a code) slower than this waited on something it should not.
NORMAL_SIGN_IN_SECONDS = 5.0
# phone_code_deliver tries three times, 20 s and then 40 s apart.
DELIVERY_DEADLINE_SECONDS = 150


def _sign_in(base: str, email: str, password: str, code: str) -> tuple[bool, float]:
    """Sign in through both pages; whether it worked and how long it took."""
    began = time.monotonic()
    browser = Browser(base)
    first = browser.sign_in(email, password)
    # Until the code is given, the signed-in pages lead to the code page.
    owed = browser.get("/home/").headers.get("Location", "").startswith("/accounts/two-step/verify/")
    second = browser.post("/accounts/two-step/verify/", {"code": code})
    home = browser.get("/home/")
    took = time.monotonic() - began
    return first.status_code == 302 and owed and second.status_code == 302 and home.status_code == 200, took


def _app_code(key_hex: str) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def _ask_for_text(base: str, email: str, password: str) -> bool:
    """Sign in with the password and ask for a code by text, as a member without their app would."""
    browser = Browser(base)
    browser.sign_in(email, password)
    asked = browser.post("/accounts/two-step/verify/text/", {}, token=browser.token("/accounts/two-step/verify/"))
    return asked.status_code == 302


def run() -> Result:
    result = Result("SMS provider failing")
    port = free_port()
    fakes: list[FakeTwilio] = []  # one after another on the same port

    def twilio() -> FakeTwilio:
        # On a port chosen in advance, so the portal is told where it will be before it listens
        # (until then, connections are refused).
        fakes.append(FakeTwilio(port))
        return fakes[-1]

    password = secrets.token_urlsafe(16)
    with (
        stack(
            "sms",
            DJANGO_SETTINGS_MODULE="reliability.settings",
            RELIABILITY_FAKE_TWILIO_URL=f"http://127.0.0.1:{port}",
            SMS_TIMEOUT_SECONDS=str(SMS_TIMEOUT_SECONDS),
            TRUSTED_PROXY_COUNT="1",
        ) as the_stack,
        contextlib.ExitStack() as stopping,
    ):
        stopping.callback(_stop_all, fakes)
        app = the_stack.app_server(workers=2, threads=4, wait=False)
        the_stack.worker()
        members = the_stack.django("two_step_members", "6", password)
        app.wait_until_healthy()
        (refused, hanging, failing, texted_early, texted_late, taken_late) = members.items()
        timings: dict[str, float] = {}

        def sign_in(phase: str, member, code: str) -> None:
            worked, took = _sign_in(app.url, member[0], password, code)
            timings[phase] = round(took, 2)
            result.check(worked, f"signing in while Twilio {phase} did not work")
            result.check(took < NORMAL_SIGN_IN_SECONDS, f"signing in while Twilio {phase} took {took:.1f} s")

        # Refusing connections: nothing listens on Twilio's port yet.
        result.check(_ask_for_text(app.url, texted_early[0], password), "asking for a text was refused")
        sign_in("refuses connections (backup code)", refused, refused[1]["backup_codes"][0])
        sign_in("refuses connections (app code)", refused, _app_code(refused[1]["app_key"]))
        # Hanging: answers come after the timeout.
        fake = twilio()
        fake.delay(SMS_TIMEOUT_SECONDS * 3)
        sign_in("hangs (app code)", hanging, _app_code(hanging[1]["app_key"]))
        sign_in("hangs (backup code)", hanging, hanging[1]["backup_codes"][0])
        # Answering 500, once the early text's second try has met the hang and timed out. The
        # hung answer is dropped (this fake stops), not delivered late: see the README's note.
        result.check(_tried(fake, texted_early[1]["phone"]), "the worker did not try the early text again")
        time.sleep(SMS_TIMEOUT_SECONDS + 1)
        fake.stop()
        fake = twilio()
        fake.answer_with(status=500)
        result.check(_ask_for_text(app.url, texted_late[0], password), "asking for a text was refused")
        sign_in("answers 500 (backup code)", failing, failing[1]["backup_codes"][0])
        result.check(_tried(fake, texted_late[1]["phone"]), "the worker did not try the late text")
        # Well again: both texts arrive on their next try, once each.
        fake.answer_with(status=201)
        recovered_at = time.monotonic()
        numbers = {texted_early[1]["phone"], texted_late[1]["phone"]}
        while time.monotonic() - recovered_at < DELIVERY_DEADLINE_SECONDS:
            if numbers <= {text.get("To") for text in fake.sent}:
                break
            time.sleep(1)
        delivered_after = time.monotonic() - recovered_at
        # Taking the text at once but answering after the timeout: the portal cannot tell it was
        # taken, so its retry must ask Twilio first, find it there, and send nothing more.
        fake.delay(SMS_TIMEOUT_SECONDS * 2, accept_first=True)
        result.check(_ask_for_text(app.url, taken_late[0], password), "asking for a text was refused")
        result.check(_tried(fake, taken_late[1]["phone"]), "the worker did not send the text Twilio takes late")
        fake.delay(0)  # for the requests that come next: the one in hand still answers late
        sign_in("answers late (app code)", taken_late, _app_code(taken_late[1]["app_key"]))
        numbers.add(taken_late[1]["phone"])
        result.check(_asked(fake, taken_late[1]["phone"]), "the retry did not ask Twilio whether it had the text")
        time.sleep(25)  # long enough for a duplicate try to arrive
        sent_to = [text.get("To") for fake in fakes for text in fake.sent]
        tries = sum(1 for fake in fakes for request in fake.requests if request.method == "POST")
        asked = sum(1 for fake in fakes for request in fake.requests if request.method == "GET")
    for number in sorted(numbers):
        result.check(sent_to.count(number) == 1, f"{sent_to.count(number)} texts delivered to one phone, not 1")
    result.check(not set(sent_to) - numbers, "a text went to a phone that asked for none")
    result.numbers.update(
        {
            "sign-ins": len(timings),
            "slowest sign-in": f"{max(timings.values()):.2f} s",
            "texts asked for": len(numbers),
            "texts delivered": len(sent_to),
            "tries Twilio saw": tries,
            "times Twilio was asked whether it took a text": asked,
            "delivered after recovery": f"{delivered_after:.0f} s",
        }
    )
    return result


def _stop_all(fakes: list[FakeTwilio]) -> None:
    for fake in fakes:
        fake.stop()


def _tried(fake: FakeTwilio, number: str, within: float = 90) -> bool:
    """Wait until the worker has tried to send a text to ``number``."""
    return _seen(fake, lambda request: request.method == "POST" and request.form.get("To") == number, within)


def _asked(fake: FakeTwilio, number: str, within: float = 90) -> bool:
    """Wait until the worker has asked Twilio for the texts it took for ``number``."""
    return _seen(fake, lambda request: request.method == "GET" and request.query.get("To") == number, within)


def _seen(fake: FakeTwilio, matches, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(matches(request) for request in list(fake.requests)):
            return True
        time.sleep(0.5)
    return False

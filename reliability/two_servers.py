"""Two app servers and a task worker on different ports, sharing PostgreSQL and Redis (REDIS_URL:
sessions cached_db, the cache in Redis), as a load balancer would spread one person's requests:
a session made on one works on the other; wrong passwords on both add up to one lockout; wrong
codes on both add up to one pause of codes, which holds on both; texts asked for on both count
against one hourly limit, and the worker texts each code once (to the fake Twilio of
tests/fake_twilio.py); a download asked for on one is built by the worker and fetched from the
other.
"""

import contextlib
import io
import re
import secrets
import time
import zipfile

from django_otp.oath import totp

from tests.fake_twilio import FakeTwilio

from .client import Browser
from .result import Result
from .stack import Process, stack

DOWNLOAD_LINK = re.compile(r'href="(/notes/download/[0-9a-f-]{36}/)"')
FAILURES_BEFORE_LOCKOUT = 5  # AXES_FAILURE_LIMIT's default
WRONG_CODES_BEFORE_PAUSE = 5  # TWO_STEP_FAILURES_BEFORE_LOCK
TEXTS_PER_HOUR = 5  # SMS_CODES_PER_HOUR's default
BUILD_DEADLINE_SECONDS = 90
TEXT_DEADLINE_SECONDS = 60
QUIET_SECONDS = 5  # no new text for this long: the worker has sent all it will
VERIFY = "/accounts/two-step/verify/"
PAUSED = "codes are paused for a while"
TEXT_SENDING = "We are sending a code to your phone"
TEXT_LIMIT = "You have asked for several texts in the last hour"


def _signed_in(browser: Browser) -> bool:
    return browser.get("/home/").status_code == 200


def _app_code(key_hex: str, *, off_by: int = 0) -> str:
    """The authenticator app's code now, or (``off_by``) a code it would not show."""
    return f"{(totp(bytes.fromhex(key_hex)) + off_by) % 1_000_000:06d}"


def _codes_paused_on_both(result: Result, servers: tuple[Process, Process], email: str, password: str, key: str):
    """Wrong codes sent to both servers in turn add up to one pause, and while it lasts the right
    code is refused on both, in a session of each server's own too."""
    browser = Browser(servers[0].url)
    result.check(browser.sign_in(email, password).status_code == 302, "signing in (the password) failed")
    for attempt in range(WRONG_CODES_BEFORE_PAUSE):
        browser.move_to(servers[attempt % 2].url)
        browser.post(VERIFY, {"code": _app_code(key, off_by=500_000)})
    for server in servers:
        for who in (browser, Browser(server.url)):
            who.move_to(server.url)
            if who is not browser:
                who.sign_in(email, password)
            answer = who.post(VERIFY, {"code": _app_code(key)})
            result.check(
                answer.status_code == 200 and PAUSED in answer.text and not _signed_in(who),
                f"{server.name} took the right code after {WRONG_CODES_BEFORE_PAUSE} wrong ones on both "
                f"({answer.status_code})",
            )


def _texts_limited_on_both(
    result: Result, servers: tuple[Process, Process], twilio: FakeTwilio, email: str, password: str, phone: str
) -> int:
    """Texts asked for on both servers in turn count against one hourly limit; the worker texts
    each code at most once. Returns how many texts arrived."""
    browser = Browser(servers[0].url)
    browser.sign_in(email, password)
    answers = []
    for attempt in range(TEXTS_PER_HOUR + 2):
        browser.move_to(servers[attempt % 2].url)
        browser.post(f"{VERIFY}text/", {}, token=browser.token(VERIFY))
        page = browser.get(VERIFY).text
        answers.append("sent" if TEXT_SENDING in page else "limit" if TEXT_LIMIT in page else "neither")
    expected = ["sent"] * TEXTS_PER_HOUR + ["limit"] * 2
    result.check(answers == expected, f"texts asked for on both servers in turn were answered {answers}")
    # Until the worker has sent what it will: the first text, then a few quiet seconds.
    deadline, changed, seen = time.monotonic() + TEXT_DEADLINE_SECONDS, time.monotonic(), 0
    while time.monotonic() < deadline:
        count = len(_texts(twilio, phone))
        if count != seen:
            seen, changed = count, time.monotonic()
        elif seen and time.monotonic() - changed > QUIET_SECONDS:
            break
        time.sleep(0.5)
    texts = _texts(twilio, phone)
    result.check(0 < len(texts) <= TEXTS_PER_HOUR, f"{len(texts)} texts arrived for {TEXTS_PER_HOUR} allowed")
    result.check(len(set(texts)) == len(texts), "the same code was texted twice")
    return len(texts)


def _texts(twilio: FakeTwilio, phone: str) -> list[str]:
    return [form["Body"] for form in list(twilio.sent) if form.get("To") == phone]


def run() -> Result:
    result = Result("two app servers and a worker")
    password = secrets.token_urlsafe(16)
    with contextlib.ExitStack() as stopping:
        twilio = FakeTwilio()
        stopping.callback(twilio.stop)
        the_stack = stopping.enter_context(
            stack(
                "two_servers",
                redis=True,
                TRUSTED_PROXY_COUNT="1",
                DJANGO_SETTINGS_MODULE="reliability.settings",  # texts to the fake Twilio
                RELIABILITY_FAKE_TWILIO_URL=twilio.url,
            )
        )
        first = the_stack.app_server("app-1", workers=1, threads=4, wait=False)
        second = the_stack.app_server("app-2", workers=1, threads=4, wait=False)
        the_stack.worker()
        reader, locked = the_stack.django("members", "2", password)["emails"]
        two_step = the_stack.django("two_step_members", "2", password)
        first.wait_until_healthy()
        second.wait_until_healthy()

        # A session made on one server works on the other, and a save on the second shows on the first.
        browser = Browser(first.url)
        result.check(browser.sign_in(reader, password).status_code == 302, "signing in on the first server failed")
        browser.move_to(second.url)
        result.check(_signed_in(browser), "the session made on the first server did not work on the second")
        saved = browser.post(
            "/notes/new/",
            {"what_happened": "Seen at the station", "occurred_date": "2026-01-15", "occurred_time": "08:10"},
        )
        result.check(saved.status_code == 302, f"saving on the second server answered {saved.status_code}")
        browser.move_to(first.url)
        result.check("Seen at the station" in browser.get("/notes/").text, "the first server did not show the entry")

        # Wrong passwords on both servers add up to one lockout, which holds on both.
        attacker = Browser(first.url)
        for attempt in range(FAILURES_BEFORE_LOCKOUT):
            attacker.move_to((first, second)[attempt % 2].url)
            attacker.sign_in(locked, "not-the-password")
        for server in (first, second):
            attacker.move_to(server.url)
            answer = attacker.sign_in(locked, password)
            result.check(
                answer.status_code != 302 and not _signed_in(attacker),
                f"{server.name} let the right password in after {FAILURES_BEFORE_LOCKOUT} wrong ones on both",
            )

        # Wrong codes on both servers add up to one pause; texts on both to one hourly limit.
        (pausing, pausing_has), (texting, texting_has) = two_step.items()
        _codes_paused_on_both(result, (first, second), pausing, password, pausing_has["app_key"])
        texts = _texts_limited_on_both(result, (first, second), twilio, texting, password, texting_has["phone"])

        # A download asked for on the first server, built by the worker, fetched from the second.
        asked = browser.post("/notes/download/", {"start": "2026-01-01", "end": "2026-01-31"})
        result.check(asked.status_code == 302, f"asking for a download answered {asked.status_code}")
        browser.move_to(second.url)
        began, link = time.monotonic(), None
        while time.monotonic() - began < BUILD_DEADLINE_SECONDS and link is None:
            found = DOWNLOAD_LINK.search(browser.get("/notes/download/").text)
            link = found.group(1) if found else None
            if link is None:
                time.sleep(1)
        built_in = time.monotonic() - began
        result.check(link is not None, f"no download was ready within {BUILD_DEADLINE_SECONDS} s")
        if link:
            bundle = browser.get(link)
            result.check(bundle.status_code == 200, f"fetching the download answered {bundle.status_code}")
            with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
                result.check("bundle.json" in archive.namelist(), "the download holds no bundle.json")
        result.peak_memory_kib = max(first.peak_memory_kib(), second.peak_memory_kib())
    result.numbers.update({"app servers": 2, "texts delivered": texts, "download built in": f"{built_in:.0f} s"})
    return result

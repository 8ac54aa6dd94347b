"""Two app servers and a task worker on different ports, sharing PostgreSQL and Redis (REDIS_URL:
sessions cached_db, the cache in Redis), as a load balancer would spread one person's requests:
a session made on one works on the other; wrong passwords on both add up to one lockout; a
download asked for on one is built by the worker and fetched from the other.
"""

import io
import re
import secrets
import time
import zipfile

from .client import Browser
from .result import Result
from .stack import stack

DOWNLOAD_LINK = re.compile(r'href="(/notes/download/[0-9a-f-]{36}/)"')
FAILURES_BEFORE_LOCKOUT = 5  # AXES_FAILURE_LIMIT's default
BUILD_DEADLINE_SECONDS = 90


def _signed_in(browser: Browser) -> bool:
    return browser.get("/home/").status_code == 200


def run() -> Result:
    result = Result("two app servers and a worker")
    password = secrets.token_urlsafe(16)
    with stack("two_servers", redis=True, TRUSTED_PROXY_COUNT="1") as the_stack:
        first = the_stack.app_server("app-1", workers=1, threads=4, wait=False)
        second = the_stack.app_server("app-2", workers=1, threads=4, wait=False)
        the_stack.worker()
        reader, locked = the_stack.django("members", "2", password)["emails"]
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
    result.numbers.update({"app servers": 2, "download built in": f"{built_in:.0f} s"})
    return result

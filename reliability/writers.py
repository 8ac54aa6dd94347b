"""Concurrent writers: many members' browsers saving incidents through the diary's new-entry
form at once, several of them on one member's diary. Afterwards every acknowledged save (a
302 to the new entry) is stored, nothing else is, no request failed, and every member's chain
verifies.
"""

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .client import Browser, entry_id
from .result import Result
from .stack import stack

NEW_ENTRY = "/notes/new/"


@dataclass
class Tally:
    """What the writers saw, shared between their threads."""

    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # email: entry ids
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, email: str, entry: str) -> None:
        with self.lock:
            self.acknowledged.setdefault(email, []).append(entry)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


def _write(base: str, email: str, password: str, tally: Tally, clock: "Clock") -> None:
    """One browser: sign in on the real page, then save incidents until the clock runs out."""
    browser = Browser(base)
    token = None
    try:
        signed_in = browser.sign_in(email, password)
        if signed_in.status_code != 302 or "/accounts/login/" in signed_in.headers.get("Location", ""):
            tally.error(f"sign-in answered {signed_in.status_code}")
        else:
            token = browser.token(NEW_ENTRY)
    except Exception as error:  # any failure is counted, by kind only
        tally.error(f"sign-in {type(error).__name__}")
    clock.everyone_signed_in.wait()
    number = 0
    while token and time.monotonic() < clock.deadline:
        number += 1
        form = {
            "what_happened": f"Saved by a writer, number {number}, {secrets.token_hex(4)}",
            "occurred_date": "2026-01-15",
            "occurred_time": "21:30",
        }
        try:
            answer = browser.post(NEW_ENTRY, form, token=token)
        except Exception as error:  # a timeout or a dropped connection is an error too
            tally.error(f"save {type(error).__name__}")
            continue
        entry = entry_id(answer)
        if entry:
            tally.ack(email, entry)
        else:
            tally.error(f"save answered {answer.status_code}")


class Clock:
    """The run's clock starts once every browser has signed in, so signing in eats none of it."""

    def __init__(self, browsers: int, seconds: float):
        self.seconds = seconds
        self.deadline = float("inf")
        self.everyone_signed_in = threading.Barrier(browsers, action=self._start)

    def _start(self) -> None:
        self.deadline = time.monotonic() + self.seconds


def _write_all(base: str, assignments: list[str], password: str, seconds: float) -> Tally:
    tally = Tally()
    clock = Clock(len(assignments), seconds)
    threads = [
        threading.Thread(target=_write, args=(base, email, password, tally, clock), daemon=True)
        for email in assignments
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 180)
    return tally


def run(*, seconds: float = 60, spread: int = 48, members: int = 12, on_one: int = 16) -> Result:
    """``spread`` writers over ``members`` members and ``on_one`` more on one member, for ``seconds``."""
    result = Result("concurrent writers")
    with stack("writers", TRUSTED_PROXY_COUNT="1") as the_stack:
        app = the_stack.app_server(workers=2, threads=16, wait=False)
        password = secrets.token_urlsafe(16)
        emails = the_stack.django("members", str(members + 1), password)["emails"]
        app.wait_until_healthy()
        # ``on_one`` browsers share the first member's diary; the rest are spread over the others.
        assignments = [emails[0]] * on_one + [emails[1 + n % members] for n in range(spread)]
        tally = _write_all(app.url, assignments, password, seconds)
        stored = the_stack.django("diaries", *emails)
        result.peak_memory_kib = app.peak_memory_kib()
    acknowledged = sum(len(ids) for ids in tally.acknowledged.values())
    stored_count = sum(len(diary["entries"]) for diary in stored.values())
    result.numbers.update(
        {
            "writers": spread + on_one,
            "members": members + 1,
            "seconds": round(seconds),
            "acknowledged": acknowledged,
            "stored": stored_count,
            "errors": sum(tally.errors.values()),
            "saves per second": round(acknowledged / seconds, 1),
        }
    )
    result.check(acknowledged > 0, "no save was acknowledged")
    result.check(not tally.errors, f"requests failed: {dict(tally.errors)}")
    for email, diary in stored.items():
        mine = sorted(tally.acknowledged.get(email, []))
        stored_here = len(diary["entries"])
        result.check(diary["entries"] == mine, f"{email}: {len(mine)} saves acknowledged, {stored_here} stored")
        result.check(diary["chain_break"] is None, f"{email}: the chain is broken at {diary['chain_break']}")
        result.check(diary["versions"] == len(mine), f"{email}: {diary['versions']} versions for {len(mine)} entries")
    return result

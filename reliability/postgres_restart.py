"""PostgreSQL restarted in the middle of writes, stopped and started as .ci/run starts it
(`pg_ctlcluster <version> main stop|start`). While it is down, saves get the "try again" page
(503 with Retry-After), never a stack trace; afterwards no acknowledged save is lost, no entry is
half-written, no file is stored without its row (nor a row without its file), every chain
verifies, and the app server recovers by itself within seconds.

It restarts the machine's own PostgreSQL, which every other user of it notices: it is in
`make reliability` only, never in the test suite, and is skipped where pg_ctlcluster is missing.
"""

import io
import secrets
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from PIL import Image

from .client import Browser, entry_id
from .result import Result
from .stack import StackError, postgres_available, stack

NEW_ENTRY = "/notes/new/"
WRITERS = 8
BEFORE_SECONDS = 6  # writing before the stop
DOWN_SECONDS = 6  # how long PostgreSQL stays down
AFTER_SECONDS = 10  # writing after it is back
RECOVERY_LIMIT_SECONDS = 15


def _cluster() -> tuple[str, str] | None:
    """The local cluster's version and name, as .ci/run finds it."""
    versions = (
        sorted(path.name for path in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    )
    if not versions or shutil.which("pg_ctlcluster") is None:
        return None
    return versions[0], "main"


def _pg_ctl(action: str) -> None:
    cluster = _cluster()
    if cluster is None:
        raise StackError("no PostgreSQL cluster to restart")
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action],  # noqa: S607
        capture_output=True,
        timeout=120,
        check=True,
    )


def _photo() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 80, 40)).save(picture, format="PNG")
    return picture.getvalue()


class Writes:
    """Every answer the writers got, by what it was."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, list[str]] = {}
        self.try_again = 0
        self.bad_try_again: Counter = Counter()
        self.errors: Counter = Counter()
        self.ack_times: list[float] = []
        self.lock = threading.Lock()


def _write(base: str, email: str, password: str, photo: bytes, stop: threading.Event, writes: Writes) -> None:
    browser = Browser(base)
    browser.sign_in(email, password)
    token = browser.token(NEW_ENTRY)
    number = 0
    while not stop.is_set():
        number += 1
        form = {"what_happened": f"Restart writer {number} {secrets.token_hex(4)}"}
        form |= {"occurred_date": "2026-01-15", "occurred_time": "21:30"}
        files = {"attachments": ("photo.png", photo, "image/png")} if number % 3 == 0 else None
        try:
            answer = browser.post(NEW_ENTRY, form, token=token, files=files)
        except Exception as error:  # counted by kind
            with writes.lock:
                writes.errors[f"save {type(error).__name__}"] += 1
            continue
        with writes.lock:
            if entry := entry_id(answer):
                writes.acknowledged.setdefault(email, []).append(entry)
                writes.ack_times.append(time.monotonic())
            elif answer.status_code == 503:
                writes.try_again += 1
                if not answer.headers.get("Retry-After"):
                    writes.bad_try_again["503 without Retry-After"] += 1
                if "Traceback" in answer.text or 'File "' in answer.text:
                    writes.bad_try_again["503 with a stack trace"] += 1
                time.sleep(0.5)
            else:
                writes.errors[f"save answered {answer.status_code}"] += 1


def run() -> Result:
    result = Result("PostgreSQL restarted during writes")
    if _cluster() is None:
        result.skipped = "pg_ctlcluster and a cluster under /etc/postgresql are needed"
        return result
    password = secrets.token_urlsafe(16)
    photo = _photo()
    with stack("pg_restart", TRUSTED_PROXY_COUNT="1") as the_stack:
        app = the_stack.app_server(workers=2, threads=8, wait=False)
        emails = the_stack.django("members", "4", password)["emails"]
        app.wait_until_healthy()
        writes, stop = Writes(), threading.Event()
        threads = [
            threading.Thread(target=_write, args=(app.url, emails[n % 4], password, photo, stop, writes), daemon=True)
            for n in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(BEFORE_SECONDS)
        _pg_ctl("stop")
        stopped_at = time.monotonic()
        try:
            time.sleep(DOWN_SECONDS)
        finally:
            _pg_ctl("start")
        started_at = time.monotonic()
        while not postgres_available() and time.monotonic() - started_at < 60:
            time.sleep(0.2)
        back_at = time.monotonic()
        time.sleep(AFTER_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(60)
        after_return = [moment - back_at for moment in writes.ack_times if moment >= back_at]
        recovered_after = min(after_return) if after_return else None
        stored = the_stack.django("diaries", *emails)
        files = the_stack.django("storage")
        result.peak_memory_kib = app.peak_memory_kib()
    acknowledged = {email: set(ids) for email, ids in writes.acknowledged.items()}
    lost = sum(len(ids - set(stored[email]["entries"])) for email, ids in acknowledged.items())
    stored_count = sum(len(diary["entries"]) for diary in stored.values())
    acked_count = sum(len(ids) for ids in acknowledged.values())
    result.numbers.update(
        {
            "writers": WRITERS,
            "acknowledged": acked_count,
            "stored": stored_count,
            "try-again answers": writes.try_again,
            "errors": sum(writes.errors.values()),
            "down for": f"{back_at - stopped_at:.0f} s",
            "first save after PostgreSQL's return": f"{recovered_after:.1f} s"
            if recovered_after is not None
            else "none",
        }
    )
    result.check(lost == 0, f"{lost} acknowledged saves are not stored")
    result.check(writes.try_again > 0, "no save met the outage (503): PostgreSQL was not down during writes")
    result.check(not writes.bad_try_again, f"wrong 'try again' answers: {dict(writes.bad_try_again)}")
    result.check(not writes.errors, f"errors: {dict(writes.errors)}")
    result.check(
        recovered_after is not None and recovered_after < RECOVERY_LIMIT_SECONDS,
        f"no save was acknowledged within {RECOVERY_LIMIT_SECONDS} s of PostgreSQL's return",
    )
    for email, diary in stored.items():
        result.check(diary["chain_break"] is None, f"{email}: the chain is broken at {diary['chain_break']}")
        result.check(diary["versions"] == len(diary["entries"]), f"{email}: versions and entries differ")
    result.numbers["files stored"] = len(files["stored"])
    result.check(len(files["referenced"]) > 0, "no save with a photo was stored")
    result.check(files["entries_without_versions"] == 0, "an entry was left without a version")
    orphans = set(files["stored"]) - set(files["referenced"])
    missing = set(files["referenced"]) - set(files["stored"])
    result.check(not orphans, f"{len(orphans)} files stored without an attachment row")
    result.check(not missing, f"{len(missing)} attachment rows whose file is missing")
    return result

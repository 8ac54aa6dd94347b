"""`make bench`: the portal on its production stack, measured, and written to docs/benchmarks.md.

gunicorn (deploy/gunicorn.conf.py) on a PostgreSQL database of the bench's own (created and
dropped here), Redis for cache and sessions, DEBUG off, production settings (the requests say
they came through the TLS proxy, as nginx does). wrk drives each page for a bounded time at 32
connections, right after an anonymous bare view, three times; the medians are reported.
Bounded to about 10-15 minutes on 2 cores. BENCH_SECONDS (default 4) sets each wrk run.

BENCH_PAGES measures only the pages it names (labels as printed, separated by ";", e.g.
"timeline, 50 entries;new-entry form"), each beside its bare view as always, in a few minutes:
their table is printed and kept in benchmarks/results/, and docs/benchmarks.md is left as it is.
"""

import base64
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
LARGEST = int(os.environ.get("BENCH_ROWS", "1000000"))  # smaller only to try the bench out
# Only these pages, when set: see the docstring.
PAGES = [label.strip() for label in os.environ.get("BENCH_PAGES", "").split(";") if label.strip()]
CONNECTIONS = 32
ROUNDS = 3
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    """The throwaway database, environment and app server of one run."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.database = f"portal_bench_{secrets.token_hex(4)}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        key = base64.b64encode(os.urandom(32)).decode()
        self.env = {
            **os.environ,
            "PORTAL_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "PORTAL_VAR_DIR": str(self.folder / "var"),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1/") + self.database,
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "WAGTAILADMIN_BASE_URL": self.base,
            "PORTAL_MASTER_KEYS": f"bench:{key}",
            "PORTAL_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "bench",
            "TWILIO_FROM_NUMBER": "+447700900000",
            "STATIC_ROOT": str(self.folder / "static"),
            "ENCRYPTED_FILES_ROOT": str(self.folder / "encrypted"),
            "MEDIA_ROOT": str(self.folder / "media"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }
        self.server: subprocess.Popen | None = None

    def run(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def site(self, *args: str) -> dict:
        out = self.run(PY, "benchmarks/site.py", *args)
        return json.loads(out.rsplit("BENCH-JSON ", 1)[1])

    def prepare(self) -> None:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", self.database], check=True)
        self.run(PY, "manage.py", "migrate", "--noinput")
        self.run(PY, "manage.py", "collectstatic", "--noinput")

    def start(self) -> None:
        log = open(self.folder / "gunicorn.log", "w")
        # max_requests off for the run, so a worker's CPU time is not lost when it is replaced.
        self.server = subprocess.Popen(
            [GUNICORN, "-c", "deploy/gunicorn.conf.py", "--max-requests", "0", "portal.wsgi"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer; see {self.folder / 'gunicorn.log'}")

    def workers_cpu(self) -> float:
        """CPU seconds (user + system) used so far by the app server's workers."""
        assert self.server is not None
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.server.pid:  # parent pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", self.database], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def wrk(stack: Stack, path: str, cookie: str = "", body: str = "", seconds: int = SECONDS) -> dict:
    """One wrk run, with the workers' CPU time read before and after."""
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_BODY": body, "BENCH_ORIGIN": f"https://127.0.0.1:{stack.port}"}
    before = stack.workers_cpu()
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            "benchmarks/wrk.lua",
            stack.base + path,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    time.sleep(1)  # requests still queued when wrk stopped are served (and counted) before the next run
    cpu = stack.workers_cpu() - before
    result = json.loads(done.stdout.rsplit("WRK-JSON ", 1)[1])
    requests = max(result["requests"], 1)
    return {
        "rps": requests / (result["duration_us"] / 1e6),
        "p50": result["p50_us"] / 1000,
        "p95": result["p95_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "cpu_ms": cpu * 1000 / requests,
        "errors": result["status_errors"] + result["socket_errors"],
    }


def median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure(stack: Stack, label: str, path: str, cookie: str = "", body: str = "") -> dict:
    """The page and, right before each of its runs, the anonymous bare view; medians of three."""
    bare_runs, page_runs = [], []
    for _ in range(ROUNDS):
        bare_runs.append(wrk(stack, "/bench/bare/"))
        page_runs.append(wrk(stack, path, cookie, body))
    bare, page = median(bare_runs), median(page_runs)
    row = {
        **page,
        "label": label,
        "ratio": page["rps"] / bare["rps"],
        "cpu_x": page["cpu_ms"] / bare["cpu_ms"] if bare["cpu_ms"] else 0,
        "bare_rps": bare["rps"],
    }
    print(
        f"  {label:<32} {row['rps']:7.0f}/s  p50 {row['p50']:6.1f}  p95 {row['p95']:6.1f}  p99 {row['p99']:6.1f} ms"
        f"  cpu {row['cpu_ms']:5.1f} ms  x{row['ratio']:.3f} of bare ({bare['rps']:.0f}/s)"
        + (f"  {row['errors']:.0f} ERRORS" if row["errors"] else ""),
        flush=True,
    )
    return row


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    started = time.time()
    print("In process (SQLite):", flush=True)
    in_process = ""
    if not (os.environ.get("BENCH_SKIP_IN_PROCESS") or PAGES):
        in_process = subprocess.run(
            [PY, "benchmarks/run.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    print(in_process, flush=True)
    stack = Stack()
    report: dict = {"in_process": in_process, "load_before": load_average()}
    try:
        print(f"Preparing PostgreSQL database {stack.database} ...", flush=True)
        stack.prepare()
        seeded = stack.site("seed")
        report["queries"] = stack.site("queries")
        print("Queries per page:", report["queries"], flush=True)
        stack.start()
        cookie = {name: f"session={value}" for name, value in seeded["sessions"].items()}
        pages = [
            ("bare view, anonymous", "/bench/bare/", "", ""),
            ("bare view, signed in", "/bench/bare/", cookie["fifty"], ""),
            ("layout only, signed in", "/bench/layout/", cookie["fifty"], ""),
            ("home, anonymous", "/", "", ""),
            ("sign-in page", "/accounts/login/", "", ""),
            ("timeline, 50 entries", "/notes/", cookie["fifty"], ""),
            ("timeline, 500 entries", "/notes/", cookie["five_hundred"], ""),
            ("entry", seeded["entry"], cookie["fifty"], ""),
            ("new-entry form", "/notes/new/", cookie["fifty"], ""),
        ]
        if seeded["advice"]:
            pages.append(("advice page", seeded["advice"], "", ""))
        if PAGES:
            unknown = set(PAGES) - {page[0] for page in pages}
            if unknown:
                raise SystemExit(f"BENCH_PAGES names no page called {', '.join(sorted(unknown))}")
            pages = [page for page in pages if page[0] in PAGES]
        print(f"Pages ({SECONDS} s a run, {CONNECTIONS} connections, median of {ROUNDS}):", flush=True)
        rows = [measure(stack, *page) for page in pages]
        if PAGES:
            report["rows"] = rows
            return _pages_only(report)

        print("Timeline p95 by the size of the diary:", flush=True)
        report["scale"] = {}
        for total in (1_000, LARGEST):
            filled = stack.site("rows", str(total))
            runs = [wrk(stack, "/notes/", cookie["fifty"]) for _ in range(ROUNDS)]
            report["scale"][total] = {**median(runs), "entries": filled["entries"], "fill_seconds": filled["seconds"]}
            report["scale"][total]["query_ms"] = filled["query_ms"]
            print(
                f"  {filled['entries']:>9,} entries: p95 {report['scale'][total]['p95']:.1f} ms, the query "
                f"{filled['query_ms']['median']:.3f} ms ({filled['query_ms']['entries_read_by']})",
                flush=True,
            )

        form = {
            "csrfmiddlewaretoken": seeded["csrf_form"],
            "what_happened": "Parked outside the house again, engine running, for about twenty minutes.",
            "occurred_date": date.today().isoformat(),
            "occurred_time": "07:30",
            "location": "Outside home",
            "behaviours": "following",
        }
        saver = f"session={seeded['sessions']['saver']}; csrftoken={seeded['csrf_cookie']}"
        rows.append(measure(stack, "saving an incident", "/notes/new/", saver, urlencode(form)))
        report["rows"] = rows

        print("In Chromium:", flush=True)
        browser_pages = {
            "home": ["/", False],
            "sign-in page": ["/accounts/login/", False],
            "timeline, 50 entries": ["/notes/", True],
            "entry": [seeded["entry"], True],
            "new-entry form": ["/notes/new/", True],
        }
        if seeded["advice"]:
            browser_pages["advice page"] = [seeded["advice"], False]
        browser = subprocess.run(
            [PY, "benchmarks/browser.py", stack.base, seeded["sessions"]["fifty"], json.dumps(browser_pages)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if browser.returncode:
            print(browser.stderr[-2000:], flush=True)
            report["browser"] = None
        else:
            report["browser"] = json.loads(browser.stdout.rsplit("BENCH-JSON ", 1)[1])
            print(" ", report["browser"], flush=True)
        if stack.server is not None:
            stack.server.terminate()
            stack.server.wait(timeout=30)
            stack.server = None
        print("Download of 1,000 entries with 100 photos (in process) ...", flush=True)
        report["download"] = stack.site("download")
        print(" ", report["download"], flush=True)
    finally:
        stack.stop()
    report["load_after"] = load_average()
    report["minutes"] = (time.time() - started) / 60
    from benchmarks.report import write

    path = write(report)
    print(f"Written to {path.relative_to(ROOT)} ({report['minutes']:.1f} minutes).", flush=True)


def _pages_only(report: dict) -> None:
    """BENCH_PAGES: the pages' table, printed and kept (docs/benchmarks.md is a whole run's)."""
    from benchmarks.report import RESULTS, _pages_table

    report.update(load_after=load_average(), machine=machine(), date=time.strftime("%Y-%m-%dT%H:%M"))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y-%m-%d-%H%M')}-pages.json"
    path.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"Load average before {report['load_before']}, after {report['load_after']}.", flush=True)
    print(f"Kept in {path.relative_to(ROOT)}:", flush=True)
    print("\n".join(_pages_table(report["rows"])))


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

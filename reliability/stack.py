"""The servers a scenario runs against, all on 127.0.0.1: a database of the run's own, a Redis
database number of its own, app servers (gunicorn with deploy/gunicorn.conf.py) and the task
worker, each in its own process group so that stopping the run stops everything it started.

Everything is production-like: PORTAL_ENV=production, DEBUG off, throwaway secrets, the static
files collected once (and kept, keyed by their contents) because production serves hashed names.
"""

import base64
import concurrent.futures
import contextlib
import hashlib
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Production's static files, collected once and kept between runs and checkouts (CI clones afresh).
CACHE_DIR = Path(os.environ.get("RELIABILITY_CACHE_DIR") or Path(tempfile.gettempdir()) / "portal-reliability")
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
REDIS_URL = "redis://127.0.0.1:6379"
# Redis database numbers the runs take turns with (0 is left to whoever else uses this Redis).
REDIS_DBS = range(8, 16)
# Installed packages whose migrations or static files the portal uses: a new version of one
# means a new template database and a new collection of static files.
MIGRATING_PACKAGES = (
    "django",
    "wagtail",
    "django-allauth",
    "django-otp",
    "django-otp-webauthn",
    "django-axes",
    "django-tasks-db",
    "django-taggit",
    "django-modelcluster",
)
# What gunicorn needs to start and serve its first /healthz on a busy two-core machine.
START_SECONDS = 60


class StackError(Exception):
    """A server would not start, or a setup step failed: the scenario cannot run."""


def postgres_available() -> bool:
    """Whether the local PostgreSQL answers and its client tools are installed."""
    try:
        _pg("psql", "-tAc", "select 1", "postgres", timeout=10)
    except (OSError, StackError, subprocess.TimeoutExpired):
        return False
    return True


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg(tool: str, *args: str, timeout: float = 120) -> str:
    env = {**os.environ, "PGHOST": PG["host"], "PGPORT": PG["port"], "PGUSER": PG["user"]}
    env.pop("PGPASSWORD", None)
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if result.returncode != 0:
        raise StackError(f"{tool} {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def _digest(paths: list[Path], *extra: str) -> str:
    """A short digest of files' names and contents and of the versions of the packages that matter."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(BASE_DIR)).encode())
        digest.update(path.read_bytes())
    for name in MIGRATING_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
    for text in extra:
        digest.update(text.encode())
    return digest.hexdigest()[:12]


def _migration_files() -> list[Path]:
    return [p for p in BASE_DIR.glob("*/**/migrations/*.py") if ".venv" not in p.parts]


def _static_names() -> str:
    """The static files' names. Not their contents: a stylesheet edited since the last run changes
    nothing the scenarios check, and collecting again takes half a minute; a new file must be in
    the manifest, or production's pages that name it would fail."""
    names = [p for p in BASE_DIR.glob("*/**/static/**/*") if p.is_file() and ".venv" not in p.parts]
    return "\n".join(sorted(str(p.relative_to(BASE_DIR)) for p in names))


def base_env(run_dir: Path, *, database: str, redis_db: int | None, **overrides: str) -> dict[str, str]:
    """A complete production environment (as tests/portal/support.py production_env) for one run."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env = {
        **keep,
        "PORTAL_ENV": "production",
        "DEBUG": "0",
        "PORTAL_VAR_DIR": str(run_dir / "var"),
        "ENCRYPTED_FILES_ROOT": str(run_dir / "encrypted"),
        "STATIC_ROOT": str(CACHE_DIR / f"static-{_digest([], _static_names())}"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(database),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BASE_URL": "https://localhost",
        "PORTAL_MASTER_KEYS": f"reliability-{secrets.token_hex(4)}:{base64.b64encode(os.urandom(32)).decode()}",
        "PORTAL_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "reliability-only-token",
        "TWILIO_FROM_NUMBER": "+447700900000",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # Emails (sign-in notices) go nowhere: nothing listens on this port.
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(free_port()),
        "EMAIL_USE_TLS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if redis_db is not None:
        env["REDIS_URL"] = f"{REDIS_URL}/{redis_db}"
    env.update(overrides)
    return env


def _prepared_template() -> str:
    """A migrated database to copy, named by a digest of the migrations: migrating from nothing
    takes half a minute, copying a template a second."""
    name = f"reliability_tpl_{_digest(_migration_files())}"
    existing = _pg("psql", "-tAc", f"select 1 from pg_database where datname = '{name}'", "postgres").strip()  # noqa: S608
    if existing:
        return name
    building = f"{name}_{os.getpid()}"
    _pg("createdb", building)
    with tempfile.TemporaryDirectory() as scratch:
        env = base_env(Path(scratch), database=building, redis_db=None)
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if result.returncode != 0:
        _pg("dropdb", "--if-exists", building)
        raise StackError(f"migrate failed: {result.stderr[-2000:]}")
    try:
        _pg("psql", "-c", f'alter database "{building}" rename to "{name}"', "postgres")
    except StackError:  # another run finished the same template first
        _pg("dropdb", "--if-exists", building)
    _drop_stale_templates(keep=name)
    return name


def _drop_stale_templates(*, keep: str) -> None:
    """Templates made for earlier migrations are of no further use."""
    listed = _pg("psql", "-tAc", "select datname from pg_database where datname like 'reliability_tpl_%'", "postgres")
    for old in listed.split():
        if old != keep and not old.startswith(keep):
            with contextlib.suppress(StackError):  # in use by a run still copying it
                _pg("dropdb", old)


def _collected_static(env: dict[str, str]) -> None:
    """Production's static files (hashed names, a manifest), collected once per set of files."""
    root = Path(env["STATIC_ROOT"])
    if (root / "staticfiles.json").exists():
        return
    scratch = root.with_name(f"{root.name}.{os.getpid()}")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env={**env, "STATIC_ROOT": str(scratch)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"collectstatic failed: {result.stderr[-2000:]}")
    with contextlib.suppress(OSError):  # another run may have put the same files in place first
        scratch.rename(root)


def _redis_flush(db: int) -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=5) as connection:
        connection.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        connection.recv(64)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""

    def stop(self, timeout: float = 15) -> None:
        """Stop the whole process group: gunicorn's workers, or the worker's children, with it."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def wait_until_healthy(self) -> None:
        """Until the app server answers /healthz."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise StackError(f"{self.name} stopped while starting: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise StackError(f"{self.name} did not answer /healthz within {START_SECONDS} s")

    def pids(self) -> list[int]:
        """The process and its children (gunicorn's workers), from /proc."""
        found = [self.popen.pid]
        for status in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = status.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) in found or int(fields[2]) == self.popen.pid:  # parent or group
                    found.append(int(status.parent.name))
        return sorted(set(found))

    def peak_memory_kib(self) -> int:
        """The largest peak resident size (VmHWM) among the process and its children."""
        peaks = [0]
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]))
        return max(peaks)


@dataclass
class Stack:
    """One run's database, Redis number, environment and processes."""

    run_dir: Path
    database: str
    redis_db: int | None
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def django(self, *args: str, timeout: float = 300, env: dict[str, str] | None = None) -> dict:
        """Run reliability.inside in a Django process on this run's database; its JSON answer."""
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "reliability.inside", *args],
            cwd=BASE_DIR,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"reliability.inside {args[0]} failed: {result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.run_dir / f"{name}.log"
        popen = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def app_server(
        self, name: str = "app", *, workers: int = 2, threads: int = 8, wait: bool = True, **env: str
    ) -> Process:
        """gunicorn with the deployment's settings on a free port; returns once /healthz answers
        (or at once with ``wait=False``: then call ``wait_until_healthy``)."""
        port = free_port()
        server_env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            **env,
        }
        process = self._start(
            name,
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
            server_env,
        )
        process.url = f"http://127.0.0.1:{port}"
        if wait:
            process.wait_until_healthy()
        return process

    def worker(self, name: str = "worker", **env: str) -> Process:
        """The task worker (django-tasks-db's db_worker), as production runs it."""
        return self._start(name, [sys.executable, "manage.py", "db_worker"], {**self.env, **env})

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@contextlib.contextmanager
def stack(name: str, *, redis: bool = False, **env: str) -> Iterator[Stack]:
    """A fresh database (a copy of the migrated template), optionally a Redis database number,
    and a scratch folder; everything started inside is stopped, and the database dropped, after."""
    if not postgres_available():
        raise StackError("PostgreSQL does not answer on 127.0.0.1:5432 (or psql is not installed)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # The first run on a machine migrates a template and collects static files: both at once.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        static = pool.submit(_collected_static, base_env(CACHE_DIR, database="unused", redis_db=None))
        template = _prepared_template()
        static.result()
    database = f"reliability_{name}_{secrets.token_hex(4)}"
    redis_db = None
    if redis:
        if not redis_available():
            raise StackError("Redis does not answer on 127.0.0.1:6379")
        redis_db = REDIS_DBS[secrets.randbelow(len(REDIS_DBS))]
        _redis_flush(redis_db)
    run_dir = Path(tempfile.mkdtemp(prefix=f"reliability-{name}-"))
    for attempt in range(5):  # a template is briefly busy while another run copies it
        try:
            _pg("createdb", "-T", template, database)
            break
        except StackError:
            if attempt == 4:
                raise
            time.sleep(1)
    the_stack = Stack(run_dir, database, redis_db, base_env(run_dir, database=database, redis_db=redis_db, **env))
    succeeded = False
    try:
        yield the_stack
        succeeded = True
    finally:
        the_stack.stop()
        with contextlib.suppress(StackError, subprocess.TimeoutExpired):
            _pg("dropdb", "--if-exists", "--force", database, timeout=60)
        if redis_db is not None:
            with contextlib.suppress(OSError):
                _redis_flush(redis_db)
        if succeeded:  # a failed run keeps its servers' logs for reading
            shutil.rmtree(run_dir, ignore_errors=True)

"""Benchmarks for `make bench`: numbers to read, not tests to pass.

Runs against a throwaway SQLite database and file store in a temporary folder.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="portal-bench-"))
os.environ.update(
    PORTAL_ENV="development",
    PORTAL_VAR_DIR=str(WORKDIR / "var"),
    DATABASE_URL=f"sqlite:///{WORKDIR / 'bench.sqlite3'}",
    ENCRYPTED_FILES_ROOT=str(WORKDIR / "encrypted"),
    DJANGO_SETTINGS_MODULE="portal.settings",
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from portal import crypto  # noqa: E402
from portal.accounts.models import User  # noqa: E402

MIB = 1024 * 1024


def timed(function, repeat: int) -> float:
    """Median seconds per call over `repeat` calls, in five rounds."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        rounds.append((time.perf_counter() - start) / repeat)
    return statistics.median(rounds)


def bench_values(member) -> None:
    text = "They were waiting outside the house again at 7pm, by the blue car. " * 3
    aad = crypto.value_aad(owner_id=member.pk, model_label="bench.entry", field_name="text", row_id="row-1")
    with crypto.key_scope():
        stored = crypto.encrypt_value(text, owner_id=member.pk, aad=aad)

        def round_trip():
            crypto.decrypt_value(crypto.encrypt_value(text, owner_id=member.pk, aad=aad), owner_id=member.pk, aad=aad)

        seconds = timed(round_trip, 2000)
    print(f"field encrypt+decrypt ({len(text)} chars, key unwrapped once per scope): {seconds * 1e6:8.1f} µs")
    print(f"  stored size: {len(stored)} chars for {len(text)} chars of text")


def bench_files(member, size_mib: int = 100) -> None:
    source_path = WORKDIR / "source.bin"
    with open(source_path, "wb") as source:
        block = os.urandom(MIB)
        for _ in range(size_mib):
            source.write(block)
    aad = b"bench-file"
    with crypto.key_scope():
        tracemalloc.start()
        start = time.perf_counter()
        with open(source_path, "rb") as source:
            sealed = crypto.encrypt_file(source, owner_id=member.pk, aad=aad)
        encrypt_seconds = time.perf_counter() - start
        encrypt_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        start = time.perf_counter()
        total = 0
        for chunk in crypto.decrypt_file(sealed.file, owner_id=member.pk, aad=aad):
            total += len(chunk)
        decrypt_seconds = time.perf_counter() - start
        decrypt_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        sealed.file.close()
    assert total == size_mib * MIB
    print(f"file encrypt, {size_mib} MiB (SHA-256 included): {size_mib / encrypt_seconds:8.0f} MiB/s")
    print(f"file decrypt, {size_mib} MiB:                   {size_mib / decrypt_seconds:8.0f} MiB/s")
    print(
        f"  peak Python memory: encrypt {encrypt_peak / MIB:.1f} MiB, decrypt {decrypt_peak / MIB:.1f} MiB "
        f"(chunks of {crypto.FILE_CHUNK_SIZE // 1024} KiB; the temporary file spills to disk past 8 MiB)"
    )


def bench_diary(member) -> None:
    """Incident saves per second, and timeline pages per second beside a bare Django view."""
    from django.test import Client, override_settings
    from django.utils import timezone

    from diary.services import IncidentData, entry_record

    def save():
        data = IncidentData(
            what_happened="Parked outside again, engine running, for about twenty minutes.",
            occurred_at=timezone.now(),
            behaviours=["following"],
            location="Outside home",
        )
        with crypto.key_scope():
            entry_record(member=member, data=data)

    seconds = timed(save, 50)
    print(f"incident save (one version, hash chain, encryption): {1 / seconds:8.0f} /s ({seconds * 1e3:.1f} ms)")
    while member.diary_entries.count() < 500:
        save()

    client = Client()
    client.force_login(member)
    with override_settings(ROOT_URLCONF="benchmarks.urls", ALLOWED_HOSTS=["testserver"]):
        for label, path in (("bare Django view", "/bench/bare/"), ("diary timeline, 500 entries", "/notes/")):
            assert client.get(path).status_code == 200
            seconds = timed(lambda path=path: client.get(path), 20)
            print(f"{label + ' (signed in, full middleware)':<55} {1 / seconds:8.0f} pages/s ({seconds * 1e3:.1f} ms)")


def main() -> None:
    call_command("migrate", verbosity=0)
    member = User.objects.create_user("bench@example.org", "bench-password-123")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, database: SQLite in {WORKDIR}")
    try:
        bench_values(member)
        bench_files(member)
        bench_diary(member)
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The Django side of `make bench` (benchmarks/stack.py runs it in the bench's own environment).

    python benchmarks/site.py seed       members with 1, 50 and 500 entries, signed-in sessions (JSON)
    python benchmarks/site.py queries    queries per page at 1 and 500 entries (JSON)
    python benchmarks/site.py rows N     other members' rows until the diary holds N entries
    python benchmarks/site.py download   build and verify a 1,000-entry download, timed (JSON)

Everything it writes goes into the bench's own throwaway database, never `test` or `portal`.
"""

import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from diary.incident import IncidentData  # noqa: E402
from diary.models import Entry, EntryVersion  # noqa: E402
from diary.services import entry_record  # noqa: E402
from portal import crypto  # noqa: E402
from portal.accounts.models import User  # noqa: E402

# The bench's requests arrive as they would through the TLS proxy (deploy/nginx/).
PROXY = {"X-Forwarded-Proto": "https"}
PASSWORD = "bench-password-" + uuid.uuid4().hex[:8]


def _member(email: str) -> User:
    member = User.objects.create_user(email, PASSWORD)
    member.before_you_start_seen_at = timezone.now()
    member.save(update_fields=["before_you_start_seen_at"])
    return member


def _record(member: User, count: int, uploads_every: int = 0) -> None:
    start = timezone.now() - timedelta(days=count)
    with crypto.key_scope():
        for number in range(count):
            data = IncidentData(
                what_happened=f"Parked outside the house again, engine running, for about twenty minutes ({number}).",
                occurred_at=start + timedelta(days=number, minutes=number % 60),
                behaviours=["following"] if number % 2 else ["contact", "following"],
                location="Outside home",
            )
            uploads = [_picture(number)] if uploads_every and number % uploads_every == 0 else []
            entry_record(member=member, data=data, uploads=uploads)


def _picture(number: int) -> SimpleUploadedFile:
    """A 1200x900 photo-like JPEG (~100 KB), different each time."""
    from PIL import Image

    picture = Image.radial_gradient("L").resize((1200, 900)).convert("RGB")
    picture.putpixel((number % 1200, 0), (255, number % 256, 0))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return SimpleUploadedFile(f"photo-{number}.jpg", out.getvalue(), content_type="image/jpeg")


def _signed_in(member: User) -> Client:
    client = Client(headers=PROXY)
    client.force_login(member)
    assert client.get("/notes/", secure=True).status_code == 200  # starts the session's clocks
    return client


def seed() -> dict:
    from content.demo import demo_content_create

    demo_content_create()  # the advice library of seed_demo (which refuses production settings)
    members = {"one": _member("one@bench.invalid"), "fifty": _member("fifty@bench.invalid")}
    members["five_hundred"] = _member("five-hundred@bench.invalid")
    members["saver"] = _member("saver@bench.invalid")
    _record(members["one"], 1)
    _record(members["fifty"], 50)
    _record(members["five_hundred"], 500)
    sessions = {}
    for name, member in members.items():
        if name == "saver":
            continue
        client = _signed_in(member)
        sessions[name] = client.cookies["session"].value
    saver = _signed_in(members["saver"])
    sessions["saver"] = saver.cookies["session"].value
    form_page = saver.get("/notes/new/", secure=True).content.decode()
    marker = 'name="csrfmiddlewaretoken" value="'
    csrf_form = form_page.split(marker, 1)[1].split('"', 1)[0]
    entry = Entry.objects.filter(member=members["fifty"]).first()
    assert entry is not None
    from content.models import AdvicePage

    advice = AdvicePage.objects.live().first()
    return {
        "sessions": sessions,
        "csrf_cookie": saver.cookies["csrftoken"].value,
        "csrf_form": csrf_form,
        "entry": f"/notes/{entry.pk}/",
        "advice": advice.url if advice else None,
        "password": PASSWORD,
        "emails": {name: member.email for name, member in members.items()},
    }


def queries() -> dict:
    """Queries per page for the member with 1 entry and the one with 500 (second request: warm)."""
    counts: dict[str, dict[str, int]] = {}
    for name in ("one", "five_hundred"):
        member = User.objects.get(email=f"{name.replace('_', '-')}@bench.invalid")
        client = _signed_in(member)
        entry = Entry.objects.filter(member=member).first()
        assert entry is not None
        for label, path in (
            ("timeline", "/notes/"),
            ("entry", f"/notes/{entry.pk}/"),
            ("new-entry form", "/notes/new/"),
        ):
            assert client.get(path, secure=True).status_code == 200
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, secure=True).status_code == 200
            counts.setdefault(label, {})[name] = len(captured.captured_queries)
    return counts


def rows(total: int) -> dict:
    """Other members' entries and versions, copied in with COPY, until the diary holds ``total``.

    Their content is one sealed value copied as it is: no page reads it, and only the size and
    shape of the tables matter to the timeline's query.
    """
    have = Entry.objects.count()
    wanted = total - have
    started = time.perf_counter()
    if wanted > 0:
        per_member = 500
        fillers = User.objects.bulk_create(
            [
                User(email=f"filler-{uuid.uuid4().hex[:12]}@bench.invalid", password="!")
                for _ in range(-(-wanted // per_member))
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT content FROM {EntryVersion._meta.db_table} WHERE content IS NOT NULL LIMIT 1")
            sealed = cursor.fetchone()[0]
        now = timezone.now()
        entry_table, version_table = Entry._meta.db_table, EntryVersion._meta.db_table
        raw = connection.connection  # psycopg 3
        with raw.cursor() as cursor:
            with (
                cursor.copy(
                    f"COPY {entry_table} (id, member_id, recorded_at, occurred_at, behaviours) FROM STDIN"
                ) as entries,
            ):
                ids = []
                for index in range(wanted):
                    member = fillers[index // per_member]
                    entry_id = uuid.uuid4()
                    ids.append((entry_id, member.pk))
                    when = now - timedelta(minutes=index)
                    entries.write_row((entry_id, member.pk, when, when, '["following"]'))
            with cursor.copy(
                f"COPY {version_table} (id, member_id, entry_id, sequence, number, kind, recorded_at, content,"
                " content_digest, attachment_hashes, previous_hash, hash) FROM STDIN"
            ) as versions:
                for index, (entry_id, member_id) in enumerate(ids):
                    versions.write_row(
                        (
                            uuid.uuid4(),
                            member_id,
                            entry_id,
                            index % per_member + 1,
                            1,
                            "created",
                            now,
                            sealed,
                            "0" * 64,
                            "[]",
                            "0" * 64,
                            uuid.uuid4().hex + uuid.uuid4().hex,
                        )
                    )
        raw.commit()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Entry._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {EntryVersion._meta.db_table}")
        # The fill's pages written out now, not by a checkpoint in the middle of the next measure.
        cursor.execute("CHECKPOINT")
    return {
        "entries": Entry.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
        "query_ms": _timeline_query_ms(),
    }


def _timeline_query_ms(rounds: int = 21) -> dict:
    """The timeline's page query for the member with 50 entries, as PostgreSQL runs it (EXPLAIN
    ANALYZE): its median execution time, and how it reads the entries' table."""
    from diary import selectors

    member = User.objects.get(email="fifty@bench.invalid")
    sql, params = selectors.timeline(member=member)[:20].query.sql_with_params()
    times, plan = [], {}
    with connection.cursor() as cursor:
        for _ in range(rounds):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            explained = cursor.fetchone()[0]
            explained = json.loads(explained) if isinstance(explained, str) else explained
            times.append(explained[0]["Execution Time"])
            plan = explained[0]["Plan"]
    return {"median": round(statistics.median(times), 3), "entries_read_by": _read_by(plan, Entry._meta.db_table)}


def _read_by(plan: dict, table: str) -> str:
    """How a query plan reads ``table``: "Index Scan using <index>", "Seq Scan", ..."""
    if plan.get("Relation Name") == table:
        return " using ".join(filter(None, [plan["Node Type"], plan.get("Index Name")]))
    return next((found for child in plan.get("Plans", []) if (found := _read_by(child, table))), "")


def download() -> dict:
    """Build and verify the download of 1,000 entries with 100 photos, in process."""
    from diary.export import bundle_build
    from diary.verify import bundle_verify

    member = _member("download@bench.invalid")
    started = time.perf_counter()
    _record(member, 1000, uploads_every=10)
    seeded = time.perf_counter() - started
    first = Entry.objects.filter(member=member).order_by("occurred_at").first()
    assert first is not None
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        path = Path(folder) / "bundle.zip"
        started = time.perf_counter()
        with crypto.key_scope(), open(path, "wb") as target:
            entries = bundle_build(
                member=member,
                start=timezone.localtime(first.occurred_at).date(),
                end=timezone.localdate() + timedelta(days=1),
                target=target,
            )
        built = time.perf_counter() - started
        size = path.stat().st_size
        started = time.perf_counter()
        result = bundle_verify(path)
        verified = time.perf_counter() - started
    assert result.ok, result
    return {
        "entries": len(entries),
        "attachments": 100,
        "seed_seconds": round(seeded, 1),
        "build_seconds": round(built, 2),
        "verify_seconds": round(verified, 2),
        "bytes": size,
    }


def main() -> None:
    command = sys.argv[1]
    if command == "seed":
        result = seed()
    elif command == "queries":
        result = queries()
    elif command == "rows":
        result = rows(int(sys.argv[2]))
    elif command == "download":
        result = download()
    else:
        raise SystemExit(__doc__)
    print("BENCH-JSON " + json.dumps(result))


if __name__ == "__main__":
    main()

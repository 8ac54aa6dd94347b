"""Where the time of the member's hot pages goes, in process: cProfile over the test client.

    python benchmarks/profile_pages.py [page ...] [--requests N] [--top K]

from the checkout (or from a copy of another version of it, to compare: `git archive` one).

Pages: timeline (a member with 50 entries), timeline-filtered (the same with a kept search),
new (the new-entry form), edit (the edit form of an entry with a file). For each it prints the
CPU time per request without the profiler (median of five rounds), then, under cProfile, where that
time goes: the whole request, the view, the page's template, the form fields drawn in it,
decrypting and SQL (nested: the template's time includes the fields'), and the functions with
the most cumulative time.

Like benchmarks/run.py it runs against a throwaway SQLite database and file store, with the
development settings and DEBUG off (so queries are not logged). Numbers to read, not to pass.
"""

import cProfile
import inspect
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

WORKDIR = Path(tempfile.mkdtemp(prefix="portal-profile-"))
os.environ.update(
    PORTAL_ENV="development",
    PORTAL_VAR_DIR=str(WORKDIR / "var"),
    DATABASE_URL=f"sqlite:///{WORKDIR / 'profile.sqlite3'}",
    ENCRYPTED_FILES_ROOT=str(WORKDIR / "encrypted"),
    DJANGO_SETTINGS_MODULE="portal.settings",
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from diary.incident import IncidentData  # noqa: E402
from diary.models import Entry  # noqa: E402
from diary.services import entry_record  # noqa: E402
from portal import crypto  # noqa: E402
from portal.accounts.models import User  # noqa: E402

PAGES = ("timeline", "timeline-filtered", "new", "edit")
VIEWS = {"timeline": "timeline", "timeline-filtered": "timeline", "new": "entry_new", "edit": "entry_edit"}


def _buckets(view: str) -> tuple[tuple[str, object], ...]:
    """(label, function): the cumulative time of each per request, nested as labelled (the
    widgets and labels are drawn inside the field groups, when a page draws those)."""
    from django.core.handlers.base import BaseHandler
    from django.db.backends.utils import CursorWrapper
    from django.forms.boundfield import BoundField
    from django.forms.utils import RenderableFieldMixin
    from django.template.backends.django import Template
    from django.template.defaultfilters import date
    from django.template.loader_tags import IncludeNode

    from diary import views

    return (
        ("whole request (handler and middleware)", BaseHandler.get_response),
        ("  the view", inspect.unwrap(getattr(views, view))),
        ("    the page's template", Template.render),
        ("      form field groups (as_field_group)", RenderableFieldMixin.as_field_group),
        ("      form widgets ({{ field }})", BoundField.as_widget),
        ("      form labels", BoundField.label_tag),
        ("      {% include %}", IncludeNode.render),
        ("      the date filter", date),
        ("    decrypting (portal.crypto.decrypt_value)", crypto.decrypt_value),
        ("  SQL (cursor execute)", CursorWrapper._execute),
    )


def _member(email: str, entries: int) -> User:
    member = User.objects.create_user(email, "profile-password-123")
    member.before_you_start_seen_at = timezone.now()
    member.save(update_fields=["before_you_start_seen_at"])
    start = timezone.now() - timedelta(days=entries)
    with crypto.key_scope():
        for number in range(entries):
            data = IncidentData(
                what_happened=f"Parked outside the house again, engine running, for about twenty minutes ({number}).",
                occurred_at=start + timedelta(days=number, minutes=number % 60),
                behaviours=["following"] if number % 2 else ["contact", "following"],
                location="Outside home",
            )
            uploads = [_picture()] if number % 10 == 0 else []
            entry_record(member=member, data=data, uploads=uploads)
    return member


def _picture() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def _client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _timed(request, rounds: int = 5, repeat: int = 20) -> float:
    """Median CPU seconds per request over ``rounds`` rounds of ``repeat``: the process's own
    CPU time, so that other work on a shared machine counts for less than it would in wall time."""
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeat):
            request()
        results.append((time.process_time() - start) / repeat)
    return statistics.median(results)


def _cumulative(stats: pstats.Stats, function) -> float:
    """Cumulative seconds in ``function`` (counted once where it calls itself)."""
    code = function.__code__
    key = (code.co_filename, code.co_firstlineno, code.co_name)
    return stats.stats.get(key, (0, 0, 0, 0.0))[3]  # type: ignore[attr-defined]


def profile(label: str, request, view: str, requests: int, top: int) -> None:
    assert request().status_code == 200  # warm: templates compiled, session started
    seconds = _timed(request)
    print(f"\n== {label}: {seconds * 1e3:.1f} ms of CPU per request ({1 / seconds:.0f}/s), without the profiler")
    profiler = cProfile.Profile(time.process_time)  # CPU time, as above
    profiler.enable()
    for _ in range(requests):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    buckets = _buckets(view)
    whole = _cumulative(stats, buckets[0][1]) or 1.0
    print(f"  under cProfile, per request ({requests} requests):")
    for name, function in buckets:
        spent = _cumulative(stats, function)
        print(f"  {name:<52} {spent / requests * 1e3:7.2f} ms  {spent / whole:5.0%}")
    if top:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        lines = out.getvalue().splitlines()
        start = next(index for index, line in enumerate(lines) if line.strip().startswith("ncalls"))
        print(f"  the {top} functions with the most cumulative time:")
        for line in lines[start : start + top + 1]:
            print("   ", line.replace(str(Path(django.__file__).parent.parent) + "/", ""))


def main() -> None:
    args = sys.argv[1:]
    requests = int(args[args.index("--requests") + 1]) if "--requests" in args else 40
    top = int(args[args.index("--top") + 1]) if "--top" in args else 0
    chosen = [arg for arg in args if arg in PAGES] or list(PAGES)
    call_command("migrate", verbosity=0)
    member = _member("profile@example.org", 50)
    entry = Entry.objects.filter(member=member, attachments__isnull=False).first()
    assert entry is not None
    print(f"Python {sys.version.split()[0]}, Django {django.get_version()}, SQLite, DEBUG off, 50 entries")
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for page in chosen:
            client = _client(member)
            if page == "timeline-filtered":
                assert client.post("/notes/", {"q": "engine", "behaviour": "following"}).status_code == 302
            path = {"new": "/notes/new/", "edit": f"/notes/{entry.pk}/edit/"}.get(page, "/notes/")
            profile(page, lambda client=client, path=path: client.get(path), VIEWS[page], requests, top)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)

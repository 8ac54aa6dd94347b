"""`manage.py audit_export` writes the access trail for an inspection: every record or one
organisation's, in a date range, as CSV with a header row or as JSON lines, oldest first, with
ids and never content."""

import csv
import io
import json
import stat
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework.management.commands import audit_export
from casework.models import AccessRecord
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import AccessRecordFactory, LinkFactory, ShareGrantFactory

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def records():
    """Four reads in March 2026: three by one organisation's worker, one by another's."""
    link = LinkFactory()
    elsewhere = LinkFactory()
    return [
        AccessRecordFactory(link=link, action=AccessRecord.Action.CASE_OPENED, at=_at(1)),
        AccessRecordFactory(link=elsewhere, action=AccessRecord.Action.PLAN_READ, at=_at(2)),
        AccessRecordFactory(link=link, action=AccessRecord.Action.ENTRY_READ, at=_at(31, 22)),
        AccessRecordFactory(
            link=link, action=AccessRecord.Action.EXPORT_MADE, at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
        ),
    ]


def _export(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == audit_export.COLUMNS  # the header row
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_record_as_csv_oldest_first_with_a_header_row(records):
    out, err = _export()

    rows = _csv(out)
    assert [row["id"] for row in rows] == [str(r.id) for r in records]
    first = rows[0]
    assert first == {
        "id": str(records[0].id),
        "at": "2026-03-01T12:00:00+00:00",
        "organisation_id": str(records[0].organisation_id),
        "organisation_name": records[0].organisation_name,
        "actor_id": str(records[0].actor_id),
        "actor_email": records[0].actor_email,
        "actor_role": "worker",
        "action": "case_opened",
        "member_id": str(records[0].member_id),
        "object_id": "",
    }
    assert err.strip() == "Wrote 4 access records to standard output."


def test_one_organisations_records(records):
    organisation_id = records[0].organisation_id

    rows = _csv(_export("--organisation", str(organisation_id))[0])

    assert [row["id"] for row in rows] == [str(r.id) for r in records if r.organisation_id == organisation_id]
    assert len(rows) == 3


def test_a_date_range_includes_the_whole_last_day_in_the_sites_time_zone(records):
    rows = _csv(_export("--since", "2026-03-02", "--until", "2026-03-31")[0])

    # 31 March 22:00 UTC is still 31 March in London (BST, +1 is 23:00); 1 April 00:30 UTC is not.
    assert [row["action"] for row in rows] == ["plan_read", "entry_read"]


def test_a_range_of_times_with_an_offset(records):
    rows = _csv(_export("--since", "2026-03-01T12:00:00+00:00", "--until", "2026-03-02T12:00:00+00:00")[0])

    assert [row["action"] for row in rows] == ["case_opened"]


def test_json_lines_hold_the_same_records_with_exact_values(records):
    out, _err = _export("--format", "jsonl", "--organisation", str(records[0].organisation_id))

    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == [records[0].id, records[2].id, records[3].id]
    assert set(lines[0]) == set(audit_export.COLUMNS)
    assert lines[0]["at"] == "2026-03-01T12:00:00+00:00"
    assert lines[0]["object_id"] is None


def test_a_spreadsheet_formula_is_defused_in_csv_and_exact_in_json_lines():
    AccessRecordFactory(organisation_name='=HYPERLINK("http://x")')

    (row,) = _csv(_export()[0])
    (line,) = [json.loads(text) for text in _export("--format", "jsonl")[0].splitlines()]

    assert row["organisation_name"] == '\'=HYPERLINK("http://x")'
    assert line["organisation_name"] == '=HYPERLINK("http://x")'


def test_a_file_is_made_new_for_its_owner_only_and_never_overwritten(records, tmp_path):
    path = tmp_path / "trail.csv"

    _out, err = _export("--output", str(path))

    assert [row["id"] for row in _csv(path.read_text())] == [str(r.id) for r in records]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert err.strip() == f"Wrote 4 access records to {path}."
    with pytest.raises(CommandError, match="exists already"):
        _export("--output", str(path))
    assert len(_csv(path.read_text())) == 4


def test_a_failure_half_way_leaves_no_file(records, tmp_path, monkeypatch):
    path = tmp_path / "trail.csv"
    real = audit_export._values
    calls = []

    def failing(record):
        calls.append(record)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(record)

    monkeypatch.setattr(audit_export, "_values", failing)

    with pytest.raises(RuntimeError):
        _export("--output", str(path))
    assert not path.exists()


def test_records_are_read_in_chunks_and_all_written(records, monkeypatch):
    monkeypatch.setattr(audit_export, "CHUNK_SIZE", 1)

    rows = _csv(_export()[0])

    assert [row["id"] for row in rows] == [str(r.id) for r in records]


def test_the_export_streams_from_one_query(records, django_assert_num_queries):
    # Django's iterator(): one query, its rows fetched a chunk at a time, never all held at once.
    with django_assert_num_queries(1):
        _export()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "is not a date"),
        (["--until", "2026-02-30"], "is not a date"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--since must come before --until"),
    ],
)
def test_unclear_dates_are_refused_plainly(args, message):
    with pytest.raises(CommandError, match=message):
        _export(*args)


def test_the_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        call_command("audit_export", "--help")

    text = capsys.readouterr().out
    for option in ("--organisation", "--since", "--until", "--format", "--output", "jsonl", "header row"):
        assert option in text
    assert "manage.py audit_export --organisation 3" in text  # the examples keep their lines


def test_a_real_read_is_exported_without_its_content(client, member):
    entry = record(member)
    link = LinkFactory(member=member)
    ShareGrantFactory(link=link)
    client.force_login(link.worker)
    assert SECRET_TEXT in client.get(reverse("diary:entry", args=[entry.pk])).content.decode()

    out, _err = _export()
    jsonl, _err = _export("--format", "jsonl")

    (row,) = [row for row in _csv(out) if row["action"] == "entry_read"]
    assert (row["actor_email"], row["member_id"], row["object_id"]) == (
        link.worker.email,
        str(member.pk),
        str(entry.pk),
    )
    for text in (out, jsonl):
        assert SECRET_TEXT not in text
        assert member.email not in text
        assert link.display_name not in text

"""Write out the access trail for an inspection: every read or download of a member's content by
someone other than the member, as CSV or JSON lines, oldest first, streamed from the database."""

import csv
import json
import os
import textwrap
from argparse import RawDescriptionHelpFormatter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from casework.models import AccessRecord

COLUMNS = (
    "id",
    "at",
    "organisation_id",
    "organisation_name",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "member_id",
    "object_id",
)
# A spreadsheet runs a cell that starts with one of these as a formula; in CSV such a cell is
# written with a leading apostrophe. JSON lines keep every value exactly.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000

HELP = f"""Write the access trail (who read or downloaded what of a member's, and when) for an
inspection. Records come oldest first, read from the database in chunks, so the whole trail is
written without holding it in memory.

Columns (CSV, after a header row) or keys (JSON lines), one record each:
{textwrap.fill(", ".join(COLUMNS), 90, initial_indent="  ", subsequent_indent="  ")}
"at" is ISO 8601 in UTC. "action" is one of:
{textwrap.fill(", ".join(AccessRecord.Action.values), 90, initial_indent="  ", subsequent_indent="  ")}
member_id and object_id are ids (the member's account, the thing read), never content.

Examples:
  manage.py audit_export --output trail.csv
  manage.py audit_export --organisation 3 --since 2026-01-01 --until 2026-03-31 --format jsonl
"""


def _moment(value: str, *, end_of_day: bool) -> datetime:
    """A date or a date and time; a date alone means the start of that day, or, for the end of a
    range, the whole of it. A time without an offset is in the site's time zone."""
    try:
        day = parse_date(value)
        moment = parse_datetime(value) if day is None else None
    except ValueError:  # well formed, but no such day or time (30 February)
        day = moment = None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
    if moment is None:
        raise CommandError(f"{value!r} is not a date (2026-01-31) or a date and time (2026-01-31T18:00).")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _records(*, organisation_id: int | None, since: datetime | None, until: datetime | None) -> Iterator[AccessRecord]:
    records = AccessRecord.objects.order_by("at", "id")
    if organisation_id is not None:
        records = records.filter(organisation_id=organisation_id)
    if since is not None:
        records = records.filter(at__gte=since)
    if until is not None:
        records = records.filter(at__lt=until)
    return records.iterator(chunk_size=CHUNK_SIZE)


class Sink(Protocol):
    """Where the records go: a file, or the command's standard output."""

    def write(self, text: str, /) -> object: ...


def _values(record: AccessRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "at": record.at.astimezone(UTC).isoformat(),
        "organisation_id": record.organisation_id,
        "organisation_name": record.organisation_name,
        "actor_id": record.actor_id,
        "actor_email": record.actor_email,
        "actor_role": record.actor_role,
        "action": record.action,
        "member_id": record.member_id,
        "object_id": str(record.object_id) if record.object_id else None,
    }


def _safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _write_csv(records: Iterator[AccessRecord], out: Sink) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        values = _values(record)
        writer.writerow([_safe_cell(values[column]) for column in COLUMNS])
        count += 1
    return count


def _write_jsonl(records: Iterator[AccessRecord], out: Sink) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(_values(record), ensure_ascii=False) + "\n")
        count += 1
    return count


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's help, with the description's lines and examples kept as written."""


Writer = Callable[[Iterator[AccessRecord], Sink], int]


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation",
            type=int,
            metavar="ID",
            help="Only the records of reads by people of this organisation (its id). Default: every record.",
        )
        parser.add_argument(
            "--since",
            metavar="WHEN",
            help="Only records at or after this date (2026-01-31: from the start of that day) or date and "
            "time (2026-01-31T18:00; without an offset, in the site's time zone).",
        )
        parser.add_argument(
            "--until",
            metavar="WHEN",
            help="Only records before this date and time, or up to the end of this date (2026-03-31: that "
            "whole day included).",
        )
        parser.add_argument(
            "--format",
            choices=("csv", "jsonl"),
            default="csv",
            help="csv (the default): a header row, then one row per record; a value a spreadsheet would "
            "run as a formula (starting with = + - @) gets a leading apostrophe. jsonl: one JSON object "
            "per line, every value exact.",
        )
        parser.add_argument(
            "--output",
            metavar="PATH",
            default="-",
            help="The file to write: made new, readable by its owner only, and never overwritten. "
            "Default: standard output.",
        )

    def handle(self, *args, **options) -> None:
        since = _moment(options["since"], end_of_day=False) if options["since"] else None
        until = _moment(options["until"], end_of_day=True) if options["until"] else None
        if since is not None and until is not None and since >= until:
            raise CommandError("--since must come before --until.")
        records = _records(organisation_id=options["organisation"], since=since, until=until)
        write = _write_csv if options["format"] == "csv" else _write_jsonl
        path = options["output"]
        if path == "-":
            count = write(records, self.stdout)
            where = "standard output"
        else:
            count = self._write_file(path, write, records)
            where = path
        self.stderr.write(f"Wrote {count} access record{'' if count == 1 else 's'} to {where}.")

    def _write_file(self, path: str, write: Writer, records: Iterator[AccessRecord]) -> int:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists already: choose a new file name.") from None
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        try:
            with open(descriptor, "w", encoding="utf-8", newline="") as out:
                return write(records, out)
        except BaseException:
            # Half a trail must not pass for the whole of it.
            os.unlink(path)
            raise

"""Nothing a member wrote or is known by reaches the logs: every record emitted while a member
saves an entry with a photo, builds and fetches a download, and signs in with a texted code is
checked for their words, file name, email address, phone number, password and code.

Records are caught at the levels production logs (the portal's own code at every level), and
each is searched whole: its message, its arguments, any value passed alongside (``extra``),
its exception's text, and the JSON line production would write.
"""

import json
import logging
import traceback

import pytest
from django.urls import reverse

from diary.models import Entry, ExportRequest, ExportStatus
from portal.accounts.services import two_step
from portal.logs import REQUEST_ID_HEADER, JsonFormatter
from tests.factories import PASSWORD, MemberFactory
from tests.files import jpeg_bytes, upload
from tests.two_step import VERIFY

WORDS = "He stood at the bus stop on Larkspur Road again"
SEARCH = "Larkspur"
FILE_NAME = "larkspur-road-bus-stop.jpg"
PHONE = "+447700900987"
# Attributes every LogRecord has; any other attribute was passed by the caller (``extra``).
STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class Catcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged():
    """Every record that reaches the root logger while the test runs; the portal's own loggers
    at every level, everyone else's at the level production logs them."""
    catcher = Catcher()
    root = logging.getLogger()
    ours = [logging.getLogger(name) for name in ("portal", "diary")]
    levels = [logger.level for logger in ours]
    root.addHandler(catcher)
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    yield catcher.records
    root.removeHandler(catcher)
    for logger, level in zip(ours, levels, strict=True):
        logger.setLevel(level)


def everything_in(record: logging.LogRecord) -> str:
    """All the text a log record carries, however a handler might write it."""
    parts = [str(record.msg), record.getMessage(), repr(record.args)]
    parts += [f"{name}={value!r}" for name, value in vars(record).items() if name not in STANDARD_ATTRIBUTES]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    parts.append(JsonFormatter().format(record))
    return "\n".join(parts)


def assert_nothing_private(records, *private: str) -> None:
    for record in records:
        text = everything_in(record).lower()
        for value in private:
            assert value.lower() not in text, f"{value!r} in a record of {record.name}: {record.getMessage()!r}"


def save_entry(client) -> Entry:
    response = client.post(
        reverse("diary:new"),
        {
            "what_happened": WORDS,
            "occurred_date": "2025-03-12",
            "occurred_time": "09:00",
            "attachments": [upload(FILE_NAME, jpeg_bytes(), "image/jpeg")],
        },
    )
    assert response.status_code == 302
    return Entry.objects.for_member(client.member).get()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    client.member = member
    return client


def test_the_checks_would_catch_a_private_value_anywhere_in_a_record():
    # The searches below mean something only if they find a value where a careless call would put it.
    careless = [
        logging.LogRecord("diary", logging.INFO, __file__, 1, "Saved %s", (WORDS,), None),
        logging.LogRecord("portal", logging.INFO, __file__, 1, "Saved", (), None),
    ]
    careless[1].file_name = FILE_NAME  # as logger.info("Saved", extra={"file_name": ...}) would
    for record, value in zip(careless, (WORDS, FILE_NAME), strict=True):
        with pytest.raises(AssertionError):
            assert_nothing_private([record], value)
    try:
        raise ValueError(f"cannot store {FILE_NAME}")
    except ValueError as error:
        failed = logging.LogRecord("portal", logging.ERROR, __file__, 1, "Failed", (), (type(error), error, None))
    with pytest.raises(AssertionError):
        assert_nothing_private([failed], FILE_NAME)


def test_saving_reading_and_searching_an_entry_with_a_photo_logs_nothing_private(member_client, logged):
    entry = save_entry(member_client)
    assert member_client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})).status_code == 200
    member_client.post(reverse("diary:timeline"), {"q": SEARCH})

    assert entry.attachments.count() == 1
    assert_nothing_private(logged, WORDS, SEARCH, FILE_NAME, member_client.member.email)


def test_building_and_fetching_a_download_logs_nothing_private(
    member_client, logged, django_capture_on_commit_callbacks
):
    save_entry(member_client)
    logged.clear()  # the saving has its own test

    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("diary:export"), {"start": "2025-03-01", "end": "2025-03-31"})
    export = ExportRequest.objects.get(member=member_client.member)
    assert export.status == ExportStatus.READY
    download = member_client.get(reverse("diary:export_download", args=[export.id]))
    assert len(b"".join(download.streaming_content)) == export.size

    assert_nothing_private(logged, WORDS, FILE_NAME, member_client.member.email)


def test_signing_in_with_a_texted_code_logs_nothing_private(client, db, logged, fake_twilio):
    member = MemberFactory(authenticator=True)
    two_step.phone_device_create(user=member, number=PHONE, confirmed=True)
    # The paths that log most: a wrong password, the text provider failing, a wrong code.
    client.post("/accounts/login/", {"login": member.email, "password": "not-" + PASSWORD})
    client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    fake_twilio.answer_with(status=500)
    client.post("/accounts/two-step/verify/text/")
    fake_twilio.answer_with(status=201)
    client.post("/accounts/two-step/verify/text/")
    code = fake_twilio.sent[-1]["Body"][-6:]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"code": wrong})
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 302
    assert client.get("/home/").status_code == 200, "signed in"
    assert [request.form["To"] for request in fake_twilio.requests] == [PHONE, PHONE]
    assert any(record.levelno >= logging.WARNING for record in logged), "the failures above were logged"
    assert_nothing_private(logged, member.email, PHONE, PHONE.removeprefix("+44"), PASSWORD, code)


def test_a_line_is_one_json_object_with_the_request_id(client, db, settings, caplog):
    caplog.set_level(logging.WARNING, logger="portal.health")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    response = client.get("/readyz", headers={REQUEST_ID_HEADER: "0123456789abcdef0123456789abcdef"})

    [record] = [r for r in caplog.records if r.name == "portal.health"]
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert line["level"] == "WARNING"
    assert line["logger"] == "portal.health"
    assert line["message"] == "Not ready: the cache check failed (ConnectionError)."
    assert line["request_id"] == "0123456789abcdef0123456789abcdef" == response[REQUEST_ID_HEADER]


def test_a_request_id_a_client_makes_up_is_replaced(client, db):
    response = client.get("/healthz", headers={REQUEST_ID_HEADER: "</script> hello"})

    assert len(response[REQUEST_ID_HEADER]) == 32
    assert "hello" not in response[REQUEST_ID_HEADER]


def test_an_error_line_names_the_exception_and_where_but_not_its_text():
    try:
        raise ValueError(f"cannot store {FILE_NAME}")
    except ValueError as error:
        record = logging.LogRecord("portal", logging.ERROR, __file__, 1, "Failed", (), (type(error), error, None))

    line = json.loads(JsonFormatter().format(record))

    assert line["exception"]["type"] == "ValueError"
    assert any("test_logs.py" in frame for frame in line["exception"]["frames"])
    assert FILE_NAME not in json.dumps(line)

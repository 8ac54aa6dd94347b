"""Every form fed inputs Hypothesis makes up: no answer is ever a 500; a rejection is a 4xx or
the form again with its message on the page; and a rejection changes nothing (the rows of
every table a form could write are counted before and after).

A few examples per form in the suite; `make reliability` runs 1,000 per form
(RELIABILITY_FUZZ_EXAMPLES). RELIABILITY_FUZZ_REPORT names a file that gets the count run.
"""

import html
import json
import os
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db.models import Model
from django.forms import BaseForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import CaseNote, Link, NoticeChoice, ReferralCode, ShareGrant
from diary import incident
from diary.models import Attachment, Entry, EntryVersion, ExportRequest
from portal.accounts.models import PhoneDevice, PhoneNumber, User
from safety_plans.models import Plan, PlanVersion, TrustedContact
from safety_plans.sections import SECTIONS
from tests.diary.helpers import record
from tests.factories import (
    PASSWORD,
    CoordinatorFactory,
    LinkFactory,
    MemberFactory,
    TOTPDeviceFactory,
    WorkerFactory,
)
from tests.two_step import app_code

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a save encrypts and hashes; timing is not what is tested here
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # nothing written into the checkout
)
# Tables a rejected form must leave as they were.
WATCHED: tuple[type[Model], ...] = (User, EmailAddress, Entry, EntryVersion, Attachment, ExportRequest)
WATCHED += (TOTPDevice, StaticDevice, PhoneDevice, PhoneNumber)
WATCHED += (Plan, PlanVersion, TrustedContact, Link, ShareGrant, CaseNote, ReferralCode, NoticeChoice)
CASES_RUN: dict[str, int] = {}

# Values people and scripts really send: empty, blank, huge, NUL, dates at and past the calendar's edges.
EDGES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1e308",
    "NaN",
    "x" * 5000,
    "٣",
    "🙂",
    "<script>alert(1)</script>",
    "'; drop table accounts_user; --",
    "0000-00-00",
    "0001-01-01",
    "1899-12-31",
    "2024-02-30",
    "2025-03-01",
    "9999-12-31",
    "10000-01-01",
    "25:61",
    "21:30",
    "000000",
    "123456",
    "+447700900123",
    "07700 900123",
    "person@example.org",
    "a@b",
    "@",
    PASSWORD,
    "yes",
    "no",
    "on",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
VALUE = st.one_of(TEXT, st.sampled_from(EDGES))
# A field is left out, sent once, or sent several times (as several checkboxes are).
FIELD = st.one_of(st.none(), VALUE, st.lists(VALUE, min_size=2, max_size=4))


def form(*names: str, **choices: list[str]):
    """Form data for ``names``: made-up values, and for ``choices`` often one of the real choices."""
    fields = {name: FIELD for name in names}
    for name, real in choices.items():
        fields[name] = st.one_of(FIELD, st.sampled_from(real), st.lists(st.sampled_from(real), max_size=3))
    return st.fixed_dictionaries(fields).map(lambda data: {k: v for k, v in data.items() if v is not None})


def _incident_form():
    names, choices = ["occurred_date", "occurred_time"], {}
    for field in incident.FIELDS:
        if field.kind == incident.Kind.CHOICES:
            choices[field.name] = [value for value, _label in field.choices]
        elif field.kind == incident.Kind.YES_NO:
            choices[field.name] = [value for value, _label in incident.ANSWER_CHOICES]
        elif field.kind != incident.Kind.DATETIME:
            names.append(field.name)
    return form(*names, **choices)


def _counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in WATCHED}


def _forms_with_errors(response) -> list[BaseForm]:
    if response.context is None:
        return []
    found = []
    for key in response.context.keys():
        value = response.context[key]
        if isinstance(value, BaseForm) and value.is_bound and value.errors and value not in found:
            found.append(value)
    return found


def post_and_check(client, name: str, path: str, data: dict, *, before: dict[str, int] | None = None) -> None:
    """Post ``data`` to ``path``; no 500, and a rejection says why and changes nothing."""
    CASES_RUN[name] = CASES_RUN.get(name, 0) + 1
    before = _counts() if before is None else before
    response = client.post(path, data)
    assert response.status_code < 500, f"{path} answered {response.status_code} to {data!r}"
    with_errors = _forms_with_errors(response)
    rejected = 400 <= response.status_code < 500 or with_errors
    if not rejected:
        return
    assert _counts() == before, f"{path} refused {data!r} but changed rows"
    page = html.unescape(response.content.decode(errors="replace"))
    if response.status_code == 200:
        messages = [str(message) for form in with_errors for errors in form.errors.values() for message in errors]
        assert any(message in page for message in messages), f"{path} refused {data!r} without saying why"
    else:
        assert page.strip(), f"{path} answered {response.status_code} with an empty page"


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    yield
    if report := os.environ.get("RELIABILITY_FUZZ_REPORT"):
        Path(report).write_text(json.dumps({name: n for name, n in CASES_RUN.items() if name != "checker"}))


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@given(data=form("email", "password1", "password2"))
@FUZZ
def test_sign_up(client, db, data):
    post_and_check(client, "sign-up", "/accounts/signup/", data)


@given(data=form("login", "password"))
@FUZZ
def test_sign_in(client, db, data):
    # A member whose address and password are among the values tried.
    if not User.objects.filter(email="person@example.org").exists():
        MemberFactory(email="person@example.org")
    post_and_check(client, "sign-in", "/accounts/login/", data)
    client.logout()


@pytest.fixture
def app_device(db):
    return TOTPDeviceFactory()


@given(data=form("code"))
@FUZZ
def test_the_code_step(client, app_device, data):
    device = app_device
    client.force_login(device.user, verified=False)
    if data.get("code") == "123456":  # now and then the right code
        data["code"] = app_code(device.user)
    post_and_check(client, "code step", "/accounts/two-step/verify/", data)


@given(data=_incident_form())
@FUZZ
def test_incident(signed_in, data):
    post_and_check(signed_in, "incident", "/notes/new/", data)


@given(data=form("q", "date_from", "date_to", behaviour=[value for value, _ in incident.Behaviour.CHOICES]))
@FUZZ
def test_timeline_filters(signed_in, data):
    post_and_check(signed_in, "filters", "/notes/", data)


@given(data=form("start", "end"))
@FUZZ
def test_download(signed_in, data):
    post_and_check(signed_in, "download", "/notes/download/", data)


@given(data=form("new_email"))
@FUZZ
def test_email(signed_in, data):
    signed_in.confirm_identity()
    post_and_check(signed_in, "email", "/accounts/email/", data)


@given(data=form("oldpassword", "password1", "password2"))
@FUZZ
def test_password(signed_in, data):
    signed_in.confirm_identity()
    post_and_check(signed_in, "password", "/accounts/password/change/", data)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/accounts/two-step/app/", ("code", "current_code")),
        ("/accounts/two-step/phone/", ("number",)),
        ("/accounts/two-step/phone/confirm/", ("code",)),
        ("/accounts/two-step/backup-codes/", ("code", "current_code")),
        ("/accounts/two-step/off/", ("code", "current_code")),
        ("/accounts/reauthenticate/", ("password", "code")),
    ],
)
def test_two_step_forms(signed_in, path, fields):
    @given(data=form(*fields))
    @FUZZ
    def check(data):
        signed_in.confirm_identity()
        signed_in.get(path)  # the page first, as a person would: it may keep a new key in the session
        post_and_check(signed_in, f"two-step {path}", path, data)

    check()


# The plan, its people and the alert's message; sharing, the worker's and the coordinator's forms.


@pytest.mark.parametrize("section", [section.key for section in SECTIONS])
def test_plan_sections(signed_in, section):
    items = [item.key for item in next(s for s in SECTIONS if s.key == section).items]

    @given(data=form("notes", "code_word", checked=items))
    @FUZZ
    def check(data):
        post_and_check(signed_in, f"plan {section}", f"/steps/part/{section}/", data)

    check()


@given(data=form("name", "relationship", "phone", "may_alert"))
@FUZZ
def test_trusted_contact(signed_in, data):
    signed_in.confirm_identity()
    post_and_check(signed_in, "trusted contact", "/steps/people/add/", data)


@given(data=form("message"))
@FUZZ
def test_alert_message(signed_in, data):
    signed_in.confirm_identity()
    post_and_check(signed_in, "alert message", "/steps/send/message/", data)


@given(data=form("code", "display_name"))
@FUZZ
def test_referral_code(signed_in, data):
    post_and_check(signed_in, "referral code", "/access/code/", data)


@pytest.fixture
def member_link(signed_in, member):
    entry = record(member)
    return LinkFactory(member=member), str(entry.pk)


def test_share(signed_in, member_link):
    link, entry_id = member_link

    @given(data=form("diary", "plan", entries=[entry_id]))
    @FUZZ
    def check(data):
        signed_in.confirm_identity()
        before = _counts()
        post_and_check(signed_in, "share", f"/access/{link.pk}/share/", data, before=before)
        ShareGrant.objects.all().delete()  # each example starts from nothing shared

    check()


def test_display_name(signed_in, member_link):
    link, _entry_id = member_link

    @given(data=form("display_name"))
    @FUZZ
    def check(data):
        post_and_check(signed_in, "display name", f"/access/{link.pk}/name/", data)

    check()


def test_worker_forms(client, db):
    worker = WorkerFactory()
    link = LinkFactory(worker=worker)
    client.force_login(worker)

    @given(notes=form("text"), notices=form("by_email", "by_text"), download=form("start", "end"))
    @FUZZ
    def check(notes, notices, download):
        post_and_check(client, "case note", f"/cases/{link.pk}/notes/", notes)
        post_and_check(client, "notices", "/cases/notices/", notices)
        post_and_check(client, "worker download", f"/cases/{link.pk}/download/", download)

    check()


def test_coordinator_forms(client, db):
    coordinator = CoordinatorFactory()
    worker = WorkerFactory(organisation=coordinator.organisation)
    client.force_login(coordinator)

    @given(invite=form("email"), link=form("member_email", "display_name", worker=[str(worker.pk)]))
    @FUZZ
    def check(invite, link):
        client.confirm_identity()
        post_and_check(client, "invite", "/team/invite/", invite)
        post_and_check(client, "link", "/team/link/", link)

    check()


# The checker itself: each of its rules fails when broken, so a passing fuzz run means something.


def test_the_checker_fails_on_a_500(client, db, settings):
    settings.ROOT_URLCONF = "tests.portal.urls_with_fault"
    client.raise_request_exception = False
    with pytest.raises(AssertionError, match="answered 500"):
        post_and_check(client, "checker", "/fault/", {})


def test_the_checker_fails_on_a_rejection_that_changed_rows(signed_in):
    counted = _counts()
    counted["Entry"] -= 1  # as if a row had appeared while the form was being refused
    with pytest.raises(AssertionError, match="changed rows"):
        post_and_check(signed_in, "checker", "/notes/new/", {"what_happened": " "}, before=counted)


def test_the_checker_passes_an_accepted_form_and_a_kind_refusal(signed_in):
    post_and_check(signed_in, "checker", "/notes/new/", VALID_ENTRY)
    post_and_check(signed_in, "checker", "/notes/new/", {**VALID_ENTRY, "occurred_date": "2024-02-30"})
    assert Entry.objects.count() == 1


VALID_ENTRY = {"what_happened": "Checked", "occurred_date": "2025-03-01", "occurred_time": "21:30"}

"""Telling a support worker there is an update (issue 14, part 6): content-free, by email and/or
text as each worker chooses, at most once an hour per member, and never for a member who shares
nothing with them."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from casework.models import Link, NoticeChoice, ShareGrant
from casework.tasks import UPDATE_TEXT
from diary import services as diary_services
from diary.incident import IncidentData
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import (
    AdminFactory,
    CoordinatorFactory,
    EditorFactory,
    LinkFactory,
    MemberFactory,
    PhoneDeviceFactory,
    ShareGrantFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

WORKER_PHONE = "+447700900123"


@pytest.fixture
def saved(django_capture_on_commit_callbacks):
    """Record an entry as the diary's pages do: the notice is queued when the save commits."""

    def save(member, words=SECRET_TEXT, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return record(member, words, **fields)

    return save


@pytest.fixture
def sharing(member, worker):
    """The member shares their whole diary with the worker, under the name "Robin"."""
    link = LinkFactory(member=member, worker=worker, display_name="Robin")
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.DIARY)
    return link


def _to(mailoutbox, person) -> list:
    return [message for message in mailoutbox if message.to == [person.email]]


# --- What a notice says ----------------------------------------------------------------------


def test_the_email_says_there_is_an_update_and_nothing_more(settings, member, worker, sharing, saved, mailoutbox):
    saved(member, "He was outside the school gates on Mill Lane", behaviours=["following"])

    [email] = _to(mailoutbox, worker)
    assert email.subject == f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}An update for you"
    base = settings.PORTAL_BASE_URL.rstrip("/")
    assert email.body == (
        "Hello,\n\n"
        "There is an update for you in the portal:\n"
        f"{base}/cases/\n\n"
        "You can choose how you hear about updates, by email, by text or neither:\n"
        f"{base}/cases/notices/\n\n"
        f"{settings.SITE_NAME}"
    )
    for private in ("Robin", member.email, "Mill Lane", "school", "following", "diary", "entry"):
        assert private not in email.subject and private not in email.body


def test_the_text_is_exactly_the_update_text(member, worker, sharing, saved, fake_twilio, mailoutbox):
    PhoneDeviceFactory(user=worker, number=WORKER_PHONE)
    casework_services.notice_choice_save(worker=worker, by_email=False, by_text=True)
    saved(member, "He was outside the school gates on Mill Lane")

    [text] = fake_twilio.sent
    assert text["To"] == WORKER_PHONE
    assert text["Body"] == UPDATE_TEXT == "There is an update for you in the portal."
    assert not _to(mailoutbox, worker)


# --- At most once an hour per member ----------------------------------------------------------


def test_at_most_one_notice_an_hour_for_each_member(
    member, worker, sharing, saved, mailoutbox, django_capture_on_commit_callbacks
):
    entry = saved(member)
    assert len(_to(mailoutbox, worker)) == 1

    saved(member, "A second entry, a minute later")
    with django_capture_on_commit_callbacks(execute=True):
        diary_services.entry_edit(entry=entry, data=IncidentData.from_content(entry.current_content))
    assert len(_to(mailoutbox, worker)) == 1  # within the hour: nothing more

    Link.objects.filter(pk=sharing.pk).update(notified_at=timezone.now() - timedelta(minutes=61))
    saved(member, "And an hour later")
    assert len(_to(mailoutbox, worker)) == 2


def test_the_hour_is_counted_for_each_member_apart(member, worker, sharing, saved, mailoutbox):
    other = MemberFactory()
    ShareGrantFactory(link=LinkFactory(member=other, worker=worker), scope=ShareGrant.Scope.DIARY)
    saved(member)
    saved(other)
    assert len(_to(mailoutbox, worker)) == 2


def test_each_worker_the_member_shares_with_is_told(member, worker, sharing, saved, mailoutbox):
    colleague = WorkerFactory()
    ShareGrantFactory(link=LinkFactory(member=member, worker=colleague), scope=ShareGrant.Scope.DIARY)
    saved(member)
    assert len(_to(mailoutbox, worker)) == 1
    assert len(_to(mailoutbox, colleague)) == 1


def test_a_save_that_is_rolled_back_tells_nobody_and_keeps_the_hour(
    member, worker, sharing, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            record(member)
            raise RuntimeError("the request failed after the save")
    assert not _to(mailoutbox, worker)
    sharing.refresh_from_db()
    assert sharing.notified_at is None


# --- Who is told about what -------------------------------------------------------------------


def test_a_member_who_shares_nothing_tells_nobody_for_one_query(
    member, worker, saved, mailoutbox, fake_twilio, django_capture_on_commit_callbacks
):
    LinkFactory(member=member, worker=worker)  # linked, nothing shared
    PhoneDeviceFactory(user=worker, number=WORKER_PHONE)
    casework_services.notice_choice_save(worker=worker, by_email=True, by_text=True)
    entry = saved(member)
    with django_capture_on_commit_callbacks(execute=True):
        diary_services.entry_edit(entry=entry, data=IncidentData.from_content(entry.current_content))
    assert not mailoutbox and not fake_twilio.sent
    assert Link.objects.get().notified_at is None

    with CaptureQueriesContext(connection) as captured:
        casework_services.shared_entry_changed(member=member, entry_id=entry.pk)
    assert len(captured.captured_queries) == 1


def test_a_member_with_no_worker_tells_nobody(member, saved, mailoutbox):
    saved(member)
    assert not mailoutbox


def test_a_chosen_entry_tells_its_worker_of_changes_to_that_entry_only(
    member, worker, saved, mailoutbox, django_capture_on_commit_callbacks
):
    shared_entry = record(member, "Shared with the worker")
    other_entry = record(member, "Kept to myself")
    link = LinkFactory(member=member, worker=worker)
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.ENTRY, entry=shared_entry)

    saved(member, "A new entry, not shared")
    with django_capture_on_commit_callbacks(execute=True):
        diary_services.entry_edit(entry=other_entry, data=IncidentData.from_content(other_entry.current_content))
    assert not mailoutbox

    with django_capture_on_commit_callbacks(execute=True):
        diary_services.entry_edit(entry=shared_entry, data=IncidentData.from_content(shared_entry.current_content))
    assert len(_to(mailoutbox, worker)) == 1


def test_restoring_an_entry_tells_the_worker(member, worker, sharing, mailoutbox, django_capture_on_commit_callbacks):
    entry = record(member)
    diary_services.entry_delete(entry=entry)
    Link.objects.filter(pk=sharing.pk).update(notified_at=None)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        diary_services.entry_restore(entry=entry)
    assert len(_to(mailoutbox, worker)) == 1


def test_a_worker_whose_account_is_closed_is_not_told(member, worker, sharing, saved, mailoutbox):
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    saved(member)
    assert not mailoutbox


# --- Each worker's choice ---------------------------------------------------------------------


@pytest.mark.parametrize(("by_email", "by_text"), [(True, False), (False, True), (True, True), (False, False)], ids=str)
def test_each_workers_choice_is_honoured(member, worker, sharing, saved, mailoutbox, fake_twilio, by_email, by_text):
    PhoneDeviceFactory(user=worker, number=WORKER_PHONE)
    casework_services.notice_choice_save(worker=worker, by_email=by_email, by_text=by_text)
    saved(member)
    assert len(_to(mailoutbox, worker)) == (1 if by_email else 0)
    assert [text["To"] for text in fake_twilio.sent] == ([WORKER_PHONE] if by_text else [])


def test_two_workers_each_get_what_they_chose(member, worker, sharing, saved, mailoutbox, fake_twilio):
    texted = WorkerFactory()
    ShareGrantFactory(link=LinkFactory(member=member, worker=texted), scope=ShareGrant.Scope.DIARY)
    PhoneDeviceFactory(user=texted, number=WORKER_PHONE)
    casework_services.notice_choice_save(worker=texted, by_email=False, by_text=True)
    saved(member)
    assert len(_to(mailoutbox, worker)) == 1 and not _to(mailoutbox, texted)
    assert [text["To"] for text in fake_twilio.sent] == [WORKER_PHONE]


def test_text_without_a_confirmed_phone_sends_nothing(member, worker, sharing, saved, mailoutbox, fake_twilio):
    PhoneDeviceFactory(user=worker, number=WORKER_PHONE, confirmed=False)
    casework_services.notice_choice_save(worker=worker, by_email=False, by_text=True)
    saved(member)
    assert not fake_twilio.sent and not mailoutbox


# --- The worker's choice page -----------------------------------------------------------------

NOTICES = "/cases/notices/"


def test_the_page_has_its_address():
    assert reverse("casework:notices") == NOTICES


@pytest.mark.parametrize(
    "make",
    [MemberFactory, CoordinatorFactory, EditorFactory, AdminFactory],
    ids=["member", "coordinator", "editor", "admin"],
)
def test_only_support_workers_reach_the_page(client, wagtail_home, make):
    client.force_login(make())
    assert client.get(NOTICES).status_code == 404
    assert client.post(NOTICES, {"by_text": "on"}).status_code == 404
    assert not NoticeChoice.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(NOTICES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.post(NOTICES, {"by_email": "on"}).status_code == 302
    assert not NoticeChoice.objects.exists()


def test_a_worker_without_the_second_step_cannot_choose(client, worker):
    client.force_login(worker, verified=False)
    assert client.get(NOTICES).status_code in (302, 404)
    client.post(NOTICES, {"by_text": "on"})
    assert not NoticeChoice.objects.exists()


def test_text_is_offered_only_with_a_confirmed_phone(client, worker):
    client.force_login(worker)
    page = client.get(NOTICES).content.decode()
    assert 'name="by_email"' in page and "checked" in page  # email by default
    assert 'name="by_text"' not in page
    assert reverse("two_step") in page

    PhoneDeviceFactory(user=worker, number="+447700900555", confirmed=False)
    assert 'name="by_text"' not in client.get(NOTICES).content.decode()

    PhoneDeviceFactory(user=worker, number="+447700900777")
    page = client.get(NOTICES).content.decode()
    assert 'name="by_text"' in page
    assert "ending 777" in page


def test_the_choice_is_saved_and_shown_again(client, worker, member, sharing, saved, mailoutbox, fake_twilio):
    PhoneDeviceFactory(user=worker, number=WORKER_PHONE)
    client.force_login(worker)
    response = client.post(NOTICES, {"by_text": "on"})
    assert response.status_code == 302 and response["Location"] == NOTICES
    choice = NoticeChoice.objects.get(worker=worker)
    assert (choice.by_email, choice.by_text) == (False, True)
    page = client.get(NOTICES).content.decode()
    assert 'name="by_email" id="id_by_email"' in page and 'name="by_email" id="id_by_email" checked' not in page

    saved(member)
    assert not mailoutbox
    assert [text["Body"] for text in fake_twilio.sent] == [UPDATE_TEXT]


def test_text_cannot_be_chosen_without_a_phone(client, worker):
    client.force_login(worker)
    client.post(NOTICES, {"by_email": "on", "by_text": "on"})
    choice = NoticeChoice.objects.get(worker=worker)
    assert (choice.by_email, choice.by_text) == (True, False)


def test_choosing_neither_says_so(client, worker):
    client.force_login(worker)
    response = client.post(NOTICES, {}, follow=True)
    assert "You will not be told about updates." in response.content.decode()
    choice = NoticeChoice.objects.get(worker=worker)
    assert (choice.by_email, choice.by_text) == (False, False)

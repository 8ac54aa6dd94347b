"""A support worker's download of a member's diary (issue 14, part 4): the same signed bundle the
member gets, only while the member shares their whole diary with them; the member is told who
asked, and every request and download is in the member's access trail."""

import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from casework.models import AccessRecord, ShareGrant
from diary import services as diary_services
from diary.models import ExportRequest, ExportStatus
from diary.verify import bundle_verify
from portal import crypto
from portal.accounts.models import AccountEvent
from tests.diary.helpers import SECRET_TEXT, TEST_SIGNING_KEY, record
from tests.factories import (
    AdminFactory,
    CoordinatorFactory,
    EditorFactory,
    LinkFactory,
    MemberFactory,
    ShareGrantFactory,
    WorkerFactory,
)
from tests.portal.support import SENSITIVE_WORDS

pytestmark = pytest.mark.django_db

DATES = {"start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.PORTAL_SIGNING_KEY = TEST_SIGNING_KEY


@pytest.fixture
def shared(member, worker):
    """The member shares their whole diary with the worker, and has an entry in March 2025."""
    link = LinkFactory(member=member, worker=worker, display_name="Robin")
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.DIARY)
    entry = record(member, SECRET_TEXT, 12)
    return link, entry


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST the worker's download form; the build and the member's email run on commit."""

    def post(client, link, data=DATES):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("casework:case_download", args=[link.pk]), data)

    return post


@pytest.fixture
def worker_bundle(client, worker, shared, ask):
    """A ready bundle the worker asked for."""
    link, _entry = shared
    client.force_login(worker)
    assert ask(client, link).status_code == 302
    export = ExportRequest.objects.get(requested_by=worker)
    assert export.status == ExportStatus.READY  # tests run tasks at once
    return export


def _page(link) -> str:
    return reverse("casework:case_download", args=[link.pk])


def _download(export) -> str:
    return reverse("diary:export_download", args=[export.pk])


# --- Each role ------------------------------------------------------------------------------


def _other_member(member, worker):
    return MemberFactory()


def _worker_without_grant(member, worker):
    other = WorkerFactory(organisation=worker.organisation)
    LinkFactory(member=member, worker=other)
    return other


def _worker_with_entry_grant(member, worker):
    other = WorkerFactory(organisation=worker.organisation)
    entry = member.diary_entries.first()
    ShareGrantFactory(link=LinkFactory(member=member, worker=other), scope=ShareGrant.Scope.ENTRY, entry=entry)
    return other


def _worker_with_plan_grant(member, worker):
    other = WorkerFactory(organisation=worker.organisation)
    ShareGrantFactory(link=LinkFactory(member=member, worker=other), scope=ShareGrant.Scope.PLAN)
    return other


def _colleague_with_diary_grant(member, worker):
    """Shares the whole diary too, but did not ask for this bundle."""
    other = WorkerFactory(organisation=worker.organisation)
    ShareGrantFactory(link=LinkFactory(member=member, worker=other), scope=ShareGrant.Scope.DIARY)
    return other


def _worker_of_another_organisation(member, worker):
    return WorkerFactory()


def _coordinator_of_the_organisation(member, worker):
    return CoordinatorFactory(organisation=worker.organisation)


def _editor(member, worker):
    return EditorFactory()


def _admin(member, worker):
    return AdminFactory()


WRONG_ROLES = [
    _other_member,
    _worker_without_grant,
    _worker_with_entry_grant,
    _worker_with_plan_grant,
    _colleague_with_diary_grant,
    _worker_of_another_organisation,
    _coordinator_of_the_organisation,
    _editor,
    _admin,
]


@pytest.mark.parametrize("make", WRONG_ROLES, ids=lambda make: make.__name__.lstrip("_"))
def test_nobody_else_reaches_the_page_or_the_bundle(client, member, worker, worker_bundle, shared, wagtail_home, make):
    link, _entry = shared
    someone = make(member, worker)
    client.force_login(someone)
    records = AccessRecord.objects.count()

    assert client.get(_page(link)).status_code == 404
    assert client.post(_page(link), DATES).status_code == 404
    download = client.get(_download(worker_bundle))
    assert download.status_code == 404
    assert ExportRequest.objects.count() == 1
    assert AccessRecord.objects.count() == records  # nothing read, nothing recorded


def test_anonymous_visitors_are_sent_to_sign_in(client, shared, worker_bundle):
    link, _entry = shared
    client.logout()
    for path in (_page(link), _download(worker_bundle)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.post(_page(link), DATES).status_code == 302
    assert ExportRequest.objects.count() == 1


def test_the_member_downloads_a_bundle_their_worker_asked_for_without_a_trail_record(
    client, member, worker_bundle, shared
):
    link, _entry = shared
    client.force_login(member)
    assert client.get(_page(link)).status_code == 404  # the worker's page is not the member's
    records = AccessRecord.objects.count()
    download = client.get(_download(worker_bundle))
    assert download.status_code == 200
    assert len(b"".join(download.streaming_content)) == worker_bundle.size
    assert AccessRecord.objects.count() == records  # the member's own reads are not in the trail


def test_a_worker_who_has_not_passed_the_second_step_gets_nothing(client, worker, worker_bundle, shared):
    link, _entry = shared
    client.logout()  # a new session: signing in again keeps the passed second step of the same person's
    client.force_login(worker, verified=False)
    records = AccessRecord.objects.count()
    for path in (_page(link), _download(worker_bundle)):
        assert client.get(path).status_code in (302, 404)
    assert AccessRecord.objects.count() == records


# --- The worker with the diary shared --------------------------------------------------------


def test_the_worker_gets_the_signed_bundle_and_it_verifies(client, worker, shared, ask, tmp_path):
    link, _entry = shared
    client.force_login(worker)
    page = client.get(_page(link))
    assert page.status_code == 200
    assert "Robin" in page.content.decode()
    assert SECRET_TEXT not in page.content.decode()

    assert ask(client, link).status_code == 302
    export = ExportRequest.objects.get()
    assert (export.member, export.requested_by, export.status) == (link.member, worker, ExportStatus.READY)
    assert export.entries.count() == 1
    page = client.get(_page(link)).content.decode()
    assert _download(export) in page

    download = client.get(_download(export))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    body = b"".join(download.streaming_content)
    path = tmp_path / "bundle.zip"
    path.write_bytes(body)
    assert bundle_verify(path, public_key=crypto.public_key_b64()).ok
    with zipfile.ZipFile(path) as bundle:
        assert SECRET_TEXT in bundle.read("bundle.json").decode()


def test_the_worker_page_lists_only_the_bundles_that_worker_asked_for(client, member, worker, shared, ask):
    link, _entry = shared
    members_own = diary_services.export_request(member=member, start=link.linked_at.date(), end=timezone.localdate())
    colleague = WorkerFactory(organisation=worker.organisation)
    colleague_link = LinkFactory(member=member, worker=colleague)
    ShareGrantFactory(link=colleague_link, scope=ShareGrant.Scope.DIARY)
    client.force_login(colleague)
    ask(client, colleague_link)
    colleagues = ExportRequest.objects.get(requested_by=colleague)

    client.force_login(worker)
    ask(client, link)
    mine = ExportRequest.objects.get(requested_by=worker)
    page = client.get(_page(link)).content.decode()
    assert _download(mine) in page
    assert _download(members_own) not in page
    assert _download(colleagues) not in page


def test_dates_the_wrong_way_round_ask_for_nothing(client, member, worker, shared, ask):
    link, _entry = shared
    client.force_login(worker)
    response = ask(client, link, {"start": "2025-03-31", "end": "2025-03-01"})
    assert response.status_code == 400
    assert "before the &#x27;From&#x27; date" in response.content.decode()
    assert not ExportRequest.objects.exists()
    assert not AccessRecord.objects.filter(action=AccessRecord.Action.EXPORT_MADE).exists()
    assert not AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.WORKER_EXPORTED).exists()


# --- Revoking stops it at once ---------------------------------------------------------------


def test_revoking_the_diary_share_stops_the_very_next_download(client, member, worker, worker_bundle, shared):
    link, _entry = shared
    client.force_login(worker)
    assert client.get(_download(worker_bundle)).status_code == 200

    casework_services.grant_revoke(member=member, grant=link.grants.get(scope=ShareGrant.Scope.DIARY))
    assert client.get(_download(worker_bundle)).status_code == 404
    assert client.get(_page(link)).status_code == 404
    assert client.post(_page(link), DATES).status_code == 404

    client.force_login(member)  # the bundle is still the member's own
    assert client.get(_download(worker_bundle)).status_code == 200


def test_narrowing_the_share_to_one_entry_stops_the_download(client, member, worker, worker_bundle, shared):
    link, entry = shared
    casework_services.grants_create(member=member, link=link, entry_ids=[entry.pk])
    casework_services.grant_revoke(member=member, grant=link.grants.get(scope=ShareGrant.Scope.DIARY))
    client.force_login(worker)
    assert client.get(_download(worker_bundle)).status_code == 404


def test_unlinking_stops_the_download(client, member, worker, worker_bundle, shared):
    link, _entry = shared
    page = _page(link)
    casework_services.link_end(member=member, link=link)
    client.force_login(worker)
    assert client.get(_download(worker_bundle)).status_code == 404
    assert client.get(page).status_code == 404


def test_an_entry_taken_out_of_the_diary_takes_the_bundle_from_the_worker(
    client, member, worker, worker_bundle, shared
):
    link, entry = shared
    diary_services.entry_delete(entry=entry)
    client.force_login(worker)
    assert client.get(_download(worker_bundle)).status_code == 404
    page = client.get(_page(link)).content.decode()
    assert _download(worker_bundle) not in page
    assert "no longer available" in page

    diary_services.entry_restore(entry=entry)
    assert client.get(_download(worker_bundle)).status_code == 200


def test_an_expired_bundle_is_gone_for_the_worker(client, worker, worker_bundle):
    ExportRequest.objects.filter(pk=worker_bundle.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(worker)
    assert client.get(_download(worker_bundle)).status_code == 404


# --- The trail, and telling the member -------------------------------------------------------


def test_the_trail_records_the_request_and_each_download_before_the_first_byte(client, member, worker, shared, ask):
    link, _entry = shared
    client.force_login(worker)
    ask(client, link)
    export = ExportRequest.objects.get()
    made = AccessRecord.objects.get(action=AccessRecord.Action.EXPORT_MADE)
    assert (made.member_id, made.actor_id, made.actor_role, made.object_id) == (
        member.pk,
        worker.pk,
        "worker",
        export.pk,
    )
    assert made.organisation_name == worker.organisation.name

    download = client.get(_download(export))
    # Recorded when the response is made, before any of the bundle has been read out.
    downloaded = AccessRecord.objects.get(action=AccessRecord.Action.EXPORT_DOWNLOADED)
    assert (downloaded.member_id, downloaded.actor_id, downloaded.object_id) == (member.pk, worker.pk, export.pk)
    b"".join(download.streaming_content)
    client.get(_download(export))
    assert AccessRecord.objects.filter(action=AccessRecord.Action.EXPORT_DOWNLOADED).count() == 2

    client.force_login(member)
    seen = client.get(reverse("casework:seen")).content.decode()
    assert "Asked for a copy of your shared diary" in seen
    assert "Downloaded a copy of your shared diary" in seen


def test_the_member_is_told_who_asked_in_plain_words_and_nothing_of_the_content(
    client, member, worker, shared, ask, mailoutbox
):
    link, _entry = shared
    client.force_login(worker)
    ask(client, link)

    event = AccountEvent.objects.get(user=member, kind=AccountEvent.Kind.WORKER_EXPORTED)
    assert event.actor == worker
    [email] = [message for message in mailoutbox if message.to == [member.email]]
    assert email.subject.endswith("About your account")
    assert "A support worker you share your notes with asked for a copy of them." in email.body
    assert "If this was you" not in email.body
    # Neither who (an address or a service's name can say what it is for) nor anything written.
    for private in (SECRET_TEXT, "Robin", "Mill Lane", worker.email, worker.organisation.name):
        assert private not in email.subject and private not in email.body
    assert SENSITIVE_WORDS.search(email.subject + email.body) is None

    client.force_login(member)
    page = client.get(reverse("diary:export")).content.decode()
    assert f"asked for by your support worker {worker.email} of {worker.organisation.name}" in page
    assert _download(ExportRequest.objects.get()) in page


def test_the_members_own_download_says_nothing_of_a_worker(client, member, mailoutbox):
    record(member, day=12)
    client.force_login(member)
    client.post(reverse("diary:export"), DATES)
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.WORKER_EXPORTED).exists()
    assert not AccessRecord.objects.exists()
    assert "asked for by" not in client.get(reverse("diary:export")).content.decode()

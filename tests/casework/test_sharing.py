"""The member stays in control of what a support worker sees: linking grants nothing, sharing
needs the member to confirm it is them, stopping and unlinking work on the very next request,
and every read by a worker lands in the trail the member reads."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.errors import AlreadyLinked, CodeNotValid, TooManyCodes
from casework.models import AccessRecord, CaseNote, Link, ReferralCode, ShareGrant
from portal.accounts.models import AccountEvent
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import (
    LinkFactory,
    PlanFactory,
    ShareGrantFactory,
    WorkerFactory,
    png_upload,
)

pytestmark = pytest.mark.django_db


def _code_from(response) -> str:
    return re.search(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>", response.content.decode()).group(1)


# --- Linking ---------------------------------------------------------------------------------


def test_a_worker_code_links_the_member_and_shares_nothing(
    client, member, worker, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(worker)
    code = _code_from(client.post(reverse("casework:code_new")))
    entry = record(member)

    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("casework:code_enter"), {"code": code.lower(), "display_name": "Sam"})
    assert response.status_code == 302
    link = Link.objects.get(member=member, worker=worker)
    assert link.display_name == "Sam"
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.WORKER_LINKED).exists()
    assert [message.to for message in mailoutbox] == [[member.email]]

    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 404
    page = client.get(reverse("casework:case", args=[link.pk])).content.decode()
    assert "They have not shared any diary entries with you." in page
    assert SECRET_TEXT not in page


def test_a_code_works_once(member, other_member, worker):
    code = services.referral_code_issue(worker=worker)
    services.link_by_referral(member=member, code=code, display_name="A")
    with pytest.raises(CodeNotValid):
        services.link_by_referral(member=other_member, code=code, display_name="B")


def test_a_code_expires_after_seven_days(member, worker):
    code = services.referral_code_issue(worker=worker)
    ReferralCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CodeNotValid):
        services.link_by_referral(member=member, code=code, display_name="A")
    assert not Link.objects.exists()


def test_codes_are_kept_only_as_hashes(worker):
    code = services.referral_code_issue(worker=worker)
    stored = ReferralCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_guessing_codes_is_limited(member, worker):
    for _ in range(services.REFERRAL_TRIES_PER_HOUR):
        with pytest.raises(CodeNotValid):
            services.link_by_referral(member=member, code="AAAA2222", display_name="A")
    code = services.referral_code_issue(worker=worker)
    with pytest.raises(TooManyCodes):
        services.link_by_referral(member=member, code=code, display_name="A")
    assert not Link.objects.exists()


def test_linking_twice_with_the_same_worker_is_refused(member, worker):
    services.link_by_referral(member=member, code=services.referral_code_issue(worker=worker), display_name="A")
    with pytest.raises(AlreadyLinked):
        services.link_by_referral(member=member, code=services.referral_code_issue(worker=worker), display_name="A")


def test_a_wrong_code_gets_a_kind_message_and_changes_nothing(client, member):
    client.force_login(member)
    response = client.post(reverse("casework:code_enter"), {"code": "ZZZZ-9999", "display_name": "Sam"})
    assert response.status_code == 400
    assert "That code does not work" in response.content.decode()
    response = client.post(reverse("casework:code_enter"), {"code": "ZZ", "display_name": ""})
    assert "A code has 8 letters and numbers" in response.content.decode()
    assert "Enter the name your support worker will see" in response.content.decode()
    assert not Link.objects.exists()


# --- Sharing ---------------------------------------------------------------------------------


def test_sharing_needs_the_member_to_confirm_it_is_them(client, member):
    """Someone holding the signed-in phone cannot share the diary."""
    link = LinkFactory(member=member)
    client.force_login(member)
    response = client.post(reverse("casework:share", args=[link.pk]), {"diary": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ShareGrant.objects.exists()


def test_sharing_the_diary_is_recorded_and_emailed(client, member, mailoutbox, django_capture_on_commit_callbacks):
    link = LinkFactory(member=member)
    client.force_login(member)
    client.confirm_identity()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("casework:share", args=[link.pk]), {"diary": "on"})
    assert response.status_code == 302
    assert ShareGrant.objects.get().scope == ShareGrant.Scope.DIARY
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SHARE_GRANTED).exists()
    # The member is told (in case it was not them); the worker hears there is an update, no more.
    assert {(message.to[0], message.subject.split(": ")[-1]) for message in mailoutbox} == {
        (member.email, "A change to your account"),
        (link.worker.email, "An update for you"),
    }
    assert all("diary" not in message.body.lower() for message in mailoutbox if message.to == [link.worker.email])
    page = client.get(reverse("casework:sharing")).content.decode()
    assert "Your whole diary, including entries you add later" in page


def test_sharing_nothing_is_refused_kindly(client, member):
    link = LinkFactory(member=member)
    client.force_login(member)
    client.confirm_identity()
    response = client.post(reverse("casework:share", args=[link.pk]), {})
    assert response.status_code == 400
    assert "Choose what to share" in response.content.decode()
    assert not ShareGrant.objects.exists()


def test_a_member_cannot_share_someone_elses_entry(client, member, other_member):
    link = LinkFactory(member=member)
    theirs = record(other_member)
    client.force_login(member)
    client.confirm_identity()
    response = client.post(reverse("casework:share", args=[link.pk]), {"entries": [str(theirs.pk)]})
    assert response.status_code == 400
    assert not ShareGrant.objects.exists()


def test_a_member_cannot_share_through_someone_elses_link(client, member):
    link = LinkFactory()
    client.force_login(member)
    client.confirm_identity()
    assert client.post(reverse("casework:share", args=[link.pk]), {"diary": "on"}).status_code == 404
    assert not ShareGrant.objects.exists()


# --- Reading what is shared ------------------------------------------------------------------


def test_a_worker_reads_a_shared_entry_read_only_and_the_member_sees_it(client, member, worker):
    entry = record(member)
    link = ShareGrantFactory(link=LinkFactory(member=member, worker=worker)).link
    client.force_login(worker)
    response = client.get(reverse("diary:entry", args=[entry.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert SECRET_TEXT in page
    assert reverse("diary:edit", args=[entry.pk]) not in page
    assert reverse("diary:delete", args=[entry.pk]) not in page
    assert reverse("casework:case", args=[link.pk]) in page
    record_ = AccessRecord.objects.get()
    assert (record_.member_id, record_.actor_id, record_.action, record_.object_id) == (
        member.pk,
        worker.pk,
        AccessRecord.Action.ENTRY_READ,
        entry.pk,
    )
    assert record_.organisation_name == worker.organisation.name

    assert client.get(reverse("diary:edit", args=[entry.pk])).status_code == 404
    assert client.post(reverse("diary:delete", args=[entry.pk])).status_code == 404

    client.force_login(member)
    trail = client.get(reverse("casework:seen")).content.decode()
    assert worker.email in trail
    assert "Read a diary entry" in trail
    assert worker.organisation.name in trail


def test_revoking_stops_the_very_next_request(client, member, worker):
    entry = record(member)
    grant = ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 200

    member_client = type(client)()
    member_client.force_login(member)
    member_client.post(reverse("casework:grant_revoke", args=[grant.link.pk, grant.pk]))
    assert not ShareGrant.objects.exists()

    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 404
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.SHARE_REVOKED).exists()


def test_unlinking_removes_every_grant(client, member, worker):
    entry = record(member)
    link = LinkFactory(member=member, worker=worker)
    ShareGrantFactory(link=link)
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.PLAN)
    PlanFactory(member=member)
    client.force_login(member)
    assert client.post(reverse("casework:unlink", args=[link.pk])).status_code == 302
    assert not Link.objects.exists()
    assert not ShareGrant.objects.exists()

    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 404
    assert client.get(reverse("casework:case", args=[link.pk])).status_code == 404
    assert client.get(reverse("casework:plan", args=[link.pk])).status_code == 404


def test_a_chosen_entry_is_readable_and_no_other(client, member, worker):
    shared, private = record(member, "Shared words"), record(member, "Private words")
    ShareGrantFactory(link=LinkFactory(member=member, worker=worker), scope=ShareGrant.Scope.ENTRY, entry=shared)
    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[shared.pk])).status_code == 200
    assert client.get(reverse("diary:entry", args=[private.pk])).status_code == 404
    assert client.get(reverse("diary:history", args=[shared.pk])).status_code == 200
    assert client.get(reverse("diary:history", args=[private.pk])).status_code == 404


def test_the_whole_diary_includes_entries_added_later(client, member, worker):
    ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    later = record(member)
    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[later.pk])).status_code == 200


def test_a_deleted_entry_is_the_members_alone(client, member, worker):
    from diary.services import entry_delete

    entry = record(member)
    ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    entry_delete(entry=entry)
    client.force_login(worker)
    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 404


def test_files_follow_their_entry(client, member, worker):
    entry = record(member, uploads=[png_upload()])
    attachment = entry.attachments.get()
    grant = ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    client.force_login(worker)
    response = client.get(reverse("diary:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AccessRecord.objects.filter(action=AccessRecord.Action.FILE_OPENED, object_id=attachment.pk).exists()
    grant.delete()
    assert client.get(reverse("diary:attachment", args=[attachment.pk])).status_code == 404


def test_a_worker_without_the_second_step_reads_nothing(client, member, worker):
    entry = record(member)
    ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    client.force_login(worker, verified=False)
    response = client.get(reverse("diary:entry", args=[entry.pk]))
    assert response.status_code in (302, 404)
    assert SECRET_TEXT not in response.content.decode()
    assert not AccessRecord.objects.exists()


def test_another_worker_of_the_same_organisation_reads_nothing(client, member, worker):
    entry = record(member)
    ShareGrantFactory(link=LinkFactory(member=member, worker=worker))
    colleague = WorkerFactory(organisation=worker.organisation)
    client.force_login(colleague)
    assert client.get(reverse("diary:entry", args=[entry.pk])).status_code == 404


def test_a_shared_plan_is_read_only_and_recorded(client, member, worker):
    PlanFactory(member=member)
    link = LinkFactory(member=member, worker=worker)
    client.force_login(worker)
    assert client.get(reverse("casework:plan", args=[link.pk])).status_code == 404
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.PLAN)
    response = client.get(reverse("casework:plan", args=[link.pk]))
    assert response.status_code == 200
    assert "My sister Jo, any time." in response.content.decode()
    assert AccessRecord.objects.filter(action=AccessRecord.Action.PLAN_READ, member_id=member.pk).exists()
    # The member's own plan pages stay theirs.
    assert client.get(reverse("safety_plans:plan")).status_code == 404
    assert client.get(reverse("safety_plans:versions")).status_code == 404


# --- The worker's side -----------------------------------------------------------------------


def test_the_caseload_shows_what_is_new_since_the_worker_looked(client, member, worker):
    link = LinkFactory(member=member, worker=worker, display_name="Robin")
    ShareGrantFactory(link=link)
    record(member)
    client.force_login(worker)
    page = client.get(reverse("casework:caseload")).content.decode()
    assert "Robin" in page
    assert "1 new or changed since you last looked" in page
    client.get(reverse("casework:case", args=[link.pk]))
    assert "new or changed since" not in client.get(reverse("casework:caseload")).content.decode()
    assert AccessRecord.objects.filter(action=AccessRecord.Action.CASE_OPENED).count() == 1


def test_a_worker_marks_an_entry_reviewed(client, member, worker):
    entry = record(member)
    link = ShareGrantFactory(link=LinkFactory(member=member, worker=worker)).link
    client.force_login(worker)
    url = reverse("casework:review", args=[link.pk, entry.pk])
    assert client.post(url, {"reviewed": "yes"}).status_code == 302
    assert "You marked this entry reviewed" in client.get(reverse("diary:entry", args=[entry.pk])).content.decode()
    assert "reviewed" in client.get(reverse("casework:case", args=[link.pk])).content.decode()
    client.post(url, {"reviewed": "no"})
    assert "You marked this entry reviewed" not in client.get(reverse("diary:entry", args=[entry.pk])).content.decode()


def test_a_mark_needs_the_entry_to_be_shared(client, member, worker):
    entry = record(member)
    link = LinkFactory(member=member, worker=worker)
    client.force_login(worker)
    assert client.post(reverse("casework:review", args=[link.pk, entry.pk]), {"reviewed": "yes"}).status_code == 404


def test_case_notes_are_encrypted_and_say_who_can_read_them(client, member, worker):
    link = LinkFactory(member=member, worker=worker)
    client.force_login(worker)
    client.post(reverse("casework:notes", args=[link.pk]), {"text": "Agreed to call on Tuesdays"})
    page = client.get(reverse("casework:notes", args=[link.pk])).content.decode()
    assert "Agreed to call on Tuesdays" in page
    assert "Who can read these notes" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM casework_casenote")
        (stored,) = cursor.fetchone()
    assert "Tuesdays" not in stored

    other_org_worker = WorkerFactory()
    LinkFactory(member=member, worker=other_org_worker)
    client.force_login(other_org_worker)
    other_link = Link.objects.get(worker=other_org_worker)
    assert "Tuesdays" not in client.get(reverse("casework:notes", args=[other_link.pk])).content.decode()
    client.force_login(member)
    assert client.get(reverse("casework:notes", args=[link.pk])).status_code == 404


def test_an_empty_note_is_refused(client, worker):
    link = LinkFactory(worker=worker)
    client.force_login(worker)
    response = client.post(reverse("casework:notes", args=[link.pk]), {"text": "   "})
    assert response.status_code == 400
    assert not CaseNote.objects.exists()


# --- The trail -------------------------------------------------------------------------------


def test_access_records_cannot_be_changed(member, worker):
    from casework.trail import Action, access_record

    access = access_record(actor=worker, member_id=member.pk, action=Action.ENTRY_READ)
    access.action = Action.PLAN_READ
    with pytest.raises(ValueError, match="never changed"):
        access.save()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_the_trail(member, worker):
    from django.db import DatabaseError, transaction

    from casework.trail import Action, access_record

    access_record(actor=worker, member_id=member.pk, action=Action.ENTRY_READ)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessRecord.objects.update(actor_email="someone@else.example")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.get().actor_email == worker.email


def test_the_trail_outlives_the_worker_account(member, worker):
    from casework.trail import Action, access_record

    access_record(actor=worker, member_id=member.pk, action=Action.ENTRY_READ)
    LinkFactory(member=member, worker=worker)
    worker.delete()
    assert AccessRecord.objects.get().actor_email.startswith("person")


def test_the_member_sees_only_their_own_trail(client, member, other_member, worker):
    from casework.trail import Action, access_record

    access_record(actor=worker, member_id=other_member.pk, action=Action.ENTRY_READ)
    client.force_login(member)
    assert worker.email not in client.get(reverse("casework:seen")).content.decode()


def test_another_member_cannot_reach_a_members_links(client, member):
    link = LinkFactory()
    client.force_login(member)
    for name in ("share", "rename", "unlink"):
        assert client.get(reverse(f"casework:{name}", args=[link.pk])).status_code == 404
    assert client.post(reverse("casework:unlink", args=[link.pk])).status_code == 404
    assert Link.objects.filter(pk=link.pk).exists()


# --- A coordinator's request -----------------------------------------------------------------


def _request(member, worker=None):
    from tests.factories import CoordinatorFactory

    worker = worker or WorkerFactory()
    coordinator = CoordinatorFactory(organisation=worker.organisation)
    return services.link_by_coordinator(
        coordinator=coordinator, member_email=member.email, worker=worker, display_name="Suggested"
    )


def test_a_coordinators_request_waits_for_the_member(client, member):
    link = _request(member)
    assert link.accepted_at is None
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.LINK_REQUESTED).exists()

    client.force_login(link.worker)
    assert "Suggested" not in client.get(reverse("casework:caseload")).content.decode()
    assert client.get(reverse("casework:case", args=[link.pk])).status_code == 404

    client.force_login(member)
    page = client.get(reverse("casework:sharing")).content.decode()
    assert f"asks to link you with {link.worker.email}" in page
    client.confirm_identity()
    response = client.post(reverse("casework:share", args=[link.pk]), {"diary": "on"})
    assert "Accept the link first" in response.content.decode()
    assert not ShareGrant.objects.exists()

    client.post(reverse("casework:accept", args=[link.pk]), {"display_name": "Kit"})
    link.refresh_from_db()
    assert link.accepted_at is not None
    assert link.display_name == "Kit"
    client.force_login(link.worker)
    assert "Kit" in client.get(reverse("casework:caseload")).content.decode()


def test_declining_a_request_leaves_no_trace_for_the_worker(client, member):
    link = _request(member)
    client.force_login(member)
    client.post(reverse("casework:decline", args=[link.pk]))
    assert not Link.objects.exists()


def test_a_request_for_no_member_changes_nothing(member):
    from tests.factories import CoordinatorFactory

    worker = WorkerFactory()
    coordinator = CoordinatorFactory(organisation=worker.organisation)
    made = services.link_by_coordinator(
        coordinator=coordinator, member_email="nobody@example.org", worker=worker, display_name="X"
    )
    assert made is None
    assert not Link.objects.exists()


def test_another_member_cannot_accept_a_request(client, member, other_member):
    link = _request(member)
    client.force_login(other_member)
    assert client.post(reverse("casework:accept", args=[link.pk]), {"display_name": "Z"}).status_code == 404
    assert client.post(reverse("casework:decline", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.accepted_at is None


def test_saving_a_shared_plan_tells_the_worker_there_is_an_update(
    member, worker, mailoutbox, django_capture_on_commit_callbacks
):
    from safety_plans.services import plan_section_save

    ShareGrantFactory(link=LinkFactory(member=member, worker=worker), scope=ShareGrant.Scope.PLAN)
    with django_capture_on_commit_callbacks(execute=True):
        plan_section_save(member=member, section_key="home", checked=["locks"], notes="New chain", code_word=None)
    assert [(message.to, message.subject.split(": ")[-1]) for message in mailoutbox] == [
        ([worker.email], "An update for you")
    ]
    assert "New chain" not in mailoutbox[0].body


def test_saving_a_plan_shared_with_nobody_tells_nobody(member, worker, mailoutbox, django_capture_on_commit_callbacks):
    from safety_plans.services import plan_section_save

    ShareGrantFactory(link=LinkFactory(member=member, worker=worker), scope=ShareGrant.Scope.DIARY)
    with django_capture_on_commit_callbacks(execute=True):
        plan_section_save(member=member, section_key="home", checked=["locks"], notes="", code_word=None)
    assert mailoutbox == []


def test_every_email_a_member_gets_about_workers_is_neutral(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    """Someone glancing at the member's phone learns nothing from them: not what the site is
    for, not the service's name (it may say), not the worker's address."""
    from tests.portal.support import SENSITIVE_WORDS

    worker = WorkerFactory(organisation__name="Stalking Advocacy Service", email="advocate@stalking.example")
    with django_capture_on_commit_callbacks(execute=True):
        link = _request(member, worker)
    client.force_login(member)
    client.confirm_identity()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("casework:accept", args=[link.pk]), {"display_name": "Kit"})
        client.post(reverse("casework:share", args=[link.pk]), {"diary": "on"})
        client.post(reverse("casework:unlink", args=[link.pk]))
    to_member = [message for message in mailoutbox if message.to == [member.email]]
    assert len(to_member) == 4  # asked, linked, shared, unlinked
    assert "A support service asked to link you with one of their workers." in to_member[0].body
    for message in to_member:
        text = message.subject + message.body
        assert SENSITIVE_WORDS.search(text) is None, text
        assert "advocate@" not in text

"""Advice goes live through review: an editor drafts, previews and submits; a reviewer approves
(it is live) or asks for changes with a comment (it is not); an editor cannot publish, and a
page can be scheduled to go live later. All through the Wagtail admin's own views, signed in
with the second step done."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, TaskState, WorkflowState

from content.models import AdvicePage
from tests.conftest import PortalClient
from tests.content.editorial import (
    WORKFLOW,
    advice_form,
    current_task_state,
    editor_make,
    editorial_setup,
    page_create,
    reviewer_make,
    workflow_act,
)
from tests.content.factories import advice_index

pytestmark = pytest.mark.django_db

ADVICE_TEXT = "Write down each time it happens, with the date and time."


@pytest.fixture
def index():
    editorial_setup()
    return advice_index()


@pytest.fixture
def editor_client(client):
    editor = editor_make()
    client.force_login(editor)  # with the second step done (tests/conftest.py)
    client.user = editor
    return client


@pytest.fixture
def reviewer_client():
    reviewer = reviewer_make()
    browser = PortalClient()
    browser.force_login(reviewer)
    browser.user = reviewer
    return browser


def submitted_page(editor_client, index, **form) -> AdvicePage:
    form.setdefault("title", "Keeping a diary")
    form.setdefault("body", ADVICE_TEXT)
    page = page_create(editor_client, index, **form)
    assert page is not None, "the admin did not make the page"
    return page


def public_status(page: Page) -> int:
    return Client().get(page.url).status_code


def test_every_advice_page_is_reviewed_by_the_advice_reviewers(index):
    workflow = index.get_workflow()

    assert workflow is not None
    assert workflow.name == WORKFLOW
    [task] = workflow.tasks.specific()
    assert [group.name for group in task.groups.all()] == ["Advice reviewers"]


def test_from_draft_to_live_through_review(index, editor_client, reviewer_client):
    # The editor writes a page and submits it: it waits for review, unpublished.
    page = submitted_page(editor_client, index)

    assert not page.live
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert page.current_workflow_state.workflow.name == WORKFLOW
    assert public_status(page) == 404

    # The editor previews it as readers will see it.
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    latest = advice_form(title="Keeping a diary", body=ADVICE_TEXT, action="")
    assert editor_client.post(preview, latest).json()["is_valid"] is True
    shown = editor_client.get(preview)
    assert shown.status_code == 200
    assert ADVICE_TEXT.encode() in shown.content

    # The reviewer sees it waiting, previews the submitted revision, and approves it.
    dashboard = reviewer_client.get(reverse("wagtailadmin_home"))
    assert b"Keeping a diary" in dashboard.content
    task_state = current_task_state(page)
    reviewed = reviewer_client.get(reverse("wagtailadmin_pages:workflow_preview", args=(page.pk, task_state.task_id)))
    assert reviewed.status_code == 200
    assert ADVICE_TEXT.encode() in reviewed.content

    workflow_act(reviewer_client, page, "approve")

    page.refresh_from_db()
    assert page.live
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    assert task_state.finished_by == reviewer_client.user
    assert page.live_revision.user == editor_client.user  # the editor's words, as submitted
    shown = Client().get(page.url)
    assert shown.status_code == 200
    assert ADVICE_TEXT.encode() in shown.content


def test_changes_requested_with_a_comment_leave_the_page_unpublished(index, editor_client, reviewer_client):
    page = submitted_page(editor_client, index)
    comment = "Please say that the helpline is free to call."

    workflow_act(reviewer_client, page, "reject", comment)

    page.refresh_from_db()
    assert not page.live
    assert page.live_revision is None
    assert public_status(page) == 404
    state = WorkflowState.objects.for_instance(page).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    [task_state] = state.task_states.all()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert task_state.comment == comment
    assert task_state.finished_by == reviewer_client.user
    # The editor is shown the comment on the page's review history.
    history = editor_client.get(reverse("wagtailadmin_pages:workflow_history_detail", args=(page.pk, state.pk)))
    assert history.status_code == 200
    assert comment.encode() in history.content


def test_an_editor_can_resubmit_after_changes_and_the_reviewer_then_approves(index, editor_client, reviewer_client):
    page = submitted_page(editor_client, index)
    workflow_act(reviewer_client, page, "reject", "Add the opening hours.")

    edit = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    better = "Write it down, with the date and time. The helpline is open weekdays."
    editor_client.post(edit, advice_form(title="Keeping a diary", body=better, action="action-restart-workflow"))
    workflow_act(reviewer_client, page, "approve")

    page.refresh_from_db()
    assert page.live
    assert better.encode() in Client().get(page.url).content


def test_an_editor_cannot_publish(index, editor_client):
    edit_url = reverse("wagtailadmin_pages:add", args=("content", "advicepage", index.pk))

    editor_client.post(edit_url, advice_form(title="Keeping a diary", body=ADVICE_TEXT, action="action-publish"))

    page = AdvicePage.objects.get(slug="keeping-a-diary")
    assert not page.live
    assert page.live_revision is None
    assert not page.permissions_for_user(editor_client.user).can_publish()
    # Not on an existing page either.
    editor_client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        advice_form(title="Keeping a diary", body=ADVICE_TEXT, action="action-publish"),
    )
    page.refresh_from_db()
    assert not page.live
    assert public_status(page) == 404


def test_a_page_in_review_is_locked_against_the_editors_changes(index, editor_client):
    page = submitted_page(editor_client, index)

    editor_client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        advice_form(title="Keeping a diary", body="Changed behind the reviewer's back.", action=""),
    )

    assert page.revisions.count() == 1
    assert current_task_state(page).revision == page.latest_revision


def test_an_editor_cannot_approve_their_own_submission(index, editor_client):
    page = submitted_page(editor_client, index)

    response = workflow_act(editor_client, page, "approve")

    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert not page.live
    assert current_task_state(page).status == TaskState.STATUS_IN_PROGRESS


def test_an_approved_page_can_wait_for_its_publishing_time(index, editor_client, reviewer_client):
    go_live_at = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    page = submitted_page(editor_client, index, go_live_at=go_live_at.strftime("%Y-%m-%d %H:%M"))

    workflow_act(reviewer_client, page, "approve")

    page.refresh_from_db()
    assert not page.live
    scheduled = page.scheduled_revision
    assert scheduled is not None
    assert scheduled.approved_go_live_at == go_live_at
    # The scheduled publishing command (run every few minutes) leaves it until its time comes...
    call_command("publish_scheduled", stdout=StringIO())
    page.refresh_from_db()
    assert not page.live
    # ...then publishes it.
    with mock.patch("django.utils.timezone.now", return_value=go_live_at + timedelta(minutes=5)):
        call_command("publish_scheduled", stdout=StringIO())
    page.refresh_from_db()
    assert page.live
    assert public_status(page) == 200


def test_each_save_is_a_revision_the_editor_can_look_back_on(index, editor_client):
    page = submitted_page(editor_client, index, action="")  # saved as a draft, not yet submitted
    editor_client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        advice_form(title="Keeping a diary", body="A second draft.", action=""),
    )

    assert page.revisions.count() == 2
    history = editor_client.get(reverse("wagtailadmin_pages:history", args=(page.pk,)))
    assert history.status_code == 200
    first, second = page.revisions.order_by("created_at")
    compare = editor_client.get(reverse("wagtailadmin_pages:revisions_compare", args=(page.pk, first.pk, second.pk)))
    assert compare.status_code == 200
    assert b"A second draft." in compare.content

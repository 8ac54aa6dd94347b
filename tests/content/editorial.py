"""Helpers for the editorial tests: the groups and review workflow as the content migration makes
them, editors and reviewers in them by their role, and the Wagtail admin's forms as posted."""

import importlib

from django.apps import apps
from django.urls import reverse
from wagtail.models import Page, TaskState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.models import AdvicePage, HomePage
from portal.accounts.models import Role
from portal.accounts.services.staff import role_groups_sync
from tests.content.factories import home_page
from tests.factories import EditorFactory

# The migration's own code, so the tests check what a real installation gets.
_migration = importlib.import_module("content.migrations.0003_editorial_groups")
EDITORS = _migration.EDITORS
REVIEWERS = _migration.REVIEWERS
WORKFLOW = _migration.WORKFLOW


def editorial_setup() -> HomePage:
    """The home page, the editorial groups and the review workflow, made again if a
    transactional test has emptied the tables (running it twice changes nothing)."""
    home = home_page()
    _migration.editorial_setup(apps, None)
    return home


def editor_make(**fields):
    """An advice editor, in the editors' group as an administrator's invitation would put them."""
    user = EditorFactory(role=Role.EDITOR, **fields)
    role_groups_sync(user=user)
    return user


def reviewer_make(**fields):
    """An advice reviewer, in the reviewers' group by their role."""
    user = EditorFactory(role=Role.REVIEWER, **fields)
    role_groups_sync(user=user)
    return user


def advice_form(*, title: str, body: str, action: str = "action-submit", **fields) -> dict:
    """What the Wagtail admin's form for an advice page posts."""
    data = {
        "title": title,
        "slug": fields.pop("slug", title.lower().replace(" ", "-")),
        "summary": fields.pop("summary", f"About {title.lower()}."),
        "body": streamfield([("paragraph", rich_text(f"<p>{body}</p>"))]),
        "related_pages": inline_formset([]),
        "comments": inline_formset([]),
        **fields,
    }
    if action:
        data[action] = "1"
    return nested_form_data(data)


def page_create(client, parent: Page, **form) -> AdvicePage | None:
    """Post the admin's "add an advice page" form under ``parent``; the page made, or None."""
    url = reverse("wagtailadmin_pages:add", args=("content", "advicepage", parent.pk))
    response = client.post(url, advice_form(**form))
    assert response.status_code in (200, 302), response.status_code
    return AdvicePage.objects.filter(slug=form.get("slug", form["title"].lower().replace(" ", "-"))).first()


def current_task_state(page: Page) -> TaskState:
    """The review step the page is waiting on."""
    workflow_state = page.current_workflow_state
    assert workflow_state is not None, "the page is not in review"
    return workflow_state.current_task_state


def workflow_act(client, page: Page, action: str, comment: str = ""):
    """A reviewer's "Approve" or "Request changes" (with a comment) on the page's current step."""
    task_state = current_task_state(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return client.post(url, {"comment": comment} if comment else {})

"""The demo editor writes an advice page, previews it and submits it for review; the demo reviewer
approves it from their dashboard, and readers can read it. In the real Wagtail admin, signed in
through the portal's own sign-in and second step."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from content.models import AdvicePage
from portal.accounts.models import User
from tests.content.editorial import editorial_setup
from tests.content.factories import advice_index

DEMO_PASSWORD = "demo-pass-phrase-2024"
TITLE = "Staying safe at work"
ADVICE = "Tell someone you trust at work what is happening."


@pytest.mark.django_db(transaction=True)
def test_the_demo_editor_submits_and_the_demo_reviewer_approves(new_context, sign_in):
    editorial_setup()  # live-server tests empty every table: the migration's groups, made again
    index = advice_index()
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=StringIO())

    # The editor writes the page.
    editor = new_context().new_page()
    sign_in(editor, User.objects.get(email="editor@demo.test"), DEMO_PASSWORD)
    editor.goto(f"/admin/pages/add/content/advicepage/{index.pk}/")
    editor.locator("#id_title").fill(TITLE)
    editor.locator("#id_summary").fill("What to do when it follows you to work.")
    editor.locator("button.c-sf-add-button").first.click()
    editor.get_by_role("option", name="Paragraph").click()
    editor.locator(".public-DraftEditor-content").first.click()
    editor.keyboard.type(ADVICE)
    # The rich text editor writes what was typed into its form field a moment later.
    expect(editor.locator('input[name="body-0-value"]')).to_have_value(re.compile(ADVICE))
    with editor.expect_navigation():
        editor.get_by_role("button", name="Save draft").click()

    # It previews it beside the form, as readers will see it...
    editor.get_by_role("button", name="Toggle preview").click()
    expect(editor.frame_locator("iframe").first.get_by_text(ADVICE)).to_be_visible()

    # ...and submits it for review: still not published.
    editor.get_by_role("button", name="More actions").click()
    with editor.expect_navigation():
        editor.get_by_role("button", name="Submit to Advice review").click()
    page = AdvicePage.objects.get(title=TITLE)
    assert not page.live
    reader = new_context().new_page()
    assert reader.goto(page.url).status == 404

    # The reviewer finds it waiting on their dashboard and approves it.
    reviewer = new_context().new_page()
    sign_in(reviewer, User.objects.get(email="reviewer@demo.test"), DEMO_PASSWORD)
    reviewer.goto("/admin/")
    waiting = reviewer.locator("#awaiting-review-section").locator("tr", has_text=TITLE)
    waiting.get_by_role("button", name="Actions").click()
    waiting.get_by_role("button", name="Approve", exact=True).click()
    expect(reviewer.locator("#awaiting-review-section").get_by_text(TITLE)).to_have_count(0)

    # Readers can read it.
    page.refresh_from_db()
    assert page.live
    assert reader.goto(page.url).status == 200
    expect(reader.get_by_text(ADVICE)).to_be_visible()

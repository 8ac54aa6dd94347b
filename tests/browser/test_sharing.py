"""Sharing end to end in Chromium: a member links with a worker's code and shares their diary
(confirming it is them), the worker signs in with two steps and reads an entry, and the member
sees that read in their trail. axe-core finds nothing on the new pages, at 320 px too."""

import re

import pytest

from casework.models import AccessRecord, ShareGrant
from casework.services import referral_code_issue
from tests.browser.checks import PHONE, assert_accessible, assert_fits
from tests.diary.helpers import record
from tests.factories import LinkFactory, MemberFactory, PlanFactory, ShareGrantFactory, WorkerFactory

pytestmark = pytest.mark.browser


def test_a_member_shares_the_diary_and_sees_the_worker_read_it(new_context, sign_in, confirm_it_is_you, live_server):
    member, worker = MemberFactory(), WorkerFactory()
    entry = record(member, "The car was outside again at 7")
    code = referral_code_issue(worker=worker)

    member_page = new_context(viewport=PHONE).new_page()
    sign_in(member_page, member)
    member_page.goto("/access/")
    member_page.get_by_role("link", name="Enter a code from a support worker").click()
    member_page.get_by_label("The code your support worker gave you").fill(code)
    member_page.get_by_label("The name they will see for you").fill("Jo")
    member_page.get_by_role("button", name="Link").click()
    assert "They cannot see anything yet" in member_page.locator("main").inner_text()

    member_page.get_by_role("link", name=re.compile(r"^Share")).click()
    confirm_it_is_you(member_page, member)
    member_page.get_by_label("My whole diary, including entries I add later").check()
    member_page.get_by_role("button", name="Share").click()
    assert "Your whole diary, including entries you add later" in member_page.locator("main").inner_text()
    assert ShareGrant.objects.filter(link__member=member, scope=ShareGrant.Scope.DIARY).exists()

    worker_page = new_context().new_page()
    sign_in(worker_page, worker)  # with the code from the worker's authenticator app
    worker_page.goto("/cases/")
    worker_page.get_by_role("link", name="Jo").click()
    worker_page.locator("main .case-entries a").first.click()
    assert "The car was outside again at 7" in worker_page.locator("main").inner_text()
    assert worker_page.get_by_role("link", name="Change").count() == 0
    assert AccessRecord.objects.filter(actor_id=worker.pk, object_id=entry.pk).exists()

    member_page.goto("/access/seen/")
    trail = member_page.locator("main").inner_text()
    assert worker.email in trail
    assert "Read a diary entry" in trail


def _pages_of(member, worker):
    link = LinkFactory(member=member, worker=worker, display_name="Jo")
    ShareGrantFactory(link=link)
    ShareGrantFactory(link=link, scope=ShareGrant.Scope.PLAN)
    PlanFactory(member=member)
    entry = record(member)
    member_pages = [
        "/access/",
        "/access/code/",
        f"/access/{link.pk}/name/",
        f"/access/{link.pk}/unlink/",
        "/access/seen/",
    ]
    worker_pages = [
        "/cases/",
        f"/cases/{link.pk}/",
        f"/cases/{link.pk}/notes/",
        f"/cases/{link.pk}/plan/",
        f"/notes/{entry.pk}/",
    ]
    return link, member_pages, worker_pages


def test_sharing_and_case_pages_pass_axe_and_fit_a_small_phone(new_context, sign_in, confirm_it_is_you, live_server):
    member, worker = MemberFactory(), WorkerFactory()
    link, member_pages, worker_pages = _pages_of(member, worker)
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, member)
    page.goto(f"/access/{link.pk}/share/")
    confirm_it_is_you(page, member)
    for path in [*member_pages, f"/access/{link.pk}/share/"]:
        page.goto(path)
        assert_accessible(page)
        assert_fits(page)

    page = new_context(viewport=PHONE).new_page()
    sign_in(page, worker)
    for path in worker_pages:
        page.goto(path)
        assert_accessible(page)
        assert_fits(page)
    page.goto("/cases/")
    page.get_by_role("button", name="Make a code").click()
    assert_accessible(page)
    assert_fits(page)

"""Advice editors and reviewers: the least they need in the Wagtail admin, and nothing of anyone's.

Their groups hold page, snippet and image permissions for the advice library only; a person is
in a group by their role, which an administrator sets; every member page, Django's admin and
user management are closed to them; and the admin's looser content security policy stays on
the admin's own addresses.
"""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, reverse
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from diary import urls as diary_urls
from portal.accounts import urls as account_urls
from portal.accounts.decorators import members_only
from portal.accounts.models import AccountEvent, Role, User
from portal.accounts.services.staff import account_admin_change, staff_account_create
from safety_plans import urls as plan_urls
from safety_plans.sections import SECTIONS
from tests.conftest import PortalClient
from tests.content.editorial import EDITORS, REVIEWERS, advice_form, editor_make, editorial_setup, reviewer_make
from tests.content.factories import HelplineFactory, NeedFactory, advice_index, advice_page
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import (
    AdminFactory,
    AlertFactory,
    AttachmentFactory,
    EditorFactory,
    ExportRequestFactory,
    OrganisationFactory,
    PlanFactory,
    TrustedContactFactory,
)

pytestmark = pytest.mark.django_db

SNIPPETS = ("helpline", "need", "topic")


@pytest.fixture
def home():
    return editorial_setup()


@pytest.fixture(params=["editor", "reviewer"])
def advice_staff(request, home):
    """An advice editor, then an advice reviewer, signed in with the second step done."""
    user = editor_make() if request.param == "editor" else reviewer_make()
    browser = PortalClient()
    browser.force_login(user)
    browser.user = user
    return browser


def codenames(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


# What each group may do.


def test_editors_may_write_advice_and_directory_entries_but_not_publish(home):
    editors = Group.objects.get(name=EDITORS)

    assert codenames(editors.permissions.all()) == {"wagtailadmin.access_admin"} | {
        f"content.{action}_{model}" for model in SNIPPETS for action in ("add", "change")
    }
    page_permissions = GroupPagePermission.objects.filter(group=editors)
    assert {(p.page_id, p.permission.codename) for p in page_permissions} == {
        (home.pk, "add_page"),
        (home.pk, "change_page"),
    }


def test_reviewers_may_also_publish_and_remove_directory_entries(home):
    reviewers = Group.objects.get(name=REVIEWERS)

    assert codenames(reviewers.permissions.all()) == {"wagtailadmin.access_admin"} | {
        f"content.{action}_{model}" for model in SNIPPETS for action in ("add", "change", "delete")
    }
    page_permissions = GroupPagePermission.objects.filter(group=reviewers)
    assert {(p.page_id, p.permission.codename) for p in page_permissions} == {
        (home.pk, "add_page"),
        (home.pk, "change_page"),
        (home.pk, "publish_page"),
    }


@pytest.mark.parametrize("name", [EDITORS, REVIEWERS])
def test_both_upload_and_choose_images_and_documents_but_change_nobody_elses(home, name):
    collection_permissions = GroupCollectionPermission.objects.filter(group__name=name)

    assert {p.collection_id for p in collection_permissions} == {Collection.get_first_root_node().pk}
    assert codenames(p.permission for p in collection_permissions) == {
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
    }


def test_the_only_groups_are_the_two_editorial_ones(home):
    # Wagtail's starter "Editors" and "Moderators" (with rights over the whole tree) are gone.
    assert set(Group.objects.values_list("name", flat=True)) == {EDITORS, REVIEWERS}


def test_an_editor_cannot_publish_and_a_reviewer_can(home):
    editor, reviewer = editor_make(), reviewer_make()
    page = advice_page(advice_index(), title="Keeping a diary")

    assert page.permissions_for_user(editor).can_edit()
    assert not page.permissions_for_user(editor).can_publish()
    assert page.permissions_for_user(reviewer).can_publish()
    assert home.permissions_for_user(editor).can_add_subpage()
    assert editor.has_perm("content.change_helpline")
    assert not editor.has_perm("content.delete_helpline")
    assert reviewer.has_perm("content.delete_helpline")


@pytest.mark.parametrize("make", [editor_make, reviewer_make], ids=["editor", "reviewer"])
def test_neither_holds_any_permission_over_accounts_or_members(home, make):
    user = make()

    held = user.get_all_permissions()

    assert {permission.split(".")[0] for permission in held} <= {"wagtailadmin", "content"}
    outside = Permission.objects.exclude(content_type__app_label__in=["wagtailadmin", "content"])
    assert not any(user.has_perm(f"{p.content_type.app_label}.{p.codename}") for p in outside)
    assert not user.is_staff
    assert not user.is_superuser


# The role decides the group.


def groups_of(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("role", "groups"), [(Role.EDITOR, [EDITORS]), (Role.REVIEWER, [REVIEWERS]), (Role.WORKER, [])]
)
def test_an_invited_account_is_in_the_groups_of_its_role(home, role, groups):
    organisation = OrganisationFactory() if role == Role.WORKER else None

    user = staff_account_create(email="new@example.org", role=role, actor=AdminFactory(), organisation=organisation)

    assert groups_of(user) == groups


def test_a_change_of_role_moves_the_account_between_groups_and_is_told_to_its_owner(home):
    admin = AdminFactory()
    user = editor_make()

    account_admin_change(user=user, actor=admin, role=Role.REVIEWER, organisation=None, is_active=True)
    assert groups_of(user) == [REVIEWERS]

    account_admin_change(user=user, actor=admin, role=Role.EDITOR, organisation=None, is_active=True)
    assert groups_of(user) == [EDITORS]

    organisation = OrganisationFactory()
    account_admin_change(user=user, actor=admin, role=Role.WORKER, organisation=organisation, is_active=True)
    assert groups_of(user) == []
    assert AccountEvent.objects.filter(user=user, kind=AccountEvent.Kind.ROLE_CHANGED, actor=admin).count() == 3


def test_an_administrator_makes_someone_a_reviewer_in_djangos_admin(home):
    admin, editor = AdminFactory(), editor_make()
    browser = PortalClient()
    browser.force_login(admin)

    form = browser.get(f"/django-admin/accounts/user/{editor.pk}/change/")
    assert b'value="reviewer"' in form.content
    response = browser.post(
        f"/django-admin/accounts/user/{editor.pk}/change/",
        {"role": Role.REVIEWER, "organisation": "", "is_active": "on", "_save": "Save"},
    )

    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.role == Role.REVIEWER
    assert groups_of(editor) == [REVIEWERS]


def test_editors_who_had_the_role_before_the_groups_existed_are_put_in_them(home):
    earlier = EditorFactory()  # made without the role's groups, as before this migration
    assert groups_of(earlier) == []

    editorial_setup()

    assert groups_of(earlier) == [EDITORS]


def test_running_the_setup_again_changes_nothing(home):
    before = (
        sorted(Group.objects.values_list("name", flat=True)),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
    )

    editorial_setup()

    assert before == (
        sorted(Group.objects.values_list("name", flat=True)),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
    )


# Nothing of any member's.


@pytest.fixture
def member_records(member):
    """One of each thing a member's diary and safety plan addresses name, owned by ``member``."""
    entry = record(member)
    attachment = AttachmentFactory(entry=None, member=member, what_happened=SECRET_TEXT)
    plan = PlanFactory(member=member)
    return {
        "entry_id": entry.id,
        "attachment_id": attachment.id,
        "export_id": ExportRequestFactory(member=member).id,
        "section_key": SECTIONS[0].key,
        "number": plan.current.number,
        "contact_id": TrustedContactFactory(member=member).id,
        "alert_id": AlertFactory(member=member).id,
    }


def member_addresses(records) -> list[str]:
    """Every address of the diary and the safety plan (so a new page is covered the day it is
    added), filled in with a member's own records, and every account page only members have."""
    addresses = []
    for namespace, urls in [("diary", diary_urls), ("safety_plans", plan_urls)]:
        for pattern in urls.urlpatterns:
            assert isinstance(pattern, URLPattern)
            kwargs = {name: records[name] for name in pattern.pattern.converters}
            addresses.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    addresses += [reverse(f"{pattern.name}") for pattern in members_only_patterns()]
    addresses.append(reverse("two_step_off"))  # staff must keep two-step sign-in
    return addresses


def members_only_patterns() -> list[URLPattern]:
    """The account pages behind @members_only, found by their guard rather than listed by hand."""
    guard = members_only(lambda request: None).__code__
    found = []
    for pattern in account_urls.urlpatterns:
        view = getattr(pattern, "callback", None)
        while view is not None:
            if getattr(view, "__code__", None) is guard:
                found.append(pattern)
                break
            view = getattr(view, "__wrapped__", None)
    return found


def test_the_member_only_account_pages_are_found():
    assert "account_delete" in {pattern.name for pattern in members_only_patterns()}


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_member_page_is_not_found_for_advice_staff(advice_staff, member_records, method):
    advice_staff.confirm_identity()  # even with their password just given
    addresses = member_addresses(member_records)
    assert len(addresses) > len(diary_urls.urlpatterns) + len(plan_urls.urlpatterns)

    for address in addresses:
        response = getattr(advice_staff, method)(address)

        assert response.status_code == 404, address
        assert SECRET_TEXT.encode() not in response.content, address
    assert User.objects.get(pk=advice_staff.user.pk).deletion_requested_at is None


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/django-admin/", {403}),
        ("/django-admin/accounts/user/", {403}),
        ("/admin/users/", {404}),
        ("/admin/bulk/accounts/user/delete/", {404}),
        # Wagtail's own "permission denied": back to the admin's dashboard with a message.
        ("/admin/groups/", {302, 403}),
        ("/admin/workflows/list/", {302, 403}),
        ("/admin/sites/", {302, 403}),
        ("/admin/collections/", {302, 403}),
    ],
)
def test_account_and_site_management_is_closed_to_advice_staff(advice_staff, member, path, statuses):
    response = advice_staff.get(path)

    assert response.status_code in statuses, path
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")
    assert member.email.encode() not in response.content


def test_advice_staff_reach_the_pages_and_the_directory(advice_staff, home):
    for path in ["/admin/", "/admin/pages/", f"/admin/pages/{home.pk}/", "/admin/snippets/content/helpline/"]:
        # The page explorer opens at the home page, the part of the tree they may work on.
        assert advice_staff.get(path, follow=True).status_code == 200, path


# The directory in the admin.


def test_the_helplines_list_filters_by_area_emergency_and_need(advice_staff):
    stalking = NeedFactory(name="Stalking", slug="stalking")
    HelplineFactory(name="Welsh line", area="wales")
    HelplineFactory(name="Emergency line", is_emergency=True)
    HelplineFactory(name="Stalking line", needs=[stalking])
    url = "/admin/snippets/content/helpline/"

    def listed(query: str) -> set[str]:
        content = advice_staff.get(f"{url}?{query}").content.decode()
        return {name for name in ("Welsh line", "Emergency line", "Stalking line") if name in content}

    assert listed("") == {"Welsh line", "Emergency line", "Stalking line"}
    assert listed("area=wales") == {"Welsh line"}
    assert listed("is_emergency=true") == {"Emergency line"}
    assert listed(f"needs={stalking.pk}") == {"Stalking line"}


def test_an_editor_corrects_a_helpline_number(advice_staff):
    helpline = HelplineFactory(name="National Stalking Helpline", phone="0808 802 0301")
    edit = f"/admin/snippets/content/helpline/edit/{helpline.pk}/"
    form = {
        "name": helpline.name,
        "helps_with": helpline.helps_with,
        "phone": "0808 802 0300",
        "phone_note": "",
        "opening_hours": helpline.opening_hours,
        "website": "",
        "area": "uk",
        "languages": "English",
        "sort_order": "0",
    }

    response = advice_staff.post(edit, form)

    assert response.status_code == 302
    helpline.refresh_from_db()
    assert helpline.phone == "0808 802 0300"


# The admin's looser content security policy stays in the admin.


def script_sources(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


def test_the_admins_looser_policy_is_on_its_own_addresses_only(advice_staff, home):
    page = advice_page(advice_index(), title="Keeping a diary")

    admin_page = advice_staff.get(f"/admin/pages/{page.pk}/edit/")
    assert admin_page.status_code == 200
    assert "'unsafe-inline'" in script_sources(admin_page)

    for path in [page.url, "/home/", "/accounts/settings/", "/advice/search/"]:
        response = advice_staff.get(path)
        assert response.status_code == 200, path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_nobody_else_gets_the_looser_policy_even_on_an_admin_address(who, member):
    browser = PortalClient()
    if who == "member":
        browser.force_login(member)

    response = browser.get("/admin/")

    assert response.status_code in (302, 403)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_reader_of_a_public_page_gets_the_strict_policy(home):
    page = advice_page(advice_index(), title="Keeping a diary")

    response = Client().get(page.url)

    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


# The demo.


def test_the_demo_editor_and_reviewer_are_in_their_groups(home):
    call_command("seed_demo", password="demo-pass-phrase-2024", stdout=StringIO())

    assert groups_of(User.objects.get(email="editor@demo.test")) == [EDITORS]
    assert groups_of(User.objects.get(email="reviewer@demo.test")) == [REVIEWERS]
    assert groups_of(User.objects.get(email="admin@demo.test")) == []  # a superuser needs none


def policy_of(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def test_the_preview_panel_may_frame_a_preview_and_nothing_else(advice_staff, home):
    page = advice_page(advice_index(), title="Keeping a diary", body="Write it down.")
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    advice_staff.post(preview, advice_form(title="Keeping a diary", body="Write it down.", action=""))

    shown = advice_staff.get(f"{preview}?in_preview_panel=true")

    assert shown.status_code == 200
    assert b"Write it down." in shown.content
    # Framed by the editor's own page, and by no other site; otherwise the page's strict policy.
    assert policy_of(shown)["frame-ancestors"] == "'self'"
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert "'unsafe-inline'" not in policy_of(shown)["script-src"]
    for response in [advice_staff.get(f"/admin/pages/{page.pk}/edit/"), Client().get(page.url)]:
        assert policy_of(response)["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"


def test_a_preview_address_is_not_framed_for_anyone_else(member, home):
    page = advice_page(advice_index(), title="Keeping a diary")
    browser = PortalClient()
    browser.force_login(member)

    response = browser.get(reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)))

    assert response.status_code == 403
    assert policy_of(response)["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"

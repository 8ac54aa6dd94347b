"""A coordinator's pages: their organisation's workers and cases, inviting, linking, moving a
case and the access records. Only a coordinator of the organisation, signed in with two steps,
reaches them; they never show what a member wrote or shared, and inviting and linking say
nothing about whether an address belongs to a member."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import team_views
from casework.models import AccessRecord, Link, ShareGrant
from portal.accounts.models import AccountEvent, Role, User
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import (
    PASSWORD,
    AccessRecordFactory,
    CoordinatorFactory,
    LinkFactory,
    MemberFactory,
    ShareGrantFactory,
    WorkerFactory,
)
from tests.portal.support import SENSITIVE_WORDS, parse_page

pytestmark = pytest.mark.django_db

DISPLAY_NAME = "Robin from the library"


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    # Every test makes several accounts; Argon2 would spend seconds on each without testing anything here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organisation(coordinator):
    return coordinator.organisation


@pytest.fixture
def team_worker(organisation):
    return WorkerFactory(organisation=organisation)


@pytest.fixture
def case(member, team_worker):
    """A member of the coordinator's organisation's, who shares their whole diary."""
    entry = record(member)
    link = LinkFactory(member=member, worker=team_worker, display_name=DISPLAY_NAME)
    ShareGrantFactory(link=link)
    AccessRecordFactory(link=link, action=AccessRecord.Action.ENTRY_READ, object_id=entry.pk)
    return link


@pytest.fixture
def other_case():
    """A case of another organisation, with its own coordinator."""
    link = LinkFactory(display_name="Someone elsewhere")
    AccessRecordFactory(link=link)
    return link


@pytest.fixture
def other_coordinator(other_case):
    return CoordinatorFactory(organisation=other_case.worker.organisation)


class _Tables(HTMLParser):
    """Each table's caption and the text of its body's cells, row by row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[tuple[str, ...]]]] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(("", []))
        elif tag in {"caption", "td"}:
            self._text = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1] = ("".join(self._text).strip(), self.tables[-1][1])
            self._text = None
        elif tag == "td" and self._row is not None:
            self._row.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(tuple(self._row))
            self._row = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _table_rows(response, caption_start: str) -> list[tuple[str, ...]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    (rows,) = [rows for caption, rows in parser.tables if caption.startswith(caption_start)]
    return rows


def _views(case):
    """name, method, arguments, a valid form, what the coordinator gets."""
    spare = WorkerFactory(organisation=case.worker.organisation)
    return [
        ("team:home", "get", [], {}, 200),
        ("team:invite", "get", [], {}, 200),
        ("team:invite", "post", [], {"email": "new.worker@example.org"}, 302),
        ("team:link", "get", [], {}, 200),
        ("team:link", "post", [], {"member_email": "x@example.org", "worker": spare.pk, "display_name": "Al"}, 302),
        ("team:move", "get", [case.pk], {}, 200),
        ("team:move", "post", [case.pk], {"worker": spare.pk}, 302),
        ("team:access", "get", [], {}, 200),
    ]


VIEW_IDS = ["home", "invite GET", "invite POST", "link GET", "link POST", "move GET", "move POST", "access"]


def _call(client, method, name, args, data):
    url = reverse(name, args=args)
    return client.post(url, data) if method == "post" else client.get(url)


def _state():
    """What a refused request must leave as it was."""
    return (
        User.objects.count(),
        sorted(Link.objects.values_list("pk", "worker_id")),
        ShareGrant.objects.count(),
    )


# --- Who may use the pages ----------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(VIEW_IDS)), ids=VIEW_IDS)
def test_the_coordinator_uses_every_page(client, coordinator, case, index):
    name, method, args, data, status = _views(case)[index]
    client.force_login(coordinator)
    client.confirm_identity()

    response = _call(client, method, name, args, data)

    assert response.status_code == status
    assert "no-store" in response["Cache-Control"]
    if status == 200:
        (title,) = parse_page(response).titles
        assert title.endswith("– Team")
        assert not SENSITIVE_WORDS.search(title)
        assert not SENSITIVE_WORDS.search(response.wsgi_request.path)


@pytest.mark.parametrize("role", ["member", "worker", "team_worker", "editor", "admin_user"])
@pytest.mark.parametrize("index", range(len(VIEW_IDS)), ids=VIEW_IDS)
def test_every_other_role_is_told_the_page_does_not_exist(client, request, case, role, index):
    name, method, args, data, _status = _views(case)[index]
    client.force_login(request.getfixturevalue(role))
    client.confirm_identity()
    before = _state()

    response = _call(client, method, name, args, data)

    assert response.status_code == 404
    assert _state() == before
    assert case.worker.email.encode() not in response.content


@pytest.mark.parametrize("index", range(len(VIEW_IDS)), ids=VIEW_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, case, index):
    name, method, args, data, _status = _views(case)[index]
    before = _state()

    response = _call(client, method, name, args, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _state() == before


@pytest.mark.parametrize("index", range(len(VIEW_IDS)), ids=VIEW_IDS)
def test_a_coordinator_who_has_not_passed_the_second_step_reaches_nothing(client, coordinator, case, index):
    name, method, args, data, _status = _views(case)[index]
    client.force_login(coordinator, verified=False)
    before = _state()

    response = _call(client, method, name, args, data)

    assert response.status_code == 302
    assert "/accounts/two-step/" in response["Location"]
    assert _state() == before


def test_a_coordinator_of_another_organisation_cannot_move_the_case(client, other_coordinator, case):
    client.force_login(other_coordinator)
    spare = WorkerFactory(organisation=other_coordinator.organisation)

    assert client.get(reverse("team:move", args=[case.pk])).status_code == 404
    assert client.post(reverse("team:move", args=[case.pk]), {"worker": spare.pk}).status_code == 404
    assert Link.objects.get(pk=case.pk).worker == case.worker


def test_a_coordinator_of_another_organisation_sees_only_their_own(client, other_coordinator, other_case, case):
    client.force_login(other_coordinator)

    team = client.get(reverse("team:home")).content.decode()
    access = client.get(reverse("team:access")).content.decode()

    assert other_case.worker.email in team
    assert team_views.case_reference(other_case.pk) in team
    assert case.worker.email not in team
    assert team_views.case_reference(case.pk) not in team
    assert other_case.worker.email in access
    assert case.worker.email not in access


def test_a_coordinator_cannot_link_or_move_to_another_organisations_worker(client, coordinator, case, other_case):
    client.force_login(coordinator)
    client.confirm_identity()
    outsider = other_case.worker
    before = _state()

    linked = client.post(
        reverse("team:link"), {"member_email": MemberFactory().email, "worker": outsider.pk, "display_name": "Al"}
    )
    moved = client.post(reverse("team:move", args=[case.pk]), {"worker": outsider.pk})

    assert linked.status_code == moved.status_code == 400
    assert "Choose a support worker from the list" in linked.content.decode()
    assert "Choose a support worker from the list" in moved.content.decode()
    assert _state()[1:] == before[1:]


def test_home_links_a_coordinator_to_the_team_page_and_nobody_else(client, coordinator, any_user):
    client.force_login(any_user)

    page = client.get(reverse("home")).content.decode()

    assert (reverse("team:home") in page) == (any_user.role == Role.COORDINATOR)


# --- The team page ------------------------------------------------------------------------


def test_the_team_page_lists_workers_and_whether_they_have_finished_setting_up(client, coordinator, organisation):
    ready = WorkerFactory(organisation=organisation, email="ready@example.org")
    invited = WorkerFactory(organisation=organisation, email="invited@example.org")
    invited.set_unusable_password()
    invited.save(update_fields=["password"])
    no_app = WorkerFactory(organisation=organisation, email="no-app@example.org", authenticator=False)
    closed = WorkerFactory(organisation=organisation, email="closed@example.org", is_active=False)
    client.force_login(coordinator)

    rows = dict(_table_rows(client.get(reverse("team:home")), "Support workers"))

    assert rows == {
        closed.email: "Account closed",
        invited.email: "Invited: has not chosen a password yet",
        no_app.email: "Has not set up two-step sign-in yet",
        ready.email: "Ready",
    }


def test_the_team_page_lists_cases_by_reference_and_never_the_member(client, coordinator, case, member):
    client.force_login(coordinator)

    page = client.get(reverse("team:home")).content.decode()

    assert team_views.case_reference(case.pk) == str(case.pk)[:8]
    assert team_views.case_reference(case.pk) in page
    assert case.worker.email in page
    assert timezone.localtime(case.linked_at).strftime("%-d %B %Y") in page
    assert reverse("team:move", args=[case.pk]) in page
    for private in (member.email, DISPLAY_NAME, SECRET_TEXT):
        assert private not in page


def test_the_team_page_reads_as_many_rows_for_many_cases_as_for_one(client, coordinator, organisation, case):
    client.force_login(coordinator)
    client.get(reverse("team:home"))  # the session's own first-request writes, out of the count

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("team:home")).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(6):
        LinkFactory(worker=WorkerFactory(organisation=organisation))

    assert queries() == one


# --- Inviting a support worker ------------------------------------------------------------


def test_inviting_makes_a_worker_of_the_organisation_and_emails_them_a_link(
    client, coordinator, organisation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    client.confirm_identity()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("team:invite"), {"email": "New.Worker@Example.org"}, follow=True)

    worker = User.objects.get(email="new.worker@example.org")
    assert (worker.role, worker.organisation, worker.has_usable_password()) == (Role.WORKER, organisation, False)
    assert AccountEvent.objects.filter(user=worker, kind=AccountEvent.Kind.STAFF_INVITED, actor=coordinator).exists()
    (invitation,) = mailoutbox
    assert invitation.to == ["new.worker@example.org"]
    assert "/accounts/password/reset/key/" in invitation.body
    assert "We have emailed new.worker@example.org a link to choose a password." in response.content.decode()
    # Listed at once, as not set up yet.
    assert dict(_table_rows(response, "Support workers"))[worker.email].startswith("Invited")


def test_an_invited_worker_must_set_up_two_step_sign_in_before_anything(
    client, coordinator, sign_in, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    client.confirm_identity()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("team:invite"), {"email": "new.worker@example.org"})
    worker = User.objects.get(email="new.worker@example.org")
    worker.set_password(PASSWORD)  # as the invitation's link would
    worker.save(update_fields=["password"])
    EmailAddress.objects.filter(user=worker).update(verified=True)
    client.logout()

    assert sign_in(client, worker.email).status_code == 302

    for page in (reverse("home"), reverse("casework:caseload")):
        response = client.get(page)
        assert response.status_code == 302
        assert "/accounts/two-step/" in response["Location"]


@pytest.mark.parametrize("whose", ["member", "worker elsewhere", "coordinator", "address waiting"])
def test_an_address_in_use_is_refused_in_the_same_words_whoever_has_it(
    client, coordinator, whose, mailoutbox, django_capture_on_commit_callbacks
):
    if whose == "member":
        holder = MemberFactory(email="taken@example.org")
    elif whose == "worker elsewhere":
        holder = WorkerFactory(email="taken@example.org")
    elif whose == "coordinator":
        holder = coordinator
    else:  # an address someone asked to change to, not yet confirmed
        holder = MemberFactory()
        EmailAddress.objects.create(user=holder, email="taken@example.org", verified=False)
    address = "TAKEN@example.org" if whose != "coordinator" else coordinator.email.upper()
    client.force_login(coordinator)
    client.confirm_identity()
    before = (_state(), holder.role, holder.organisation_id, holder.password)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("team:invite"), {"email": address})

    assert response.status_code == 400
    assert team_views.NOT_INVITED_MESSAGE in response.content.decode()
    holder.refresh_from_db()
    assert (_state(), holder.role, holder.organisation_id, holder.password) == before
    assert mailoutbox == []
    for telling in ("member", "already", "exists", "account"):
        assert telling not in team_views.NOT_INVITED_MESSAGE.lower()


def test_an_invitation_without_a_recent_password_asks_for_it_and_invites_nobody(client, coordinator, mailoutbox):
    client.force_login(coordinator)
    client.confirm_identity(seconds_ago=3600)

    shown = client.get(reverse("team:invite"))
    posted = client.post(reverse("team:invite"), {"email": "new.worker@example.org"})

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not User.objects.filter(email="new.worker@example.org").exists()
    assert mailoutbox == []


def test_an_invitation_to_no_address_is_refused_kindly(client, coordinator):
    client.force_login(coordinator)
    client.confirm_identity()

    response = client.post(reverse("team:invite"), {"email": "not an address"})

    assert response.status_code == 400
    assert "Enter an email address in the right form" in response.content.decode()


# --- Linking a member with a worker -------------------------------------------------------


def _link(client, worker, member_email, display_name="Sam"):
    return client.post(
        reverse("team:link"),
        {"member_email": member_email, "worker": worker.pk, "display_name": display_name},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_linking_a_member_links_them_shares_nothing_and_tells_them(
    client, coordinator, team_worker, mailoutbox, django_capture_on_commit_callbacks
):
    member = MemberFactory(email="sam@example.org")
    client.force_login(coordinator)
    client.confirm_identity()

    with django_capture_on_commit_callbacks(execute=True):
        response = _link(client, team_worker, "Sam@Example.org")

    link = Link.objects.get(member=member, worker=team_worker)
    assert (link.display_name, link.linked_by, link.grants.count()) == ("Sam", coordinator, 0)
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert _messages(response) == [team_views.LINKED_MESSAGE.format(worker=team_worker.email)]
    assert member.email not in response.content.decode()


@pytest.mark.parametrize("who", ["nobody", "a worker", "a coordinator", "a closed member", "already linked"])
def test_linking_says_the_same_thing_when_nobody_is_linked(
    client, coordinator, team_worker, who, mailoutbox, django_capture_on_commit_callbacks
):
    address = "someone@example.org"
    if who == "a worker":
        WorkerFactory(email=address)
    elif who == "a coordinator":
        CoordinatorFactory(email=address)
    elif who == "a closed member":
        MemberFactory(email=address, is_active=False)
    elif who == "already linked":
        LinkFactory(member=MemberFactory(email=address), worker=team_worker)
    client.force_login(coordinator)
    client.confirm_identity()
    before = _state()

    with django_capture_on_commit_callbacks(execute=True):
        response = _link(client, team_worker, address)

    assert _state() == before
    assert mailoutbox == []
    assert response.status_code == 200
    assert _messages(response) == [team_views.LINKED_MESSAGE.format(worker=team_worker.email)]


def test_linking_without_a_recent_password_asks_for_it_and_links_nobody(client, coordinator, team_worker, member):
    client.force_login(coordinator)

    shown = client.get(reverse("team:link"))
    posted = client.post(
        reverse("team:link"), {"member_email": member.email, "worker": team_worker.pk, "display_name": "Sam"}
    )

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Link.objects.exists()


def test_linking_offers_only_the_organisations_open_workers(client, coordinator, team_worker, other_case):
    closed = WorkerFactory(organisation=coordinator.organisation, is_active=False)
    client.force_login(coordinator)
    client.confirm_identity()

    page = client.get(reverse("team:link")).content.decode()

    assert team_worker.email in page
    assert closed.email not in page
    assert other_case.worker.email not in page


def test_linking_without_a_name_is_refused_kindly(client, coordinator, team_worker, member):
    client.force_login(coordinator)
    client.confirm_identity()

    response = client.post(reverse("team:link"), {"member_email": member.email, "worker": team_worker.pk})

    assert response.status_code == 400
    assert "Enter the name the support worker will see for them." in response.content.decode()
    assert not Link.objects.exists()


def test_with_no_workers_the_link_page_says_to_invite_one_first(client, coordinator):
    client.force_login(coordinator)
    client.confirm_identity()

    page = client.get(reverse("team:link")).content.decode()

    assert "Your organisation has no support workers yet." in page
    assert reverse("team:invite") in page


# --- Moving a case ------------------------------------------------------------------------


def test_moving_a_case_leaves_what_was_shared_behind(
    client, coordinator, case, member, mailoutbox, django_capture_on_commit_callbacks
):
    new_worker = WorkerFactory(organisation=coordinator.organisation)
    client.force_login(coordinator)

    shown = client.get(reverse("team:move", args=[case.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("team:move", args=[case.pk]), {"worker": new_worker.pk}, follow=True)

    assert "What the member shared does not move with the case." in shown
    assert not Link.objects.filter(pk=case.pk).exists()
    moved = Link.objects.get(member=member)
    assert (moved.worker, moved.display_name, moved.grants.count()) == (new_worker, DISPLAY_NAME, 0)
    (said,) = _messages(response)
    assert f"is now with {new_worker.email}, as case {team_views.case_reference(moved.pk)}" in said
    assert "Nothing the member shared has moved" in said
    assert {message.to[0] for message in mailoutbox} == {member.email}
    assert case.worker not in [link.worker for link in Link.objects.all()]


def test_the_move_page_offers_the_organisations_other_open_workers_only(client, coordinator, case, other_case):
    new_worker = WorkerFactory(organisation=coordinator.organisation)
    client.force_login(coordinator)

    form = client.get(reverse("team:move", args=[case.pk])).context["form"]

    assert list(form.fields["worker"].queryset) == [new_worker]


def test_a_case_cannot_move_to_a_worker_the_member_already_has(client, coordinator, case, member):
    second = LinkFactory(member=member, worker=WorkerFactory(organisation=coordinator.organisation))
    client.force_login(coordinator)

    response = client.post(reverse("team:move", args=[case.pk]), {"worker": second.worker.pk})

    assert response.status_code == 400
    assert "already has a case with this member" in response.content.decode()
    assert set(Link.objects.values_list("pk", flat=True)) == {case.pk, second.pk}
    assert case.grants.count() == 1


def test_an_unknown_case_is_not_found(client, coordinator):
    client.force_login(coordinator)

    assert client.get("/team/cases/00000000-0000-4000-8000-000000000000/move/").status_code == 404


# --- Access records -----------------------------------------------------------------------


def test_access_records_say_who_what_and_when_never_what_was_read(client, coordinator, case, member):
    client.force_login(coordinator)

    response = client.get(reverse("team:access"))

    page = response.content.decode()
    (row,) = _table_rows(response, "Access records")
    assert row[1:] == (
        case.worker.email,
        "Support worker",
        "Read a diary entry",
        team_views.case_reference(case.pk),
    )
    for private in (member.email, DISPLAY_NAME, SECRET_TEXT, str(AccessRecord.objects.get().object_id)):
        assert private not in page


def test_a_real_read_by_a_worker_shows_on_the_access_page_without_its_content(client, coordinator, member, team_worker):
    entry = record(member)
    ShareGrantFactory(link=LinkFactory(member=member, worker=team_worker))
    client.force_login(team_worker)
    assert SECRET_TEXT in client.get(reverse("diary:entry", args=[entry.pk])).content.decode()
    client.force_login(coordinator)

    response = client.get(reverse("team:access"))

    assert ("Read a diary entry", team_worker.email) in [
        (row[3], row[1]) for row in _table_rows(response, "Access records")
    ]
    assert SECRET_TEXT not in response.content.decode()


def test_access_records_are_newest_first_and_paged(client, coordinator, case):
    start = timezone.now() - timedelta(days=1)
    for minutes in range(team_views.ACCESS_PAGE_SIZE + 1):
        AccessRecordFactory(link=case, action=AccessRecord.Action.PLAN_READ, at=start + timedelta(minutes=minutes))
    client.force_login(coordinator)

    first = client.get(reverse("team:access"))
    second = client.get(reverse("team:access"), {"page": 2})

    first_rows = _table_rows(first, "Access records")
    second_rows = _table_rows(second, "Access records")
    assert len(first_rows) == team_views.ACCESS_PAGE_SIZE
    # 52 records: the fixture's (just now), then the 51 of yesterday, newest first.
    assert first_rows[0][3] == "Read a diary entry"
    assert [row[3] for row in first_rows[1:] + second_rows] == ["Read the safety plan"] * 51
    assert "Page 1 of 2" in first.content.decode()
    assert "?page=2" in first.content.decode()


def test_each_kind_of_access_has_words_for_the_coordinator():
    assert set(team_views.ACCESS_WORDS) == set(AccessRecord.Action)
    assert not any("your" in words.lower() for words in team_views.ACCESS_WORDS.values())


def test_a_case_that_moved_keeps_its_records_under_the_members_case(client, coordinator, case, member):
    new_worker = WorkerFactory(organisation=coordinator.organisation)
    client.force_login(coordinator)
    client.post(reverse("team:move", args=[case.pk]), {"worker": new_worker.pk})
    gone = AccessRecordFactory(link=LinkFactory(worker=WorkerFactory(organisation=coordinator.organisation)))
    Link.objects.filter(member_id=gone.member_id).delete()

    rows = _table_rows(client.get(reverse("team:access")), "Access records")

    moved = Link.objects.get(member=member)
    cases = {row[1]: row[4] for row in rows}
    assert cases[case.worker.email] == team_views.case_reference(moved.pk)
    assert cases[gone.actor_email] == "No longer linked"


def test_the_access_page_reads_as_many_rows_for_a_full_page_as_for_one(client, coordinator, case):
    client.force_login(coordinator)
    client.get(reverse("team:access"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("team:access")).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(10):
        AccessRecordFactory(link=LinkFactory(worker=WorkerFactory(organisation=coordinator.organisation)))

    assert queries() == one


def test_an_older_record_comes_after_a_newer_one_made_before_it(client, coordinator, case):
    AccessRecordFactory(link=case, action=AccessRecord.Action.CASE_OPENED, at=timezone.now() - timedelta(days=1))
    client.force_login(coordinator)

    rows = _table_rows(client.get(reverse("team:access")), "Access records")

    assert [row[3] for row in rows] == ["Read a diary entry", "Opened the case"]

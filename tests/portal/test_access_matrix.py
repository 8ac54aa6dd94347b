"""Who can reach what, for every address the portal has, generated from the URL configuration.

Each address is requested as every kind of person (anonymous, the member who owns the objects,
another member, a worker the member is linked with but shares nothing with, a worker the
member shares with, a worker of another organisation, a coordinator, an advice editor and an
administrator) against the member's objects. Those a rule names as readers must get the page;
everyone else a 403 or 404 (anonymous visitors: the sign-in page). An address with no rule in
RULES fails the test, so a new page cannot ship without saying who may see it.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

from casework.models import ShareGrant
from diary import downloads
from diary.services import entry_delete
from tests.diary.helpers import SECRET_TEXT, record
from tests.factories import (
    AdminFactory,
    AlertFactory,
    CoordinatorFactory,
    EditorFactory,
    ExportRequestFactory,
    LinkFactory,
    MemberFactory,
    OrganisationFactory,
    PlanFactory,
    ShareGrantFactory,
    TrustedContactFactory,
    WorkerFactory,
    png_upload,
)
from tests.portal.support import STAFF_PREFIXES

ROLES = (
    "anonymous",
    "owner",
    "other_member",
    "worker_without_grant",
    "worker_with_grant",
    "worker_of_another_organisation",
    "coordinator",
    "editor",
    "admin",
)
MEMBERS = frozenset({"owner", "other_member"})
WORKERS = frozenset({"worker_without_grant", "worker_with_grant", "worker_of_another_organisation"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)


class World:
    """The owner's objects and one account per role. The owner is linked with two workers of
    one organisation: one they share their diary and plan with, one they share nothing with."""

    def __init__(self):
        organisation = OrganisationFactory()
        self.people = {
            "owner": MemberFactory(),
            "other_member": MemberFactory(),
            "worker_without_grant": WorkerFactory(organisation=organisation),
            "worker_with_grant": WorkerFactory(organisation=organisation),
            "worker_of_another_organisation": WorkerFactory(),
            "coordinator": CoordinatorFactory(organisation=organisation),
            "editor": EditorFactory(),
            "admin": AdminFactory(),
        }
        owner = self.people["owner"]
        self.entry = record(owner, uploads=[png_upload()])
        self.attachment = self.entry.attachments.get()
        self.deleted_entry = record(owner, "Put in recently deleted")
        entry_delete(entry=self.deleted_entry)
        self.plan = PlanFactory(member=owner)
        self.contact = TrustedContactFactory(member=owner)
        self.alert = AlertFactory(member=owner)
        self.link = LinkFactory(member=owner, worker=self.people["worker_with_grant"])
        self.grant = ShareGrantFactory(link=self.link, scope=ShareGrant.Scope.DIARY)
        ShareGrantFactory(link=self.link, scope=ShareGrant.Scope.PLAN)
        self.unshared_link = LinkFactory(member=owner, worker=self.people["worker_without_grant"])
        # A coordinator's request the owner has not answered yet.
        self.request = LinkFactory(member=owner, worker=WorkerFactory(organisation=organisation), accepted_at=None)

    def export(self):
        """A finished download of the owner's diary (built only for the address that needs it)."""
        export = ExportRequestFactory(member=self.people["owner"])
        downloads.export_make(export_id=export.pk)
        return export


@dataclass(frozen=True)
class Rule:
    """Who may use one address. ``readers`` get a page (``ok`` statuses); everyone else is refused."""

    readers: frozenset[str]
    args: Callable[[World], list] = lambda world: []
    method: str = "get"
    ok: frozenset[int] = frozenset({200})
    # Refusals other than the usual 403/404, for addresses whose refusal is a redirect or a
    # method answer (a form only posted to answers a GET with 405 whoever asks).
    refused: frozenset[int] = frozenset({403, 404})
    # Pages that ask for the password again first: readers confirm it is them before the request.
    confirmed: bool = True
    data: dict = field(default_factory=dict)


def _public(**kwargs) -> Rule:
    return Rule(readers=EVERYONE, **kwargs)


def _members(**kwargs) -> Rule:
    """A member's own page with no object in its address: every member has their own."""
    return Rule(readers=MEMBERS, **kwargs)


def _owner(args, **kwargs) -> Rule:
    return Rule(readers=frozenset({"owner"}), args=args, **kwargs)


def _shared(args, **kwargs) -> Rule:
    """The owner's object, shared with one worker: the owner and that worker read it."""
    return Rule(readers=frozenset({"owner", "worker_with_grant"}), args=args, **kwargs)


def _signed_in(**kwargs) -> Rule:
    return Rule(readers=SIGNED_IN, **kwargs)


def _anyone_without_error(**kwargs) -> Rule:
    """Steps of signing in, up or out, and one-time links: whoever asks gets an answer that is
    not an error, and anonymous visitors the page itself."""
    kwargs.setdefault("ok", frozenset({200, 302, 400, 404, 405}))
    return Rule(readers=EVERYONE, **kwargs)


def _entry(world):
    return [world.entry.pk]


def _case(world):
    return [world.link.pk]


POST_ONLY_OWNER = frozenset({302})
MISSING = uuid.UUID(int=0)

RULES: dict[str, Rule] = {
    # The portal's own pages
    "index": _public(ok=frozenset({200, 302})),
    "home": _signed_in(),
    "before_you_start": _signed_in(),
    "using_this_site": _public(),
    "quick_exit": _public(ok=frozenset({302})),
    "keep_alive": _signed_in(method="post", ok=frozenset({204}), refused=frozenset({403, 404, 405})),
    "signing_key": _public(),
    "content:search": _public(),
    "content:robots_txt": _public(),
    "content:sitemap": _public(),
    # The advice library's front page; signed-in people are taken to their own home.
    "wagtail_serve": _public(args=lambda world: [""], ok=frozenset({200, 302})),
    # The diary: the member's own, and what they share
    "diary:timeline": _members(),
    "diary:new": _members(),
    "diary:recently_deleted": _members(),
    "diary:recently_deleted_empty": _members(),
    "diary:entry": _shared(_entry),
    "diary:history": _shared(_entry),
    "diary:attachment": _shared(lambda world: [world.attachment.pk]),
    "diary:edit": _owner(_entry),
    "diary:delete": _owner(_entry),
    "diary:restore": _owner(lambda world: [world.deleted_entry.pk], method="post", ok=POST_ONLY_OWNER),
    "diary:destroy": _owner(lambda world: [world.deleted_entry.pk]),
    "diary:export": _members(),
    "diary:export_download": _owner(lambda world: [world.export().pk]),
    # The plan, and alerts
    "safety_plans:plan": _members(),
    "safety_plans:section": _members(args=lambda world: ["people"]),
    "safety_plans:versions": _members(),
    "safety_plans:version": _owner(lambda world: [1]),
    "safety_plans:restore": _owner(lambda world: [1]),
    "safety_plans:print": _members(),
    "safety_plans:download": _members(),
    "safety_plans:contacts": _members(),
    "safety_plans:contact_add": _members(),
    "safety_plans:contact_edit": _owner(lambda world: [world.contact.pk]),
    "safety_plans:contact_remove": _owner(lambda world: [world.contact.pk]),
    "safety_plans:alert": _members(),
    "safety_plans:alert_message": _members(),
    "safety_plans:alerts": _members(),
    "safety_plans:alert_status": _owner(lambda world: [world.alert.pk]),
    # Sharing, the member's side
    "casework:sharing": _members(),
    "casework:code_enter": _members(),
    "casework:seen": _members(),
    "casework:share": _owner(_case),
    "casework:grant_revoke": _owner(lambda world: [world.link.pk, world.grant.pk], method="post", ok=POST_ONLY_OWNER),
    "casework:rename": _owner(_case),
    "casework:unlink": _owner(_case),
    "casework:accept": _owner(lambda world: [world.request.pk]),
    "casework:decline": _owner(lambda world: [world.request.pk], method="post", ok=POST_ONLY_OWNER),
    # The worker's side: the case is the link of the worker the member shares with
    "casework:caseload": Rule(readers=WORKERS),
    "casework:code_new": Rule(readers=WORKERS, method="post"),
    "casework:notices": Rule(readers=WORKERS),
    "casework:case": Rule(readers=frozenset({"worker_with_grant"}), args=_case),
    "casework:notes": Rule(readers=frozenset({"worker_with_grant"}), args=_case),
    "casework:plan": Rule(readers=frozenset({"worker_with_grant"}), args=_case),
    "casework:case_download": Rule(readers=frozenset({"worker_with_grant"}), args=_case),
    "casework:review": Rule(
        readers=frozenset({"worker_with_grant"}),
        args=lambda world: [world.link.pk, world.entry.pk],
        method="post",
        ok=frozenset({302}),
        data={"reviewed": "yes"},
    ),
    # The coordinator's: their organisation's team and cases, never content
    "team:home": Rule(readers=frozenset({"coordinator"})),
    "team:invite": Rule(readers=frozenset({"coordinator"})),
    "team:link": Rule(readers=frozenset({"coordinator"})),
    "team:move": Rule(readers=frozenset({"coordinator"}), args=_case),
    "team:access": Rule(readers=frozenset({"coordinator"})),
    # Each person's own account
    "account_settings": _signed_in(),
    "account_delete": _members(),
    "account_reauthenticate": _anyone_without_error(),
    "account_email": _signed_in(),
    "account_email_confirm": _anyone_without_error(args=lambda world: ["not-a-real-token"]),
    "account_email_undo": _anyone_without_error(args=lambda world: ["not-a-real-token"]),
    "account_sessions": _signed_in(),
    "account_sessions_end_others": _signed_in(method="post", ok=frozenset({302}), refused=frozenset({403, 404})),
    "account_change_password": _signed_in(),
    "account_logout": _anyone_without_error(),
    "two_step": _signed_in(),
    "two_step_offer": _anyone_without_error(),
    "two_step_verify": _anyone_without_error(),
    "two_step_send_text": _anyone_without_error(method="post"),
    "two_step_app": _anyone_without_error(),
    "two_step_backup_codes": _anyone_without_error(),
    "two_step_phone": _anyone_without_error(),
    "two_step_phone_confirm": _anyone_without_error(),
    "two_step_phone_remove": _anyone_without_error(),
    "two_step_passkey_add": _anyone_without_error(),
    "two_step_passkey_remove": _anyone_without_error(args=lambda world: [1]),
    "two_step_off": _anyone_without_error(),
    # allauth's, django-otp's and Wagtail's own steps
    "account_login": _anyone_without_error(),
    "account_inactive": _anyone_without_error(),
    "account_signup": _anyone_without_error(),
    # allauth's reauthentication by emailed code is off (the portal's own asks for a code from
    # the person's second step): nobody is served these.
    "account_request_reauthentication_code": Rule(readers=frozenset(), refused=frozenset({302, 403, 404})),
    "account_confirm_reauthentication_code": Rule(readers=frozenset(), refused=frozenset({302, 403, 404})),
    "account_email_verification_sent": _anyone_without_error(),
    "account_set_password": _anyone_without_error(),
    "account_reset_password": _anyone_without_error(),
    "account_confirm_login_code": _anyone_without_error(),
    "account_confirm_email": _anyone_without_error(args=lambda world: ["not-a-real-key"]),
    "account_reset_password_from_key_done": _anyone_without_error(),
    "account_reset_password_from_key": _anyone_without_error(args=lambda world: ["1", "not-a-real-key"]),
    "account_reset_password_done": _anyone_without_error(),
    "otp_webauthn:credential-registration-begin": _anyone_without_error(
        method="post", ok=frozenset({200, 302, 400, 401, 403, 404, 405})
    ),
    "otp_webauthn:credential-registration-complete": _anyone_without_error(
        method="post", ok=frozenset({200, 302, 400, 401, 403, 404, 405})
    ),
    "otp_webauthn:credential-authentication-begin": _anyone_without_error(
        method="post", ok=frozenset({200, 302, 400, 401, 403, 404, 405})
    ),
    "otp_webauthn:credential-authentication-complete": _anyone_without_error(
        method="post", ok=frozenset({200, 302, 400, 401, 403, 404, 405})
    ),
    "otp_webauthn:js-i18n-catalog": _public(),
    "wagtaildocs_serve": Rule(
        readers=frozenset(), args=lambda world: ["999999", "missing.pdf"], refused=frozenset({302, 404})
    ),
    "wagtaildocs_authenticate_with_password": Rule(
        readers=frozenset(), args=lambda world: [999999], refused=frozenset({302, 404})
    ),
    "wagtailcore_authenticate_with_password": Rule(
        readers=frozenset(), args=lambda world: [999999, 999999], refused=frozenset({302, 404})
    ),
    "wagtailcore_login": _anyone_without_error(),
}
# Addresses without a name, by their route.
UNNAMED_RULES: dict[str, Rule] = {
    "/_util/login/": _anyone_without_error(),
}
# Served only with DEBUG on (development's media files); absent from the tested configuration.
DEBUG_ONLY = {"/^media/(?P<path>.*)$"}


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    """(path, namespaced name) of every address, as ``reverse`` names them."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield "/" + prefix + str(pattern.pattern), name


def _all_paths() -> list[tuple[str, str | None]]:
    return list(_walk(get_resolver().url_patterns))


def _portal_routes() -> list[tuple[str, str | None]]:
    return [(path, name) for path, name in _all_paths() if not path.startswith(STAFF_PREFIXES)]


def _key(path: str, name: str | None) -> str:
    return name or path


def test_every_address_has_a_rule():
    """A new address must say who may reach it before it can ship."""
    missing = sorted(
        _key(path, name)
        for path, name in _portal_routes()
        if (name not in RULES if name else path not in UNNAMED_RULES) and path not in DEBUG_ONLY
    )
    assert missing == []


def test_no_rule_names_an_address_that_is_gone():
    names = {name for _path, name in _portal_routes() if name}
    assert set(RULES) - names == set()


def _sign_in(client, world: World, role: str, rule: Rule) -> None:
    client.logout()
    if role == "anonymous":
        return
    client.force_login(world.people[role])
    if rule.confirmed:
        client.confirm_identity()


def _request(client, rule: Rule, url: str):
    if rule.method == "post":
        return client.post(url, rule.data)
    return client.get(url)


def _refused(role: str, response, rule: Rule) -> bool:
    if role == "anonymous" and response.status_code == 302:
        return response["Location"].startswith((settings.LOGIN_URL, reverse("account_login")))
    return response.status_code in rule.refused


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(RULES))
def test_who_reaches_each_address(client, key, wagtail_home):
    rule = RULES[key]
    world = World()
    url = reverse(key, args=rule.args(world))
    # Readers last: a reader's request may change things (a POST that succeeds).
    order = sorted(ROLES, key=lambda role: role in rule.readers)
    outcomes = {}
    for role in order:
        _sign_in(client, world, role, rule)
        response = _request(client, rule, url)
        if role in rule.readers:
            outcomes[role] = "ok" if response.status_code in rule.ok else f"got {response.status_code}"
        else:
            outcomes[role] = "refused" if _refused(role, response, rule) else f"reached it ({response.status_code})"
            body = b"" if response.streaming else response.content
            assert SECRET_TEXT.encode() not in body, f"{role} saw the owner's words at {url}"
    expected = {role: "ok" if role in rule.readers else "refused" for role in ROLES}
    assert outcomes == expected


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(UNNAMED_RULES))
def test_who_reaches_each_unnamed_address(client, path):
    rule = UNNAMED_RULES[path]
    world = World()
    for role in ROLES:
        _sign_in(client, world, role, rule)
        assert _request(client, rule, path).status_code in rule.ok


def test_the_rules_can_tell_a_reader_from_a_refusal():
    """The matrix would catch a page that answered everyone."""
    rule = _owner(_entry)

    class Answer:
        status_code = 200

    assert not _refused("other_member", Answer(), rule)
    Answer.status_code = 404
    assert _refused("other_member", Answer(), rule)


# --- The two staff areas ---------------------------------------------------------------------
# Their hundreds of addresses are guarded at the door (portal.accounts.middleware), by prefix.
# Every one is requested, with each parameter filled in, by everyone who must not get in.

STAFF_AREA_READERS = {"/admin/": {"editor", "admin"}, "/django-admin/": {"admin"}}
# The staff areas' own sign-in pages lead everyone to the portal's (RULES has them by name).
STAFF_SIGN_IN_PATHS = {"/admin/login/", "/admin/logout/", "/django-admin/login/"}
_PARAMETER = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)|\([^)]*\)")


def _sample(path: str) -> str:
    """The address with each parameter filled in, regex syntax and all."""
    filled = _PARAMETER.sub("1", path)
    return re.sub(r"[\^$?*+\\]", "", filled)


def _staff_paths() -> list[str]:
    paths = {_sample(path) for path, _name in _all_paths() if path.startswith(STAFF_PREFIXES)}
    return sorted(paths - STAFF_SIGN_IN_PATHS)


def test_the_staff_areas_have_addresses_to_check():
    paths = _staff_paths()
    assert sum(path.startswith("/admin/") for path in paths) > 100
    assert sum(path.startswith("/django-admin/") for path in paths) > 20


@pytest.mark.django_db
def test_nobody_outside_a_staff_area_gets_past_its_door(client):
    people = {
        "owner": MemberFactory(),
        "worker_with_grant": WorkerFactory(),
        "coordinator": CoordinatorFactory(),
        "editor": EditorFactory(),
    }
    reached = []
    for path in _staff_paths():
        prefix = next(prefix for prefix in STAFF_PREFIXES if path.startswith(prefix))
        for role in ("anonymous", *people):
            if role in STAFF_AREA_READERS[prefix]:
                continue
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            status = client.get(path).status_code
            refused = status in (403, 404) or (role == "anonymous" and status == 302)
            if not refused:
                reached.append((role, path, status))
    assert reached == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(STAFF_SIGN_IN_PATHS))
def test_the_staff_areas_sign_in_and_out_only_through_the_portal(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(("/accounts/login/", "/accounts/logout/"))

"""The rules of working with support workers: linking (by referral code or by a coordinator),
what the member shares with each worker, the worker's marks and notes, and the content-free
notice that there is something new. Every change a member should know about is an account event.
"""

import secrets
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal.accounts.models import AccountEvent, Role, User
from portal.accounts.services.events import event_record

from . import tasks
from .errors import AlreadyLinked, CodeNotValid, NotShareable, TooManyCodes
from .models import CaseNote, Link, NoticeChoice, ReferralCode, Review, ShareGrant

# Referral codes: eight characters a person can read out and type on a phone, without the
# look-alikes (0/O, 1/I/L). 31^8 is about 850 billion codes, and a member may try only
# REFERRAL_TRIES_PER_HOUR of them.
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERRAL_LENGTH = 8
REFERRAL_LIFETIME = timedelta(days=7)
REFERRAL_TRIES_PER_HOUR = 10
# A worker hears at most once an hour about one member, however much that member adds.
NOTICE_INTERVAL = timedelta(hours=1)
DISPLAY_NAME_MAX = 60


def _code_hash(code: str) -> str:
    # Keyed with the site's secret: eight characters are few enough to try every one against a
    # plain hash, so a leaked table must not be enough to recover a code still waiting.
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac("casework.referral-code", normalised, algorithm="sha256").hexdigest()


def referral_code_issue(*, worker: User) -> str:
    """A new one-time code for ``worker`` to give a member; only its hash is kept."""
    code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
    ReferralCode.objects.create(
        worker=worker, code_hash=_code_hash(code), expires_at=timezone.now() + REFERRAL_LIFETIME
    )
    return f"{code[:4]}-{code[4:]}"


def _tries_key(member: User) -> str:
    return f"casework:referral-tries:{member.pk}"


def _count_wrong_try(member: User) -> None:
    key = _tries_key(member)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)


def link_by_referral(*, member: User, code: str, display_name: str) -> Link:
    """The member enters a worker's code: they are linked, and nothing is shared yet.

    Wrong codes are counted (in the cache every app server shares) and after
    REFERRAL_TRIES_PER_HOUR of them no code is tried for an hour, right or wrong.
    """
    if cache.get(_tries_key(member), 0) >= REFERRAL_TRIES_PER_HOUR:
        raise TooManyCodes
    try:
        return _link_by_referral(member=member, code=code, display_name=display_name)
    except CodeNotValid:
        _count_wrong_try(member)
        raise


@transaction.atomic
def _link_by_referral(*, member: User, code: str, display_name: str) -> Link:
    referral = (
        ReferralCode.objects.select_for_update()
        .select_related("worker")
        .filter(code_hash=_code_hash(code), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if referral is None or not referral.worker.is_active or referral.worker.role != Role.WORKER:
        raise CodeNotValid
    if Link.objects.filter(member=member, worker=referral.worker).exists():
        raise AlreadyLinked
    referral.used_at = timezone.now()
    referral.save(update_fields=["used_at"])
    return _link_make(member=member, worker=referral.worker, display_name=display_name, linked_by=None)


def _link_make(*, member: User, worker: User, display_name: str, linked_by: User | None) -> Link:
    link = Link.objects.create(
        member=member, worker=worker, display_name=display_name.strip(), linked_by=linked_by, accepted_at=timezone.now()
    )
    event_record(user=member, kind=AccountEvent.Kind.WORKER_LINKED, actor=linked_by)
    return link


@transaction.atomic
def link_by_coordinator(*, coordinator: User, member_email: str, worker: User, display_name: str) -> Link | None:
    """A coordinator asks to link a member with one of their organisation's workers.

    The link waits for the member to accept it (``link_accept``); until then the worker and the
    coordinator see nothing of it. Returns None, and changes nothing, when no member has that
    address or they are already linked with the worker; the page says the same thing either
    way, and a request the member never accepts shows nowhere, so a coordinator cannot use it to
    find out who has an account. The member is told by email (LINK_REQUESTED).
    """
    _same_organisation(coordinator, worker)
    member = User.objects.filter(email__iexact=member_email.strip(), role=Role.MEMBER, is_active=True).first()
    if member is None or Link.objects.filter(member=member, worker=worker).exists():
        return None
    link = Link.objects.create(member=member, worker=worker, display_name=display_name.strip(), linked_by=coordinator)
    event_record(user=member, kind=AccountEvent.Kind.LINK_REQUESTED, actor=coordinator)
    return link


@transaction.atomic
def link_accept(*, member: User, link: Link, display_name: str) -> None:
    """The member says yes to a coordinator's request, choosing the name the worker sees."""
    link = Link.objects.select_for_update().get(pk=link.pk)
    if link.member_id != member.pk:
        raise NotShareable("This is not one of your links.")
    if link.accepted_at is not None:
        return  # accepted a moment ago in another tab
    link.accepted_at = timezone.now()
    link.display_name = display_name.strip()
    link.save(update_fields=["accepted_at", "display_name"])
    event_record(user=member, kind=AccountEvent.Kind.WORKER_LINKED)


def _same_organisation(coordinator: User, worker: User) -> None:
    if worker.role != Role.WORKER or not worker.is_active or worker.organisation_id != coordinator.organisation_id:
        raise NotShareable("Choose a support worker from your organisation.")


@transaction.atomic
def link_reassign(*, coordinator: User, link: Link, worker: User) -> Link:
    """Move a member's case to another worker of the coordinator's organisation.

    Nothing the member shared moves with it: they chose to share with a person, so the new worker
    starts with no grants until the member chooses again. The member is told of both changes.
    """
    _same_organisation(coordinator, worker)
    # Locked, so two coordinators moving the same case at once cannot leave two links.
    link = Link.objects.select_for_update(of=("self",)).select_related("worker", "member").get(pk=link.pk)
    if link.worker.organisation_id != coordinator.organisation_id or link.accepted_at is None:
        raise NotShareable("This case is not one of your organisation's.")
    if Link.objects.filter(member_id=link.member_id, worker=worker).exists():
        raise AlreadyLinked
    member = link.member
    new = _link_make(member=member, worker=worker, display_name=link.display_name, linked_by=coordinator)
    link.delete()
    event_record(user=member, kind=AccountEvent.Kind.WORKER_UNLINKED, actor=coordinator)
    return new


@transaction.atomic
def link_end(*, member: User, link: Link) -> None:
    """The member unlinks a worker: every grant, and the worker's marks, go with the link."""
    if link.member_id != member.pk:
        raise NotShareable("This is not one of your links.")
    link.delete()
    event_record(user=member, kind=AccountEvent.Kind.WORKER_UNLINKED)


def link_rename(*, link: Link, display_name: str) -> None:
    link.display_name = display_name.strip()
    link.save(update_fields=["display_name"])


@transaction.atomic
def grants_create(
    *, member: User, link: Link, diary: bool = False, plan: bool = False, entry_ids: Sequence[UUID | str] = ()
) -> list[ShareGrant]:
    """Share more with one linked worker: the whole diary, the plan, or chosen entries.

    The view asks for recent reauthentication first (someone holding the member's phone must
    not share their records); the member is told by email and it is listed under recent changes.
    """
    from diary.models import Entry

    if link.member_id != member.pk:
        raise NotShareable("This is not one of your links.")
    if link.accepted_at is None:
        raise NotShareable("Accept the link first: then you can choose what to share.")
    entries = list(Entry.objects.for_member(member).filter(pk__in=entry_ids, deleted_at__isnull=True))
    if len(entries) != len(set(map(str, entry_ids))):
        raise NotShareable("One of the chosen entries is no longer in your diary. Choose again.")
    if not (diary or plan or entries):
        raise NotShareable("Choose what to share: your whole diary, your safety plan, or some entries.")
    have = {(grant.scope, grant.entry_id) for grant in link.grants.all()}
    wanted = [(ShareGrant.Scope.DIARY, None)] if diary else []
    wanted += [(ShareGrant.Scope.PLAN, None)] if plan else []
    wanted += [(ShareGrant.Scope.ENTRY, entry.pk) for entry in entries]
    new = [
        ShareGrant(link=link, scope=scope, entry_id=entry_id)
        for scope, entry_id in wanted
        if (scope, entry_id) not in have
    ]
    if not new:
        return []
    try:
        with transaction.atomic():
            ShareGrant.objects.bulk_create(new)
    except IntegrityError:  # the same share made a moment ago in another tab: nothing more to do
        return []
    event_record(user=member, kind=AccountEvent.Kind.SHARE_GRANTED)
    worker_notify(link=link)
    return new


@transaction.atomic
def grant_revoke(*, member: User, grant: ShareGrant) -> None:
    """Stop sharing one thing. Never needs reauthentication: it can only narrow who sees what."""
    if grant.link.member_id != member.pk:
        raise NotShareable("This is not one of your shares.")
    grant.delete()
    event_record(user=member, kind=AccountEvent.Kind.SHARE_REVOKED)


def review_mark(*, link: Link, entry_id: UUID | str, reviewed: bool) -> None:
    if reviewed:
        Review.objects.update_or_create(link=link, entry_id=entry_id, defaults={"reviewed_at": timezone.now()})
    else:
        Review.objects.filter(link=link, entry_id=entry_id).delete()


def case_seen(*, link: Link) -> None:
    link.worker_seen_at = timezone.now()
    link.save(update_fields=["worker_seen_at"])


def case_note_write(*, link: Link, text: str) -> CaseNote:
    text = text.strip()
    if not text:
        raise NotShareable("Write something in the note first.")
    organisation = link.worker.organisation
    if organisation is None:  # never: a constraint on the account puts every worker in one
        raise NotShareable("Your account is not in an organisation. Ask your coordinator.")
    return CaseNote.objects.create(member=link.member, organisation=organisation, author=link.worker, text=text)


def notice_choice_save(*, worker: User, by_email: bool, by_text: bool) -> None:
    NoticeChoice.objects.update_or_create(worker=worker, defaults={"by_email": by_email, "by_text": by_text})


def worker_notify(*, link: Link) -> bool:
    """Tell the worker there is an update for them, at most once an hour per member.

    The claim on the hour is one conditional UPDATE, so two saves at once send one notice.
    """
    now = timezone.now()
    claimed = Link.objects.filter(pk=link.pk).exclude(notified_at__gt=now - NOTICE_INTERVAL).update(notified_at=now)
    if claimed:
        transaction.on_commit(lambda: tasks.update_notice_send.enqueue(str(link.pk)))
    return bool(claimed)


def shared_plan_changed(*, member_id: int) -> None:
    """A member saved their plan: tell each worker they share it with."""
    for link in Link.objects.filter(member_id=member_id, grants__scope=ShareGrant.Scope.PLAN).distinct():
        worker_notify(link=link)


def shared_entry_changed(*, member: User, entry_id: UUID) -> None:
    """A member added to or changed their diary: tell each worker who can read that entry."""
    links = Link.objects.filter(member=member).filter(
        Q(grants__scope=ShareGrant.Scope.DIARY) | Q(grants__entry_id=entry_id)
    )
    for link in links.distinct():
        worker_notify(link=link)

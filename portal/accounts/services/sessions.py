"""Signed-in sessions: recording and ending them, and queueing the new sign-in notice."""

import logging
import re
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import AccountEvent, SignedInSession, User
from ..selectors import live_sessions
from ..tasks import sign_in_notice_send
from .events import event_record

logger = logging.getLogger(__name__)

# Last-active times are this coarse, so that most requests read the row and write nothing.

# Most specific first: Edge, Opera and Samsung Internet also say "Chrome" and "Safari", and
# Chrome says "Safari"; iPhones and iPads say "like Mac OS X", Android says "Linux".
_BROWSERS = (
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|OPiOS|Opera)/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
_DEVICES = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Mac", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)
UNKNOWN_BROWSER = "Unknown browser"


def describe_browser(user_agent: str) -> str:
    """The browser and device in words, "Firefox on Android", for a person to recognise."""
    user_agent = user_agent[:1000]  # real ones are far shorter; a longer one only costs time
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), UNKNOWN_BROWSER)
    device = next((name for name, pattern in _DEVICES if pattern.search(user_agent)), None)
    if browser == UNKNOWN_BROWSER and device is None:
        return UNKNOWN_BROWSER
    described = f"{browser} on {device}" if device else browser
    return described[: SignedInSession._meta.get_field("browser").max_length]


# --- Writes -----------------------------------------------------------------------------


def session_record(*, user: User, session_key: str, user_agent: str) -> SignedInSession:
    """A sign-in is finished: list the session, record the event and queue the email notice."""
    now = timezone.now()
    with transaction.atomic():
        signed_in, _ = SignedInSession.objects.update_or_create(
            session_key=session_key,
            defaults={
                "user": user,
                "browser": describe_browser(user_agent),
                "signed_in_at": now,
                "last_active_at": now,
            },
        )
        event = event_record(user=user, kind=AccountEvent.Kind.SIGNED_IN, created_at=now)
    _notice_enqueue(signed_in=signed_in, event=event)
    sessions_forget_ended(user=user)
    return signed_in


def _notice_enqueue(*, signed_in: SignedInSession, event: AccountEvent) -> None:
    # The notice must never stop the sign-in: a queue that cannot take it is logged, not raised.
    # The savepoint keeps the surrounding transaction usable if the queue is the database.
    try:
        with transaction.atomic():
            sign_in_notice_send.enqueue(signed_in.pk, event.pk)
    except Exception as error:
        logger.warning("The new sign-in notice for account %s was not queued: %s", event.user_id, type(error).__name__)


def session_touch(*, user: User, session_key: str | None, user_agent: str) -> None:
    """Note that this session is in use (its caller does so at most once a minute).

    A session from before sessions were listed has no row yet: it gets one now, so that it
    can be seen and ended like any other.
    """
    if session_key is None:
        return
    now = timezone.now()
    if SignedInSession.objects.filter(session_key=session_key).update(last_active_at=now):
        return
    SignedInSession.objects.get_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "browser": describe_browser(user_agent),
            "signed_in_at": now,
            "last_active_at": now,
        },
    )


def session_rekey(*, old_session_key: str | None, new_session_key: str) -> None:
    """Django gave the session a new key (a step up in trust, a password change): the row follows."""
    if old_session_key == new_session_key:
        return
    with transaction.atomic():
        if SignedInSession.objects.filter(session_key=new_session_key).exists():
            SignedInSession.objects.filter(session_key=old_session_key).delete()
        else:
            SignedInSession.objects.filter(session_key=old_session_key).update(session_key=new_session_key)


def session_forget(*, session_key: str | None) -> None:
    """The session is being signed out of: it leaves the list."""
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def _session_store() -> type:
    # Ending a session goes through the configured engine, so that a cached session ends too.
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def sessions_end_others(*, user: User, keep_session_key: str | None) -> int:
    """Sign the account out everywhere but here: each other session's next request is anonymous.

    Returns how many sessions that could still be used were ended.
    """
    others = SignedInSession.objects.filter(user=user).exclude(session_key=keep_session_key)
    ended = _sessions_end(list(others.values_list("session_key", flat=True)))
    event_record(user=user, kind=AccountEvent.Kind.OTHER_SESSIONS_ENDED)
    return ended


@transaction.atomic
def sessions_end_all(*, user: User) -> None:
    """Sign the account out everywhere, this session included: it is closed or being recovered."""
    session_keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    _sessions_end(session_keys)
    SignedInSession.objects.filter(user=user).delete()


def _sessions_end(session_keys: list[str]) -> int:
    """End the Django sessions with these keys and drop their rows; returns how many were live.

    A row whose session is already gone is left to sessions_forget_ended: it may be the row of
    the session making this request, whose key changed a moment ago (see session_rekey).
    """
    existing = Session.objects.filter(session_key__in=session_keys)
    live = existing.filter(expire_date__gt=timezone.now()).count()
    existing_keys = list(existing.values_list("session_key", flat=True))
    store = _session_store()
    for session_key in existing_keys:
        store().delete(session_key)
    SignedInSession.objects.filter(session_key__in=existing_keys).delete()
    return live


def sessions_keep_after_password_change(*, user: User, keep_session_key: str) -> int:
    """Keep the account's other sessions signed in across a password change.

    Django signs every session out when the password changes (each one stores a hash that the
    new password no longer matches). Each listed session gets the new hash instead. Returns how
    many were kept.
    """
    new_hash = user.get_session_auth_hash()
    store = _session_store()
    kept = 0
    others = SignedInSession.objects.filter(user=user).exclude(session_key=keep_session_key)
    for session_key in others.values_list("session_key", flat=True):
        session = store(session_key=session_key)
        if session.get(SESSION_KEY) != str(user.pk):
            continue  # already ended, or not this account's
        session[HASH_SESSION_KEY] = new_hash
        try:
            session.save()
        except UpdateError:
            continue  # ended while we were here
        kept += 1
    return kept


def sessions_after_password_change(*, user: User, session_key: str, previous_session_key: str, end_others: bool) -> int:
    """The password was changed in the session ``session_key`` (until then ``previous_session_key``).

    The other sessions are ended when the person asked for that, and kept signed in otherwise.
    Returns how many were ended.
    """
    session_rekey(old_session_key=previous_session_key, new_session_key=session_key)
    event_record(user=user, kind=AccountEvent.Kind.PASSWORD_CHANGED)
    if end_others:
        return sessions_end_others(user=user, keep_session_key=session_key)
    sessions_keep_after_password_change(user=user, keep_session_key=session_key)
    return 0


def sessions_forget_ended(*, user: User) -> int:
    """Drop the rows of sessions that have ended without signing out (timed out, closed browser)."""
    live = live_sessions().filter(session_key=OuterRef("session_key"))
    deleted, _ = SignedInSession.objects.filter(user=user).exclude(Exists(live)).delete()
    return deleted

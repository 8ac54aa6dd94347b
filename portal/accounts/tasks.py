"""Background work for accounts: the email that tells a person their account was signed in to."""

import contextlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .models import AccountEvent, SignedInSession

logger = logging.getLogger(__name__)

# Tries for one notice, a little apart, when the mail server does not take it.
NOTICE_SEND_ATTEMPTS = 3
# The notice gives times as people in the UK read them, whatever the server's clock says.
NOTICE_TIME_ZONE = ZoneInfo("Europe/London")


@task
def sign_in_notice_send(signed_in_session_id: int, sign_in_event_id: int, attempt: int = 1) -> None:
    """Email the account's owner that it was signed in to, when, and from which browser.

    Carries only ids: the address and the browser stay out of the task queue's table. The
    sign-in event outlives the session's row, so a session signed out of before the notice
    goes still gets its notice.
    """
    event = AccountEvent.objects.select_related("user").filter(pk=sign_in_event_id).first()
    if event is None:
        return  # the account has been deleted meanwhile
    signed_in = SignedInSession.objects.filter(pk=signed_in_session_id).first()
    when = timezone.localtime(event.created_at, NOTICE_TIME_ZONE)
    context = {
        "signed_in_at": f"{date_format(when, 'j F Y')} at {date_format(when, 'H:i')}",
        "browser": signed_in.browser if signed_in else None,
        "password_change_url": portal_url("account_change_password"),
        "sessions_url": portal_url("account_sessions"),
    }
    try:
        with _request_for_allauth():
            get_adapter().send_mail("account/email/new_sign_in", event.user.email, context)
    except Exception as error:
        # Neither the address nor the error's text is logged: mail errors often quote the address.
        backend = sign_in_notice_send.get_backend()
        if attempt < NOTICE_SEND_ATTEMPTS and backend.supports_defer:
            later = timezone.now() + timedelta(seconds=60 * attempt)
            sign_in_notice_send.using(run_after=later).enqueue(signed_in_session_id, sign_in_event_id, attempt + 1)
            return
        logger.warning(
            "The new sign-in notice for account %s could not be sent after %d attempts: %s",
            event.user_id,
            attempt,
            type(error).__name__,
        )


def portal_url(url_name: str, *args) -> str:
    """A full link into the portal, made without a request: a worker sends most notices."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(url_name, args=args)


def account_mail_send(template_prefix: str, to: str, context: dict) -> None:
    """Send one of the portal's account emails now, from a request or from a worker."""
    with _request_for_allauth():
        get_adapter().send_mail(template_prefix, to, context)


class _PortalRequest(HttpRequest):
    """Stands in for a request when a worker sends the email: allauth reads the site's host from one."""

    def __init__(self, base_url: str):
        super().__init__()
        self._base = urlsplit(base_url)

    def get_host(self) -> str:
        return self._base.netloc

    def _get_scheme(self) -> str:
        return self._base.scheme


def _request_for_allauth():
    # Sent straight from the sign-in request (the immediate task backend), allauth has that
    # request already; a worker has none, and allauth's send_mail needs one.
    if allauth_context.request is not None:
        return contextlib.nullcontext()
    return allauth_context.request_context(_PortalRequest(settings.WAGTAILADMIN_BASE_URL))


# Changes of control that the account's owner is told about by email, in case it was not them
# (someone with their phone in hand turning two-step sign-in off, say). A change of email
# address has its own notice, sent to the old address with a link that undoes it.
NOTIFIED_CHANGES = (
    AccountEvent.Kind.TWO_STEP_ON,
    AccountEvent.Kind.TWO_STEP_OFF,
    AccountEvent.Kind.APP_ADDED,
    AccountEvent.Kind.BACKUP_CODES_MADE,
    AccountEvent.Kind.PHONE_ADDED,
    AccountEvent.Kind.PHONE_REMOVED,
    AccountEvent.Kind.PASSKEY_ADDED,
    AccountEvent.Kind.PASSKEY_REMOVED,
    AccountEvent.Kind.TWO_STEP_RESET,
    AccountEvent.Kind.PASSWORD_CHANGED,
    AccountEvent.Kind.EMAIL_CHANGE_UNDONE,
    AccountEvent.Kind.NOTES_DESTROYED,
    AccountEvent.Kind.DELETION_REQUESTED,
    AccountEvent.Kind.ROLE_CHANGED,
    AccountEvent.Kind.ORGANISATION_CHANGED,
    AccountEvent.Kind.DEACTIVATED,
    AccountEvent.Kind.REACTIVATED,
)


@task
def account_change_notice_send(event_id: int) -> None:
    """Email the account's owner about a change of control. Carries only the event's id."""
    event = AccountEvent.objects.select_related("user").filter(pk=event_id, kind__in=NOTIFIED_CHANGES).first()
    if event is None:
        return
    when = timezone.localtime(event.created_at, NOTICE_TIME_ZONE)
    context = {
        "change": event.get_kind_display(),
        "changed_at": f"{date_format(when, 'j F Y')} at {date_format(when, 'H:i')}",
        "settings_url": portal_url("two_step"),
        "password_change_url": portal_url("account_change_password"),
    }
    try:
        with _request_for_allauth():
            get_adapter().send_mail("account/email/account_change", event.user.email, context)
    except Exception as error:
        # As with the sign-in notice: no address, no error text in the log.
        logger.warning("An account change notice for account %s was not sent: %s", event.user_id, type(error).__name__)

"""Background work for accounts: the notices of a sign-in and of a change of control, the staff
invitation, and the text that carries a sign-in code. Each task carries ids only."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter
from django.tasks import task
from django.utils import timezone
from django.utils.formats import date_format

from portal import sms

from .mail import account_mail_send, invitation_lifetime, invitation_url, portal_url, request_for_allauth
from .models import NOTIFIED_CHANGES, AccountEvent, PhoneDevice, SignedInSession, User

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
        with request_for_allauth():
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


# Notices that say who did something the owner allowed, rather than asking "was this you?".
OWN_NOTICES: dict[str, str] = {AccountEvent.Kind.WORKER_EXPORTED: "casework/email/worker_exported"}


@task
def account_change_notice_send(event_id: int) -> None:
    """Email the account's owner about a change of control. Carries only the event's id."""
    event = (
        AccountEvent.objects.select_related("user", "actor__organisation")
        .filter(pk=event_id, kind__in=NOTIFIED_CHANGES)
        .first()
    )
    if event is None:
        return
    when = timezone.localtime(event.created_at, NOTICE_TIME_ZONE)
    context = {
        "change": event.get_kind_display(),
        "changed_at": f"{date_format(when, 'j F Y')} at {date_format(when, 'H:i')}",
        "settings_url": portal_url("two_step"),
        "password_change_url": portal_url("account_change_password"),
        "actor": event.actor,
        "home_url": portal_url("home"),
    }
    template = OWN_NOTICES.get(event.kind, "account/email/account_change")
    try:
        with request_for_allauth():
            get_adapter().send_mail(template, event.user.email, context)
    except Exception as error:
        # As with the sign-in notice: no address, no error text in the log.
        logger.warning("An account change notice for account %s was not sent: %s", event.user_id, type(error).__name__)


@task
def staff_invitation_send(user_id: int) -> None:
    """Email a new staff account its link to choose a password (mail.invitation_url)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # closed meanwhile, or the password is already chosen: there is nothing to invite to
    context = {"invitation_url": invitation_url(user=user), "valid_for": invitation_lifetime()}
    try:
        account_mail_send("account/email/staff_invitation", user.email, context)
    except Exception as error:
        # No address and no error text in the log: mail errors often quote the address.
        logger.warning("The invitation for account %s was not sent: %s", user.pk, type(error).__name__)


# Tries for one text, a little apart, before telling the person it could not be sent.
TEXT_DELIVERY_ATTEMPTS = 3


@task
def phone_code_deliver(device_id: str, attempt: int = 1) -> None:
    """Hand the current code to the SMS provider, trying again shortly if it is down."""
    device = PhoneDevice.objects.filter(pk=device_id).first()
    if device is None or device.token is None or device.valid_until <= timezone.now():
        return  # removed, used or expired meanwhile: nothing worth sending
    try:
        sms.sms_send(to=device.number, body=f"Your code is {device.token}")
    except sms.SmsError:
        backend = phone_code_deliver.get_backend()
        if attempt < TEXT_DELIVERY_ATTEMPTS and backend.supports_defer:
            later = timezone.now() + timedelta(seconds=20 * attempt)
            phone_code_deliver.using(run_after=later).enqueue(device_id, attempt + 1)
            return
        device.delivery_failed_at = timezone.now()
        device.save(update_fields=["delivery_failed_at"])
        logger.warning("A sign-in code could not be sent by text after %d attempts.", attempt)

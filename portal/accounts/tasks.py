"""Background work for accounts: the notices of a sign-in and of a change of control, the staff
invitation, and the text that carries a sign-in code (once: see phone_code_deliver). Each task
carries ids only."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
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
OWN_NOTICES: dict[str, str] = {
    AccountEvent.Kind.WORKER_EXPORTED: "casework/email/worker_exported",
    AccountEvent.Kind.LINK_REQUESTED: "casework/email/link_requested",
}


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
# How far the SMS provider's clock may be from ours, when asking whether it already took a text.
PROVIDER_CLOCK_MARGIN = timedelta(minutes=1)


@task
def phone_code_deliver(device_id: str, attempt: int = 1, code_expires: str = "", maybe_sent: bool = False) -> None:
    """Text the device's current code, trying again shortly if the provider is down, and never
    texting the same code twice.

    A person waiting for a code needs it once and soon. So: only one task texts a given code
    (the first to claim it; a code asked for twice before either task ran is texted once); a
    retry carries which code it is for (``code_expires``: when the code expires, which names it
    without saying it), and stops if a newer code has replaced it, whose own task texts that
    one; and a try that may have reached the provider (it timed out after sending,
    ``maybe_sent``) is never repeated blind: the retry first asks the provider whether it took
    the text, and sends only if it did not. If the provider cannot say, the retry waits for
    the next try rather than risk a second text.
    """
    device = PhoneDevice.objects.filter(pk=device_id).first()
    if device is None or device.token is None or device.valid_until <= timezone.now():
        return  # removed, used or expired meanwhile: nothing worth sending
    expires = device.valid_until.isoformat()
    if code_expires and code_expires != expires:
        return  # a newer code replaced this one, and its own task texts it
    if attempt == 1 and not code_expires and not _code_text_claim(device_id, device.valid_until):
        return  # another task is already texting this very code
    body = f"Your code is {device.token}"
    try:
        if maybe_sent:
            code_made = device.valid_until - timedelta(seconds=settings.SMS_CODE_VALID_SECONDS)
            if sms.sms_accepted(to=device.number, body=body, since=code_made - PROVIDER_CLOCK_MARGIN):
                return  # the try that timed out did reach the provider: the text is on its way
            maybe_sent = False  # the provider has no such text: the earlier try never arrived
        sms.sms_send(to=device.number, body=body)
    except sms.SmsError as error:
        maybe_sent = maybe_sent or isinstance(error, sms.SmsOutcomeUnknown)
        backend = phone_code_deliver.get_backend()
        if attempt < TEXT_DELIVERY_ATTEMPTS and backend.supports_defer:
            later = timezone.now() + timedelta(seconds=20 * attempt)
            phone_code_deliver.using(run_after=later).enqueue(
                device_id, attempt + 1, code_expires=expires, maybe_sent=maybe_sent
            )
            return
        device.delivery_failed_at = timezone.now()
        device.save(update_fields=["delivery_failed_at"])
        logger.warning(
            "A sign-in code could not be sent by text after %d attempts%s.",
            attempt,
            " (the provider may still have taken the last)" if maybe_sent else "",
        )


def _code_text_claim(device_id: str, valid_until: datetime) -> bool:
    """Claim the text of one code for the task asking; False when another task already has it.

    The claim is in the cache, which every worker shares in production (Redis), and lasts as
    long as the code. A cache that cannot be reached must not cost the person their code: the
    text is then sent unclaimed.
    """
    key = f"phone-code-text:{device_id}:{valid_until.timestamp():.6f}"
    lasts = max(int((valid_until - timezone.now()).total_seconds()), 0) + 60
    try:
        return bool(cache.add(key, 1, timeout=lasts))
    except Exception as error:  # the cache's own errors differ by backend (Redis, Memcached)
        logger.warning("Could not claim a sign-in code's text in the cache: %s", type(error).__name__)
        return True

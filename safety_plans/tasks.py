"""Background work for alerts: each text to a trusted contact, tried again a little later when
the SMS provider does not take it. Tasks carry a delivery's id only, never a number or words."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from portal import sms

from .models import AlertDelivery, DeliveryStatus

logger = logging.getLogger(__name__)

# Tries for one text before it is shown as not sent: 1 now, then after 15 s, 30 s, 60 s, 120 s.
ALERT_DELIVERY_ATTEMPTS = 5
RETRY_FIRST_DELAY = timedelta(seconds=15)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after the given failed attempt: doubling each time."""
    return RETRY_FIRST_DELAY * (2 ** (attempt - 1))


@task
def alert_delivery_send(delivery_id: str, attempt: int = 1, *, unknown_since: str = "") -> None:
    """Text one contact the alert's message, once.

    The row is re-read and locked: a delivery already sent (a duplicate task, a retry that
    arrives late) or given up is left alone, so no contact is texted twice. The lock is held
    while the provider is asked, so two workers cannot both send it. A try whose answer never
    came (``unknown_since``: the provider may have taken the text after our timeout) is followed
    by asking the provider whether it has the text before sending it again.
    """
    with transaction.atomic():
        delivery = (
            # The delivery's row only: PostgreSQL cannot lock the nullable side of the join to
            # its contact (gone when the member removed them).
            AlertDelivery.objects.select_for_update(of=("self",))
            .select_related("alert", "contact")
            .filter(pk=delivery_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING], provider_id="")
            .first()
        )
        if delivery is None:
            return  # sent, given up, or the account deleted meanwhile
        if delivery.contact is None or delivery.contact.removed_at is not None:
            _give_up(delivery)  # the member took them off the list after sending
            return
        to, body = delivery.contact.phone, delivery.alert.message
        try:
            if unknown_since and sms.sms_accepted(to=to, body=body, since=datetime.fromisoformat(unknown_since)):
                provider_id = "taken-after-timeout"
            else:
                provider_id = sms.sms_send(to=to, body=body)
        except sms.SmsOutcomeUnknown as error:
            _failed(delivery, attempt, error, unknown_since=unknown_since or _a_moment_ago())
            return
        except sms.SmsError as error:
            # Not taken this time; a try before it may still have been (ask again next time).
            _failed(delivery, attempt, error, unknown_since=unknown_since)
            return
        delivery.status = DeliveryStatus.SENT
        delivery.provider_id = provider_id[:64]
        delivery.attempts = attempt
        delivery.updated_at = timezone.now()
        delivery.save(update_fields=["status", "provider_id", "attempts", "updated_at"])


def _a_moment_ago() -> str:
    # A little before now: the provider's clock and ours may differ by a few seconds.
    return (timezone.now() - timedelta(minutes=1)).isoformat()


def _failed(delivery: AlertDelivery, attempt: int, error: sms.SmsError, *, unknown_since: str = "") -> None:
    """Try again later where the queue can wait; after the last try, show it as not sent."""
    delivery.attempts = attempt
    delivery.updated_at = timezone.now()
    backend = alert_delivery_send.get_backend()
    if attempt < ALERT_DELIVERY_ATTEMPTS and backend.supports_defer:
        delivery.status = DeliveryStatus.RETRYING
        delivery.save(update_fields=["status", "attempts", "updated_at"])
        later = timezone.now() + retry_delay(attempt)
        pk = str(delivery.pk)
        transaction.on_commit(
            lambda: alert_delivery_send.using(run_after=later).enqueue(pk, attempt + 1, unknown_since=unknown_since)
        )
        return
    delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["status", "attempts", "updated_at"])
    # The error's text is safe (portal.sms keeps numbers and words out of it); ids only besides.
    logger.warning("Alert delivery %s not sent after %d attempts: %s", delivery.pk, attempt, error)


def _give_up(delivery: AlertDelivery) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.updated_at = timezone.now()
    delivery.save(update_fields=["status", "updated_at"])

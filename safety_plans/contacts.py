"""Trusted contacts and the alerts sent to them: the services that change them and the reads the
pages need.

Who receives alerts, and at which number, is a change of control (someone holding the member's
phone must not redirect alerts to themselves): the views ask for recent reauthentication, and
the services here record an account event, so the owner is emailed and sees it under recent
changes. An alert is sent once per request key, and at most one a minute.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.accounts.models import AccountEvent, User
from portal.accounts.services.events import event_record

from . import tasks
from .models import Alert, AlertDelivery, DeliveryStatus, Plan, TrustedContact

# Numbers without a country code are read as UK numbers.
DEFAULT_REGION = "GB"
NAME_MAX = 100
RELATIONSHIP_MAX = 100
MESSAGE_MAX = 480  # three text messages' worth: enough to say what to do, short enough to arrive whole

# Offered until the member writes their own. It says nothing of the portal or what it is for.
DEFAULT_ALERT_MESSAGE = "Please call me as soon as you can."

# A second alert this soon after the last is refused: a mistaken double tap must send once.
ALERT_INTERVAL = timedelta(minutes=1)

# The form's one-time key: what secrets.token_urlsafe(24) makes.
REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ContactError(Exception):
    """What a contact or alert service refuses; the message is shown to the member as it is."""


class InvalidPhone(ContactError):
    def __init__(self) -> None:
        super().__init__(
            "This does not look like a phone number we can text. Check the number, or add the "
            "country code (for example +353 for Ireland) if it is not a UK number."
        )


class NoAlertContacts(ContactError):
    def __init__(self) -> None:
        super().__init__("Choose at least one person to send your message to.")


class AlertTooSoon(ContactError):
    def __init__(self) -> None:
        super().__init__(
            "You sent a message less than a minute ago, so this one was not sent. "
            "Its progress is shown below. You can send another in a minute."
        )


class AlertAlreadySent(ContactError):
    """The same confirmation was posted twice (a double tap): the first alert stands."""

    def __init__(self, alert: Alert) -> None:
        self.alert = alert
        super().__init__("Your message was already sent. It has not been sent a second time.")


class BadRequestKey(ContactError):
    def __init__(self) -> None:
        super().__init__("This page was out of date, so nothing was sent. Check who it goes to and send it again.")


# --- Phone numbers -------------------------------------------------------------------------


def phone_normalise(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in international form (E.164, "+447700900123"), or InvalidPhone."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone() from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """A number as people write it: national form for UK numbers, international for others."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- Contacts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactData:
    name: str
    relationship: str
    phone: str  # as typed; the service checks and normalises it
    may_alert: bool


def contacts_active(*, member: User) -> QuerySet[TrustedContact]:
    return TrustedContact.objects.for_member(member).active()


def contacts_for_alert(*, member: User) -> list[TrustedContact]:
    """The contacts an alert may go to, in the order the member added them."""
    return list(contacts_active(member=member).filter(may_alert=True))


def contact_for_owner(*, member: User, contact_id: UUID | str) -> TrustedContact | None:
    """The member's own contact, not removed; None for anyone else's or none (the view 404s)."""
    return contacts_active(member=member).filter(pk=contact_id).first()


@transaction.atomic
def contact_add(*, member: User, data: ContactData) -> TrustedContact:
    """Add a trusted contact. Someone who may receive alerts is a change of control: recorded."""
    contact = TrustedContact(
        member=member,
        name=data.name.strip(),
        relationship=data.relationship.strip(),
        phone=phone_normalise(data.phone),
        may_alert=data.may_alert,
    )
    contact.save()
    if contact.may_alert:
        event_record(user=member, kind=AccountEvent.Kind.ALERT_CONTACT_ADDED)
    return contact


@transaction.atomic
def contact_edit(*, contact: TrustedContact, data: ContactData) -> TrustedContact:
    """Change a contact. Switching alerts on, or changing the number of someone who receives
    them, is recorded as a change of control; other edits are not."""
    phone = phone_normalise(data.phone)
    alerts_switched_on = data.may_alert and not contact.may_alert
    number_changed = data.may_alert and contact.may_alert and phone != contact.phone
    contact.name = data.name.strip()
    contact.relationship = data.relationship.strip()
    contact.phone = phone
    contact.may_alert = data.may_alert
    contact.save(update_fields=["name", "relationship", "phone", "may_alert"])
    if alerts_switched_on:
        event_record(user=contact.member, kind=AccountEvent.Kind.ALERT_CONTACT_ADDED)
    elif number_changed:
        event_record(user=contact.member, kind=AccountEvent.Kind.ALERT_NUMBER_CHANGED)
    return contact


def contact_remove(*, contact: TrustedContact) -> None:
    """Take a contact off the list. Never needs reauthentication: it can only narrow who is
    texted. The row stays (without alerts) so that past alerts still say who they went to."""
    contact.removed_at = timezone.now()
    contact.may_alert = False
    contact.save(update_fields=["removed_at", "may_alert"])


# --- The message ---------------------------------------------------------------------------


def alert_message(*, member: User) -> str:
    """The member's own message from their plan, or the neutral default."""
    plan = Plan.objects.filter(member=member).select_related("current").first()
    if plan is None or plan.current is None:
        return DEFAULT_ALERT_MESSAGE
    written = plan.current.content.get("alert_message") if isinstance(plan.current.content, dict) else None
    return written.strip() if isinstance(written, str) and written.strip() else DEFAULT_ALERT_MESSAGE


def location_text(latitude: Decimal, longitude: Decimal) -> str:
    """The line added when the member shares where they are: a map link any phone can open."""
    return f"My location: https://maps.google.com/?q={latitude:.5f},{longitude:.5f}"


# --- Alerts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    latitude: Decimal
    longitude: Decimal


def alert_send(
    *, member: User, request_key: str, contact_ids: Iterable[UUID | str], location: Location | None = None
) -> Alert:
    """Send the member's message to the chosen contacts: one Alert, one AlertDelivery per
    contact, and one task per delivery once all of it is committed.

    The same request key twice (a double tap, a resent form) raises AlertAlreadySent with the
    first alert; a new key within ALERT_INTERVAL of the last alert raises AlertTooSoon.
    """
    if not REQUEST_KEY.match(request_key or ""):
        raise BadRequestKey()
    try:
        with transaction.atomic():
            return _alert_create(member=member, request_key=request_key, contact_ids=contact_ids, location=location)
    except IntegrityError:
        # Two posts of the same key at once: the other one made the alert.
        earlier = Alert.objects.filter(member=member, request_key=request_key).first()
        if earlier is None:
            raise
        raise AlertAlreadySent(earlier) from None


def _alert_create(
    *, member: User, request_key: str, contact_ids: Iterable[UUID | str], location: Location | None
) -> Alert:
    # The member's row is locked so that two posts at once see each other's alert (PostgreSQL).
    User.objects.select_for_update().filter(pk=member.pk).first()
    earlier = Alert.objects.filter(member=member, request_key=request_key).first()
    if earlier is not None:
        raise AlertAlreadySent(earlier)
    if Alert.objects.filter(member=member, sent_at__gt=timezone.now() - ALERT_INTERVAL).exists():
        raise AlertTooSoon()
    wanted = {str(contact_id) for contact_id in contact_ids}
    contacts = [contact for contact in contacts_for_alert(member=member) if str(contact.pk) in wanted]
    if not contacts:
        raise NoAlertContacts()
    message = alert_message(member=member)
    if location is not None:
        message = f"{message}\n{location_text(location.latitude, location.longitude)}"
    alert = Alert(member=member, message=message, location_included=location is not None, request_key=request_key)
    alert.save()
    deliveries = AlertDelivery.objects.bulk_create(
        [AlertDelivery(alert=alert, contact=contact, member=member) for contact in contacts]
    )
    delivery_ids = [str(delivery.pk) for delivery in deliveries]
    transaction.on_commit(lambda: [tasks.alert_delivery_send.enqueue(pk) for pk in delivery_ids])
    return alert


def alert_latest(*, member: User) -> Alert | None:
    return Alert.objects.filter(member=member).order_by("-sent_at").first()


def alert_for_owner(*, member: User, alert_id: UUID | str) -> Alert | None:
    """The member's own alert; None for anyone else's or none (the view 404s)."""
    return Alert.objects.filter(member=member, pk=alert_id).first()


def alert_deliveries(*, alert: Alert) -> list[AlertDelivery]:
    """Each contact's delivery, with the contact, for the status page (one query)."""
    return list(alert.deliveries.select_related("contact").order_by("contact__created_at", "id"))


def alerts_log(*, member: User) -> QuerySet[Alert]:
    """Every alert the member sent, newest first, with how many texts are in each state."""
    return (
        Alert.objects.filter(member=member)
        .annotate(
            delivery_count=Count("deliveries"),
            sent_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )
        .order_by("-sent_at")
    )

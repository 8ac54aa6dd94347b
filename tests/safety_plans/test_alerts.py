"""Alerts to trusted contacts: sent through the real twilio library to the fake Twilio server,
once per contact, retried when Twilio fails for one, never twice for a double tap."""

import logging
import re
import secrets
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from portal import sms
from portal.accounts.models import AccountEvent
from safety_plans import contacts, tasks
from safety_plans.contacts import ContactData, Location
from safety_plans.models import Alert, AlertDelivery, DeliveryStatus
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NUMBERS = ("07400 123111", "07400 123222", "07400 123333")
E164 = ("+447400123111", "+447400123222", "+447400123333")


def add_contacts(member, *, may_alert=True, count=3):
    return [
        contacts.contact_add(
            member=member,
            data=ContactData(name=f"Friend {i}", relationship="Sister", phone=NUMBERS[i], may_alert=may_alert),
        )
        for i in range(count)
    ]


def new_key() -> str:
    return secrets.token_urlsafe(24)


def sent_to(fake_twilio) -> list[str]:
    return [form["To"] for form in fake_twilio.sent]


class Queue:
    """The dummy task backend, and a way to run what is queued, each as its own commit (the
    test's transaction never commits, so what waits for a commit runs as each step ends)."""

    def __init__(self, backend, capture):
        self.backend = backend
        self.capture = capture

    @property
    def results(self):
        return list(self.backend.results)

    def committed(self, function, *args, **kwargs):
        with self.capture(execute=True):
            return function(*args, **kwargs)

    def run_delivery(self, delivery_id: str, attempt: int = 1) -> None:
        self.committed(tasks.alert_delivery_send.call, delivery_id, attempt)

    def run(self, already: int = 0) -> int:
        """Run the tasks queued since ``already`` in order; returns how many there are now."""
        results = self.results
        for result in results[already:]:
            self.committed(result.task.call, *result.args, **result.kwargs)
        return len(results)


@pytest.fixture
def queued(settings, django_capture_on_commit_callbacks):
    """Tasks wait in a queue, as in production, for the test to run one at a time."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return Queue(default_task_backend, django_capture_on_commit_callbacks)


def test_every_chosen_contact_receives_the_message(member, fake_twilio, django_capture_on_commit_callbacks):
    people = add_contacts(member)

    with django_capture_on_commit_callbacks(execute=True):
        alert = contacts.alert_send(member=member, request_key=new_key(), contact_ids=[c.pk for c in people])

    assert sorted(sent_to(fake_twilio)) == sorted(E164)
    assert {form["Body"] for form in fake_twilio.sent} == {contacts.DEFAULT_ALERT_MESSAGE}
    deliveries = AlertDelivery.objects.filter(alert=alert)
    assert [d.status for d in deliveries] == [DeliveryStatus.SENT] * 3
    assert all(d.provider_id.startswith("SM") and d.attempts == 1 for d in deliveries)


def test_only_the_contacts_chosen_and_allowed_are_texted(member, fake_twilio, django_capture_on_commit_callbacks):
    first, second, _ = add_contacts(member)
    not_for_alerts = contacts.contact_add(
        member=member, data=ContactData(name="N", relationship="", phone="07400 123444", may_alert=False)
    )
    someone_elses = add_contacts(MemberFactory(), count=1)[0]

    with django_capture_on_commit_callbacks(execute=True):
        contacts.alert_send(
            member=member,
            request_key=new_key(),
            contact_ids=[first.pk, second.pk, not_for_alerts.pk, someone_elses.pk],
        )

    assert sorted(sent_to(fake_twilio)) == ["+447400123111", "+447400123222"]


def test_the_location_is_added_only_when_shared(member, fake_twilio, django_capture_on_commit_callbacks):
    [person] = add_contacts(member, count=1)

    with django_capture_on_commit_callbacks(execute=True):
        alert = contacts.alert_send(
            member=member,
            request_key=new_key(),
            contact_ids=[person.pk],
            location=Location(latitude=Decimal("51.501009"), longitude=Decimal("-0.141588")),
        )

    assert fake_twilio.sent[0]["Body"] == (
        "Please call me as soon as you can.\nMy location: https://maps.google.com/?q=51.50101,-0.14159"
    )
    assert alert.location_included


def test_when_twilio_fails_for_one_contact_only_that_one_is_retried(member, fake_twilio, queued):
    people = add_contacts(member)
    alert = queued.committed(
        contacts.alert_send, member=member, request_key=new_key(), contact_ids=[c.pk for c in people]
    )
    first, second, third = (AlertDelivery.objects.get(alert=alert, contact=c) for c in people)
    by_id = {r.args[0]: r for r in queued.results}
    assert set(by_id) == {str(first.pk), str(second.pk), str(third.pk)}, "one task per delivery, ids only"

    queued.run_delivery(str(first.pk))
    fake_twilio.answer_with(status=503)
    queued.run_delivery(str(second.pk))
    fake_twilio.answer_with(status=201)
    queued.run_delivery(str(third.pk))

    second.refresh_from_db()
    assert second.status == DeliveryStatus.RETRYING and second.attempts == 1 and not second.provider_id
    [retry] = queued.results[3:]
    assert retry.args == [str(second.pk), 2]
    assert retry.task.run_after > timezone.now() + timedelta(seconds=10)

    # The retry runs; so do stray copies of the first tasks (a worker restarted, say).
    queued.committed(retry.task.call, *retry.args)
    for delivery in (first, second, third):
        queued.run_delivery(str(delivery.pk))

    assert sorted(sent_to(fake_twilio)) == sorted(E164), "each contact texted exactly once"
    second.refresh_from_db()
    assert second.status == DeliveryStatus.SENT and second.attempts == 2 and second.provider_id.startswith("SM")


def test_after_the_last_attempt_the_delivery_is_shown_as_failed(member, fake_twilio, queued, caplog):
    [person] = add_contacts(member, count=1)
    alert = queued.committed(contacts.alert_send, member=member, request_key=new_key(), contact_ids=[person.pk])
    delivery = AlertDelivery.objects.get(alert=alert)
    fake_twilio.answer_with(status=500)
    caplog.set_level(logging.INFO)

    attempts = queued.run()
    while len(queued.results) > attempts:
        attempts = queued.run(attempts)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == tasks.ALERT_DELIVERY_ATTEMPTS
    assert len(fake_twilio.requests) == tasks.ALERT_DELIVERY_ATTEMPTS, "bounded"
    assert "not sent after 5 attempts" in caplog.text


def test_a_double_tap_sends_once(member, fake_twilio, django_capture_on_commit_callbacks):
    people = add_contacts(member)
    key = new_key()
    with django_capture_on_commit_callbacks(execute=True):
        first = contacts.alert_send(member=member, request_key=key, contact_ids=[c.pk for c in people])

    with pytest.raises(contacts.AlertAlreadySent) as refused, django_capture_on_commit_callbacks(execute=True):
        contacts.alert_send(member=member, request_key=key, contact_ids=[c.pk for c in people])

    assert refused.value.alert == first
    assert Alert.objects.count() == 1 and AlertDelivery.objects.count() == 3
    assert len(fake_twilio.sent) == 3


def test_a_second_alert_within_a_minute_is_refused(member, fake_twilio, django_capture_on_commit_callbacks):
    people = add_contacts(member)
    with django_capture_on_commit_callbacks(execute=True):
        contacts.alert_send(member=member, request_key=new_key(), contact_ids=[c.pk for c in people])

    with pytest.raises(contacts.AlertTooSoon):
        contacts.alert_send(member=member, request_key=new_key(), contact_ids=[c.pk for c in people])

    Alert.objects.update(sent_at=timezone.now() - contacts.ALERT_INTERVAL)
    with django_capture_on_commit_callbacks(execute=True):
        contacts.alert_send(member=member, request_key=new_key(), contact_ids=[c.pk for c in people])
    assert len(fake_twilio.sent) == 6


@pytest.mark.parametrize("key", ["", "short", "has spaces in it, which no form would make", "x" * 65])
def test_a_malformed_request_key_sends_nothing(member, key):
    [person] = add_contacts(member, count=1)
    with pytest.raises(contacts.BadRequestKey):
        contacts.alert_send(member=member, request_key=key, contact_ids=[person.pk])
    assert not Alert.objects.exists()


def test_no_chosen_contacts_sends_nothing(member):
    add_contacts(member, may_alert=False, count=1)
    with pytest.raises(contacts.NoAlertContacts):
        contacts.alert_send(member=member, request_key=new_key(), contact_ids=[])
    assert not Alert.objects.exists()


def test_a_contact_removed_after_sending_is_not_texted(member, fake_twilio, queued):
    [person] = add_contacts(member, count=1)
    alert = queued.committed(contacts.alert_send, member=member, request_key=new_key(), contact_ids=[person.pk])
    contacts.contact_remove(contact=person)

    queued.run()

    assert not fake_twilio.requests
    assert AlertDelivery.objects.get(alert=alert).status == DeliveryStatus.FAILED


def test_nothing_private_reaches_the_logs_or_the_queue(member, fake_twilio, queued, caplog):
    """Message, names and numbers stay out of the log lines and the task queue, even when
    Twilio fails and quotes the number back."""
    people = add_contacts(member)
    caplog.set_level(logging.DEBUG)
    queued.committed(
        contacts.alert_send,
        member=member,
        request_key=new_key(),
        contact_ids=[c.pk for c in people],
        location=Location(latitude=Decimal("51.5"), longitude=Decimal("-0.14")),
    )
    fake_twilio.answer_with(status=400, message="The 'To' number +447400123111 is not a valid phone number.")
    queued.run()

    queue = str([(r.args, r.kwargs) for r in queued.results])
    for private in (*E164, *NUMBERS, "7400123", "Friend", "Sister", "call me", "51.5", "maps"):
        assert private not in caplog.text
        assert private not in queue
    assert "Alert delivery" not in caplog.text or "not sent" in caplog.text


def test_an_alert_contact_is_a_recorded_change_of_control(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [person] = add_contacts(member, count=1)
        quiet = contacts.contact_add(
            member=member, data=ContactData(name="Q", relationship="", phone="07400 123444", may_alert=False)
        )
    assert list(AccountEvent.objects.filter(user=member).values_list("kind", flat=True)) == [
        AccountEvent.Kind.ALERT_CONTACT_ADDED
    ]

    contacts.contact_edit(
        contact=person, data=ContactData(name="Friend", relationship="Sister", phone="07400 123999", may_alert=True)
    )
    contacts.contact_edit(
        contact=quiet, data=ContactData(name="Q", relationship="Brother", phone="07400 123444", may_alert=True)
    )
    contacts.contact_edit(
        contact=person, data=ContactData(name="Renamed", relationship="", phone="+44 7400 123999", may_alert=True)
    )

    kinds = list(AccountEvent.objects.filter(user=member).order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [
        AccountEvent.Kind.ALERT_CONTACT_ADDED,
        AccountEvent.Kind.ALERT_NUMBER_CHANGED,
        AccountEvent.Kind.ALERT_CONTACT_ADDED,
    ], "a new name, or the same number written differently, is not a change of control"


# --- The pages ---------------------------------------------------------------------------


def confirm_page(client):
    response = client.get(reverse("safety_plans:alert"))
    assert response.status_code == 200
    return response, parse_page_form(response)


def parse_page_form(response) -> dict:
    """The confirmation form's fields as the browser would post them (boxes ticked as shown)."""
    html = response.content.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', html).group(1)
    people = re.findall(r'name="people" value="([^"]+)"[^>]*checked', html)
    return {"request_key": key, "people": people}


def test_two_taps_from_home_send_to_every_chosen_contact(
    client, member, fake_twilio, django_capture_on_commit_callbacks
):
    add_contacts(member)
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("safety_plans:alert")}"' in home, "the first tap is on the home page"

    response, form = confirm_page(client)
    page = response.content.decode()
    assert "Friend 0" in page and "Friend 2" in page and contacts.DEFAULT_ALERT_MESSAGE in page
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert len(form["people"]) == 3, "everyone who may get it is chosen to start with"

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("safety_plans:alert"), form)

    alert = Alert.objects.get(member=member)
    assert sent["Location"] == reverse("safety_plans:alert_status", kwargs={"alert_id": alert.pk})
    assert sorted(sent_to(fake_twilio)) == sorted(E164)
    status = client.get(sent["Location"])
    assert status.content.decode().count("Sent</td>") == 3
    assert "geolocation=()" in status["Permissions-Policy"]
    log = client.get(reverse("safety_plans:alerts")).content.decode()
    assert "To 3 people: 3 sent" in log


def test_a_double_tap_on_send_now_sends_once(client, member, fake_twilio, django_capture_on_commit_callbacks):
    add_contacts(member)
    client.force_login(member)
    _response, form = confirm_page(client)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("safety_plans:alert"), form)
        second = client.post(reverse("safety_plans:alert"), form, follow=True)

    assert Alert.objects.count() == 1 and len(fake_twilio.sent) == 3
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "It has not been sent a second time" in second.content.decode()


def test_the_members_own_message_and_location_are_sent(client, member, fake_twilio, django_capture_on_commit_callbacks):
    [person] = add_contacts(member, count=1)
    client.force_login(member)
    client.confirm_identity()  # the message is a change of control (tests/safety_plans/test_alert_message.py)
    saved = client.post(reverse("safety_plans:alert_message"), {"message": "Ring me. Use the back door."})
    assert saved["Location"] == reverse("safety_plans:alert")
    _response, form = confirm_page(client)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("safety_plans:alert"),
            {**form, "share_location": "on", "latitude": "53.480759", "longitude": "-2.242631"},
        )

    [text] = fake_twilio.sent
    assert text["To"] == person.phone
    assert text["Body"] == "Ring me. Use the back door.\nMy location: https://maps.google.com/?q=53.48076,-2.24263"


def test_a_message_too_long_is_refused_kindly(client, member):
    client.force_login(member)
    client.confirm_identity()

    response = client.post(reverse("safety_plans:alert_message"), {"message": "x" * (contacts.MESSAGE_MAX + 1)})

    assert response.status_code == 400
    assert f"Please keep your message to {contacts.MESSAGE_MAX} characters or fewer" in response.content.decode()
    assert contacts.alert_message(member=member) == contacts.DEFAULT_ALERT_MESSAGE


def test_choosing_nobody_sends_nothing_and_says_why(client, member, fake_twilio):
    add_contacts(member)
    client.force_login(member)
    _response, form = confirm_page(client)

    response = client.post(reverse("safety_plans:alert"), {**form, "people": []})

    assert response.status_code == 400
    assert "Choose at least one person" in response.content.decode()
    assert not Alert.objects.exists() and not fake_twilio.requests


def test_without_contacts_the_page_says_to_add_them_first(client, member):
    client.force_login(member)
    page = client.get(reverse("safety_plans:alert")).content.decode()
    assert "First add the people who should get your message" in page
    assert "Send now" not in page


STAFF = ["worker", "coordinator", "editor", "admin_user"]


@pytest.fixture
def sent_alert(member, django_capture_on_commit_callbacks):
    people = add_contacts(member)
    with django_capture_on_commit_callbacks(execute=True):
        return contacts.alert_send(member=member, request_key=new_key(), contact_ids=[c.pk for c in people])


def alert_views(alert):
    return [
        ("get", reverse("safety_plans:alert")),
        ("post", reverse("safety_plans:alert")),
        ("get", reverse("safety_plans:alert_message")),
        ("post", reverse("safety_plans:alert_message")),
        ("get", reverse("safety_plans:alerts")),
        ("get", reverse("safety_plans:alert_status", kwargs={"alert_id": alert.pk})),
    ]


def post_everything(client, method, url, alert):
    people = [str(d.contact_id) for d in alert.deliveries.all()]
    data = {"request_key": new_key(), "people": people, "message": "Come to mine"}
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize("role", STAFF)
def test_staff_are_told_the_alert_pages_do_not_exist(client, request, sent_alert, role):
    client.force_login(request.getfixturevalue(role))
    for method, url in alert_views(sent_alert):
        response = post_everything(client, method, url, sent_alert)
        assert response.status_code == 404, url
        assert b"Friend" not in response.content
    assert Alert.objects.count() == 1 and len(sms.MemoryBackend.outbox) == 3


def test_another_member_never_reaches_someone_elses_alerts(client, other_member, sent_alert):
    client.force_login(other_member)
    for method, url in alert_views(sent_alert):
        response = post_everything(client, method, url, sent_alert)
        assert b"Friend" not in response.content, url
    status = client.get(reverse("safety_plans:alert_status", kwargs={"alert_id": sent_alert.pk}))
    assert status.status_code == 404
    assert Alert.objects.count() == 1, "the owner's contacts cannot be sent to by anyone else"
    assert len(sms.MemoryBackend.outbox) == 3


def test_anonymous_visitors_are_sent_to_sign_in(client, sent_alert):
    for method, url in alert_views(sent_alert):
        response = post_everything(client, method, url, sent_alert)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert Alert.objects.count() == 1


def test_the_log_lists_every_alert_in_few_queries(client, member, sent_alert, django_assert_max_num_queries):
    Alert.objects.update(sent_at=timezone.now() - timedelta(minutes=5))
    with_location = contacts.alert_send(
        member=member,
        request_key=new_key(),
        contact_ids=[sent_alert.deliveries.first().contact_id],
        location=Location(latitude=Decimal("51"), longitude=Decimal("0")),
    )
    client.force_login(member)
    client.get(reverse("safety_plans:alerts"))  # the session's first-read work out of the count

    with django_assert_max_num_queries(8):
        page = client.get(reverse("safety_plans:alerts")).content.decode()

    assert page.count('href="/steps/sent/') == 2
    assert "To 1 person: 0 sent; with your location." in page
    assert with_location.location_included


def test_a_text_twilio_took_after_our_timeout_is_not_sent_again(member, fake_twilio, queued):
    """The provider took the text but answered too late: the retry asks it first, and finds it."""
    from tests.fake_twilio import TIMEOUT_SECONDS

    [person] = add_contacts(member, count=1)
    alert = queued.committed(contacts.alert_send, member=member, request_key=new_key(), contact_ids=[person.pk])
    delivery = AlertDelivery.objects.get(alert=alert)
    fake_twilio.delay(TIMEOUT_SECONDS * 3, accept_first=True)
    queued.run_delivery(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    [retry] = queued.results[1:]
    assert retry.kwargs["unknown_since"], "the retry knows the last try may have been taken"

    deadline = time.monotonic() + TIMEOUT_SECONDS * 3 + 2
    while not fake_twilio.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    fake_twilio.delay(0)
    queued.committed(retry.task.call, *retry.args, **retry.kwargs)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert sent_to(fake_twilio) == [E164[0]], "texted once"

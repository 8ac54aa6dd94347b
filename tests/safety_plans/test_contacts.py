"""The pages for people the member trusts: only their own, reauthentication before anyone is
added or a number changed (a borrowed phone must not redirect alerts), removing without it."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from portal.accounts.models import AccountEvent
from safety_plans import contacts
from safety_plans.contacts import ContactData
from safety_plans.models import TrustedContact
from tests.portal.support import SENSITIVE_WORDS, parse_page

pytestmark = pytest.mark.django_db

NAME = "Auntie Bernadette"
PHONE = "07400 123456"
STAFF = ["worker", "coordinator", "editor", "admin_user"]
NEW_PERSON = {"name": "Cousin Wilfred", "relationship": "Cousin", "phone": "07400 654321", "may_alert": "on"}


@pytest.fixture
def person(member):
    return contacts.contact_add(
        member=member, data=ContactData(name=NAME, relationship="Aunt", phone=PHONE, may_alert=True)
    )


def views(person):
    """name, method, keyword arguments, data, what the owner gets (having just reauthenticated)."""
    return [
        ("safety_plans:contacts", "get", {}, None, 200),
        ("safety_plans:contact_add", "get", {}, None, 200),
        ("safety_plans:contact_add", "post", {}, NEW_PERSON, 302),
        ("safety_plans:contact_edit", "get", {"contact_id": person.pk}, None, 200),
        ("safety_plans:contact_edit", "post", {"contact_id": person.pk}, {**NEW_PERSON, "name": NAME}, 302),
        ("safety_plans:contact_remove", "get", {"contact_id": person.pk}, None, 200),
        ("safety_plans:contact_remove", "post", {"contact_id": person.pk}, {}, 302),
    ]


def call(client, method, name, kwargs, data):
    url = reverse(name, kwargs=kwargs)
    return client.post(url, data) if method == "post" else client.get(url)


def unchanged(person) -> bool:
    person.refresh_from_db()
    return (
        person.phone == "+447400123456"
        and person.removed_at is None
        and person.may_alert
        and TrustedContact.objects.filter(member=person.member_id).count() == 1
    )


def test_the_owner_can_use_every_page(client, member, person):
    client.force_login(member)
    client.confirm_identity()
    for name, method, kwargs, data, status in views(person):
        response = call(client, method, name, kwargs, data)
        assert response.status_code == status, name
        assert "no-store" in response["Cache-Control"]
        if status == 200:
            (title,) = parse_page(response).titles
            assert title.endswith("Steps") and not SENSITIVE_WORDS.search(title)
            assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("role", STAFF)
def test_staff_are_told_the_pages_do_not_exist(client, request, person, role):
    client.force_login(request.getfixturevalue(role))
    client.confirm_identity()
    for name, method, kwargs, data, _status in views(person):
        response = call(client, method, name, kwargs, data)
        assert response.status_code == 404, name
        assert NAME.encode() not in response.content
    assert unchanged(person)


def test_another_member_never_reaches_someone_elses_contacts(client, other_member, person):
    client.force_login(other_member)
    client.confirm_identity()
    for name, method, kwargs, data, _status in views(person):
        response = call(client, method, name, kwargs, data)
        if kwargs:
            assert response.status_code == 404, name
        assert NAME.encode() not in response.content and b"123456" not in response.content
    assert unchanged(person)


def test_anonymous_visitors_are_sent_to_sign_in(client, person):
    for name, method, kwargs, data, _status in views(person):
        response = call(client, method, name, kwargs, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert unchanged(person)


def test_the_list_shows_each_person_and_whether_they_get_the_message(client, member, person):
    contacts.contact_add(
        member=member, data=ContactData(name="Neighbour", relationship="", phone="+353 85 123 4567", may_alert=False)
    )
    client.force_login(member)

    page = client.get(reverse("safety_plans:contacts")).content.decode()

    assert NAME in page and "07400 123456" in page and "Gets your message" in page
    assert "Neighbour" in page and "+353 85 123 4567" in page and "Not sent your message" in page


def test_adding_someone_who_gets_alerts_needs_the_password_and_tells_the_owner(
    client, member, django_capture_on_commit_callbacks
):
    """The borrowed-phone attack: a signed-in session that has not just given the password
    cannot add their own number to receive alerts."""
    client.force_login(member)
    url = reverse("safety_plans:contact_add")

    response = client.post(url, NEW_PERSON)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not TrustedContact.objects.exists()
    assert not AccountEvent.objects.filter(user=member).exists()

    client.confirm_identity(seconds_ago=60 * 60)  # long ago: not recent enough
    assert client.post(url, NEW_PERSON)["Location"].startswith(reverse("account_reauthenticate"))
    assert not TrustedContact.objects.exists()

    client.confirm_identity()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, NEW_PERSON)

    assert response["Location"] == reverse("safety_plans:contacts")
    contact = TrustedContact.objects.get(member=member)
    assert (contact.name, contact.phone, contact.may_alert) == ("Cousin Wilfred", "+447400654321", True)
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.ALERT_CONTACT_ADDED).count() == 1
    [notice] = mail.outbox
    assert notice.to == [member.email]
    assert "Added someone who receives your alerts" in notice.body
    assert "Wilfred" not in notice.body and "654321" not in notice.body
    settings_page = client.get(reverse("account_settings")).content.decode()
    assert "Added someone who receives your alerts" in settings_page


def test_changing_a_number_needs_the_password_and_is_recorded(client, member, person):
    client.force_login(member)
    url = reverse("safety_plans:contact_edit", kwargs={"contact_id": person.pk})
    changed = {"name": NAME, "relationship": "Aunt", "phone": "07400 999888", "may_alert": "on"}

    assert client.get(url)["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(url, changed)["Location"].startswith(reverse("account_reauthenticate"))
    person.refresh_from_db()
    assert person.phone == "+447400123456"

    client.confirm_identity()
    assert client.post(url, changed).status_code == 302

    person.refresh_from_db()
    assert person.phone == "+447400999888"
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.ALERT_NUMBER_CHANGED).count() == 1


def test_switching_alerts_on_is_recorded(client, member):
    quiet = contacts.contact_add(
        member=member, data=ContactData(name="Quiet", relationship="", phone=PHONE, may_alert=False)
    )
    client.force_login(member)
    client.confirm_identity()

    client.post(
        reverse("safety_plans:contact_edit", kwargs={"contact_id": quiet.pk}),
        {"name": "Quiet", "relationship": "", "phone": PHONE, "may_alert": "on"},
    )

    quiet.refresh_from_db()
    assert quiet.may_alert
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.ALERT_CONTACT_ADDED).count() == 1


def test_removing_never_needs_the_password(client, member, person):
    client.force_login(member)

    response = client.post(reverse("safety_plans:contact_remove", kwargs={"contact_id": person.pk}))

    assert response["Location"] == reverse("safety_plans:contacts")
    person.refresh_from_db()
    assert person.removed_at is not None and not person.may_alert
    assert NAME not in client.get(reverse("safety_plans:contacts")).content.decode()
    assert client.get(reverse("safety_plans:contact_remove", kwargs={"contact_id": person.pk})).status_code == 404


@pytest.mark.parametrize("bad", ["12345", "not a number", "07400 12345678901", "+999 123"])
def test_a_bad_number_gets_a_kind_message_and_changes_nothing(client, member, bad):
    client.force_login(member)
    client.confirm_identity()

    response = client.post(reverse("safety_plans:contact_add"), {**NEW_PERSON, "phone": bad})

    assert response.status_code == 400
    assert "This does not look like a phone number we can text" in response.content.decode()
    assert "Cousin Wilfred" in response.content.decode(), "what was typed is kept"
    assert not TrustedContact.objects.exists()
    assert not AccountEvent.objects.exists()


def test_a_missing_name_gets_a_kind_message(client, member):
    client.force_login(member)
    client.confirm_identity()

    response = client.post(reverse("safety_plans:contact_add"), {**NEW_PERSON, "name": "  "})

    assert response.status_code == 400
    assert "Enter their name" in response.content.decode()
    assert not TrustedContact.objects.exists()


def test_numbers_are_kept_in_international_form_and_encrypted(member):
    contact = contacts.contact_add(
        member=member, data=ContactData(name=NAME, relationship="Aunt", phone="(07400) 123-456", may_alert=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM safety_plans_trustedcontact WHERE id = %s", [contact.pk.hex])
        name, phone = cursor.fetchone()
    assert contact.phone == "+447400123456"
    assert NAME not in name and "123456" not in phone

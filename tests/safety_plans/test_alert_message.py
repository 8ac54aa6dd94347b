"""The message alerts send is a change of control: someone holding the member's signed-in phone
must not be able to rewrite what the member's trusted contacts are told. Its page asks for a
recent reauthentication, the change is recorded in the same transaction and the owner is
emailed; restoring an old version of the plan keeps the message as it is."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.models import AccountEvent
from safety_plans import contacts, services
from safety_plans.errors import InvalidPlan, PlanUnchanged
from safety_plans.models import PlanVersion
from tests.factories import plan_content

pytestmark = pytest.mark.django_db

URL = "/steps/send/message/"
OWN_WORDS = "Ring me. Use the back door, the key is under the blue pot."
ATTACKERS_WORDS = "I am fine, ignore my messages and do not call."
CHANGED = "Changed the message your alerts send"
STAFF = ["worker", "coordinator", "editor", "admin_user"]


def message_events(member):
    return AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.ALERT_MESSAGE_CHANGED)


@pytest.fixture
def written(member, django_capture_on_commit_callbacks):
    """The member's own message, saved before the test begins (its notice already sent)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_alert_message_save(member=member, message=OWN_WORDS)
    mail.outbox.clear()
    return member


def test_the_address_is_the_one_the_pages_link_to():
    assert reverse("safety_plans:alert_message") == URL


def test_a_borrowed_phone_cannot_rewrite_the_message(client, written, django_capture_on_commit_callbacks):
    """The attack: a signed-in session that has not just given the password posts a new message."""
    member = written
    client.force_login(member)
    versions = PlanVersion.objects.filter(member=member).count()

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(URL)
        posted = client.post(URL, {"message": ATTACKERS_WORDS})

    for response in (page, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert OWN_WORDS.encode() not in page.content
    assert contacts.alert_message(member=member) == OWN_WORDS
    assert PlanVersion.objects.filter(member=member).count() == versions
    assert message_events(member).count() == 1, "only the owner's own, earlier change"
    assert mail.outbox == []

    client.confirm_identity(seconds_ago=60 * 60)  # long ago: not recent enough
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, {"message": ATTACKERS_WORDS})

    assert again["Location"].startswith(reverse("account_reauthenticate"))
    assert contacts.alert_message(member=member) == OWN_WORDS
    assert message_events(member).count() == 1 and mail.outbox == []


def test_after_confirming_it_is_them_the_change_is_saved_recorded_and_emailed(
    client, written, django_capture_on_commit_callbacks
):
    member = written
    client.force_login(member)
    client.confirm_identity()

    assert OWN_WORDS in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(URL, {"message": "Please come and get me."})

    assert saved["Location"] == reverse("safety_plans:alert")
    assert contacts.alert_message(member=member) == "Please come and get me."
    assert message_events(member).count() == 2
    [notice] = mail.outbox
    assert notice.to == [member.email]
    assert CHANGED in notice.body
    assert "come and get me" not in notice.body and "come and get me" not in notice.subject
    assert CHANGED in client.get(reverse("account_settings")).content.decode(), "listed under recent changes"


def test_saving_the_same_words_records_nothing(client, written, django_capture_on_commit_callbacks):
    member = written
    client.force_login(member)
    client.confirm_identity()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"message": f"  {OWN_WORDS}  "}, follow=True)

    assert "Your message is unchanged" in response.content.decode()
    assert message_events(member).count() == 1 and mail.outbox == []


def test_a_refused_message_records_nothing(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidPlan):
        services.plan_alert_message_save(member=member, message="x" * (services.ALERT_MESSAGE_MAX + 1))

    assert not message_events(member).exists() and mail.outbox == []
    assert not PlanVersion.objects.filter(member=member).exists()


def test_the_event_is_written_in_the_same_transaction_as_the_message(member):
    """Rolled back together: an event never claims a change that was not kept, and no change is
    kept without its event."""
    from django.db import transaction

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        services.plan_alert_message_save(member=member, message="Call the police")
        assert message_events(member).count() == 1
        raise Abandon

    assert not message_events(member).exists()
    assert contacts.alert_message(member=member) == contacts.DEFAULT_ALERT_MESSAGE


def test_restoring_an_old_version_keeps_todays_message(client, member, django_capture_on_commit_callbacks):
    """The versions page needs no password: it must not be a way round the message's page."""
    services.plan_save(member=member, content={**plan_content("first"), "alert_message": "The old words"})
    services.plan_alert_message_save(member=member, message=OWN_WORDS)
    services.plan_section_save(member=member, section_key="people", checked=[], notes="second")
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("safety_plans:restore", kwargs={"number": 1}))

    assert response.status_code == 302
    current = PlanVersion.objects.filter(member=member).order_by("-number").first()
    assert current.restored_from == 1
    assert current.content["sections"]["people"]["notes"] == "first", "the rest of the plan is restored"
    assert contacts.alert_message(member=member) == OWN_WORDS
    assert message_events(member).count() == 2, "the two saves of a message; the restore added none"
    assert mail.outbox == []


def test_restoring_a_version_that_differs_only_in_its_message_changes_nothing(member):
    services.plan_save(member=member, content=plan_content())
    services.plan_alert_message_save(member=member, message=OWN_WORDS)

    with pytest.raises(PlanUnchanged, match="Nothing was changed"):
        services.plan_restore(member=member, number=1)

    assert PlanVersion.objects.filter(member=member).count() == 2
    assert contacts.alert_message(member=member) == OWN_WORDS


def test_any_service_that_changes_the_message_records_it(member):
    services.plan_save(member=member, content=plan_content())
    assert not message_events(member).exists(), "a plan without a message of its own changes none"

    services.plan_save(member=member, content={**plan_content(), "alert_message": "New words"})
    services.plan_section_save(member=member, section_key="home", checked=["locks"], notes="")

    assert message_events(member).count() == 1, "the section's save kept the message"


@pytest.mark.parametrize("role", STAFF)
def test_staff_are_told_the_page_does_not_exist(client, request, written, role):
    client.force_login(request.getfixturevalue(role))
    client.confirm_identity()

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"message": ATTACKERS_WORDS}).status_code == 404
    assert contacts.alert_message(member=written) == OWN_WORDS


def test_another_member_changes_only_their_own_message(client, other_member, written):
    client.force_login(other_member)
    client.confirm_identity()

    page = client.get(URL).content.decode()
    client.post(URL, {"message": ATTACKERS_WORDS})

    assert OWN_WORDS not in page
    assert contacts.alert_message(member=written) == OWN_WORDS
    assert contacts.alert_message(member=other_member) == ATTACKERS_WORDS
    assert message_events(written).count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, written):
    for response in (client.get(URL), client.post(URL, {"message": ATTACKERS_WORDS})):
        assert response["Location"].startswith(reverse("account_login"))
    assert contacts.alert_message(member=written) == OWN_WORDS

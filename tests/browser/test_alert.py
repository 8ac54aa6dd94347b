"""On a phone: a member adds someone they trust (after confirming it is them), then sends them
their message in two taps from the home page, with their location; changing the message asks
who it is first; axe-core finds nothing on the pages for people and for sending."""

import pytest
from playwright.sync_api import expect

from safety_plans import contacts
from safety_plans.contacts import ContactData
from safety_plans.models import Alert, DeliveryStatus
from tests.browser.checks import assert_accessible
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 53.480759, "longitude": -2.242631}


@pytest.fixture
def phone_page(new_context):
    context = new_context(viewport=PHONE, permissions=["geolocation"], geolocation=WHERE)
    return context.new_page()


def test_add_someone_then_send_them_the_message_in_two_taps(
    phone_page, sign_in, confirm_it_is_you, fake_twilio, live_server
):
    page = phone_page
    member = MemberFactory()
    contacts.contact_add(
        member=member, data=ContactData(name="Sister Ann", relationship="Sister", phone="07400 123111", may_alert=True)
    )
    sign_in(page, member)

    page.goto("/steps/people/")
    assert_accessible(page)
    page.get_by_role("link", name="Add someone").click()
    confirm_it_is_you(page, member)
    assert page.url.endswith("/steps/people/add/")
    assert_accessible(page)
    page.get_by_label("Name").fill("Neighbour Tom")
    page.get_by_label("Mobile number").fill("0740 0123 222")
    page.get_by_label("Send them my message when I ask").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Neighbour Tom")
    expect(page.locator("main")).to_contain_text("07400 123222")
    assert_accessible(page)

    # Tap one, on the home page.
    page.goto("/home/")
    page.get_by_role("button", name="Send my message to people I trust").click()
    expect(page.get_by_role("heading", name="Send your message")).to_be_visible()
    expect(page.get_by_label("Sister Ann")).to_be_checked()
    expect(page.get_by_label("Neighbour Tom")).to_be_checked()
    assert_accessible(page)

    page.get_by_label("Add my current location").check()
    expect(page.locator("[data-alert-location-status]")).to_have_text("Your location will be added to the message.")
    # Tap two.
    page.get_by_role("button", name="Send now").click()

    expect(page.locator("main")).to_contain_text("Your message is on its way.")
    expect(page.locator("main table")).to_contain_text("Sister Ann")
    expect(page.locator("main table")).to_contain_text("Neighbour Tom")
    assert page.locator("main table td", has_text="Sent").count() == 2
    assert_accessible(page)

    alert = Alert.objects.get(member=member)
    assert alert.location_included
    assert [d.status for d in alert.deliveries.all()] == [DeliveryStatus.SENT] * 2
    assert sorted(text["To"] for text in fake_twilio.sent) == ["+447400123111", "+447400123222"]
    assert {text["Body"] for text in fake_twilio.sent} == {
        f"{contacts.DEFAULT_ALERT_MESSAGE}\nMy location: https://maps.google.com/?q=53.48076,-2.24263"
    }

    page.goto("/steps/sent/")
    expect(page.locator("main")).to_contain_text("To 2 people: 2 sent; with your location.")
    assert_accessible(page)
    page.goto("/steps/send/message/")  # confirmed a few minutes ago, when adding Tom
    expect(page.get_by_role("heading", name="Your message")).to_be_visible()
    assert_accessible(page)


def test_changing_the_message_asks_who_it_is_first(phone_page, sign_in, confirm_it_is_you, live_server, mailoutbox):
    """The words the member's contacts get are a change of control: the page asks for the
    password first, and the owner is emailed once it is changed."""
    page = phone_page
    member = MemberFactory()
    contacts.contact_add(
        member=member, data=ContactData(name="Sister Ann", relationship="Sister", phone="07400 123111", may_alert=True)
    )
    sign_in(page, member)

    page.goto("/steps/send/")
    page.get_by_role("link", name="Write your own message").click()
    confirm_it_is_you(page, member)
    assert page.url.endswith("/steps/send/message/")
    page.get_by_label("Your message").fill("Ring me. Use the back door.")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("main")).to_contain_text("Your message is saved.")
    expect(page.locator("main blockquote")).to_have_text("Ring me. Use the back door.")
    assert contacts.alert_message(member=member) == "Ring me. Use the back door."
    assert [mail.to for mail in mailoutbox if "Changed the message your alerts send" in mail.body] == [[member.email]]

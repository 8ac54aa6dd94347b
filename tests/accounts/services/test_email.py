"""One email address per account, changed safely: the new address confirms, the old one is told
at once and can undo the change for a week. The end state is checked in the database."""

import re
import smtplib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from portal.accounts.models import AccountEvent, EmailChange, User
from tests.conftest import PortalClient
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

EMAIL_PAGE = "/accounts/email/"
NEW = "new.address@example.net"


def link(message, kind: str) -> str:
    [found] = re.findall(rf"https?://[^/\s]+(/accounts/email/{kind}/\S+/)", message.body)
    return found


def addresses(user) -> list[tuple[str, bool, bool]]:
    return list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary"))


def can_sign_in(email: str, password: str = PASSWORD) -> bool:
    client = PortalClient()
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return response.status_code == 302 and client.get("/home/").status_code == 200


@pytest.fixture
def owner(client, member):
    """The member, signed in, having just confirmed it is them."""
    client.force_login(member)
    client.confirm_identity()
    return member


@pytest.fixture
def asked(client, owner, mailoutbox):
    """The owner has asked to move to NEW; returns the confirmation link."""
    client.post(EMAIL_PAGE, {"new_email": NEW})
    [message] = mailoutbox
    mailoutbox.clear()
    return link(message, "confirm")


@pytest.fixture
def changed(asked, owner, mailoutbox):
    """The new address has confirmed; returns the undo link sent to the old one."""
    PortalClient().post(asked)
    [notice] = [message for message in mailoutbox if message.to == [owner.email]]
    mailoutbox.clear()
    return link(notice, "undo")


def test_asking_sends_a_link_to_the_new_address_and_changes_nothing_yet(client, owner, mailoutbox, assert_neutral):
    response = client.post(EMAIL_PAGE, {"new_email": "New.Address@Example.NET"})

    assert response["Location"] == EMAIL_PAGE
    [message] = mailoutbox
    assert message.to == [NEW]
    assert message.subject == "Daybook: Confirm your new email address"
    assert_neutral(message)
    owner.refresh_from_db()
    assert owner.email != NEW
    assert addresses(owner) == [(owner.email, True, True)]
    assert can_sign_in(owner.email)
    assert b"A link was sent to new.address@example.net" in client.get(EMAIL_PAGE).content


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(asked, owner):
    """Mail scanners open links: only the button changes the address."""
    page = PortalClient().get(asked)

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert User.objects.get(pk=owner.pk).email == owner.email


def test_confirming_moves_the_account_to_the_new_address_and_tells_the_old_one(
    asked, owner, mailoutbox, assert_neutral
):
    old = owner.email

    response = PortalClient().post(asked)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == NEW
    assert addresses(owner) == [(NEW, True, True)], "one address, the new one"
    [notice] = mailoutbox
    assert notice.to == [old]
    assert notice.subject == "Daybook: Your email address was changed"
    assert NEW in notice.body and "/accounts/email/undo/" in notice.body and "7 days" in notice.body
    assert_neutral(notice)
    assert AccountEvent.objects.filter(user=owner, kind=AccountEvent.Kind.EMAIL_CHANGED).exists()
    assert can_sign_in(NEW)
    assert not can_sign_in(old)


def test_a_confirmation_link_works_once_and_only_for_a_day(client, owner, mailoutbox):
    client.post(EMAIL_PAGE, {"new_email": NEW})
    first = link(mailoutbox[-1], "confirm")
    EmailChange.objects.update(requested_at=timezone.now() - timedelta(hours=25))

    late = PortalClient().post(first)

    assert late.status_code == 400
    assert User.objects.get(pk=owner.pk).email != NEW

    client.post(EMAIL_PAGE, {"new_email": NEW})
    second = link(mailoutbox[-1], "confirm")
    assert PortalClient().post(second).status_code == 302
    assert PortalClient().post(second).status_code == 400


def test_only_the_newest_request_can_be_confirmed(client, owner, mailoutbox):
    client.post(EMAIL_PAGE, {"new_email": "first@example.net"})
    first = link(mailoutbox[-1], "confirm")
    client.post(EMAIL_PAGE, {"new_email": NEW})

    assert PortalClient().post(first).status_code == 400
    assert User.objects.get(pk=owner.pk).email == owner.email


def test_an_address_of_another_account_is_refused_when_confirmed(client, owner, mailoutbox):
    """Asking does not say whether the address has an account; confirming refuses it."""
    someone = MemberFactory()

    response = client.post(EMAIL_PAGE, {"new_email": someone.email})
    assert response.status_code == 302
    confirm = PortalClient().post(link(mailoutbox[-1], "confirm"))

    assert confirm.status_code == 400
    assert b"already used by another account" in confirm.content
    assert User.objects.get(pk=owner.pk).email == owner.email
    assert addresses(someone) == [(someone.email, True, True)]


@pytest.mark.parametrize("bad", ["", "not-an-address", "a@b"])
def test_a_bad_address_is_refused_kindly_and_nothing_is_sent(client, owner, mailoutbox, bad):
    response = client.post(EMAIL_PAGE, {"new_email": bad})

    assert response.status_code == 200
    assert b"Enter" in response.content
    assert mailoutbox == []
    assert not EmailChange.objects.exists()


def test_the_same_address_is_refused(client, owner, mailoutbox):
    response = client.post(EMAIL_PAGE, {"new_email": owner.email.upper()})

    assert b"already your email address" in response.content
    assert mailoutbox == []


def test_allauths_own_address_actions_add_nothing(client, owner):
    """The old page's buttons (add, make primary, remove, re-send) are gone with it."""
    for action in ("action_add", "action_primary", "action_remove", "action_send"):
        client.post(EMAIL_PAGE, {action: "", "email": "extra@example.net"})

    assert addresses(owner) == [(owner.email, True, True)]
    assert not EmailChange.objects.filter(new_email="extra@example.net").exists()


# --- Undoing it from the old address -----------------------------------------------------------


def test_the_old_address_undoes_the_change_and_shuts_out_whoever_made_it(changed, owner, mailoutbox):
    old = EmailChange.objects.get(user=owner).old_email
    someone_signed_in = PortalClient()
    assert can_sign_in(NEW)
    someone_signed_in.post("/accounts/login/", {"login": NEW, "password": PASSWORD})
    assert someone_signed_in.get("/home/").status_code == 200

    page = PortalClient().get(changed)
    assert page.status_code == 200
    assert User.objects.get(pk=owner.pk).email == NEW, "opening the link changes nothing"
    response = PortalClient().post(changed)

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.email == old
    assert addresses(owner) == [(old, True, True)]
    assert not owner.has_usable_password(), "the password someone else may know stops working"
    assert someone_signed_in.get("/home/").status_code == 302, "every session is signed out"
    assert not can_sign_in(NEW) and not can_sign_in(old)
    assert AccountEvent.objects.filter(user=owner, kind=AccountEvent.Kind.EMAIL_CHANGE_UNDONE).exists()
    reset = [
        message for message in mailoutbox if message.to == [old] and "/accounts/password/reset/key/" in message.body
    ]
    assert len(reset) == 1, "a link to choose a new password goes to the restored address"


def test_an_undo_link_works_once_and_only_for_a_week(changed, owner):
    EmailChange.objects.update(confirmed_at=timezone.now() - timedelta(days=7, minutes=1))

    late = PortalClient().post(changed)

    assert late.status_code == 400
    assert User.objects.get(pk=owner.pk).email == NEW

    EmailChange.objects.update(confirmed_at=timezone.now())
    assert PortalClient().post(changed).status_code == 200
    assert PortalClient().post(changed).status_code == 400


def test_links_with_made_up_tokens_do_nothing(client, owner):
    for kind in ("confirm", "undo"):
        assert PortalClient().post(f"/accounts/email/{kind}/made-up-token/").status_code == 400
    assert User.objects.get(pk=owner.pk).email == owner.email


# --- Who may use the page --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(EMAIL_PAGE)

    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["worker", "coordinator", "editor", "admin_user"])
def test_staff_change_only_their_own_address_the_same_way(request, client, role, mailoutbox):
    staff = request.getfixturevalue(role)
    client.force_login(staff)
    client.confirm_identity()

    client.post(EMAIL_PAGE, {"new_email": NEW})

    [message] = mailoutbox
    assert message.to == [NEW]
    assert EmailChange.objects.get().user == staff


class UnreachableMailServer(BaseEmailBackend):
    """A mail server that is down, quoting the address back in its error, as real ones do."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({a: (451, b"try later") for m in email_messages for a in m.to})


def test_with_the_mail_server_down_asking_changes_nothing_and_says_so(client, owner, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableMailServer"}}

    response = client.post(EMAIL_PAGE, {"new_email": NEW})

    assert response.status_code == 200
    assert b"We could not send the email just now" in response.content
    assert not EmailChange.objects.exists(), "no request waits for a link that never went out"
    assert NEW not in caplog.text


def test_with_the_mail_server_down_confirming_changes_nothing(asked, owner, settings, caplog):
    old = User.objects.get(pk=owner.pk).email
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableMailServer"}}

    response = PortalClient().post(asked)

    assert response.status_code == 400
    assert b"We could not send the email just now" in response.content
    owner.refresh_from_db()
    assert owner.email == old and addresses(owner) == [(old, True, True)], "never changed without the old address told"
    assert not AccountEvent.objects.filter(user=owner, kind=AccountEvent.Kind.EMAIL_CHANGED).exists()
    assert old not in caplog.text and NEW not in caplog.text
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert PortalClient().post(asked).status_code == 302, "the same link works once mail is back"


def test_with_the_mail_server_down_undoing_still_puts_the_address_back(changed, owner, settings, caplog):
    old = EmailChange.objects.get(user=owner).old_email
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableMailServer"}}

    response = PortalClient().post(changed)

    assert response.status_code == 200
    assert b"We could not send you a link" in response.content
    owner.refresh_from_db()
    assert owner.email == old and not owner.has_usable_password()
    assert old not in caplog.text

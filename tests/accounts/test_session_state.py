"""Recent reauthentication: someone holding a member's signed-in phone cannot change who controls
the account. Each attack is performed end to end and the database is checked afterwards."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts import selectors, session_state
from portal.accounts.models import AccountEvent, CodeAttempts, EmailChange, PhoneDevice, User
from portal.accounts.services import two_step
from tests.conftest import PortalClient
from tests.factories import PASSWORD, MemberFactory
from tests.two_step import app_code

pytestmark = pytest.mark.django_db

REAUTH = "/accounts/reauthenticate/"
NEW_PASSWORD = "lantern-orchard-quietly-74"


@pytest.fixture
def protected_member(db):
    """A member with two-step sign-in on: an app, a phone, a passkey and backup codes."""
    user = MemberFactory(authenticator=True)
    user.backup_codes = two_step.backup_codes_make(user=user)
    two_step.phone_device_create(user=user, number="+447700900123", confirmed=True)
    WebAuthnCredential.objects.create(user=user, name="Passkey", credential_id=b"x" * 32, public_key=b"k", sign_count=0)
    return user


@pytest.fixture
def borrowed(client, protected_member):
    """The member's phone, signed in and past the second step, in someone else's hand."""
    client.force_login(protected_member)
    return client


def confirmed_recently(client) -> bool:
    return session_state.REAUTHENTICATED_AT_KEY in client.session


def sent_to_confirm(response, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"{REAUTH}?next={path}"


# --- Every change of control, tried from the borrowed phone -----------------------------------


def _state(user: User) -> dict:
    """What decides who controls the account."""
    user = User.objects.get(pk=user.pk)
    static = StaticDevice.objects.filter(user=user).first()
    return {
        "email": user.email,
        "password": user.password,
        "deletion": user.deletion_requested_at,
        "apps": sorted(TOTPDevice.objects.filter(user=user, confirmed=True).values_list("pk", flat=True)),
        "backup_codes": sorted(StaticToken.objects.filter(device=static).values_list("token", flat=True)),
        "phones": sorted(PhoneDevice.objects.filter(user=user).values_list("pk", flat=True)),
        "passkeys": sorted(WebAuthnCredential.objects.filter(user=user).values_list("pk", flat=True)),
        "email_changes": EmailChange.objects.filter(user=user).count(),
    }


def _attacks(user: User) -> list[tuple[str, dict]]:
    passkey = WebAuthnCredential.objects.get(user=user)
    return [
        ("/accounts/email/", {"new_email": "someone.else@example.net"}),
        ("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
        ("/accounts/two-step/app/", {"code": "123456", "current_code": app_code(user)}),
        ("/accounts/two-step/backup-codes/", {"current_code": user.backup_codes[0]}),
        ("/accounts/two-step/phone/", {"number": "07700 900999"}),
        ("/accounts/two-step/phone/remove/", {}),
        (f"/accounts/two-step/passkeys/{passkey.pk}/remove/", {}),
        ("/accounts/two-step/off/", {"code": user.backup_codes[1]}),
        ("/accounts/delete/", {}),
    ]


def test_a_borrowed_signed_in_phone_changes_nothing_about_who_controls_the_account(
    borrowed, protected_member, mailoutbox
):
    before = _state(protected_member)

    for path, data in _attacks(protected_member):
        response = borrowed.post(path, data)
        assert sent_to_confirm(response, path), path

    assert _state(protected_member) == before
    assert mailoutbox == [], "not even a confirmation link went out"
    assert borrowed.get("/home/").status_code == 200, "the session itself is left alone"
    # Every backup code still works: none was spent on the way.
    assert StaticToken.objects.filter(device__user=protected_member).count() == 10


def test_a_member_without_two_step_cannot_have_it_turned_on_by_someone_else(client, member):
    """Turning it on with the other person's app would lock the owner out of their own account."""
    client.force_login(member)
    device = two_step.app_setup_start(user=member)

    response = client.post("/accounts/two-step/app/", {"code": f"{totp(device.bin_key):06d}"})

    assert sent_to_confirm(response, "/accounts/two-step/app/")
    assert not selectors.two_step_is_on(user=member)


def test_a_confirmation_from_long_ago_does_not_count(borrowed, protected_member, settings):
    borrowed.confirm_identity(seconds_ago=settings.REAUTHENTICATION_MINUTES * 60 + 1)
    before = _state(protected_member)

    response = borrowed.post("/accounts/two-step/off/", {"code": protected_member.backup_codes[0]})

    assert sent_to_confirm(response, "/accounts/two-step/off/")
    assert _state(protected_member) == before


def test_signing_in_alone_does_not_count_as_confirming(client, protected_member, sign_in):
    """The phone may be picked up a moment after its owner signed in."""
    sign_in(client, protected_member.email)
    client.post("/accounts/two-step/verify/", {"code": app_code(protected_member)})
    assert client.get("/home/").status_code == 200

    response = client.post("/accounts/email/", {"new_email": "someone.else@example.net"})

    assert sent_to_confirm(response, "/accounts/email/")
    assert not EmailChange.objects.exists()


def test_a_confirmation_belongs_to_its_own_session(protected_member):
    here, elsewhere = PortalClient(), PortalClient()
    for client in (here, elsewhere):
        client.force_login(protected_member)
    here.confirm_identity()

    assert here.get("/accounts/email/").status_code == 200
    assert sent_to_confirm(elsewhere.get("/accounts/email/"), "/accounts/email/")


# --- The confirmation page -------------------------------------------------------------------


def test_a_member_without_two_step_confirms_with_the_password(client, member):
    client.force_login(member)

    page = client.get(f"{REAUTH}?next=/accounts/email/")
    response = client.post(f"{REAUTH}?next=/accounts/email/", {"password": PASSWORD, "next": "/accounts/email/"})

    assert b'name="code"' not in page.content
    assert response["Location"] == "/accounts/email/"
    assert client.get("/accounts/email/").status_code == 200


def test_with_two_step_on_the_password_and_a_current_code_are_both_needed(borrowed, protected_member):
    page = borrowed.get(REAUTH)
    password_only = borrowed.post(REAUTH, {"password": PASSWORD, "next": "/accounts/email/"})
    code_only = borrowed.post(REAUTH, {"code": app_code(protected_member), "next": "/accounts/email/"})
    both = borrowed.post(REAUTH, {"password": PASSWORD, "code": app_code(protected_member), "next": "/accounts/email/"})

    assert b'name="password"' in page.content and b'name="code"' in page.content
    assert password_only.status_code == code_only.status_code == 200
    assert both["Location"] == "/accounts/email/"
    assert confirmed_recently(borrowed)


def test_a_wrong_password_confirms_nothing_and_spends_no_code(borrowed, protected_member):
    response = borrowed.post(REAUTH, {"password": "not-the-password-1", "code": protected_member.backup_codes[0]})

    assert response.status_code == 200
    assert b"That is not your password" in response.content
    assert not confirmed_recently(borrowed)
    assert two_step.code_check(user=protected_member, code=protected_member.backup_codes[0]) is not None, (
        "the backup code was not used up by a wrong password"
    )


def test_a_wrong_code_confirms_nothing_and_counts_towards_the_pause(borrowed, protected_member):
    response = borrowed.post(REAUTH, {"password": PASSWORD, "code": "000000"})

    assert response.status_code == 200
    assert b"That code did not work" in response.content
    assert not confirmed_recently(borrowed)
    assert CodeAttempts.objects.get(user=protected_member).failures == 1


def test_wrong_passwords_here_count_towards_the_sign_in_lockout(client, member, settings):
    client.force_login(member)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(REAUTH, {"password": "not-the-password-1"})

    response = client.post(REAUTH, {"password": PASSWORD})

    assert response.status_code in {200, 429}
    assert b"paused" in response.content
    assert not confirmed_recently(client), "even the right password is refused during the pause"


def test_the_page_only_sends_people_on_within_the_site(client, member):
    client.force_login(member)

    response = client.post(REAUTH, {"password": PASSWORD, "next": "https://elsewhere.example/"})

    assert response["Location"] == "/accounts/settings/"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(REAUTH)

    assert response["Location"].startswith("/accounts/login/")


def test_staff_setting_up_two_step_straight_after_the_password_are_not_asked_again(client, worker, sign_in):
    TOTPDevice.objects.filter(user=worker).delete()
    sign_in(client, worker.email)

    page = client.get("/accounts/two-step/app/")

    assert page.status_code == 200
    assert confirmed_recently(client)
    assert time.time() - client.session[session_state.REAUTHENTICATED_AT_KEY] < 60


# --- Replacing a method needs a code from what it replaces -------------------------------------


def test_moving_to_a_new_app_needs_a_code_from_the_old_one_and_signs_out_every_other_device(protected_member, sign_in):
    elsewhere = PortalClient()
    sign_in(elsewhere, protected_member.email)
    elsewhere.post("/accounts/two-step/verify/", {"code": protected_member.backup_codes[5]})
    assert elsewhere.get("/home/").status_code == 200
    here = PortalClient()
    here.force_login(protected_member)
    here.confirm_identity()
    old_app = TOTPDevice.objects.get(user=protected_member, confirmed=True)
    here.get("/accounts/two-step/app/")
    new_app = TOTPDevice.objects.get(user=protected_member, confirmed=False)
    new_code = f"{totp(new_app.bin_key):06d}"

    refused = here.post("/accounts/two-step/app/", {"code": new_code, "current_code": "000000"})

    assert refused.status_code == 200
    assert list(TOTPDevice.objects.filter(user=protected_member, confirmed=True)) == [old_app]

    new_code = f"{totp(new_app.bin_key, drift=1):06d}"
    response = here.post(
        "/accounts/two-step/app/", {"code": new_code, "current_code": protected_member.backup_codes[6]}
    )

    assert response["Location"] == "/accounts/two-step/"
    assert list(TOTPDevice.objects.filter(user=protected_member, confirmed=True)) == [new_app]
    assert here.get("/home/").status_code == 200
    assert elsewhere.get("/home/").status_code == 302
    assert SESSION_KEY not in elsewhere.session


def test_a_texted_code_cannot_replace_the_app(protected_member):
    """Whoever holds the phone also receives its texts: replacing the app needs the app or a backup code."""
    client = PortalClient()
    client.force_login(protected_member)
    client.confirm_identity()
    phone = PhoneDevice.objects.get(user=protected_member)
    phone.generate_token(valid_secs=300)
    client.get("/accounts/two-step/app/")
    new_app = TOTPDevice.objects.get(user=protected_member, confirmed=False)

    response = client.post(
        "/accounts/two-step/app/",
        {"code": f"{totp(new_app.bin_key):06d}", "current_code": phone.token},
    )

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(pk=new_app.pk, confirmed=True).exists()


def test_new_backup_codes_need_a_current_one_and_sign_out_every_other_device(protected_member):
    elsewhere = PortalClient()
    elsewhere.force_login(protected_member)
    assert elsewhere.get("/home/").status_code == 200
    here = PortalClient()
    here.force_login(protected_member)
    here.confirm_identity()
    old_codes = set(StaticToken.objects.filter(device__user=protected_member).values_list("token", flat=True))

    refused = here.post("/accounts/two-step/backup-codes/", {"current_code": "aaaa-bbbb"})
    assert refused.status_code == 200
    assert set(StaticToken.objects.filter(device__user=protected_member).values_list("token", flat=True)) == old_codes

    made = here.post("/accounts/two-step/backup-codes/", {"current_code": protected_member.backup_codes[0]})

    assert made.status_code == 200
    new_codes = set(StaticToken.objects.filter(device__user=protected_member).values_list("token", flat=True))
    assert new_codes and not new_codes & old_codes
    assert elsewhere.get("/home/").status_code == 302
    assert here.get("/home/").status_code == 200


# --- The owner hears of each change -----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        (lambda c, u: c.post("/accounts/two-step/phone/remove/"), AccountEvent.Kind.PHONE_REMOVED),
        (
            lambda c, u: c.post("/accounts/two-step/backup-codes/", {"current_code": u.backup_codes[0]}),
            AccountEvent.Kind.BACKUP_CODES_MADE,
        ),
        (
            lambda c, u: c.post(
                "/accounts/password/change/",
                {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            ),
            AccountEvent.Kind.PASSWORD_CHANGED,
        ),
        (lambda c, u: c.post("/accounts/delete/"), AccountEvent.Kind.DELETION_REQUESTED),
    ],
)
def test_each_change_of_control_is_listed_and_emailed_to_the_owner(
    borrowed, protected_member, action, kind, mailoutbox, assert_neutral, django_capture_on_commit_callbacks
):
    borrowed.confirm_identity()
    before = AccountEvent.objects.filter(user=protected_member, kind=kind).count()

    with django_capture_on_commit_callbacks(execute=True):
        action(borrowed, protected_member)

    assert AccountEvent.objects.filter(user=protected_member, kind=kind).count() == before + 1
    notices = [message for message in mailoutbox if message.subject == "Daybook: A change to your account"]
    assert len(notices) == 1 and notices[0].to == [protected_member.email]
    assert AccountEvent(kind=kind).get_kind_display() in notices[0].body
    assert_neutral(notices[0])

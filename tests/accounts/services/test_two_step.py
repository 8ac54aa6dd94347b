"""Two-step sign-in: the code after the password, its methods, its limits and its policy."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import sms
from portal.accounts import selectors, tasks
from portal.accounts.errors import NotAllowed, WrongCode
from portal.accounts.models import AccountEvent, CodeAttempts, PhoneDevice, PhoneNumber
from portal.accounts.services import two_step
from tests.conftest import PortalClient
from tests.factories import EditorFactory, MemberFactory, WorkerFactory
from tests.two_step import VERIFY, app_code

pytestmark = pytest.mark.django_db


def enter_code(client, code: str, next_url: str = ""):
    return client.post(VERIFY + (f"?next={next_url}" if next_url else ""), {"code": code})


@pytest.fixture
def protected_member(db):
    """A member with two-step sign-in on: an app, and backup codes kept in ``.backup_codes``."""
    user = MemberFactory(authenticator=True)
    user.backup_codes = two_step.backup_codes_make(user=user)
    return user


def add_phone(user, number: str = "+447700900123") -> PhoneDevice:
    return two_step.phone_device_create(user=user, number=number, confirmed=True)


def is_signed_in(client) -> bool:
    return client.get("/home/").status_code == 200


# --- The second step after the password -------------------------------------------------


def test_the_password_alone_reaches_only_the_code_page(client, protected_member, sign_in):
    response = sign_in(client, protected_member.email, follow=True)

    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert b"Enter your code" in response.content
    assert b"You are signed in" not in response.content, "not signed in yet: the code is still to come"
    for path in ("/home/", "/notes/", "/accounts/settings/", "/accounts/two-step/", "/accounts/two-step/off/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"].startswith(VERIFY), path
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert b"Enter your code" in page.content
    assert b'href="/notes/"' not in page.content, "no menu of the portal before the second step"


def test_a_right_app_code_finishes_signing_in_and_goes_where_the_person_was_going(client, protected_member, sign_in):
    sign_in(client, protected_member.email)
    session_before = client.session.session_key

    response = enter_code(client, app_code(protected_member), next_url="/notes/")

    assert response.status_code == 302
    assert response["Location"] == "/notes/"
    assert is_signed_in(client)
    assert client.session.session_key != session_before, "a new session key once the second step is passed"
    assert AccountEvent.objects.filter(user=protected_member, kind=AccountEvent.Kind.SIGNED_IN).count() == 1


def test_a_next_address_elsewhere_is_ignored(client, protected_member, sign_in):
    sign_in(client, protected_member.email)

    response = enter_code(client, app_code(protected_member), next_url="https://elsewhere.example/")

    assert response["Location"] == "/home/"


def test_a_wrong_code_is_refused_kindly_and_changes_nothing(client, protected_member, sign_in):
    sign_in(client, protected_member.email)

    response = enter_code(client, "000000")

    assert response.status_code == 200
    assert b"That code did not work" in response.content
    assert not is_signed_in(client)
    assert CodeAttempts.objects.get(user=protected_member).failures == 1


def test_an_app_code_works_once(client, protected_member, sign_in):
    code = app_code(protected_member)
    sign_in(client, protected_member.email)
    enter_code(client, code)
    assert is_signed_in(client)

    replay = Client()
    sign_in(replay, protected_member.email)
    enter_code(replay, code)

    assert not is_signed_in(replay)


def test_a_member_without_two_step_signs_in_with_the_password(client, member, sign_in):
    response = sign_in(client, member.email)

    assert response["Location"] == "/home/"
    assert is_signed_in(client)


# --- Backup codes ----------------------------------------------------------------------


def test_backup_codes_are_ten_and_each_works_once(client, protected_member, sign_in):
    codes = protected_member.backup_codes
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)

    sign_in(client, protected_member.email)
    response = enter_code(client, codes[0].upper().replace("-", " "))  # as people copy them
    assert response.status_code == 302
    assert is_signed_in(client)
    assert StaticDevice.objects.get(user=protected_member).token_set.count() == 9

    again = Client()
    sign_in(again, protected_member.email)
    assert enter_code(again, codes[0]).status_code == 200
    assert not is_signed_in(again)
    enter_code(again, codes[1])
    assert is_signed_in(again)


def test_new_backup_codes_void_the_old_set(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()
    old = protected_member.backup_codes

    response = client.post("/accounts/two-step/backup-codes/", {"current_code": old[0]})

    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert "no-store" in response["Cache-Control"]
    assert two_step.code_check(user=protected_member, code=old[2]) is None
    assert two_step.code_check(user=protected_member, code=new[2]) is not None


def test_backup_codes_are_shown_only_on_the_page_that_made_them(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()
    made = client.post("/accounts/two-step/backup-codes/", {"current_code": app_code(protected_member)})
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", made.content.decode())

    settings_page = client.get("/accounts/two-step/").content.decode()
    asking_page = client.get("/accounts/two-step/backup-codes/").content.decode()

    assert len(codes) == 10
    assert "10 of 10 left" in settings_page
    assert not any(code in settings_page or code in asking_page for code in codes)


# --- The lock after wrong codes ----------------------------------------------------------


def test_five_wrong_codes_pause_codes_for_every_session_of_the_account(client, protected_member, sign_in, settings):
    sign_in(client, protected_member.email)
    for _ in range(settings.TWO_STEP_FAILURES_BEFORE_LOCK):
        enter_code(client, "111111")

    response = enter_code(client, app_code(protected_member))

    assert b"codes are paused" in response.content
    assert not is_signed_in(client)
    # Another browser (or another app server) finds the same lock: it is in the database.
    other = Client()
    sign_in(other, protected_member.email)
    enter_code(other, app_code(protected_member))
    assert not is_signed_in(other)
    assert AccountEvent.objects.filter(user=protected_member, kind=AccountEvent.Kind.CODES_LOCKED).exists()


def test_the_pause_ends_and_grows_with_each_further_wrong_code(client, protected_member, sign_in, settings):
    sign_in(client, protected_member.email)
    for _ in range(settings.TWO_STEP_FAILURES_BEFORE_LOCK):
        enter_code(client, "111111")
    attempts = CodeAttempts.objects.get(user=protected_member)
    first_pause = attempts.locked_until - timezone.now()
    assert (
        timedelta(seconds=settings.TWO_STEP_LOCK_SECONDS - 5)
        < first_pause
        <= timedelta(seconds=settings.TWO_STEP_LOCK_SECONDS)
    )

    CodeAttempts.objects.filter(pk=attempts.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    enter_code(client, "222222")
    second_pause = CodeAttempts.objects.get(pk=attempts.pk).locked_until - timezone.now()
    assert second_pause > first_pause * 1.9, "the pause doubles"

    CodeAttempts.objects.filter(pk=attempts.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    enter_code(client, app_code(protected_member))
    assert is_signed_in(client)
    assert CodeAttempts.objects.get(pk=attempts.pk).failures == 0, "a right code clears the count"


# --- Codes by text ---------------------------------------------------------------------


def test_a_code_by_text_signs_in_and_the_text_is_neutral(client, protected_member, sign_in):
    add_phone(protected_member)
    sign_in(client, protected_member.email)

    response = client.post("/accounts/two-step/verify/text/", {"next": "/notes/"})

    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fnotes%2F"
    [text] = sms.MemoryBackend.outbox
    assert text.to == "+447700900123"
    assert re.fullmatch(r"Your code is \d{6}", text.body)
    page = client.get(response["Location"])
    assert b"ending 123" in page.content
    enter_code(client, text.body[-6:])
    assert is_signed_in(client)

    again = Client()
    sign_in(again, protected_member.email)
    enter_code(again, text.body[-6:])
    assert not is_signed_in(again), "a texted code works once"


def test_a_texted_code_lasts_five_minutes(client, protected_member, sign_in):
    phone = add_phone(protected_member)
    sign_in(client, protected_member.email)
    client.post("/accounts/two-step/verify/text/")
    code = sms.MemoryBackend.outbox[-1].body[-6:]
    phone.refresh_from_db()
    assert timedelta(minutes=4, seconds=50) < phone.valid_until - timezone.now() <= timedelta(minutes=5)

    PhoneDevice.objects.filter(pk=phone.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    enter_code(client, code)

    assert not is_signed_in(client)


def test_texts_are_limited_per_account_per_hour(client, protected_member, sign_in, settings):
    add_phone(protected_member)
    sign_in(client, protected_member.email)
    for _ in range(settings.SMS_CODES_PER_HOUR):
        client.post("/accounts/two-step/verify/text/")

    response = client.post("/accounts/two-step/verify/text/", follow=True)

    assert len(sms.MemoryBackend.outbox) == settings.SMS_CODES_PER_HOUR
    assert b"no more can be sent for now" in response.content
    # The limit is counted in the database: a new session of the same account is no way round it.
    other = Client()
    sign_in(other, protected_member.email)
    other.post("/accounts/two-step/verify/text/")
    assert len(sms.MemoryBackend.outbox) == settings.SMS_CODES_PER_HOUR


def test_the_sms_provider_down_gives_a_clear_message_and_the_app_still_works(client, protected_member, sign_in):
    add_phone(protected_member)
    sms.MemoryBackend.fail_with = sms.SmsError("Twilio answered 500")
    sign_in(client, protected_member.email)

    response = client.post("/accounts/two-step/verify/text/", follow=True)

    assert response.status_code == 200
    assert response.content.count(b"We could not send a text just now") == 1
    enter_code(client, app_code(protected_member))
    assert is_signed_in(client)


def test_the_code_goes_through_the_real_twilio_library(client, protected_member, sign_in, fake_twilio, settings):
    add_phone(protected_member, "+447700900456")
    sign_in(client, protected_member.email)

    client.post("/accounts/two-step/verify/text/")

    [request] = fake_twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"
    assert request.form["To"] == "+447700900456"
    assert re.fullmatch(r"Your code is \d{6}", request.form["Body"])
    enter_code(client, request.form["Body"][-6:])
    assert is_signed_in(client)


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_twilio_failing_does_not_break_signing_in(client, protected_member, sign_in, fake_twilio, fault):
    add_phone(protected_member)
    if fault == "500":
        fake_twilio.answer_with(status=500)
    else:
        fake_twilio.delay(3)
    sign_in(client, protected_member.email)

    response = client.post("/accounts/two-step/verify/text/", follow=True)

    assert b"We could not send a text just now" in response.content
    enter_code(client, protected_member.backup_codes[0])
    assert is_signed_in(client)


def test_a_failed_text_is_tried_again_later_by_the_production_queue(protected_member, settings):
    """With the database queue (production's), a text the provider refused is queued again to
    run a little later; after the last try the person's page can say it failed."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    phone = add_phone(protected_member)
    phone.generate_token(valid_secs=300)
    sms.MemoryBackend.fail_with = sms.SmsError("Twilio did not answer in time")

    tasks.phone_code_deliver.call(str(phone.pk))

    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["args"] == [str(phone.pk), 2]
    assert retry.run_after > timezone.now()
    assert phone.token not in str(retry.args_kwargs) and "7700900123" not in str(retry.args_kwargs), (
        "the queue holds the device's id, never the code or the number"
    )
    phone.refresh_from_db()
    assert phone.delivery_failed_at is None, "not given up yet"

    tasks.phone_code_deliver.call(str(phone.pk), tasks.TEXT_DELIVERY_ATTEMPTS)

    phone.refresh_from_db()
    assert phone.delivery_failed_at is not None
    assert DBTaskResult.objects.count() == 1, "no try after the last"


def test_text_codes_are_only_ever_added_to_an_app(client, member):
    client.force_login(member)

    response = client.post("/accounts/two-step/phone/", {"number": "07700 900123"}, follow=True)

    assert b"First set up an authenticator app" in response.content
    assert not PhoneDevice.objects.filter(user=member).exists()
    assert sms.MemoryBackend.outbox == []


def test_adding_a_phone_needs_the_code_texted_to_it(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()

    bad = client.post("/accounts/two-step/phone/", {"number": "12"})
    assert b"Enter a mobile number" in bad.content
    response = client.post("/accounts/two-step/phone/", {"number": "07700 900789"})
    assert response["Location"] == "/accounts/two-step/phone/confirm/"
    [text] = sms.MemoryBackend.outbox
    assert text.to == "+447700900789"
    assert client.post(response["Location"], {"code": "000000"}).status_code == 200
    assert not PhoneDevice.objects.filter(user=protected_member, confirmed=True).exists()

    client.post(response["Location"], {"code": text.body[-6:]})

    phone = PhoneDevice.objects.get(user=protected_member, confirmed=True)
    assert phone.number == "+447700900789"
    assert b"ending 789" in client.get("/accounts/two-step/").content


def test_the_phone_number_is_encrypted_at_rest(protected_member):
    phone = add_phone(protected_member, "+447700900321")

    stored = PhoneNumber.objects.filter(device=phone).values_list("number", flat=True).get()

    assert "7700900321" not in stored
    assert PhoneDevice.objects.get(pk=phone.pk).number == "+447700900321"


# --- Setting it up, changing it, turning it off -----------------------------------------


def test_a_member_is_offered_two_step_after_the_first_use_page(client, sign_in):
    new_member = MemberFactory(before_you_start_seen_at=None)
    sign_in(client, new_member.email)

    response = client.post("/start/")

    assert response["Location"] == "/accounts/two-step/offer/"
    offer = client.get("/accounts/two-step/offer/")
    assert b"Set it up now" in offer.content and b"Not now" in offer.content


def test_a_member_turns_it_on_in_two_steps(client, member):
    client.force_login(member)
    client.confirm_identity()

    step_one = client.get("/accounts/two-step/app/")
    assert b"Step 1 of 2" in step_one.content
    assert b'src="data:image/svg+xml;base64,' in step_one.content, "the QR code is drawn here, not by a service"
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    assert two_step.app_secret_text(device).encode() in step_one.content
    assert client.get("/accounts/two-step/app/").content.count(two_step.app_secret_text(device).encode()) == 1, (
        "a reload shows the same key"
    )
    code = f"{totp(device.bin_key):06d}"

    step_two = client.post("/accounts/two-step/app/", {"code": code})

    assert b"Step 2 of 2" in step_two.content
    assert len(re.findall(r"<code>[a-z2-7]{4}-[a-z2-7]{4}</code>", step_two.content.decode())) == 10
    assert selectors.two_step_is_on(user=member)
    assert is_signed_in(client), "the session that turned it on stays signed in"
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.TWO_STEP_ON).exists()


def test_a_wrong_first_code_leaves_it_off(client, member):
    client.force_login(member)
    client.confirm_identity()
    client.get("/accounts/two-step/app/")

    response = client.post("/accounts/two-step/app/", {"code": "123456"})

    assert b"That code did not match" in response.content
    assert not selectors.two_step_is_on(user=member)


def test_turning_it_on_signs_out_every_other_session(member, sign_in):
    elsewhere = Client()
    sign_in(elsewhere, member.email)
    assert is_signed_in(elsewhere)
    here = PortalClient()
    sign_in(here, member.email)
    here.confirm_identity()
    here.get("/accounts/two-step/app/")
    device = TOTPDevice.objects.get(user=member, confirmed=False)

    here.post("/accounts/two-step/app/", {"code": f"{totp(device.bin_key):06d}"})

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_moving_to_a_new_app_stops_the_old_one(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()
    old_device = TOTPDevice.objects.get(user=protected_member, confirmed=True)
    client.get("/accounts/two-step/app/")
    new_device = TOTPDevice.objects.get(user=protected_member, confirmed=False)

    response = client.post(
        "/accounts/two-step/app/",
        {"code": f"{totp(new_device.bin_key):06d}", "current_code": app_code(protected_member)},
    )

    assert response["Location"] == "/accounts/two-step/"
    assert list(TOTPDevice.objects.filter(user=protected_member)) == [new_device]
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()


def test_turning_it_off_needs_a_current_code(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()

    wrong = client.post("/accounts/two-step/off/", {"code": "000000"})
    assert b"That code did not work" in wrong.content
    assert selectors.two_step_is_on(user=protected_member)

    client.post("/accounts/two-step/off/", {"code": protected_member.backup_codes[3]})

    assert not selectors.two_step_is_on(user=protected_member)
    assert not StaticDevice.objects.filter(user=protected_member).exists()
    assert is_signed_in(client)
    fresh = Client()
    fresh.post("/accounts/login/", {"login": protected_member.email, "password": "correct-horse-battery-staple"})
    assert is_signed_in(fresh), "the password alone signs in again"


# --- Staff and the admins ----------------------------------------------------------------


@pytest.mark.parametrize("factory", [WorkerFactory, EditorFactory])
def test_staff_reach_no_page_until_they_set_it_up(client, factory, wagtail_home, sign_in):
    staff = factory(authenticator=False)
    response = sign_in(client, staff.email, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/two-step/app/")

    for path in ("/home/", "/admin/", "/admin/pages/", "/django-admin/", "/accounts/settings/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"].startswith("/accounts/two-step/app/"), path
    page = client.get("/accounts/two-step/app/")
    assert b"Staff accounts need two-step sign-in" in page.content
    device = TOTPDevice.objects.get(user=staff, confirmed=False)

    client.post("/accounts/two-step/app/", {"code": f"{totp(device.bin_key):06d}"})

    assert is_signed_in(client)


def test_staff_cannot_turn_it_off(client, worker):
    client.force_login(worker)

    assert client.get("/accounts/two-step/off/").status_code == 404
    assert client.post("/accounts/two-step/off/", {"code": app_code(worker)}).status_code == 404
    assert selectors.two_step_is_on(user=worker)


def test_the_wagtail_admin_is_refused_without_a_verified_device(client, editor, sign_in):
    sign_in(client, editor.email)

    for path in ("/admin/", "/admin/pages/", "/admin/login/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY) or response["Location"].startswith("/accounts/login/"), path
    enter_code(client, app_code(editor))
    assert client.get("/admin/").status_code == 200


def test_django_admin_is_refused_without_a_verified_device(client, admin_user):
    client.force_login(admin_user, verified=False)

    response = client.get("/django-admin/")

    assert response["Location"].startswith(VERIFY)


# --- Password reset and recovery ---------------------------------------------------------


@pytest.mark.parametrize("login_on_reset", [False, True])
def test_a_password_reset_does_not_skip_the_second_step(
    client, protected_member, mailoutbox, link_in, new_password, sign_in, settings, login_on_reset
):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset
    client.post("/accounts/password/reset/", {"email": protected_member.email})
    reset_path = link_in(mailoutbox[0])
    form = client.get(reset_path, follow=True).redirect_chain[-1][0]
    client.post(form, {"password1": new_password, "password2": new_password})

    assert not is_signed_in(client)
    response = sign_in(client, protected_member.email, new_password, follow=True)

    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert not is_signed_in(client)
    enter_code(client, app_code(protected_member))
    assert is_signed_in(client)


def test_an_administrator_can_remove_two_step_and_it_is_recorded(client, protected_member, admin_user, sign_in):
    sign_in(client, protected_member.email)
    enter_code(client, app_code(protected_member))
    assert is_signed_in(client)

    call_command("remove_two_step", protected_member.email, by=admin_user.email, reason="call_back")

    assert not selectors.two_step_is_on(user=protected_member)
    assert not is_signed_in(client), "signed out everywhere"
    event = AccountEvent.objects.get(user=protected_member, kind=AccountEvent.Kind.TWO_STEP_RESET)
    assert event.actor == admin_user and event.reason == AccountEvent.IdentityCheck.CALL_BACK
    again = Client()
    sign_in(again, protected_member.email)
    assert b"removed by an administrator" in again.get("/accounts/two-step/").content


def test_only_an_administrator_can_remove_two_step_and_only_with_a_reason(protected_member, worker, admin_user):
    with pytest.raises(CommandError, match="Only an administrator"):
        call_command("remove_two_step", protected_member.email, by=worker.email, reason="in_person")
    with pytest.raises(NotAllowed, match="identity"):
        two_step.two_step_reset(user=protected_member, actor=admin_user, reason="She rang from the refuge")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("remove_two_step", protected_member.email, by=admin_user.email, reason="  ")
    assert selectors.two_step_is_on(user=protected_member)


# --- Who may use the pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/two-step/",
        "/accounts/two-step/offer/",
        "/accounts/two-step/verify/",
        "/accounts/two-step/app/",
        "/accounts/two-step/phone/",
        "/accounts/two-step/phone/confirm/",
        "/accounts/two-step/off/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_member_changes_only_their_own_methods(client, protected_member, other_member):
    """The pages act on the signed-in person alone; no address names another account."""
    other_phone = add_phone(other_member)
    client.force_login(protected_member)
    client.confirm_identity()

    client.post("/accounts/two-step/phone/remove/")

    assert PhoneDevice.objects.filter(pk=other_phone.pk).exists()
    assert SESSION_KEY in client.session


# --- The owner hears of every change ----------------------------------------------------------


def test_turning_it_off_emails_the_owner_in_neutral_words(
    client, protected_member, mailoutbox, assert_neutral, django_capture_on_commit_callbacks
):
    """Someone with the member's unlocked phone could turn it off: the member must hear of it."""
    client.force_login(protected_member)
    client.confirm_identity()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/two-step/off/", {"code": protected_member.backup_codes[0]})

    [notice] = mailoutbox
    assert notice.to == [protected_member.email]
    assert notice.subject == "Daybook: A change to your account"
    assert "Turned off two-step sign-in" in notice.body
    assert "/accounts/password/change/" in notice.body
    assert_neutral(notice)


def test_an_administrators_removal_is_emailed_to_the_owner(
    protected_member, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remove_two_step", protected_member.email, by=admin_user.email, reason="call_back")

    [notice] = mailoutbox
    assert "removed by an administrator" in notice.body
    assert "Called back" not in notice.body, "the reason stays in the record, not in an inbox"


def test_a_change_that_fails_sends_nothing(client, protected_member, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(protected_member)
    client.confirm_identity()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/two-step/off/", {"code": "000000"})

    assert mailoutbox == []


# --- Recovery in Django's admin ----------------------------------------------------------------


def test_an_administrator_removes_two_step_in_the_admin_with_a_reason(client, protected_member, admin_user):
    client.force_login(admin_user)
    change_page = client.get(f"/django-admin/accounts/user/{protected_member.pk}/change/")
    remove_url = f"/django-admin/accounts/user/{protected_member.pk}/remove-two-step/"
    assert remove_url.encode() in change_page.content

    refused = client.post(remove_url, {"reason": ""})
    assert refused.status_code == 200
    assert selectors.two_step_is_on(user=protected_member), "no reason, no removal"

    response = client.post(remove_url, {"reason": "support_worker"})

    assert response.status_code == 302
    assert not selectors.two_step_is_on(user=protected_member)
    event = AccountEvent.objects.get(user=protected_member, kind=AccountEvent.Kind.TWO_STEP_RESET)
    assert event.actor == admin_user


@pytest.mark.parametrize("role", ["member", "worker", "coordinator", "editor"])
def test_nobody_else_reaches_the_admins_removal(request, client, protected_member, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        f"/django-admin/accounts/user/{protected_member.pk}/remove-two-step/", {"reason": "call_back"}
    )

    assert response.status_code in (302, 403)
    assert selectors.two_step_is_on(user=protected_member)


def test_the_admin_shows_nobodys_authenticator_key(client, protected_member, admin_user):
    """Django-otp's own admin pages (with the key's QR code) are not there to be used."""
    client.force_login(admin_user)
    device = TOTPDevice.objects.get(user=protected_member)

    assert client.get("/django-admin/otp_totp/totpdevice/").status_code == 404
    assert client.get(f"/django-admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 404
    assert client.get("/django-admin/otp_static/staticdevice/").status_code == 404


def test_a_second_confirmation_of_the_same_app_is_refused_not_a_crash(member, rf):
    """Two taps on Continue send the same code twice: the second finds nothing left to confirm."""
    from django.contrib.sessions.backends.db import SessionStore

    device = two_step.app_setup_start(user=member)
    code = f"{totp(device.bin_key):06d}"
    request = rf.post("/accounts/two-step/app/")
    request.user, request.session = member, SessionStore()
    request.session.create()

    key = request.session.session_key
    assert two_step.app_setup_confirm(user=member, device=device, code=code, keep_session_key=key)
    with pytest.raises(WrongCode):
        two_step.app_setup_confirm(user=member, device=device, code=code, keep_session_key=key)
    assert TOTPDevice.objects.filter(user=member, confirmed=True).count() == 1


def test_backup_codes_are_not_made_while_two_step_is_off(client, member):
    client.force_login(member)
    client.confirm_identity()

    response = client.post("/accounts/two-step/backup-codes/", follow=True)

    assert b"First set up an authenticator app" in response.content
    assert not StaticDevice.objects.filter(user=member).exists()

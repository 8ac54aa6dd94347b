"""Two-step sign-in (django-otp): setting it up, checking codes, and the limits on both.

The second step is an authenticator app (TOTP) with ten single-use backup codes; a phone for
text codes can be added on top, never instead. Wrong codes are counted per account in the
database, so every app server sees the same count.
"""

import base64
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from portal import sms

from . import sessions
from .errors import CodesPaused, NotAllowed, TextLimitReached, WrongCode
from .events import event_record
from .models import AccountEvent, CodeAttempts, PhoneDevice, PhoneNumber, User
from .permissions import can_remove_others_two_step, must_use_two_step

logger = logging.getLogger(__name__)

BACKUP_CODE_COUNT = 10
# The session remembers whether its account has two-step sign-in on, so a page view costs no
# device queries; the services below keep it right when the person changes their settings.
SESSION_KEY = "two_step_on"
# Set once a sign-in is finished (recorded and announced), whichever way its last step was passed.
SIGN_IN_FINISHED_KEY = "sign_in_finished"


@dataclass(frozen=True)
class PendingStep:
    """What a half-signed-in session must do next, and the only pages it may reach meanwhile."""

    url_name: str
    open_url_names: tuple[str, ...]


# Leaving is always possible: signing out, the quick exit, and the idle timer's keep-alive.
_WAY_OUT = ("account_logout", "quick_exit", "keep_alive")
# A passkey is checked at the package's own addresses (its script needs its texts too); the
# verify page then finishes signing in.
_PASSKEY = (
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
)
ENTER_CODE = PendingStep("two_step_verify", ("two_step_verify", "two_step_send_text", *_PASSKEY, *_WAY_OUT))
# Setting up is a change of control: a staff member who takes a while is asked for the password again.
SET_UP = PendingStep("two_step_app", ("two_step_app", "account_reauthenticate", *_WAY_OUT))


WRONG_CODE = "That code did not work. Check it and try again: codes from an app change every 30 seconds."
CODES_PAUSED = (
    "Too many codes that did not work, so codes are paused for a while to keep your account safe. Try again later."
)


def session_verified(request) -> bool:
    return getattr(request.user, "otp_device", None) is not None


def pending_step(request) -> PendingStep | None:
    """The step this signed-in session still owes, or None when it may use the portal."""
    if session_verified(request):
        return None
    is_on = request.session.get(SESSION_KEY)
    if is_on is None:
        is_on = request.session[SESSION_KEY] = two_step_is_on(user=request.user)
    if is_on:
        return ENTER_CODE
    if must_use_two_step(request.user):
        return SET_UP
    return None


def two_step_is_on(*, user: User) -> bool:
    """On once an authenticator app is confirmed; backup codes and phones come with it."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def devices_in_use(*, user: User) -> dict:
    """The person's confirmed methods, for their settings page."""
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return {
        "app": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        "backup_codes_left": backup.token_set.count() if backup else 0,
        "phone": PhoneDevice.objects.filter(user=user, confirmed=True).first(),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"),
    }


# --- Checking a code -------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """Codes are accepted with spaces or hyphens and in either case, as people copy them."""
    return re.sub(r"[\s-]", "", code).lower()


def code_check(*, user: User, code: str, kinds: tuple[type[Device], ...] | None = None) -> Device | None:
    """The device that accepts ``code`` (used up, if single-use), or None.

    ``kinds`` limits which of the person's methods may answer (replacing the app needs a code
    from the app itself or a backup code, not a text). Raises CodesPaused while the account is
    locked. Each wrong code counts once, whichever device it was meant for; the fifth in a row
    pauses codes, and each further one doubles the pause.
    """
    with transaction.atomic():
        CodeAttempts.objects.get_or_create(user=user)
        attempts = CodeAttempts.objects.select_for_update().get(user=user)
        now = timezone.now()
        if attempts.locked_until is not None and attempts.locked_until > now:
            raise CodesPaused(attempts.locked_until)
        device = _matching_device(user=user, code=normalise_code(code), kinds=kinds)
        if device is not None:
            attempts.failures = 0
            attempts.locked_until = None
        else:
            attempts.failures += 1
            over = attempts.failures - settings.TWO_STEP_FAILURES_BEFORE_LOCK
            if over >= 0:
                pause = min(settings.TWO_STEP_LOCK_SECONDS * 2**over, settings.TWO_STEP_LOCK_MAX_SECONDS)
                attempts.locked_until = now + timedelta(seconds=pause)
                AccountEvent.objects.create(user=user, kind=AccountEvent.Kind.CODES_LOCKED)
        attempts.save(update_fields=["failures", "locked_until"])
    return device


def _matching_device(*, user: User, code: str, kinds: tuple[type[Device], ...] | None) -> Device | None:
    if kinds is None:
        return django_otp.match_token(user, code)
    for device in django_otp.devices_for_user(user):
        if isinstance(device, kinds) and device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None


# What a code must come from to replace the app or the backup codes: what is being replaced.
REPLACING_KINDS = (TOTPDevice, StaticDevice)


def codes_paused_until(*, user: User) -> datetime | None:
    """When codes will be checked again for this account, while they are paused."""
    attempts = CodeAttempts.objects.filter(user=user).first()
    if attempts is None or attempts.locked_until is None or attempts.locked_until <= timezone.now():
        return None
    return attempts.locked_until


def session_verify(*, request, device: Device) -> None:
    """Mark this session as having passed the second step, under a new session key."""
    django_otp.login(request, device)
    session_key_renew(request)
    request.session[SESSION_KEY] = True


def session_key_renew(request) -> None:
    """A new session key at each step up in trust, as Django gives one at the password step;
    the session keeps its place in the owner's list of sessions."""
    old_key = request.session.session_key
    request.session.cycle_key()
    sessions.session_rekey(old_session_key=old_key, new_session_key=request.session.session_key)


# --- The authenticator app and backup codes --------------------------------------------


def app_setup_start(*, user: User) -> TOTPDevice:
    """The app waiting to be confirmed: the same one on every visit, so a reload keeps the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def app_secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def app_qr_code(device: TOTPDevice) -> str:
    """The setup QR code as an SVG data URL, drawn here: the secret never leaves the server."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def app_setup_confirm(*, request, device: TOTPDevice, code: str, current_code: str = "") -> list[str]:
    """Confirm the app with its first code. Returns new backup codes when two-step sign-in
    has just been turned on (so they can be shown once), and [] when an app was replaced.

    Replacing the app also needs ``current_code``, from the old app or a backup code: a
    borrowed signed-in phone is not enough to move the account onto someone else's app.
    Turning it on, or replacing the app, signs the account out everywhere else: a session
    someone else opened must not outlive the new protection. Raises WrongCode or CodesPaused.
    """
    user = request.user
    # Checked on a fresh, locked row: django-otp saves the whole device as it checks a code, and a
    # stale copy saved after another request confirmed it would quietly unconfirm the app.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        matched = device is not None and device.verify_token(normalise_code(code))
    if not matched:
        raise WrongCode("code")
    was_on = two_step_is_on(user=user)
    # Checked (and counted) outside the transaction below, so a wrong code is still counted.
    if was_on and code_check(user=user, code=current_code, kinds=REPLACING_KINDS) is None:
        raise WrongCode("current_code")
    with transaction.atomic():
        # Locked and read again: of two confirmations sent at once, the second finds nothing left to confirm.
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None:
            raise WrongCode("code")
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        session_verify(request=request, device=device)
        _end_other_sessions(request)
        if was_on:
            event_record(user=user, kind=AccountEvent.Kind.APP_ADDED)
            return []
        event_record(user=user, kind=AccountEvent.Kind.TWO_STEP_ON)
        return backup_codes_make(user=user)


def backup_codes_replace(*, request, current_code: str) -> list[str]:
    """A new set of backup codes, given a code from the app or one of the current backup
    codes; the old set stops working and every other session is signed out.
    Raises WrongCode or CodesPaused."""
    if code_check(user=request.user, code=current_code, kinds=REPLACING_KINDS) is None:
        raise WrongCode("current_code")
    with transaction.atomic():
        codes = backup_codes_make(user=request.user)
        _end_other_sessions(request)
    return codes


@transaction.atomic
def backup_codes_make(*, user: User) -> list[str]:
    """Ten new single-use codes; any earlier set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    event_record(user=user, kind=AccountEvent.Kind.BACKUP_CODES_MADE)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


@transaction.atomic
def two_step_turn_off(*, request) -> None:
    """Remove every method. The caller has checked a current code first."""
    user = request.user
    if must_use_two_step(user):
        raise NotAllowed("Staff accounts must keep two-step sign-in.")
    _devices_delete(user=user)
    request.session[SESSION_KEY] = False
    event_record(user=user, kind=AccountEvent.Kind.TWO_STEP_OFF)


@transaction.atomic
def two_step_reset(*, user: User, actor: User, reason: str) -> None:
    """An administrator removes every method from someone who lost them all.

    Only after checking who is asking, outside the portal; the reason records how. The
    person is signed out everywhere and must set two-step sign-in up again (staff at once).
    """
    if not can_remove_others_two_step(actor):
        raise NotAllowed("Only an administrator can remove two-step sign-in.")
    if reason not in AccountEvent.IdentityCheck.values:
        raise NotAllowed(
            "Say how the person's identity was checked: one of " + ", ".join(AccountEvent.IdentityCheck.values) + "."
        )
    _devices_delete(user=user)
    event_record(user=user, kind=AccountEvent.Kind.TWO_STEP_RESET, actor=actor, reason=reason)
    sessions.sessions_end_all(user=user)


def _devices_delete(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    PhoneDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    CodeAttempts.objects.filter(user=user).delete()


def _end_other_sessions(request) -> None:
    sessions.sessions_end_others(user=request.user, keep_session_key=request.session.session_key)


# --- Text codes ------------------------------------------------------------------------

# UK numbers as people write them (07700 900123) or any number in international form.
_PHONE_RE = re.compile(r"^\+?[0-9]{10,15}$")


def phone_number_normalise(raw: str) -> str | None:
    """The number in international form (+447700900123), or None if it cannot be one."""
    number = re.sub(r"[\s().-]", "", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+44" + number[1:]
    if not _PHONE_RE.match(number) or not number.startswith("+"):
        return None
    return number


@transaction.atomic
def phone_setup_start(*, user: User, number: str) -> PhoneDevice:
    """A phone waiting for its first code; only for accounts that already have an app."""
    if not two_step_is_on(user=user):
        raise NotAllowed("Text codes can only be added to an authenticator app.")
    PhoneDevice.objects.filter(user=user, confirmed=False).delete()
    device = phone_device_create(user=user, number=number, confirmed=False)
    phone_code_send(device=device)
    return device


@transaction.atomic
def phone_device_create(*, user: User, number: str, confirmed: bool) -> PhoneDevice:
    device = PhoneDevice.objects.create(user=user, name="Phone", confirmed=confirmed)
    PhoneNumber.objects.create(device=device, user=user, number=number)
    return device


@transaction.atomic
def phone_setup_confirm(*, user: User, code: str) -> bool:
    device = PhoneDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(normalise_code(code)):
        return False
    PhoneDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    event_record(user=user, kind=AccountEvent.Kind.PHONE_ADDED)
    return True


@transaction.atomic
def phone_remove(*, user: User) -> None:
    if PhoneDevice.objects.filter(user=user).delete()[0]:
        event_record(user=user, kind=AccountEvent.Kind.PHONE_REMOVED)


def phone_code_send(*, device: PhoneDevice) -> None:
    """Make a new five-minute code and queue the text that carries it.

    Raises TextLimitReached past the hourly limit. The queued task carries only the
    device's id: the number and the code stay out of the task queue's table.
    """
    hour_ago = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        # Locking the account row makes concurrent requests count one after another.
        User.objects.select_for_update().filter(pk=device.user_id).first()
        sent = AccountEvent.objects.filter(
            user_id=device.user_id, kind=AccountEvent.Kind.CODE_SENT, created_at__gte=hour_ago
        ).count()
        if sent >= settings.SMS_CODES_PER_HOUR:
            raise TextLimitReached
        device.generate_token(valid_secs=settings.SMS_CODE_VALID_SECONDS, commit=False)
        device.delivery_failed_at = None
        device.save(update_fields=["token", "valid_until", "delivery_failed_at"])
        AccountEvent.objects.create(user_id=device.user_id, kind=AccountEvent.Kind.CODE_SENT)
        phone_code_deliver.enqueue(str(device.pk))


# Tries for one text, a little apart, before telling the person it could not be sent.
TEXT_DELIVERY_ATTEMPTS = 3


@task
def phone_code_deliver(device_id: str, attempt: int = 1) -> None:
    """Hand the current code to the SMS provider, trying again shortly if it is down."""
    device = PhoneDevice.objects.filter(pk=device_id).first()
    if device is None or device.token is None or device.valid_until <= timezone.now():
        return  # removed, used or expired meanwhile: nothing worth sending
    try:
        sms.sms_send(to=device.number, body=f"Your code is {device.token}")
    except sms.SmsError:
        backend = phone_code_deliver.get_backend()
        if attempt < TEXT_DELIVERY_ATTEMPTS and backend.supports_defer:
            later = timezone.now() + timedelta(seconds=20 * attempt)
            phone_code_deliver.using(run_after=later).enqueue(device_id, attempt + 1)
            return
        device.delivery_failed_at = timezone.now()
        device.save(update_fields=["delivery_failed_at"])
        logger.warning("A sign-in code could not be sent by text after %d attempts.", attempt)

"""Two-step sign-in (django-otp): setting it up, checking codes, and the limits on both.

The second step is an authenticator app (TOTP) with ten single-use backup codes; a phone for
text codes can be added on top, never instead. Wrong codes are counted per account in the
database, so every app server sees the same count.
"""

import base64
import re
from datetime import timedelta

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from ..errors import CodesPaused, NotAllowed, TextLimitReached, WrongCode
from ..models import AccountEvent, CodeAttempts, PhoneDevice, PhoneNumber, User
from ..permissions import can_remove_others_two_step, must_use_two_step
from ..selectors import two_step_is_on
from ..tasks import phone_code_deliver
from . import sessions
from .events import event_record

BACKUP_CODE_COUNT = 10


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
                event_record(user=user, kind=AccountEvent.Kind.CODES_LOCKED)
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


def app_setup_confirm(
    *, user: User, device: TOTPDevice, code: str, current_code: str = "", keep_session_key: str | None
) -> list[str]:
    """Confirm the app with its first code. Returns new backup codes when two-step sign-in
    has just been turned on (so they can be shown once), and [] when an app was replaced.

    Replacing the app also needs ``current_code``, from the old app or a backup code: a
    borrowed signed-in phone is not enough to move the account onto someone else's app.
    Turning it on, or replacing the app, signs the account out everywhere but the session
    ``keep_session_key``: a session someone else opened must not outlive the new protection.
    The caller then marks that session as having passed the second step with ``device``
    (session_state.session_verify). Raises WrongCode or CodesPaused.
    """
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
        sessions.sessions_end_others(user=user, keep_session_key=keep_session_key)
        if was_on:
            event_record(user=user, kind=AccountEvent.Kind.APP_ADDED)
            return []
        event_record(user=user, kind=AccountEvent.Kind.TWO_STEP_ON)
        return backup_codes_make(user=user)


def backup_codes_replace(*, user: User, current_code: str, keep_session_key: str | None) -> list[str]:
    """A new set of backup codes, given a code from the app or one of the current backup
    codes; the old set stops working and every session but ``keep_session_key`` is signed out.
    Raises WrongCode or CodesPaused."""
    if code_check(user=user, code=current_code, kinds=REPLACING_KINDS) is None:
        raise WrongCode("current_code")
    with transaction.atomic():
        codes = backup_codes_make(user=user)
        sessions.sessions_end_others(user=user, keep_session_key=keep_session_key)
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
def two_step_turn_off(*, user: User) -> None:
    """Remove every method. The caller has checked a current code first."""
    if must_use_two_step(user):
        raise NotAllowed("Staff accounts must keep two-step sign-in.")
    _devices_delete(user=user)
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
        user = User.objects.select_for_update().get(pk=device.user_id)
        sent = AccountEvent.objects.filter(
            user_id=device.user_id, kind=AccountEvent.Kind.CODE_SENT, created_at__gte=hour_ago
        ).count()
        if sent >= settings.SMS_CODES_PER_HOUR:
            raise TextLimitReached
        device.generate_token(valid_secs=settings.SMS_CODE_VALID_SECONDS, commit=False)
        device.delivery_failed_at = None
        device.save(update_fields=["token", "valid_until", "delivery_failed_at"])
        event_record(user=user, kind=AccountEvent.Kind.CODE_SENT)
        phone_code_deliver.enqueue(str(device.pk))

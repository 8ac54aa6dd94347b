"""Passkeys (django-otp-webauthn): one more way to pass the second step, for accounts that
have two-step sign-in on. Never a way to sign in by themselves (see the settings)."""

from django.conf import settings
from django.db import transaction
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from . import two_step
from .events import event_record
from .models import AccountEvent, User
from .reauth import recently_reauthenticated

PASSKEY_NAME = "Passkey"


class TwoStepOff(OTPWebAuthnApiError):
    """Shown by the package's script under the button, so it speaks to the person."""

    status_code = 403
    default_code = "two_step_off"
    default_detail = "A passkey can only be added once two-step sign-in is on. Turn it on first, then add your passkey."


class ConfirmFirst(OTPWebAuthnApiError):
    """Adding a passkey is a change of control: the page that offers it asks first."""

    status_code = 403
    default_code = "reauthentication_required"
    default_detail = "For your safety, confirm it is you first: reload this page and enter your password."


class PasskeyHelper(WebAuthnHelper):
    """The package's hook for every passkey ceremony (OTP_WEBAUTHN_HELPER_CLASS).

    The package lets any signed-in person register a passkey, and marks a session without
    another method as having passed the second step with it. Here a passkey is only an extra
    to an authenticator app, so registering is refused while two-step sign-in is off.
    """

    def register_begin(self, user: User) -> tuple[dict, dict]:
        _two_step_required(user)
        self._recently_confirmed()
        return super().register_begin(user=user)

    def register_complete(self, user: User, state: dict, data: dict):
        # Checked again: two-step sign-in may have been turned off since the ceremony began.
        _two_step_required(user)
        self._recently_confirmed()
        with transaction.atomic():
            credential = super().register_complete(user=user, state=state, data=data)
            event_record(user=user, kind=AccountEvent.Kind.PASSKEY_ADDED)
        return credential

    def _recently_confirmed(self) -> None:
        # The package's own addresses are reached by script, past the page's decorator.
        if not recently_reauthenticated(self.request):
            raise ConfirmFirst()

    # The phone or password manager keeps these names next to the passkey, where someone
    # looking through the phone would read them: the site's neutral name, not the email.
    def get_credential_name(self, user: User) -> str:
        return settings.SITE_NAME

    def get_credential_display_name(self, user: User) -> str:
        return settings.SITE_NAME

    def create_credential(self, user: User, response, parsed_credential, original_data: dict) -> WebAuthnCredential:
        credential = super().create_credential(user, response, parsed_credential, original_data)
        credential.name = PASSKEY_NAME
        return credential


def _two_step_required(user: User) -> None:
    if not two_step.two_step_is_on(user=user):
        raise TwoStepOff()


def passkey_remove(*, user: User, passkey_id: int) -> bool:
    """Remove one of the person's own passkeys; False when they have none by that id."""
    with transaction.atomic():
        deleted, _ = WebAuthnCredential.objects.filter(user=user, pk=passkey_id).delete()
        if deleted:
            event_record(user=user, kind=AccountEvent.Kind.PASSKEY_REMOVED)
    return deleted > 0

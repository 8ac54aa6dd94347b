"""How allauth and django-otp-webauthn behave here.

allauth: neutral emails, members only at sign-up, the first-use page, and signing in through
the steps in sign_in.py. django-otp-webauthn: a passkey only as an extra to an authenticator
app, added only after a recent confirmation, and named neutrally on the device.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from . import sign_in
from .errors import NotAllowed
from .models import Role, User
from .services.passkeys import passkey_add_allowed, passkey_added
from .session_state import recently_reauthenticated

PASSKEY_NAME = "Passkey"


class AccountAdapter(DefaultAccountAdapter):
    # Subjects start with settings.ACCOUNT_EMAIL_SUBJECT_PREFIX (the neutral site name), and
    # every subject allauth can send is replaced by a sentence-case one in
    # templates/account/email/ (tests/accounts/test_library_pages.py checks them all).

    def send_mail(self, template_prefix, email, context):
        context = {**context, "site_name": settings.SITE_NAME}
        return super().send_mail(template_prefix, email, context)

    def save_user(self, request, user, form, commit=True):
        # Whatever the form carries, self sign-up only ever makes members.
        user.role = Role.MEMBER
        user.organisation = None
        return super().save_user(request, user, form, commit=commit)

    def login(self, request, user):
        super().login(request, user)
        sign_in.password_accepted(request)

    def logout(self, request):
        sign_in.signed_out(request)
        super().logout(request)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # "You are signed in" would be untrue while the code is still to come.
        if message_template == "account/messages/logged_in.txt" and sign_in.still_signing_in(request):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_member and user.before_you_start_seen_at is None:
            return reverse("before_you_start")
        return super().get_login_redirect_url(request)


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
            passkey_added(user=user)
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
    try:
        passkey_add_allowed(user=user)
    except NotAllowed:
        raise TwoStepOff() from None

"""Account forms: allauth's, with what this portal adds."""

from allauth.account.forms import ChangePasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.utils.formats import time_format
from django.utils.timezone import localtime

from .errors import CodesPaused
from .models import User
from .selectors import codes_paused_until, two_step_is_on
from .services.two_step import code_check, phone_number_normalise

WRONG_CODE = "That code did not work. Check it and try again: codes from an app change every 30 seconds."
CODES_PAUSED = (
    "Too many codes that did not work, so codes are paused for a while to keep your account safe. Try again later."
)


# allauth's labels are title case ("New Password"); the portal's pages speak in sentence case.
NEW_PASSWORD_LABELS = {"password1": "New password", "password2": "New password again"}


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The sign-up page says, just above the form, which address to use (notices go there);
        # a screen reader reads that advice again with the field.
        self.fields["email"].widget.attrs["aria-describedby"] = "email-advice"

    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs one password hash; a taken address must cost the same,
            # or the time the answer takes tells who already has an account.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


def codes_paused_message(user: User) -> str | None:
    """While codes are paused for the account, what to tell the person, with when to try again."""
    until = codes_paused_until(user=user)
    if until is None:
        return None
    return (
        "Too many codes that did not work, so codes are paused for a while to keep your account safe. "
        f"Try again after {time_format(localtime(until), 'H:i')}."
    )


class PasswordChangeForm(ChangePasswordForm):
    # Ticked unless the person unticks it: whoever changes a password because someone else
    # knows it needs that person's sessions ended too.
    end_other_sessions = forms.BooleanField(
        label="Sign out of all other sessions",
        help_text="Anyone else signed in to your account, on any device, will be signed out.",
        required=False,
        initial=True,
        label_suffix="",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        for name, label in NEW_PASSWORD_LABELS.items():
            self.fields[name].label = label


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    """The new password chosen from a reset link (or a staff invitation), in the portal's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in NEW_PASSWORD_LABELS.items():
            self.fields[name].label = label


class CodeForm(forms.Form):
    """One box for any code: from the app, a text, or a backup code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter a code."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "size": 12}
        ),
    )


def _current_code_field() -> forms.CharField:
    return forms.CharField(
        label="A code from your current authenticator app, or a backup code",
        max_length=20,
        error_messages={"required": "Enter a code from your current app, or a backup code."},
        widget=CodeForm.base_fields["code"].widget,
    )


class CurrentCodeForm(forms.Form):
    """Replacing the backup codes needs a code from what is being replaced, or from the app."""

    current_code = _current_code_field()


class ReplaceAppForm(CodeForm):
    """Moving to a new app: the new app's first code, and one from the old app or a backup code."""

    current_code = _current_code_field()
    field_order = ["current_code", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "The code your new app shows"


class PhoneForm(forms.Form):
    number = forms.CharField(
        label="Mobile number",
        max_length=30,
        help_text="For example 07700 900123, or +44 7700 900123 for a number outside the UK.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "size": 20}),
    )

    def clean_number(self) -> str:
        number = phone_number_normalise(self.cleaned_data["number"])
        if number is None:
            raise forms.ValidationError("Enter a mobile number, like 07700 900123 or +44 7700 900123.")
        return number


class ReauthenticateForm(forms.Form):
    """The password again and, when two-step sign-in is on, a current code.

    Wrong passwords count towards the same lockout as the sign-in page (django-axes, through
    ``authenticate``); wrong codes towards the same pause as the code page. The code is only
    checked once the password is right, so a guessed password spends nobody's codes.
    """

    password = forms.CharField(
        label="Your password",
        strip=False,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="A code from your authenticator app, a text or a backup code",
        max_length=20,
        error_messages={"required": "Enter a code."},
        widget=CodeForm.base_fields["code"].widget,
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = request.user
        self.needs_code = two_step_is_on(user=self.user)
        if not self.needs_code:
            del self.fields["code"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        password = cleaned.get("password")
        if not password or (self.needs_code and not cleaned.get("code")):
            return cleaned
        try:
            checked = authenticate(self.request, email=self.user.email, password=password)
        except PermissionDenied:
            checked = None
        if getattr(self.request, "axes_locked_out", False):
            raise forms.ValidationError(
                "Too many passwords that did not work, so this is paused for a while to keep your account safe. "
                "Try again later."
            )
        if checked is None or checked.pk != self.user.pk:
            self.add_error("password", "That is not your password. Check it and try again.")
            return cleaned
        if self.needs_code:
            try:
                device = code_check(user=self.user, code=cleaned["code"])
            except CodesPaused:
                raise forms.ValidationError(CODES_PAUSED) from None
            if device is None:
                self.add_error("code", WRONG_CODE)
        return cleaned


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label="New email address",
        help_text="Use an address that nobody else can read: sign-in notices and password resets go there.",
        error_messages={
            "required": "Enter the new email address.",
            "invalid": "Enter an email address, like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

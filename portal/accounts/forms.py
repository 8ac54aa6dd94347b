"""Account forms: allauth's, with what this portal adds."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password

from .two_step import phone_number_normalise


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs one password hash; a taken address must cost the same,
            # or the time the answer takes tells who already has an account.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


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

"""Account forms: allauth's, with what this portal adds."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # A new account costs one password hash; a taken address must cost the same,
            # or the time the answer takes tells who already has an account.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)

"""Changing the password, with the choice to sign out of every other session at the same time."""

from allauth.account.views import PasswordChangeView as AllauthPasswordChangeView
from django.contrib import messages

from ..decorators import reauthentication_required
from ..forms import PasswordChangeForm
from ..services.sessions import sessions_after_password_change


class PasswordChangeView(AllauthPasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "account/password_change.html"

    def get_form_class(self):
        # allauth's ACCOUNT_FORMS setting would otherwise choose; this page always has the box.
        return self.form_class

    def form_valid(self, form):
        previous_session_key = self.request.session.session_key
        # allauth saves the password and keeps this session signed in, under a new key.
        response = super().form_valid(form)
        ended = sessions_after_password_change(
            user=form.user,
            session_key=self.request.session.session_key,
            previous_session_key=previous_session_key,
            end_others=form.cleaned_data["end_other_sessions"],
        )
        if ended:
            messages.info(self.request, f"You were signed out of {ended} other session{'s' if ended != 1 else ''}.")
        return response


# Whoever holds a signed-in phone must not be able to set a password the owner does not know.
password_change = reauthentication_required(PasswordChangeView.as_view())

"""How allauth behaves here: neutral emails, members only at sign-up, the first-use page, and
the second step: a sign-in is finished (recorded, announced) only once every step is passed."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from . import sessions, two_step
from .models import Role
from .reauth import reauth_record
from .two_step_views import finish_sign_in


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        # Only the neutral site name: the subject shows on a lock screen.
        return f"{settings.SITE_NAME}: {subject}"

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
        step = two_step.pending_step(request)
        if step is two_step.SET_UP:
            # Staff must set up two-step sign-in before anything else, straight after giving the
            # password: that page is not asked for it again.
            reauth_record(request)
        # With two-step sign-in on, the sign-in is finished only once a code is accepted.
        if step is None:
            finish_sign_in(request)

    def logout(self, request):
        # The session leaves its owner's list as it ends.
        sessions.session_forget(session_key=request.session.session_key)
        super().logout(request)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        # "Successfully signed in" would be untrue while the code is still to come.
        if message_template == "account/messages/logged_in.txt" and two_step.pending_step(request) is not None:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_member and user.before_you_start_seen_at is None:
            return reverse("before_you_start")
        return super().get_login_redirect_url(request)

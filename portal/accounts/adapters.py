"""How allauth behaves here: neutral emails, members only at sign-up, the first-use page,
and signing in cancelling a pending account deletion."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.urls import reverse

from .models import Role
from .services import account_deletion_cancel


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
        if account_deletion_cancel(user=user):
            messages.info(request, "You signed in, so your account will not be deleted. Nothing was removed.")

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_member and user.before_you_start_seen_at is None:
            return reverse("before_you_start")
        return super().get_login_redirect_url(request)

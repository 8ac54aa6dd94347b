"""Every account address, included once at the site's root by portal/urls.py, before allauth's
own: several of these replace allauth's page at the same address."""

from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from .views import account, email, passkeys, password, sessions, sign_in, two_step

two_step_urlpatterns = [
    path("", two_step.two_step_settings, name="two_step"),
    path("offer/", two_step.two_step_offer, name="two_step_offer"),
    path("verify/", sign_in.two_step_verify, name="two_step_verify"),
    path("verify/text/", sign_in.two_step_send_text, name="two_step_send_text"),
    path("app/", two_step.two_step_app, name="two_step_app"),
    path("backup-codes/", two_step.two_step_backup_codes, name="two_step_backup_codes"),
    path("phone/", two_step.two_step_phone, name="two_step_phone"),
    path("phone/confirm/", two_step.two_step_phone_confirm, name="two_step_phone_confirm"),
    path("phone/remove/", two_step.two_step_phone_remove, name="two_step_phone_remove"),
    path("passkeys/add/", passkeys.passkey_add, name="two_step_passkey_add"),
    path("passkeys/<int:pk>/remove/", passkeys.passkey_remove, name="two_step_passkey_remove"),
    path("off/", two_step.two_step_off, name="two_step_off"),
]

urlpatterns = [
    path("accounts/settings/", account.account_settings, name="account_settings"),
    path("accounts/delete/", account.account_delete, name="account_delete"),
    # Before allauth's own: the password and, when two-step sign-in is on, a code (session_state).
    path("accounts/reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
    # Before allauth's own: one address per account, changed only through the new address.
    path("accounts/email/", email.email, name="account_email"),
    path("accounts/email/confirm/<str:token>/", email.email_confirm, name="account_email_confirm"),
    path("accounts/email/undo/<str:token>/", email.email_undo, name="account_email_undo"),
    path("accounts/sessions/", sessions.sessions_list, name="account_sessions"),
    path("accounts/sessions/end-others/", sessions.sessions_end_others, name="account_sessions_end_others"),
    # Before allauth's own: this one offers to sign out of every other session as well.
    path("accounts/password/change/", password.password_change, name="account_change_password"),
    # Before allauth's own: signing out also tells the browser to forget the site.
    path("accounts/logout/", sign_in.logout, name="account_logout"),
    path("accounts/two-step/", include(two_step_urlpatterns)),
    path("accounts/passkeys/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    # Both admins sign in through the portal's own sign-in page, never their own.
    path("admin/login/", account.staff_login_redirect, name="wagtail_login_redirect"),
    path("admin/logout/", RedirectView.as_view(url=reverse_lazy("account_logout"))),
    path("django-admin/login/", account.staff_login_redirect),
]

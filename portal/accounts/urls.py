"""Addresses for two-step sign-in, under /accounts/two-step/."""

from django.urls import path

from . import passkey_views
from . import two_step_views as views

urlpatterns = [
    path("", views.two_step_settings, name="two_step"),
    path("offer/", views.two_step_offer, name="two_step_offer"),
    path("verify/", views.two_step_verify, name="two_step_verify"),
    path("verify/text/", views.two_step_send_text, name="two_step_send_text"),
    path("app/", views.two_step_app, name="two_step_app"),
    path("backup-codes/", views.two_step_backup_codes, name="two_step_backup_codes"),
    path("phone/", views.two_step_phone, name="two_step_phone"),
    path("phone/confirm/", views.two_step_phone_confirm, name="two_step_phone_confirm"),
    path("phone/remove/", views.two_step_phone_remove, name="two_step_phone_remove"),
    path("passkeys/add/", passkey_views.passkey_add, name="two_step_passkey_add"),
    path("passkeys/<int:pk>/remove/", passkey_views.passkey_remove, name="two_step_passkey_remove"),
    path("off/", views.two_step_off, name="two_step_off"),
]

"""Django's admin for accounts and organisations: where an administrator creates staff, and
recovers an account whose owner lost every way through the second step."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_otp.plugins.otp_static import admin as _registers_static_admin  # noqa: F401 - see the end
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _registers_totp_admin  # noqa: F401 - see the end
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccountEvent, Organisation, User
from .two_step import two_step_is_on, two_step_reset


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role", "organisation")


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "role", "organisation", "is_active")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "organisation", "is_active")
    search_fields = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Role", {"fields": ("role", "organisation", "is_active")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "organisation", "password1", "password2")}),
    )
    filter_horizontal = ()

    def get_urls(self):
        remove = self.admin_site.admin_view(self.remove_two_step_view)
        return [
            path("<int:user_id>/remove-two-step/", remove, name="accounts_user_remove_two_step"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "two_step_on": user is not None and two_step_is_on(user=user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def remove_two_step_view(self, request, user_id: int):
        """Recovery for someone who lost their app and every backup code: recorded, never silent."""
        user = get_object_or_404(User, pk=user_id)
        form = RemoveTwoStepForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            two_step_reset(user=user, actor=request.user, reason=form.cleaned_data["reason"])
            self.message_user(
                request,
                f"Two-step sign-in was removed from {user.email}, who is signed out everywhere and has been told.",
                messages.SUCCESS,
            )
            return redirect("admin:accounts_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Remove two-step sign-in",
            "opts": self.model._meta,
            "original": user,
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/user/remove_two_step.html", context)


class RemoveTwoStepForm(forms.Form):
    reason = forms.ChoiceField(
        label="How did you check who is asking?",
        choices=AccountEvent.IdentityCheck.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you checked who is asking. Without a check, nothing is removed."},
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


# django-otp's own admin pages would let an administrator read anyone's authenticator key (its
# QR code included) or backup codes, or add a device with a key they know. Methods are set up by
# their owners alone; an administrator's one power over them is the recorded removal above.
# Importing those modules here registers them first, so taking them back lasts.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

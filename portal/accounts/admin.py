"""Django's admin for accounts and organisations: where an administrator invites staff, changes
an account's role, organisation or whether it is open (each recorded and shown to its owner), and
recovers an account whose owner lost every way through the second step.

It has no way into an account: nobody's password can be set or seen here, and nobody's address
changed or confirmed (docs/administrators.md).
"""

from typing import cast

from allauth.account import admin as _registers_allauth_admin  # noqa: F401 - see the end
from allauth.account.models import EmailAddress, EmailConfirmation
from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_otp.plugins.otp_static import admin as _registers_static_admin  # noqa: F401 - see the end
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _registers_totp_admin  # noqa: F401 - see the end
from django_otp.plugins.otp_totp.models import TOTPDevice

from .mail import invitation_lifetime
from .models import STAFF_ROLES, AccountEvent, Organisation, User
from .selectors import email_in_use, two_step_is_on
from .services.staff import account_admin_change, staff_account_create
from .services.two_step import two_step_reset

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in STAFF_ROLES]


class StaffInvitationForm(forms.ModelForm):
    """A new staff account: who, and what they do. No password: they choose their own."""

    class Meta:
        model = User
        fields = ("email", "role", "organisation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = STAFF_ROLE_CHOICES

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email_in_use(email=email):
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("role", "organisation", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A member's role is not offered at all (it is read-only); staff stay staff.
        if "role" in self.fields:
            cast(forms.ChoiceField, self.fields["role"]).choices = STAFF_ROLE_CHOICES


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserChangeForm
    add_form_template = "admin/accounts/user/add_form.html"
    ordering = ("email",)
    list_display = ("email", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "organisation", "is_active")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password_state")}),
        ("Role", {"fields": ("role", "organisation", "is_active")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "role", "organisation")}),)

    @admin.display(description="Password")
    def password_state(self, user: User) -> str:
        # Whether there is one, and nothing more: not the hash, not a link to set it.
        return "Set" if user.has_usable_password() else "Not set yet (the invitation has not been used)"

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The address is the owner's to change, through their own account, with notice to it.
        fields: tuple[str, ...] = ("email", "password_state", "date_joined", "last_login")
        if obj.is_member:
            # Members sign themselves up and belong to no organisation.
            fields += ("role", "organisation")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StaffInvitationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Deleting would skip the member's grace period and the destruction of their keys and
        # files; staff accounts are closed (made inactive) instead.
        return False

    def save_model(self, request, obj, form, change):
        # Every write goes through the services, which record it and tell the account's owner.
        if change:
            account_admin_change(
                user=obj, actor=request.user, role=obj.role, organisation=obj.organisation, is_active=obj.is_active
            )
        else:
            created = staff_account_create(
                email=obj.email, role=obj.role, organisation=obj.organisation, actor=request.user
            )
            obj.pk = created.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            f"{obj.email} has been emailed a link to choose their password. It works once, for "
            f'{invitation_lifetime()}; after that they can use "Forgot your password?" on the sign-in page.',
            messages.INFO,
        )
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):
        remove = self.admin_site.admin_view(self.remove_two_step_view)
        return [
            path("<int:user_id>/remove-two-step/", remove, name="accounts_user_remove_two_step"),
            # Where Django's user admin serves a form that sets anyone's password. Named here only
            # so that the catch-all address below does not redirect it somewhere: it is not served.
            path("<path:object_id>/password/", self.admin_site.admin_view(self.password_not_served)),
            *super().get_urls(),
        ]

    def password_not_served(self, request, object_id):
        raise Http404

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


# allauth's admin would let an administrator add an address to any account and mark it
# confirmed: a path to its reset links and notices. Addresses are changed by their owners alone.
for model in (EmailAddress, EmailConfirmation):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

# django-otp's own admin pages would let an administrator read anyone's authenticator key (its
# QR code included) or backup codes, or add a device with a key they know. Methods are set up by
# their owners alone; an administrator's one power over them is the recorded removal above.
# Importing those modules here registers them first, so taking them back lasts.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

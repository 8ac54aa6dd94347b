"""Forms for trusted contacts, the alert's message and the alert's confirmation: parsing and
kind errors only; the rules are in contacts.py."""

import secrets
from decimal import Decimal
from typing import cast

from django import forms

from . import contacts
from .contacts import ContactData, Location


class ContactForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=contacts.NAME_MAX,
        error_messages={
            "required": "Enter their name, or what you call them.",
            "max_length": f"Please keep the name to {contacts.NAME_MAX} characters or fewer.",
        },
    )
    relationship = forms.CharField(
        label="Who they are to you (optional)",
        help_text="For example: sister, neighbour, friend from work.",
        max_length=contacts.RELATIONSHIP_MAX,
        required=False,
        error_messages={"max_length": f"Please keep this to {contacts.RELATIONSHIP_MAX} characters or fewer."},
    )
    phone = forms.CharField(
        label="Mobile number",
        help_text="A UK number, or any number with its country code (for example +353…).",
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
        error_messages={"required": "Enter their mobile number.", "max_length": "This number is too long."},
    )
    may_alert = forms.BooleanField(
        label="Send them my message when I ask",
        help_text="You can choose who gets it each time you send it.",
        required=False,
    )

    def clean_phone(self) -> str:
        try:
            return contacts.phone_normalise(self.cleaned_data["phone"])
        except contacts.InvalidPhone as error:
            raise forms.ValidationError(str(error)) from None

    def contact_data(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(
            name=data["name"], relationship=data["relationship"], phone=data["phone"], may_alert=data["may_alert"]
        )

    @staticmethod
    def initial_from(contact) -> dict:
        return {
            "name": contact.name,
            "relationship": contact.relationship,
            "phone": contacts.phone_display(contact.phone),
            "may_alert": contact.may_alert,
        }


class AlertMessageForm(forms.Form):
    message = forms.CharField(
        label="Your message",
        help_text="It is sent exactly as you write it. Do not name this website, in case someone else sees it.",
        max_length=contacts.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write a message, or keep the one offered.",
            "max_length": f"Please keep your message to {contacts.MESSAGE_MAX} characters or fewer.",
        },
    )


class AlertForm(forms.Form):
    """The confirmation: who receives it, the location if shared, and the form's one-time key."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    people = forms.MultipleChoiceField(
        label="Who gets it",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one person to send your message to."},
    )
    share_location = forms.BooleanField(label="Add my current location", required=False)
    latitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-90, max_value=90, max_digits=12, decimal_places=8
    )
    longitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-180, max_value=180, max_digits=12, decimal_places=8
    )

    def __init__(self, *args, choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["people"]).choices = choices
        if not self.is_bound:
            self.initial = {"request_key": secrets.token_urlsafe(24), "people": [key for key, _ in choices]}

    def location(self) -> Location | None:
        """The device's location, only when the member ticked the box and the browser gave it."""
        data = self.cleaned_data
        latitude: Decimal | None = data.get("latitude")
        longitude: Decimal | None = data.get("longitude")
        if not data.get("share_location") or latitude is None or longitude is None:
            return None
        return Location(latitude=latitude, longitude=longitude)

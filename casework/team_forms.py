"""Forms for a coordinator's pages: parsing and kind errors only; the rules are in services.py
and portal.accounts.services.staff."""

from typing import cast

from django import forms
from django.db.models import QuerySet

from portal.accounts.models import User

from .services import DISPLAY_NAME_MAX


class WorkerChoiceField(forms.ModelChoiceField):
    """One of the organisation's support workers, shown by their email address."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=User.objects.none(),
            empty_label="Choose a support worker",
            error_messages={
                "required": "Choose a support worker.",
                "invalid_choice": "Choose a support worker from the list: that one is no longer available.",
            },
            **kwargs,
        )

    def label_from_instance(self, obj: User) -> str:
        return obj.email


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Their work email address",
        help_text="We email them a link to choose their own password. Nobody else sees it, you included.",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the email address of the person to invite.",
            "invalid": "Enter an email address in the right form, like name@example.org.",
        },
    )


class LinkForm(forms.Form):
    member_email = forms.EmailField(
        label="The member's email address",
        help_text="The address they signed up with.",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the member's email address.",
            "invalid": "Enter an email address in the right form, like name@example.org.",
        },
    )
    worker = WorkerChoiceField(label="Their support worker")
    display_name = forms.CharField(
        label="The name the support worker will see for them",
        help_text="A first name or a nickname they agreed to. They can change it themselves.",
        max_length=DISPLAY_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter the name the support worker will see for them.",
            "max_length": f"Please keep the name to {DISPLAY_NAME_MAX} characters or fewer.",
        },
    )

    def __init__(self, *args, workers: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        cast(WorkerChoiceField, self.fields["worker"]).queryset = workers


class MoveForm(forms.Form):
    worker = WorkerChoiceField(label="Move the case to")

    def __init__(self, *args, workers: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        cast(WorkerChoiceField, self.fields["worker"]).queryset = workers

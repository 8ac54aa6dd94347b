"""Forms for the member's sharing pages and the worker's case pages: parsing and kind errors
only; the rules are in services.py."""

from django import forms

from .services import DISPLAY_NAME_MAX, REFERRAL_LENGTH

_NAME_ERRORS = {
    "required": "Enter the name your support worker will see. It can be a first name or a nickname.",
    "max_length": f"Please keep the name to {DISPLAY_NAME_MAX} characters or fewer.",
}


class DisplayNameField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label="The name they will see for you",
            help_text="Your first name, a nickname, or anything they will know you by.",
            max_length=DISPLAY_NAME_MAX,
            error_messages=_NAME_ERRORS,
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
            **kwargs,
        )


class ReferralForm(forms.Form):
    code = forms.CharField(
        label="The code your support worker gave you",
        help_text="8 letters and numbers, for example ABCD-2345. Capitals or not, with or without the dash.",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the code your support worker gave you.",
            "max_length": "This code is too long.",
        },
    )
    display_name = DisplayNameField()

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isalnum())
        if len(code) != REFERRAL_LENGTH:
            raise forms.ValidationError(
                f"A code has {REFERRAL_LENGTH} letters and numbers. Check it with your support worker."
            )
        return code


class DisplayNameForm(forms.Form):
    display_name = DisplayNameField()


class ShareForm(forms.Form):
    """What to share with one worker; the entries offered are the member's own (set by the view)."""

    diary = forms.BooleanField(label="My whole diary, including entries I add later", required=False)
    plan = forms.BooleanField(label="My safety plan", required=False)
    entries = forms.MultipleChoiceField(
        label="Or only these entries", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entry_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        entries = self.fields["entries"]
        if isinstance(entries, forms.MultipleChoiceField):  # always; said for the type checker
            entries.choices = entry_choices
        self.fields["entries"].error_messages["invalid_choice"] = (
            "One of the chosen entries is no longer in your diary. Choose again."
        )

    def clean(self):
        data = super().clean() or {}
        if not (data.get("diary") or data.get("plan") or data.get("entries")):
            raise forms.ValidationError("Choose what to share: your whole diary, your safety plan, or some entries.")
        return data


class CaseNoteForm(forms.Form):
    text = forms.CharField(
        label="New note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write something in the note first.",
            "max_length": "Please keep a note to 5,000 characters or fewer; add a second note for more.",
        },
    )

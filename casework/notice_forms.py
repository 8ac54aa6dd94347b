"""The form of a support worker's choice of how they hear there is an update: by email, by text
(offered only with a confirmed phone for sign-in codes), both or neither."""

from django import forms


class NoticeChoiceForm(forms.Form):
    by_email = forms.BooleanField(required=False)
    by_text = forms.BooleanField(required=False)

    def __init__(self, *args, email: str, phone_ending: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by_email"].label = f"By email, to {email}"
        if phone_ending is None:
            del self.fields["by_text"]  # nowhere to send a text: not offered
        else:
            self.fields["by_text"].label = f"By text, to the phone ending {phone_ending} that gets your sign-in codes"

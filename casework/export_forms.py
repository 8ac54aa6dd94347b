"""The form of a support worker's download of a member's shared diary: its dates only; what
may be downloaded, and by whom, is in casework.permissions and diary.permissions."""

from django import forms


class DateInput(forms.DateInput):
    """A date picker, which reads and writes dates as YYYY-MM-DD whatever the site's format."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseDownloadForm(forms.Form):
    """The entries that happened from ``start`` to ``end``, inclusive."""

    start = forms.DateField(
        label="From",
        widget=DateInput(),
        error_messages={"required": "Enter the first day.", "invalid": "Enter a date."},
    )
    end = forms.DateField(
        label="To", widget=DateInput(), error_messages={"required": "Enter the last day.", "invalid": "Enter a date."}
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError("The 'To' date is before the 'From' date. Check the dates and try again.")
        return cleaned

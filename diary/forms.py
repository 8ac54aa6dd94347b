"""Forms for the diary: the one-screen quick entry (also used to edit) and the timeline filter.

Attachments are checked by what they contain, never by their name or the browser's word.
"""

import datetime
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.utils import timezone

from portal import uploads

from . import incident
from .incident import Behaviour, IncidentData
from .models import Attachment


def validate_attachment(upload) -> None:
    """Check one uploaded file for the diary (see portal.uploads), as a form error."""
    try:
        uploads.upload_check(upload, max_bytes=settings.DIARY_MAX_UPLOAD_BYTES)
    except uploads.UploadRefused as refused:
        raise forms.ValidationError(refused.message, code=refused.code) from refused


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once; each is checked on its own and every problem is reported."""

    widget = MultipleFileInput(attrs={"accept": uploads.ACCEPT})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [upload for upload in (data or []) if upload]
        errors = []
        for upload in files:
            try:
                validate_attachment(upload)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return files


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


# Dates a person can mean. Outside these, a date is a typing slip, and a date at the very edge
# of the calendar breaks date arithmetic (the day after 31 December 9999 does not exist).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
_DATE_INVALID = "Enter a real date, for example 10/3/2024."


def _date_input_in_range() -> DateInput:
    return DateInput(attrs={"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()})


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _incident_form_field(field: incident.IncidentField) -> forms.Field:
    """The form's question for one field of the incident, from its declaration."""
    question: forms.Field
    if field.kind == incident.Kind.BOOL:
        question = forms.BooleanField(label=field.label, required=False)
    elif field.kind == incident.Kind.YES_NO:
        # Three choices, "Not answered" until the member picks another: an untouched question
        # must never read as "No".
        question = forms.TypedChoiceField(
            label=field.label,
            choices=incident.ANSWER_CHOICES,
            coerce=incident.Answer,
            empty_value=incident.Answer.NOT_ANSWERED,
            initial=incident.Answer.NOT_ANSWERED,
            widget=forms.RadioSelect,
            required=False,
            error_messages={"invalid_choice": f"Choose yes, no or not answered for “{field.label}”."},
        )
    elif field.kind == incident.Kind.CHOICES:
        question = forms.MultipleChoiceField(
            label=field.label, choices=field.choices, widget=forms.CheckboxSelectMultiple, required=field.required
        )
    elif field.kind in (incident.Kind.TEXT, incident.Kind.LONG_TEXT):
        question = forms.CharField(
            label=field.label,
            widget=_textarea(field.rows) if field.kind == incident.Kind.LONG_TEXT else None,
            max_length=field.max_length,
            required=field.required,
            error_messages={"required": field.required_message} if field.required_message else {},
        )
    else:
        raise ValueError(f"The entry form cannot ask for a {field.kind} field ({field.name}).")
    question.incident_field = field  # type: ignore[union-attr]  # for the template: how to draw it
    return question


class IncidentForm(forms.Form):
    """Everything a member can say about one incident; only "what happened" is required.

    Its questions are made from ``incident.FIELDS``; the one date and time, when it happened,
    is asked as a date and a time.
    """

    occurred_date = forms.DateField(
        label="Date",
        widget=DateInput(attrs={"min": EARLIEST_DATE.isoformat()}),
        error_messages={"invalid": _DATE_INVALID},
    )
    occurred_time = forms.TimeField(label="Time", widget=TimeInput())
    attachments = AttachmentsField(
        label="Add photos, screenshots, videos or documents",
        help_text="Optional. You can choose several files.",
    )

    def __init__(self, *args, data_initial: IncidentData | None = None, removable: Iterable[Attachment] = (), **kwargs):
        super().__init__(*args, **kwargs)
        declared = {field.name: _incident_form_field(field) for field in incident.FIELDS if field.name != "occurred_at"}
        self.fields.update(declared)
        removable = list(removable)
        if removable:
            # One "Remove this file" box per file of the current version (the edit page only).
            self.fields["remove"] = forms.MultipleChoiceField(
                label="Remove files added by mistake",
                choices=[(str(attachment.pk), attachment.original_name or "File") for attachment in removable],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={
                    "invalid_choice": "One of the files to remove is no longer in this entry. Nothing was removed; "
                    "check the list of files and save again."
                },
            )
        # The order of the page (and of its list of problems): what happened, when, files, the rest.
        self.order_fields(
            [
                *self._names(incident.Section.WHAT),
                "occurred_date",
                "occurred_time",
                *self._names(incident.Section.WHEN),
                "attachments",
                "remove",
                *self._names(incident.Section.DETAILS),
            ]
        )
        if data_initial is None:
            when = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("occurred_date", when.date())
            self.initial.setdefault("occurred_time", when.time())
        else:
            when = timezone.localtime(data_initial.occurred_at)
            self.initial.update(
                {
                    **{name: getattr(data_initial, name) for name in declared},
                    "occurred_date": when.date(),
                    "occurred_time": when.time().replace(second=0, microsecond=0),
                }
            )

    @staticmethod
    def _names(section: incident.Section) -> list[str]:
        return [field.name for field in incident.fields(section) if field.kind != incident.Kind.DATETIME]

    def main_fields(self):
        """The questions asked first (what happened)."""
        return [self[name] for name in self._names(incident.Section.WHAT)]

    def when_fields(self):
        """The questions beside the date and time (whether they are approximate)."""
        return [self[name] for name in self._names(incident.Section.WHEN)]

    def optional_fields(self):
        """The questions under "More details"."""
        return [self[name] for name in self._names(incident.Section.DETAILS)]

    def has_optional_content(self) -> bool:
        """Whether the "more details" section should start open (it holds data or errors)."""
        source = self.data if self.is_bound else self.initial
        return any(
            (self.is_bound and self[name].errors)
            or source.get(name) not in (None, "", [], False, incident.field(name).empty())
            for name in self._names(incident.Section.DETAILS)
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for field in incident.FIELDS:
            text = cleaned.get(field.name)
            if field.required and isinstance(text, str) and not text.strip():
                self.add_error(field.name, field.required_message)
        day, time_of_day = cleaned.get("occurred_date"), cleaned.get("occurred_time")
        if day and day < EARLIEST_DATE:
            self.add_error("occurred_date", f"That date is before {EARLIEST_DATE.year}. Please check the year.")
        elif day and time_of_day:
            occurred_at = timezone.make_aware(datetime.datetime.combine(day, time_of_day))
            # A little leeway for a phone clock that runs ahead of the server's.
            if occurred_at > timezone.now() + datetime.timedelta(minutes=15):
                self.add_error("occurred_date", "That date and time is in the future. Please check them.")
            else:
                cleaned["occurred_at"] = occurred_at
        return cleaned

    def incident_data(self) -> IncidentData:
        cleaned = self.cleaned_data
        return IncidentData(**{field.name: cleaned[field.name] for field in incident.FIELDS})

    def removed_attachments(self) -> list[str]:
        """The ids of the files ticked "Remove this file" (none on the new-entry form)."""
        return list(self.cleaned_data.get("remove", []))


class TimelineFilterForm(forms.Form):
    """The timeline's filters. Each is checked when posted, and again when a kept one is loaded,
    so a value the timeline cannot use (a date in the year 9999) is never kept."""

    q = forms.CharField(
        label="Search your entries",
        max_length=200,
        required=False,
        error_messages={"max_length": "Search for at most %(limit_value)d characters."},
    )
    date_from = forms.DateField(
        label="From", widget=_date_input_in_range(), required=False, error_messages={"invalid": _DATE_INVALID}
    )
    date_to = forms.DateField(
        label="To", widget=_date_input_in_range(), required=False, error_messages={"invalid": _DATE_INVALID}
    )
    behaviour = forms.ChoiceField(
        label="Type of behaviour",
        choices=[("", "Any"), *Behaviour.CHOICES],
        required=False,
        error_messages={"invalid_choice": "Choose a type of behaviour from the list."},
    )

    def _clean_date(self, name: str):
        day = self.cleaned_data[name]
        if day and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(
                f"Choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="out_of_range"
            )
        return day

    def clean_date_from(self):
        return self._clean_date("date_from")

    def clean_date_to(self):
        return self._clean_date("date_to")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "This date is before the “From” date. Choose one on or after it.")
        return cleaned

    def filters(self) -> dict:
        """The chosen filters, for selectors.timeline (call once the form is valid)."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    def stored(self) -> dict[str, str]:
        """The chosen filters as text, to keep between pages (and check again when loaded)."""
        return {name: str(value) for name, value in self.filters().items()}  # dates as 2024-03-10


class ExportForm(forms.Form):
    """The dates of a download: entries that happened from ``start`` to ``end``, inclusive."""

    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError("The 'To' date is before the 'From' date. Check the dates and try again.")
        return cleaned

"""Forms for the diary: the one-screen quick entry (also used to edit) and the timeline filter.

Attachments are checked by what they contain, never by their name or the browser's word.
"""

import datetime
import struct
import warnings
import zlib

import filetype
from django import forms
from django.conf import settings
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from .services import Behaviour, IncidentData

# Kinds of file a member may attach, as recognised from their first bytes.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
AUDIO_TYPES = {"audio/mpeg", "audio/mp4", "audio/x-wav", "audio/ogg", "audio/aac", "audio/amr", "audio/x-flac"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-m4v"}
DOCUMENT_TYPES = {"application/pdf"}
ALLOWED_TYPES = IMAGE_TYPES | AUDIO_TYPES | VIDEO_TYPES | DOCUMENT_TYPES
# Pillow's own default: a 24-bit image this size is about 256 MB when decoded. Larger
# "images" are almost always built to exhaust memory (a decompression bomb).
MAX_IMAGE_PIXELS = 89_478_485
# filetype needs at most this many leading bytes to recognise a file.
SNIFF_BYTES = 8192


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _check_image(upload, name: str) -> None:
    """Refuse images Pillow cannot read, and images too large to open safely."""
    problem = (
        f"“{name}” could not be opened as a picture. It may be damaged. "
        "Try taking a screenshot of it instead, or attach a different copy."
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                image.verify()
            # verify() checks the file's structure (a PNG's checksums) but not its picture: a
            # broken compressed stream passes it, then fails when drawn. So decode it in full too
            # (verify() leaves the image unusable: it is opened again).
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise forms.ValidationError(
            f"“{name}” is a picture too large to open safely, so it was not saved. "
            "Try a screenshot of it, or a smaller copy.",
            code="image_too_large",
        ) from error
    # Pillow reports a damaged file in many ways (zlib's and struct's errors among them).
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error) as error:
        raise forms.ValidationError(problem, code="image_damaged") from error
    finally:
        upload.seek(0)


def validate_attachment(upload) -> None:
    """Check one uploaded file; on success its content type is the one recognised."""
    name = upload.name or "This file"
    if not upload.size:
        raise forms.ValidationError(
            f"“{name}” is empty (0 bytes), so it was not saved. Please choose the file again.", code="empty"
        )
    limit = settings.DIARY_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"“{name}” is {_megabytes(upload.size)}, larger than the {_megabytes(limit)} limit for one file, "
            "so it was not saved. Try a shorter recording or a smaller copy.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise forms.ValidationError(
            f"“{name}” is not a kind of file the diary can keep, so it was not saved. "
            "You can attach photos and screenshots (JPEG, PNG, GIF, WebP), sound recordings, "
            "videos and PDF documents.",
            code="file_type",
        )
    if kind.mime in IMAGE_TYPES:
        _check_image(upload, name)
    # What the file is, not what the browser said it is.
    upload.content_type = kind.mime


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once; each is checked on its own and every problem is reported."""

    widget = MultipleFileInput(attrs={"accept": "image/*,audio/*,video/*,application/pdf"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        errors = []
        for upload in uploads:
            try:
                validate_attachment(upload)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return uploads


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


class IncidentForm(forms.Form):
    """Everything a member can say about one incident; only "what happened" is required."""

    what_happened = forms.CharField(
        label="What happened",
        widget=_textarea(5),
        max_length=20_000,
        error_messages={"required": "Say what happened. A few words are enough."},
    )
    occurred_date = forms.DateField(
        label="Date",
        widget=DateInput(attrs={"min": EARLIEST_DATE.isoformat()}),
        error_messages={"invalid": _DATE_INVALID},
    )
    occurred_time = forms.TimeField(label="Time", widget=TimeInput())
    occurred_approximately = forms.BooleanField(label="The date or time is approximate", required=False)
    attachments = AttachmentsField(
        label="Photos, screenshots, recordings or documents",
        help_text="Optional. You can choose several files.",
    )
    behaviours = forms.MultipleChoiceField(
        label="Type of behaviour", choices=Behaviour.CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    location = forms.CharField(label="Where", max_length=500, required=False)
    exact_words = forms.CharField(label="Exact words used", widget=_textarea(), max_length=20_000, required=False)
    sender = forms.CharField(label="Sender’s number or account", max_length=500, required=False)
    vehicle = forms.CharField(label="Vehicle details", max_length=500, required=False)
    witnesses = forms.CharField(
        label="Witnesses and how to reach them", widget=_textarea(2), max_length=5_000, required=False
    )
    children_present = forms.BooleanField(label="Children were present", required=False)
    effect = forms.CharField(label="How it affected you", widget=_textarea(), max_length=20_000, required=False)
    reported_to_police = forms.BooleanField(label="I reported it to the police", required=False)
    crime_reference = forms.CharField(label="Crime reference number", max_length=200, required=False)
    officer = forms.CharField(label="Officer’s name or number", max_length=200, required=False)

    OPTIONAL_FIELDS = (
        "behaviours",
        "location",
        "exact_words",
        "sender",
        "vehicle",
        "witnesses",
        "children_present",
        "effect",
        "reported_to_police",
        "crime_reference",
        "officer",
    )

    def __init__(self, *args, data_initial: IncidentData | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if data_initial is None:
            when = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("occurred_date", when.date())
            self.initial.setdefault("occurred_time", when.time())
        else:
            when = timezone.localtime(data_initial.occurred_at)
            self.initial.update(
                {
                    **{name: getattr(data_initial, name) for name in self.OPTIONAL_FIELDS},
                    "what_happened": data_initial.what_happened,
                    "occurred_date": when.date(),
                    "occurred_time": when.time().replace(second=0, microsecond=0),
                    "occurred_approximately": data_initial.occurred_approximately,
                }
            )

    def optional_fields(self):
        return [self[name] for name in self.OPTIONAL_FIELDS]

    def has_optional_content(self) -> bool:
        """Whether the "more details" section should start open (it holds data or errors)."""
        source = self.data if self.is_bound else self.initial
        return any(
            (self.is_bound and self[name].errors) or source.get(name) not in (None, "", [], False)
            for name in self.OPTIONAL_FIELDS
        )

    def clean_what_happened(self):
        text = self.cleaned_data["what_happened"]
        if not text.strip():
            raise forms.ValidationError("Say what happened. A few words are enough.")
        return text

    def clean(self):
        cleaned = super().clean()
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
        return IncidentData(
            what_happened=cleaned["what_happened"],
            occurred_at=cleaned["occurred_at"],
            occurred_approximately=cleaned["occurred_approximately"],
            **{name: cleaned[name] for name in self.OPTIONAL_FIELDS},
        )


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
        cleaned = super().clean()
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

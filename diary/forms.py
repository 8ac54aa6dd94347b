"""Forms for the diary: the one-screen quick entry (also used to edit) and the timeline filter.

Attachments are checked by what they contain, never by their name or the browser's word.
The diary's forms are drawn by ``LeanRenderer``: Django's own markup, written in Python.
"""

import datetime
import functools
import html
from collections.abc import Callable, Iterable

from django import forms
from django.conf import settings
from django.forms.renderers import BaseRenderer, get_default_renderer
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from portal import uploads

from . import incident
from .incident import Behaviour, IncidentData
from .models import Attachment

# --- Drawing the fields -------------------------------------------------------------------
# Django draws a field with a template for its group, one for its label, one for its errors,
# one for its widget, each including more, and more again for each option of a list: 178
# template renders for the entry form's fields, most of the page's time. The diary's forms
# draw the same markup in Python instead (tests/diary/test_rendering.py holds every drawing
# to Django's templates); a template it has no drawing for is left to Django's renderer.

CHECKBOX_GROUP = "diary/includes/checkbox.html"  # a tick box with its label after it


def _text(value) -> str:
    """A value as a template prints it: escaped, unless it is already HTML (a SafeString, or
    a form's errors or field, which draw themselves)."""
    if type(value) is str:  # most of them: escaped as django.utils.html.escape does, minus its wrappers
        return html.escape(value)
    return conditional_escape(value)


def _attrs(attrs: dict) -> str:
    """django/forms/attrs.html: ``True`` is a bare name, ``False`` is left out."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _draw_input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _draw_file_input(widget: dict) -> str:
    if widget["is_initial"]:  # a file already kept by a model form: never on the diary's pages
        return get_default_renderer().render(widget["template_name"], {"widget": widget})
    return _draw_input(widget)


def _draw_textarea(widget: dict) -> str:
    # The line break after the tag is the template's: a browser drops it, so text that starts
    # with a line break keeps it.
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _draw_input_option(option: dict) -> str:
    """One radio button or tick box of a list, inside its label unless drawn on its own."""
    tag = _draw_input(option)
    if not option["wrap_label"]:
        return tag
    target = f' for="{_text(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
    return f"<label{target}>{tag} {_text(option['label'])}</label>"


def _draw_select_option(option: dict) -> str:
    return f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'


def _draw_option(option: dict) -> str:
    """An option inside its list (the list's template includes the option's own)."""
    return LEAN_RENDERER.render(option["template_name"], {"widget": option})


def _draw_select(widget: dict) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        parts += [f'<optgroup label="{_text(group)}">'] if group else []
        parts += [_draw_option(option) for option in options]
        parts += ["</optgroup>"] if group else []
    return "\n".join([*parts, "</select>"])


def _draw_choices(widget: dict) -> str:
    """django/forms/widgets/multiple_input.html: radio buttons, or tick boxes."""
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div" + (f' id="{_text(id_)}"' if id_ else "") + (f' class="{_text(css)}"' if css else "") + ">"]
    for group, options, _index in widget["optgroups"]:
        parts += [f"<div><label>{_text(group)}</label>"] if group else []
        parts += [f"<div>{_draw_option(option)}</div>" for option in options]
        parts += ["</div>"] if group else []
    return "\n".join([*parts, "</div>"])


def _draw_label(context: dict) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return label
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


def _draw_errors(context: dict) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_ = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{id_}>{items}</ul>'


def _draw_field_group(context: dict) -> str:
    """django/forms/field.html: the label (a legend for a group of choices), the hint, the
    errors and the widget, which the hint and errors describe (aria-describedby)."""
    field = context["field"]
    parts = []
    if field.use_fieldset:
        described = field.aria_describedby
        parts.append(f'<fieldset aria-describedby="{_text(described)}">' if described else "<fieldset>")
        parts += [field.legend_tag()] if field.label else []
    elif field.label:
        parts.append(field.label_tag())
    if field.help_text:
        id_ = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        parts.append(f'<div class="helptext"{id_}>{_text(field.help_text)}</div>')
    parts += [_text(field.errors), _text(field)]
    parts += ["</fieldset>"] if field.use_fieldset else []
    return "\n".join(part for part in parts if part)


def _draw_checkbox_group(context: dict) -> str:
    """diary/includes/checkbox.html."""
    field = context["field"]
    return (
        f'<div class="checkbox">\n{_text(field.errors)}\n'
        f'{_text(field)} <label for="{_text(field.id_for_label)}">{_text(field.label)}</label>\n</div>'
    )


_WIDGETS = "django/forms/widgets/"
# Each widget's template, and the function that draws it from the widget's context: the
# widgets the diary's forms use (tests/diary/test_rendering.py draws each of them both ways).
_WIDGET_DRAWINGS: dict[str, Callable[[dict], str]] = {
    **{f"{_WIDGETS}{name}.html": _draw_input for name in ("input", "text", "date", "time", "checkbox", "file")},
    f"{_WIDGETS}clearable_file_input.html": _draw_file_input,
    f"{_WIDGETS}textarea.html": _draw_textarea,
    f"{_WIDGETS}select.html": _draw_select,
    f"{_WIDGETS}select_option.html": _draw_select_option,
    f"{_WIDGETS}radio.html": _draw_choices,
    f"{_WIDGETS}checkbox_select.html": _draw_choices,
    f"{_WIDGETS}radio_option.html": _draw_input_option,
    f"{_WIDGETS}checkbox_option.html": _draw_input_option,
}
# The other templates a field is drawn with, and the function that draws each from its context.
_DRAWINGS: dict[str, Callable[[dict], str]] = {
    "django/forms/field.html": _draw_field_group,
    CHECKBOX_GROUP: _draw_checkbox_group,
    "django/forms/label.html": _draw_label,
    "django/forms/errors/list/default.html": _draw_errors,
    "django/forms/errors/list/ul.html": _draw_errors,
}


class LeanRenderer(BaseRenderer):
    """Draws the fields of the diary's forms in Python, with the markup of Django's templates."""

    def get_template(self, template_name):
        return get_default_renderer().get_template(template_name)

    def render(self, template_name, context, request=None):
        if draw_widget := _WIDGET_DRAWINGS.get(template_name):
            return draw_widget(context["widget"])
        if draw := _DRAWINGS.get(template_name):
            return draw(context)
        return get_default_renderer().render(template_name, context, request=request)


LEAN_RENDERER = LeanRenderer()


class DiaryForm(forms.Form):
    """A form of the diary's, drawn by LeanRenderer."""

    default_renderer = LEAN_RENDERER


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
        question = forms.BooleanField(label=field.label, required=False, template_name=CHECKBOX_GROUP)
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


class IncidentForm(DiaryForm):
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


class TimelineFilterForm(DiaryForm):
    """The timeline's filters. Each is checked when posted, and again when a kept one is loaded,
    so a value the timeline cannot use (a date in the year 9999) is never kept.

    ``{{ filter_form }}`` draws its fields. The blank form, nothing chosen and nothing wrong, is
    the same for every member on every visit, and folded away: it is drawn once, then reused.
    A form in use (the member's own filters, or what they posted) is drawn each time.
    """

    template_name = "diary/includes/filter_fields.html"

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

    def render(self, template_name=None, context=None, renderer=None):
        # In development a change to the template shows at once.
        blank = not (self.is_bound or self.initial or template_name or context or renderer or settings.DEBUG)
        return _blank_filter_fields() if blank else super().render(template_name, context, renderer)

    __str__ = __html__ = render

    def filters(self) -> dict:
        """The chosen filters, for selectors.timeline (call once the form is valid)."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    def stored(self) -> dict[str, str]:
        """The chosen filters as text, to keep between pages (and check again when loaded)."""
        return {name: str(value) for name, value in self.filters().items()}  # dates as 2024-03-10


@functools.cache
def _blank_filter_fields() -> SafeString:
    """The fields of a blank TimelineFilterForm: nothing in them comes from a member."""
    return forms.Form.render(TimelineFilterForm())  # Django's render, not the copy's


class ExportForm(DiaryForm):
    """The dates of a download: entries that happened from ``start`` to ``end``, inclusive."""

    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError("The 'To' date is before the 'From' date. Check the dates and try again.")
        return cleaned

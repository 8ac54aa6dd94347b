"""What a member can say about one incident, declared once.

``FIELDS`` is the one list of an incident's fields: the entry form, ``IncidentData`` (the
encrypted content of a version and its checks), the timeline's search, the entry's page, the
PDF and the JSON of a download are all built from it. Adding a field is one edit here (plus a
migration only if it is also copied out to a column, as ``occurred_at`` and ``behaviours`` are).

Everything reads ``FIELDS`` when it runs, never a copy taken at import.

A yes/no question has three answers: yes, no and not answered. Content written before that
(``SCHEMA`` 1, with no ``_schema`` key) stored such a question as a tick box, where an unticked
box meant only that nothing was said; it reads as "not answered", never "no". Versions are never
rewritten (they are links of a hash chain), so the rule lives here, where content is read.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .errors import InvalidIncident


class Kind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines, kept as written
    BOOL = "bool"  # a box to tick: ticked says something, unticked says nothing
    YES_NO = "yes_no"  # a question answered yes, no, or not at all (see Answer)
    CHOICES = "choices"  # any number of codes from a list (codes are stored, labels shown)
    DATETIME = "datetime"  # stored as ISO 8601 text


class Answer(StrEnum):
    """The answers to a yes/no question; codes are stored, labels are shown and exported."""

    YES = "yes"
    NO = "no"
    NOT_ANSWERED = "not_answered"

    @property
    def label(self) -> str:
        return {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_ANSWERED: "Not answered"}[self]


ANSWER_CHOICES = tuple((answer.value, answer.label) for answer in Answer)

# The version of the content's format, stored in new content under SCHEMA_KEY. 1 (no key):
# yes/no questions were tick boxes, stored true or false. 2: they are Answer codes.
SCHEMA = 2
SCHEMA_KEY = "_schema"
UNTICKED = "Not ticked"  # a box left unticked: the member said nothing, which is not "no"


class Section(StrEnum):
    """Where a field sits on the form and the entry's page."""

    WHAT = "what"  # first, the account itself
    WHEN = "when"  # the "When it happened" group (the PDF starts with it)
    DETAILS = "details"  # "More details (all optional)"


class Behaviour:
    """Kinds of behaviour a member can tick; codes are stored, labels are shown."""

    CHOICES = [
        ("following", "Following or watching"),
        ("turning_up", "Turning up at home, work or school"),
        ("contact", "Unwanted calls, messages, letters or gifts"),
        ("online", "Online or social media"),
        ("threats", "Threats"),
        ("damage", "Damage to property"),
        ("third_parties", "Contacting family, friends or colleagues"),
        ("tracking", "Tracking or monitoring devices"),
        ("other", "Other"),
    ]
    CODES = {code for code, _label in CHOICES}
    LABELS = dict(CHOICES)


@dataclass(frozen=True)
class IncidentField:
    """One thing a member can say about an incident.

    ``label`` is the question on the form; ``heading`` names it on the entry's page and
    ``export_label`` in the PDF (each defaults to the one before: the wording differs only
    where the member is spoken to, "I reported it to the police", rather than written about).
    """

    name: str
    kind: Kind
    label: str
    heading: str = ""
    export_label: str = ""
    section: Section = Section.DETAILS
    required: bool = False
    required_message: str = ""
    max_length: int | None = None
    rows: int = 3  # lines of a long text's box on the form
    choices: tuple[tuple[str, str], ...] = ()
    invalid_choice_message: str = ""
    searched: bool = False  # the timeline's search looks in its text
    listed: bool = True  # a row of its own on the entry's page (the "when" has a row of its own making)
    offers_location: bool = False  # the form offers the device's location for it

    @property
    def shown_heading(self) -> str:
        return self.heading or self.label

    @property
    def exported_label(self) -> str:
        return self.export_label or self.shown_heading

    @property
    def choice_labels(self) -> dict[str, str]:
        return dict(self.choices)

    def empty(self) -> Any:
        """The value of a question left unanswered (there is none for a date and time)."""
        return {Kind.BOOL: False, Kind.YES_NO: Answer.NOT_ANSWERED, Kind.CHOICES: []}.get(self.kind, "")

    def text(self, value: Any, *, when: Callable[[datetime], str] = lambda moment: moment.isoformat()) -> str:
        """The value as words, the same on every page and in every export: a yes/no question
        reads "Yes", "No" or "Not answered"; an unticked box "Not ticked"; choices their labels.
        ``when`` writes a date and time (each output has its own clock and format)."""
        if self.kind == Kind.YES_NO:
            return Answer(value).label
        if self.kind == Kind.BOOL:
            return "Yes" if value else UNTICKED
        if self.kind == Kind.CHOICES:
            labels = self.choice_labels
            return ", ".join(labels.get(code, code) for code in value) or "None ticked"
        if self.kind == Kind.DATETIME:
            return when(value)
        return str(value)


FIELDS: tuple[IncidentField, ...] = (
    IncidentField(
        "what_happened",
        Kind.LONG_TEXT,
        "What happened",
        section=Section.WHAT,
        required=True,
        required_message="Say what happened. A few words are enough.",
        max_length=20_000,
        rows=5,
        searched=True,
    ),
    IncidentField("occurred_at", Kind.DATETIME, "When it happened", section=Section.WHEN, required=True, listed=False),
    IncidentField(
        "occurred_approximately",
        Kind.BOOL,
        "The date or time is approximate",
        export_label="Time is approximate",
        section=Section.WHEN,
        listed=False,
    ),
    IncidentField(
        "behaviours",
        Kind.CHOICES,
        "Type of behaviour",
        export_label="Kinds of behaviour",
        choices=tuple(Behaviour.CHOICES),
        invalid_choice_message="Choose the kinds of behaviour from the list.",
    ),
    IncidentField("location", Kind.TEXT, "Where", max_length=500, searched=True, offers_location=True),
    IncidentField("exact_words", Kind.LONG_TEXT, "Exact words used", max_length=20_000, searched=True),
    IncidentField(
        "sender",
        Kind.TEXT,
        "Sender’s number or account",
        export_label="Sent from (number, account or address)",
        max_length=500,
        searched=True,
    ),
    IncidentField("vehicle", Kind.TEXT, "Vehicle details", export_label="Vehicle", max_length=500, searched=True),
    IncidentField(
        "witnesses",
        Kind.LONG_TEXT,
        "Witnesses and how to reach them",
        export_label="Witnesses",
        max_length=5_000,
        rows=2,
        searched=True,
    ),
    IncidentField("children_present", Kind.YES_NO, "Were children present?", heading="Children present"),
    IncidentField(
        "effect",
        Kind.LONG_TEXT,
        "How it affected you",
        export_label="Effect on the member",
        max_length=20_000,
        searched=True,
    ),
    IncidentField(
        "reported_to_police",
        Kind.YES_NO,
        "Did you report it to the police?",
        heading="Reported to the police",
        export_label="Reported to police",
    ),
    IncidentField(
        "crime_reference",
        Kind.TEXT,
        "Crime reference number",
        export_label="Crime reference",
        max_length=200,
        searched=True,
    ),
    IncidentField("officer", Kind.TEXT, "Officer’s name or number", heading="Officer", max_length=200, searched=True),
)


def fields(section: Section | None = None) -> tuple[IncidentField, ...]:
    """The incident's fields (of one section), in the order they are declared."""
    return tuple(field for field in FIELDS if section is None or field.section == section)


def field(name: str) -> IncidentField:
    return next(candidate for candidate in FIELDS if candidate.name == name)


def searched_fields() -> tuple[str, ...]:
    """Names of the fields whose text the timeline's search looks in."""
    return tuple(field.name for field in FIELDS if field.searched)


def exported_fields() -> tuple[IncidentField, ...]:
    """The PDF's order: when it happened first, then the rest as declared."""
    return fields(Section.WHEN) + tuple(field for field in FIELDS if field.section != Section.WHEN)


class IncidentData:
    """What a member records about one incident: one value per field of ``FIELDS``.

    Built with keyword arguments (or positionally, in the order of ``FIELDS``); a field left
    out is unanswered. Immutable, and compared by value. Refuses, with ``InvalidIncident``,
    an account the diary cannot keep: a required field left blank, a choice not in the list.
    """

    __hash__ = None  # type: ignore[assignment]  # values include lists

    def __init__(self, *args: Any, **values: Any) -> None:
        declared = FIELDS
        if len(args) > len(declared):
            raise TypeError(f"IncidentData takes at most {len(declared)} positional values")
        for declared_field, value in zip(declared, args, strict=False):
            if declared_field.name in values:
                raise TypeError(f"IncidentData got two values for {declared_field.name!r}")
            values[declared_field.name] = value
        unknown = values.keys() - {declared_field.name for declared_field in declared}
        if unknown:
            raise TypeError(f"IncidentData has no field {sorted(unknown)[0]!r}")
        missing = [f.name for f in declared if f.kind == Kind.DATETIME and f.name not in values]
        if missing:
            raise TypeError(f"IncidentData needs {missing[0]!r}")
        for f in declared:
            if f.kind == Kind.YES_NO and isinstance(values.get(f.name), bool):
                # Said in code (a demo, a test): True is yes and False is no. Stored content
                # of SCHEMA 1 is read by from_content, where False means not answered.
                values[f.name] = Answer.YES if values[f.name] else Answer.NO
        # The values are the instance's attributes (its __dict__), in the order of FIELDS.
        self.__dict__.update({f.name: values.get(f.name, f.empty()) for f in declared})
        self._check(declared)

    def _check(self, declared: Iterable[IncidentField]) -> None:
        for declared_field in declared:
            value = self.__dict__[declared_field.name]
            if declared_field.required and declared_field.kind in (Kind.TEXT, Kind.LONG_TEXT) and not value.strip():
                raise InvalidIncident(declared_field.required_message)
            if declared_field.kind == Kind.CHOICES and set(value) - set(declared_field.choice_labels):
                raise InvalidIncident(declared_field.invalid_choice_message)
            if declared_field.kind == Kind.YES_NO:
                if value not in set(Answer):
                    raise InvalidIncident(f"Answer “{declared_field.label}” with yes, no or not answered.")
                self.__dict__[declared_field.name] = Answer(value)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)  # only declared fields are set; this tells type checkers any of them may be

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("IncidentData cannot be changed: make a new one with replace()")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IncidentData):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"IncidentData({', '.join(f'{name}={value!r}' for name, value in self.__dict__.items())})"

    def values(self) -> dict[str, Any]:
        """Every field's value, by name (a copy)."""
        return {name: list(value) if isinstance(value, list) else value for name, value in self.__dict__.items()}

    def replace(self, **changes: Any) -> "IncidentData":
        return IncidentData(**{**self.values(), **changes})

    def as_content(self) -> dict:
        """The content of a version, as it is encrypted and hashed, marked with its ``SCHEMA``
        (a format once written is read by from_content for good: versions are never rewritten)."""
        content = self.values()
        for declared_field in FIELDS:
            value = content[declared_field.name]
            if declared_field.kind == Kind.DATETIME:
                content[declared_field.name] = value.isoformat()
            elif declared_field.kind == Kind.CHOICES:
                content[declared_field.name] = sorted(value)
            elif declared_field.kind == Kind.YES_NO:
                content[declared_field.name] = str(value)
        content[SCHEMA_KEY] = SCHEMA
        return content

    @classmethod
    def from_content(cls, content: dict) -> "IncidentData":
        """Read a version's content back, by its own schema; fields it does not have (it is
        older) are unanswered, and so is a yes/no question it stored as an unticked box."""
        schema = content.get(SCHEMA_KEY, 1)
        values = {}
        for declared_field in FIELDS:
            if declared_field.name in content:
                value = content[declared_field.name]
                if declared_field.kind == Kind.DATETIME:
                    value = datetime.fromisoformat(value)
                elif declared_field.kind == Kind.YES_NO and schema < 2:
                    value = Answer.YES if value is True else Answer.NOT_ANSWERED
                values[declared_field.name] = value
        return cls(**values)


@dataclass(frozen=True)
class ShownField:
    """One row of the entry's page: the heading, the kind (how it is drawn), the value (for
    choices, their labels) and the value as words (``IncidentField.text``)."""

    name: str
    heading: str
    kind: Kind
    value: Any
    text: str = ""


def _always_shown(declared_field: IncidentField) -> bool:
    """A yes/no question or a box has a row even when nothing was said: "Not answered" is
    part of the record (a missing row would leave a reader to guess)."""
    return declared_field.kind in (Kind.BOOL, Kind.YES_NO)


def shown_fields(data: IncidentData) -> list[ShownField]:
    """The rows of the entry's page: every answered field, and every yes/no question."""
    rows = []
    for declared_field in FIELDS:
        value = getattr(data, declared_field.name)
        if not declared_field.listed or (not _always_shown(declared_field) and not value):
            continue
        text = declared_field.text(value)
        if declared_field.kind == Kind.CHOICES:
            labels = declared_field.choice_labels
            value = [labels[code] for code in value]
        rows.append(ShownField(declared_field.name, declared_field.shown_heading, declared_field.kind, value, text))
    return rows


@dataclass(frozen=True)
class RenderedField:
    """One field of a version as words, for a page or an export: the declared field (its
    ``exported_label`` and ``shown_heading``), the value as read, and the words."""

    field: IncidentField
    value: Any
    text: str


def rendered_fields(
    data: IncidentData, *, when: Callable[[datetime], str] = lambda moment: moment.isoformat()
) -> list[RenderedField]:
    """Every field of one version, in the export's order (``exported_fields``), as words:
    what an earlier version said in full, for the history page and the PDF."""
    return [
        RenderedField(declared_field, value, declared_field.text(value, when=when))
        for declared_field in exported_fields()
        for value in [getattr(data, declared_field.name)]
    ]

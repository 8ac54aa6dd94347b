"""The form for one section of the plan, built from its declaration in sections.py."""

from django import forms

from .sections import Section
from .services import CODE_WORD_MAX, NOTES_MAX


class SectionForm(forms.Form):
    """A section's checklist and notes (and the code word, for the section that asks for it)."""

    def __init__(self, *args, section: Section, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        self.fields["checked"] = forms.MultipleChoiceField(
            label="Tick what is true for you, or what you have done",
            choices=[(item.key, item.text) for item in section.items],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        if section.has_code_word:
            self.fields["code_word"] = forms.CharField(
                label="Our code word",
                help_text="A word that means “call the police for me” to the people you trust.",
                max_length=CODE_WORD_MAX,
                required=False,
                error_messages={"max_length": f"The code word can be at most {CODE_WORD_MAX} characters."},
            )
        self.fields["notes"] = forms.CharField(
            label=section.notes_label,
            widget=forms.Textarea(attrs={"rows": 5}),
            max_length=NOTES_MAX,
            required=False,
            error_messages={"max_length": f"Please keep this to {NOTES_MAX} characters or fewer."},
        )

    @classmethod
    def initial_from(cls, content: dict, section: Section) -> dict:
        given = (content.get("sections") or {}).get(section.key) or {}
        initial = {"checked": given.get("checked") or [], "notes": given.get("notes") or ""}
        if section.has_code_word:
            initial["code_word"] = content.get("code_word") or ""
        return initial

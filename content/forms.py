"""The advice search form."""

from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the advice",
        max_length=200,
        strip=True,
        error_messages={
            "required": "Type a word or two to search for, such as \u201cevidence\u201d.",
            "max_length": "That is longer than a search can be. Try a few words instead.",
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

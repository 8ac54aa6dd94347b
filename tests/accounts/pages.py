"""Reading an account page as a person sees it: its headings, buttons and labels, and whether
they are in sentence case ("Sign in", never allauth's stock "Sign In")."""

import re
from html.parser import HTMLParser

from django.conf import settings

# Capitalised words that may stand anywhere: names, not the first word of a label.
PROPER_WORDS = {"I", "UK"}


def sentence_case_problems(text: str) -> list[str]:
    """The words of ``text`` capitalised mid-sentence, as in "Reset My Password".

    The first word, a word after a full stop, question mark, colon or dash, the site's name, and
    anything with an @ or a digit in it are allowed their capitals.
    """
    words = text.split()
    problems = []
    for previous, word in zip(words, words[1:], strict=False):
        bare = word.strip("\"'“”‘’()[],.;!?")
        if not bare or not bare[0].isupper() or bare in PROPER_WORDS | {settings.SITE_NAME}:
            continue
        if previous.endswith((".", "?", "!", ":")) or previous in {"–", "-", "—"}:
            continue
        if "@" in bare or any(character.isdigit() for character in bare):
            continue
        problems.append(word)
    return problems


class _Controls(HTMLParser):
    """Collects the text of headings, buttons, labels and button-like links inside <main>."""

    TEXT_TAGS = {"h1", "h2", "h3", "button", "label", "legend"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.open: list[tuple[str, list[str]]] = []
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if tag in self.TEXT_TAGS or (tag == "a" and "button" in (attributes.get("class") or "").split()):
            self.open.append((tag, []))
        if tag == "input" and attributes.get("type") in {"submit", "button"}:
            self.found.append(("button", attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        if self.open and self.open[-1][0] == tag:
            name, parts = self.open.pop()
            self.found.append((name, " ".join("".join(parts).split())))

    def handle_data(self, data):
        for _tag, parts in self.open:
            parts.append(data)


def controls(html: str) -> list[tuple[str, str]]:
    """(tag, text) for every heading, button, label and button-like link in the page's main part."""
    parser = _Controls()
    parser.feed(html)
    parser.close()
    return parser.found


def texts(html: str, tag: str) -> list[str]:
    return [text for found, text in controls(html) if found == tag]


def title_of(html: str) -> str:
    [title] = re.findall(r"<title>(.*?)</title>", html, flags=re.DOTALL)
    return " ".join(title.split())

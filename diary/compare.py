"""What changed in the words between two versions of an entry, word by word, for the history page.

Plain functions over text (difflib), so the comparison is made on the server and the page needs
no script to show it.
"""

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

# A word, or the white space between words (kept, so line breaks survive the comparison).
_TOKENS = re.compile(r"\s+|\S+")


class Change(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Piece:
    """A run of text that is in both versions, only in the later one, or only in the earlier one."""

    change: Change
    text: str


def word_changes(before: str, after: str) -> list[Piece]:
    """The later text as pieces, with what was removed from the earlier one in its place.

    Words are compared whole (a changed letter marks the word), and white space is compared
    too but never marked on its own: a removed space between two kept words reads as nothing.
    """
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            _add(pieces, Change.SAME, new[new_start:new_end])
            continue
        if operation in ("delete", "replace"):
            _add(pieces, Change.REMOVED, old[old_start:old_end])
        if operation in ("insert", "replace"):
            _add(pieces, Change.ADDED, new[new_start:new_end])
    return pieces


def _add(pieces: list[Piece], change: Change, tokens: list[str]) -> None:
    text = "".join(tokens)
    if not text.strip():
        # White space alone is not marked: the later text's is kept as it is, the earlier's dropped.
        if change == Change.REMOVED or not text:
            return
        change = Change.SAME
    if pieces and pieces[-1].change == change:
        pieces[-1] = Piece(change, pieces[-1].text + text)
    else:
        pieces.append(Piece(change, text))

"""What the diary's services refuse, as errors of their own that views turn into a kind message,
a form error or a 4xx page. A built-in ValueError reaching a view would be a 500."""


class DiaryError(Exception):
    """Base of every refusal by a diary service; its text can be shown to the member."""


class InvalidIncident(DiaryError):
    """An account of an incident the diary cannot keep (nothing said, an unknown kind of behaviour)."""


class AttachmentRefused(DiaryError):
    """A file the diary cannot keep (its kind, its size, a damaged or oversized picture)."""


class EntryNotChangeable(DiaryError):
    """The entry is not in a state that allows this: changing or deleting an entry already in
    "recently deleted", restoring one that is back in the diary. Usually a double submit, or
    another tab or device got there first."""


class EntryGone(DiaryError):
    """The entry has been destroyed for good; nothing can be done to it any more."""

    def __init__(self, message: str = "This entry has been deleted for good, so nothing more can be done with it."):
        super().__init__(message)


class AttachmentNotInEntry(DiaryError):
    """A file to remove that is not among the entry's current files (already removed in another
    tab, or not this entry's at all)."""

    def __init__(self) -> None:
        super().__init__(
            "One of the files to remove is no longer in this entry. Nothing was changed: "
            "check the list of files and save again."
        )

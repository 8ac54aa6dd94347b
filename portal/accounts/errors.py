"""What account services refuse, as errors of their own that views turn into a message or a 4xx."""

from datetime import datetime


class AccountError(Exception):
    """Base of every refusal by an account service; its text can be shown to the person."""


class NotAllowed(AccountError):
    """The account may not do this at all (staff turning two-step sign-in off, say)."""


class WrongCode(AccountError):
    """A code that did not match; ``which`` names the box it came from."""

    def __init__(self, which: str = "code"):
        super().__init__("That code did not work.")
        self.which = which


class CodesPaused(AccountError):
    """Too many wrong codes: no code is checked until ``until``."""

    def __init__(self, until: datetime):
        super().__init__(f"Codes are paused until {until.isoformat()}")
        self.until = until


class TextLimitReached(AccountError):
    """The hourly number of text codes for this account has been sent."""


class EmailChangeError(AccountError):
    """A change of email address that cannot go ahead (the link is used or old, the address taken)."""


class AccountPurgeIncomplete(AccountError):
    """A purge stopped part-way, after the account's keys were destroyed: running it again
    finishes it. Its text names no person and no file, so it can be printed and logged."""

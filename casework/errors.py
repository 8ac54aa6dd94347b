"""What the casework services refuse, as errors of their own that views turn into a kind message."""


class CaseworkError(Exception):
    """Base of every refusal by a casework service; its text can be shown to the person."""


class CodeNotValid(CaseworkError):
    def __init__(self) -> None:
        super().__init__("That code does not work. Check it with your support worker: codes work once, for 7 days.")


class TooManyCodes(CaseworkError):
    def __init__(self) -> None:
        super().__init__("Too many codes tried. Wait an hour, then try again.")


class AlreadyLinked(CaseworkError):
    def __init__(self) -> None:
        super().__init__("You are already linked with this support worker.")


class NotShareable(CaseworkError):
    """A grant the member cannot make: an entry not theirs, or nothing chosen."""

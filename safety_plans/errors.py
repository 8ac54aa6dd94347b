"""What the plan's services refuse, as errors of their own that views turn into a kind message
or a form error. A built-in ValueError reaching a view would be a 500."""


class PlanError(Exception):
    """Base of every refusal by a plan service; its text can be shown to the member."""


class InvalidPlan(PlanError):
    """Content the plan cannot keep: an unknown section or item, or words too long to keep."""


class PlanUnchanged(PlanError):
    """Nothing would change (a double submit, or restoring the version already in use)."""

    def __init__(self, message: str = "Nothing was changed: your plan already says this.") -> None:
        super().__init__(message)


class VersionNotFound(PlanError):
    """A version number the member's plan does not have."""

    def __init__(self) -> None:
        super().__init__("That earlier version of your plan could not be found. Nothing was changed.")

"""What one scenario found: the numbers for the summary, and every check that failed."""

from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    numbers: dict[str, object] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    peak_memory_kib: int = 0
    skipped: str = ""

    def check(self, holds: bool, failure: str) -> None:
        """Note ``failure`` unless ``holds``; a scenario checks everything before it reports."""
        if not holds:
            self.failures.append(failure)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.skipped

    def lines(self) -> list[str]:
        verdict = f"SKIPPED ({self.skipped})" if self.skipped else ("passed" if self.passed else "FAILED")
        shown = [f"{self.name}: {verdict}"]
        numbers = dict(self.numbers)
        if self.peak_memory_kib:
            numbers["app server peak memory"] = f"{self.peak_memory_kib / 1024:.0f} MiB"
        if numbers:
            shown.append("    " + ", ".join(f"{name} {value}" for name, value in numbers.items()))
        shown += [f"    - {failure}" for failure in self.failures[:20]]
        if len(self.failures) > 20:
            shown.append(f"    - and {len(self.failures) - 20} more")
        return shown

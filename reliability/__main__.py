"""Run the reliability scenarios and print a summary: `python -m reliability [--quick] [names]`.

The scenarios run in the order listed; each starts and stops its own servers. `postgres-restart`
stops and starts the machine's PostgreSQL: leave it out (name the others) where anyone else is
using that server. RELIABILITY_FUZZ_EXAMPLES sets the generated inputs per form (1,000).
"""

import argparse
import os
import sys
import time

from . import fuzz, postgres_restart, sms_outage, two_servers, uploads, writers
from .result import Result
from .stack import StackError

FUZZ_EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "1000"))

# In the order they run, with their full and quick (--quick) settings.
SCENARIOS = {
    "writers": (
        lambda: writers.run(seconds=60, spread=48, members=12, on_one=16),
        lambda: writers.run(seconds=10, spread=12, members=4, on_one=4),
    ),
    "sms": (sms_outage.run, sms_outage.run),
    "two-servers": (two_servers.run, two_servers.run),
    "postgres-restart": (postgres_restart.run, postgres_restart.run),
    "uploads": (uploads.run, lambda: uploads.run(quick=True)),
    "fuzz": (lambda: fuzz.run(examples=FUZZ_EXAMPLES), lambda: fuzz.run(examples=50)),
}


def _totals(results: list[Result]) -> str:
    """Writes acknowledged and stored, errors, fuzz cases run and the largest peak memory."""

    def total(name: str) -> int:
        return sum(value for r in results if isinstance(value := r.numbers.get(name), int))

    peak = max((r.peak_memory_kib for r in results), default=0)
    failed = [r.name for r in results if not r.passed and not r.skipped]
    return (
        f"writes acknowledged {total('acknowledged')}, stored {total('stored')}; errors {total('errors')}; "
        f"fuzz cases run {total('fuzz cases run')}; largest app server peak memory {peak / 1024:.0f} MiB; "
        f"{len(results) - len(failed)} of {len(results)} scenarios passed"
        + (f" (failed: {', '.join(failed)})" if failed else "")
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs with fewer writers (as in CI)")
    parser.add_argument("names", nargs="*", choices=[[], *SCENARIOS], help="scenarios to run (all by default)")
    options = parser.parse_args(argv)
    results: list[Result] = []
    for name in options.names or list(SCENARIOS):
        full, quick = SCENARIOS[name]
        print(f"Running {name}...", flush=True)  # noqa: T201
        began = time.monotonic()
        try:
            result = (quick if options.quick else full)()
        except StackError as error:
            result = Result(name, failures=[f"could not run: {error}"])
        result.numbers["took"] = f"{time.monotonic() - began:.0f} s"
        results.append(result)
        print("\n".join(result.lines()), flush=True)  # noqa: T201
    print("\nSummary")  # noqa: T201
    for result in results:
        print("\n".join(result.lines()))  # noqa: T201
    print(_totals(results))  # noqa: T201
    return 0 if all(result.passed or result.skipped for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

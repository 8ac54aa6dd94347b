"""Every form fed generated inputs (tests/reliability/test_fuzz.py, with Hypothesis), 1,000 per
form here against a few in the suite: run by pytest in-process with Django's test client."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .result import Result
from .stack import BASE_DIR


def run(*, examples: int = 1000) -> Result:
    result = Result("forms fed generated inputs")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "cases.json"
        env = {**os.environ, "RELIABILITY_FUZZ_EXAMPLES": str(examples), "RELIABILITY_FUZZ_REPORT": str(report)}
        finished = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/reliability/test_fuzz.py"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=3 * 3600,
            check=False,
        )
        cases = json.loads(report.read_text()) if report.exists() else {}
    result.numbers["fuzz cases run"] = sum(cases.values())
    result.numbers["forms"] = len(cases)
    result.check(finished.returncode == 0, "a form failed:\n" + finished.stdout[-4000:])
    return result

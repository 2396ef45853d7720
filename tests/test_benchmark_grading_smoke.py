"""benchmarks/grading.py still runs, and every way it grades a complete submission gives full
marks (the script exits 1 when one does not). No timing is asserted: that is the benchmark's job,
on a quiet machine."""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "grading.py"


def test_grading_benchmark_runs_and_every_row_gives_the_complete_submission_full_marks():
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "1"], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    rows = {
        line.split("  ")[0]: line
        for line in completed.stdout.splitlines()
        if re.search(r"\d+ ms|\d\.\d\d s", line)
    }
    assert {"ours", "ours, CLI"} <= set(rows), completed.stdout
    # nbgrader is for grading notebooks, not a dependency of the engine: without it, it is skipped.
    if "nbgrader: SKIPPED: nbgrader is not installed" in completed.stdout:
        return
    assert "nbgrader" in rows, completed.stdout
    for name in ("ours", "ours, CLI"):
        assert re.search(r"\d+\.\d\dx \(", rows[name]), rows[name]

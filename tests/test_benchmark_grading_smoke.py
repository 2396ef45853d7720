"""benchmarks/grading.py still runs: every way it grades a complete submission gives full marks,
and every way it grades a small class grades it whole (the script exits 1 when one does not). No
timing is asserted: that is the benchmark's job, on a quiet machine."""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "grading.py"
NO_NBGRADER = "SKIPPED: nbgrader is not installed"


def table(*options):
    """Run the benchmark with ``options``; its output, and its table's rows by name."""
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), *options], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    rows = {
        line.split("  ")[0]: line
        for line in completed.stdout.splitlines()
        if re.search(r"\d+ ms|\d\.\d\d s", line)
    }
    return completed.stdout, rows


def test_grading_benchmark_runs_and_every_row_gives_the_complete_submission_full_marks():
    output, rows = table("--repeats", "1")
    assert {"ours", "ours, CLI"} <= set(rows), output
    # nbgrader is for grading notebooks, not a dependency of the engine: without it, it is skipped.
    if NO_NBGRADER in output:
        return
    assert "nbgrader" in rows, output
    for name in ("ours", "ours, CLI"):
        assert re.search(r"\d+\.\d\dx \(", rows[name]), rows[name]


def test_grading_benchmark_grades_a_small_class_whole_with_two_workers_and_one():
    output, rows = table("--class", "6", "--jobs", "2", "--repeats", "1", "--nbgrader-sample", "1")
    assert "3 of them broken: 1 with a syntax error, 1 with os._exit(0)" in output, output
    assert {"ours, --jobs 2", "ours, --jobs 1"} <= set(rows), output
    assert "ours, --jobs 2 is " in output and " as fast as ours, --jobs 1." in output, output
    for name in ("ours, --jobs 2", "ours, --jobs 1"):  # per submission, and submissions per second
        assert re.search(r"(\d+ ms|\d+\.\d\d s) +\d+\.\d +\S", rows[name]), rows[name]
    assert re.search(r"< 3\.6 s \(60 s per 100\) +(yes|NO)", rows["ours, --jobs 2"])
    if NO_NBGRADER in output:
        return
    assert "nbgrader x 6" in rows, output
    for name in ("ours, --jobs 2", "ours, --jobs 1"):
        assert re.search(r"\d+\.\d\dx \(", rows[name]), rows[name]

"""What the benchmarks share."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def checkout_version(folder):
    """The checkout's commit, with '+changes' if ``folder`` (of the checkout) has uncommitted
    edits; "an unknown version" outside a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", folder], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "an unknown version"
    return f"commit {commit}{' +changes' if dirty else ''}" if commit else "an unknown version"

"""The visible tests of an assignment, reported task by task in its notebook.

Shipped into every assignment with a notebook as ``tests/visible_tests.py``. A notebook has one
graded cell per task, and each calls :func:`run_visible_tests` with its task's marker. The first
call runs every visible test of the folder in one pytest session and keeps the outcomes; each
cell then reports its own task's. One session instead of one per task makes a notebook run, and
the grading of a class, several times faster.

Python keeps the modules it has imported, so after changing your code, restart the kernel and run
the notebook again: the tests and the notebook see the code as it was when they first imported it.
"""

import os
import re
from unittest import mock

TASK_MARKER = re.compile(r"^task\d+_\d+$")
_sessions = {}  # folder -> its session's outcomes


class Outcomes:
    """A pytest plugin that keeps each test's task markers and, if it failed, its error message."""

    def __init__(self):
        self.tests = {}  # test id -> (task markers, error message or None)
        self.broken = []  # what could not be collected, such as a module that does not import

    def pytest_collectreport(self, report):
        if report.failed:
            self.broken.append(f"{report.nodeid}: {_message(report)}")

    def pytest_runtest_logreport(self, report):  # once for each of setup, call and teardown
        markers = {keyword for keyword in report.keywords if TASK_MARKER.match(keyword)}
        _, message = self.tests.get(report.nodeid, (markers, None))
        if report.failed and message is None:
            message = _message(report)
            if report.when != "call":
                message += f" (in its {report.when})"
        self.tests[report.nodeid] = (markers, message)


def _message(report):
    """The error a failed test or collection ended with: its last line, or pytest's summary of it."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    lines = report.longreprtext.strip().splitlines()
    return lines[-1] if lines else "failed"


def session(folder="."):
    """Run every visible test of ``folder`` once per kernel; the :class:`Outcomes`."""
    if folder not in _sessions:
        import pytest

        outcomes = Outcomes()
        # The tests need no plugin, and the ones installed may warn on stderr, which nbgrader
        # takes for a failure of the cell.
        with mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}):
            pytest.main(
                ["-p", "no:cacheprovider", "-p", "no:terminal", str(folder)], plugins=[outcomes]
            )
        _sessions[folder] = outcomes
    return _sessions[folder]


def run_visible_tests(marker, folder="."):
    """Print how the visible tests of one task (``task1_3``) went; fail if any of them failed."""
    outcomes = session(folder)
    if outcomes.broken:
        raise AssertionError("the visible tests could not run:\n  " + "\n  ".join(outcomes.broken))
    tests = {
        name: message for name, (markers, message) in outcomes.tests.items() if marker in markers
    }
    if not tests:
        raise AssertionError(f"no visible test is marked {marker}")
    failed = {name.split("::")[-1]: message for name, message in tests.items() if message}
    print(f"{len(tests) - len(failed)} of {len(tests)} visible tests of {marker} passed")
    for name, message in failed.items():
        print(f"\nFAILED {name}\n  " + message.replace("\n", "\n  "))
    if failed:
        raise AssertionError(
            f"{len(failed)} visible tests of {marker} failed; "
            f"`python -m pytest -m {marker}` shows them in full"
        )

"""The graded cases of each assignment, chosen by the grader: one module per assignment.

A suite module defines ``CASES``, a dict from task id to a function ``cases(rng)`` that returns the
task's :class:`autograder.cases.Case` list, drawn from ``rng`` (so a seed gives the same cases), and
may define ``report(submission_script)``: the probe of the assignment's report numbers.
"""

import importlib


def suite(name):
    """The suite module of assignment ``name``, or a clear error when it has none yet."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise KeyError(f"the grader has no cases for assignment {name} yet") from None

"""Submissions of assignment 1 for the grader's tests, built in a temporary folder.

A submission is the release with some tasks done (:func:`released`), or the solutions with one
function changed (:func:`mutated`): a common mistake, or hostile code. An edit is a precise string
replacement that fails when the text it replaces is not there, so that a change to the solutions
cannot silently turn a mistake back into a correct answer.
"""

import shutil

import numpy as np

from autograder.grade import SEED
from autograder.release import paste_solutions
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load
from autograder.suites import suite

NAME = "a1_tensor_autodiff"
TASKS = {task.id: task for task in load().assignment(NAME).tasks}
SUITE = suite(NAME)
COPIED = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ipynb_checkpoints", "figures")

INIT = "mygrad/__init__.py"
TENSOR = "mygrad/tensor.py"
FUNCTIONAL = "mygrad/nn/functional.py"


def released(parent, keep=()):
    """The release as a student who did the tasks in ``keep`` hands it in."""
    folder = parent / "submission"
    shutil.copytree(ASSIGNMENTS / NAME, folder, ignore=COPIED)
    if keep:
        paste_solutions(NAME, folder, set(keep))
    return folder


def solved(parent):
    """A copy of the solutions: every task done."""
    folder = parent / "submission"
    shutil.copytree(SOLUTIONS / NAME, folder, ignore=COPIED)
    return folder


def edit(folder, module, old, new):
    """Replace the one occurrence of ``old`` in ``folder/module`` by ``new``."""
    path = folder / module
    text = path.read_text()
    assert text.count(old) == 1, f"{module} should hold {old!r} exactly once"
    path.write_text(text.replace(old, new))
    return folder


def append(folder, module, code):
    """Add ``code`` at the end of ``folder/module`` (run when it is imported)."""
    path = folder / module
    path.write_text(path.read_text() + "\n" + code)
    return folder


def mutated(parent, module, old, new):
    """The solutions with ``old`` replaced by ``new`` in ``module``."""
    return edit(solved(parent), module, old, new)


def cases(task_id, seed=SEED):
    """The cases the grader draws for a task, from the seed and stream :func:`autograder.grade.grade`
    uses."""
    index = list(TASKS).index(task_id)
    return SUITE.CASES[task_id](np.random.default_rng([seed, index]))


def score_if_wrong(task_id, wrong):
    """The task's score when the cases for which ``wrong(case)`` holds fail and the others pass:
    its points times the fraction of its cases that are right."""
    drawn = cases(task_id)
    right = sum(not wrong(case) for case in drawn)
    return round(TASKS[task_id].points * right / len(drawn), 2)


def labels_where(task_id, wrong):
    """The labels of the task's cases for which ``wrong(case)`` holds."""
    return {case.label for case in cases(task_id) if wrong(case)}


def input_shapes(case):
    """The shapes of a rule case's inputs."""
    return [case.arrays[f"input{i}"].shape for i in range(case.params["n_inputs"])]

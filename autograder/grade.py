"""Grade one submission: every task's cases, run in a sandboxed child, judged against the reference.

The grader chooses each task's inputs (from a seed the submission never sees), computes the
reference's answers here, sends only the inputs to the child, and judges the arrays that come back.
A task scores its points times the fraction of its cases that are right. Whatever the submission
does (fail to import, raise, hang, exit, flood its output), every task gets a score and a message:
a failure of the submission is a result, never a crash of the grader.
"""

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import autodiff_numpy

from . import probes
from .cases import finite_difference_agreement, judge
from .sandbox import ChildFailed, Limits, Sandbox, Uncopyable
from .spec import ASSIGNMENTS, ROOT, load
from .suites import suite

SEED = 20261122  # the grader's own; change it (--seed) to draw other cases


@dataclass(frozen=True)
class Budget:
    task_seconds: float = 10.0
    total_seconds: float = 60.0


@dataclass
class TaskResult:
    task: object  # spec.Task
    score: float
    cases: list  # the labels of what was checked
    problems: list = field(default_factory=list)  # what is wrong, one sentence each
    seconds: float = 0.0


@dataclass
class Report:
    """The assignment's report numbers, from the submission's code and from the reference."""

    reference: dict
    submission: dict | None
    error: str = ""


@dataclass
class Grade:
    assignment: object  # spec.Assignment
    tasks: list
    report: Report | None
    stdout: str
    stderr: str
    seconds: float
    isolation: str = ""  # how the submission ran, for the instructor

    @property
    def score(self):
        return round(sum(t.score for t in self.tasks), 2)

    @property
    def max_score(self):
        return sum(t.task.points for t in self.tasks)


def grade(name, submission, seed=SEED, limits=None, budget=None):
    """Grade the submission folder ``submission`` of assignment ``name``."""
    started = time.monotonic()
    limits, budget = limits or Limits(), budget or Budget()
    spec = load()
    assignment, cases_of = spec.assignment(name), suite(name)
    submission = Path(submission)
    if not submission.is_dir():
        raise FileNotFoundError(f"no submission folder {submission}")
    extra = {}
    report_probe = getattr(cases_of, "REPORT", None)
    if report_probe:
        extra["assignment_script.py"] = ASSIGNMENTS / name / report_probe["script"]
    end = started + budget.total_seconds
    try:
        box = Sandbox(submission, spec.package, limits, extra)
    except Uncopyable as error:
        results = [TaskResult(task, 0.0, [], [str(error)]) for task in assignment.tasks]
        return Grade(assignment, results, None, "", "", time.monotonic() - started, "not run")
    with box:
        box.start()  # the child imports the submission while the grader draws its cases
        prepared = _reference(name, seed)
        results = [
            _grade_task(box, task, cases, expected, budget, end)
            for task, (cases, expected) in zip(assignment.tasks, prepared, strict=True)
        ]
        report = _report(box, name, report_probe, budget, end) if report_probe else None
        stdout, stderr = box.output()
        isolation = box.isolation
    return Grade(assignment, results, report, stdout, stderr, time.monotonic() - started, isolation)


@functools.lru_cache(maxsize=8)
def _reference(name, seed):
    """Every task's cases and the reference's answers to them: the same for every submission, so
    a grader that grades a class works them out once."""
    cases_of = suite(name)
    return [
        _prepare(cases_of.CASES[task.id], np.random.default_rng([seed, i]))
        for i, task in enumerate(load().assignment(name).tasks)
    ]


@functools.lru_cache(maxsize=8)
def _reference_report(name):
    """The report's numbers from the reference, worked out once like :func:`_reference`."""
    probe = suite(name).REPORT
    params = {k: v for k, v in probe.items() if k != "script"}
    return probes.report(autodiff_numpy, {}, str(ROOT / probe["script"]), **params)


def _prepare(make_cases, rng):
    """A task's cases and the reference's answers to them, checked against finite differences."""
    cases = make_cases(rng)
    expected = [case.expected() for case in cases]
    for case, answer in zip(cases, expected, strict=True):
        if case.rule and not finite_difference_agreement(case, answer):
            raise AssertionError(f"the reference disagrees with finite differences on {case.label}")
    return cases, expected


def _grade_task(box, task, cases, expected, budget, end):
    started = time.monotonic()
    labels = [case.label for case in cases]
    deadline = min(started + budget.task_seconds, end)
    if time.monotonic() >= end:
        return TaskResult(
            task, 0.0, labels, ["not run: the grading of this submission ran out of time"]
        )
    problems, right = [], 0
    for k, (case, answer) in enumerate(zip(cases, expected, strict=True)):
        if time.monotonic() >= deadline:
            left = len(cases) - k
            problems.append(f"{left} more case{'s' * (left > 1)} not run: the task's time ran out")
            break
        try:
            reply, got = box.call(
                case.request(),
                case.arrays,
                deadline,
                f"running Task {task.id}'s cases ({deadline - started:.0f} s for all {len(cases)})",
            )
        except ChildFailed as failure:
            if box.import_error is not None:  # the same for every case: say it once
                return TaskResult(task, 0.0, labels, [str(failure)], time.monotonic() - started)
            problems.append(f"{case.label}: {failure}")
            continue
        wrong = judge(case, answer, reply, got)
        problems += wrong
        right += not wrong
    score = round(task.points * right / len(cases), 2)
    return TaskResult(task, score, labels, problems, time.monotonic() - started)


def _report(box, name, probe, budget, end):
    """The report's numbers from the submission's code (in the child) and from the reference
    (here, meanwhile)."""
    params = {k: v for k, v in probe.items() if k != "script"}
    script = str(box.harness / "assignment_script.py")
    deadline = min(time.monotonic() + budget.task_seconds, end)
    try:
        box.send({"name": "report", "params": {**params, "script": script}}, {})
        sent = None
    except ChildFailed as failure:
        sent = str(failure)
    reference = _reference_report(name)
    if sent is not None:
        return Report(reference, None, sent)
    try:
        reply, got = box.receive(deadline, "the report's training run")
    except ChildFailed as failure:
        return Report(reference, None, str(failure))
    if not reply.get("ok"):
        return Report(reference, None, reply.get("error", "an answer of the wrong form"))
    return Report(reference, got)

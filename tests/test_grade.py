"""The grader on assignment 1: its reference points, the common mistakes and what each is told,
hostile and broken submissions, and the files it writes.

Every submission is built in ``tmp_path`` from the release or the solutions (``submissions.py``).
An expected partial score is derived from the cases the suite draws (which of them a mistake
breaks), never copied from the grader's output.
"""

import html
import importlib.util
import json
import os
import re
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
from submissions import (
    FUNCTIONAL,
    INIT,
    NAME,
    TASKS,
    TENSOR,
    append,
    cases,
    edit,
    input_shapes,
    labels_where,
    mutated,
    released,
    score_if_wrong,
    solved,
)

from autodiff_numpy import plots
from autograder import feedback, fence
from autograder.feedback import write_all
from autograder.grade import Budget, grade
from autograder.sandbox import UNSHARE, Limits
from autograder.spec import ROOT

HOSTILE = Budget(task_seconds=2, total_seconds=30)  # a hang costs 2 s, and the suite stays fast
FENCED, WHY_NOT_FENCED = fence.available()
PNG = b"\x89PNG\r\n\x1a\n"


def graded(folder, out, budget=HOSTILE, limits=None):
    """Grade ``folder``, write every output into ``out`` and check results.json agrees."""
    result = grade(NAME, folder, budget=budget, limits=limits)
    write_all(result, out)
    written = json.loads((out / "results.json").read_text())
    assert written["score"] == result.score
    assert [t["score"] for t in written["tests"]] == [r.score for r in result.tasks]
    return result


def task(result, task_id):
    return next(r for r in result.tasks if r.task.id == task_id)


def assert_scores(result, changed):
    """Every task scores full marks with no problem, except those in ``changed`` (id -> score)."""
    got = {r.task.id: r.score for r in result.tasks}
    want = {i: changed.get(i, t.points) for i, t in TASKS.items()}
    assert got == pytest.approx(want, abs=1e-9), {i: r.problems for i, r in _tasks(result).items()}
    for i, r in _tasks(result).items():
        if i not in changed:
            assert not r.problems, r.problems


def _tasks(result):
    return {r.task.id: r for r in result.tasks}


def assert_only_cases_fail(result, task_id, labels):
    """Every problem of the task is about one of ``labels``, and each of them has one."""
    problems = task(result, task_id).problems
    stray = [p for p in problems if not any(p.startswith(f"{label}: ") for label in labels)]
    assert not stray, stray
    silent = [label for label in labels if not any(p.startswith(f"{label}: ") for p in problems)]
    assert not silent, f"no problem reported for {silent}"


def label_starts(prefix):
    return lambda case: case.label.startswith(prefix)


# -- reference points -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    """The solutions graded once (per worker), with their outputs: ``(grade, output folder)``."""
    parent = tmp_path_factory.mktemp("solutions")
    result = graded(solved(parent), parent / "out", budget=Budget())
    return result, parent / "out"


@pytest.mark.xdist_group("solutions")
def test_the_solutions_score_full_marks(solutions):
    result, _ = solutions
    assert result.score == result.max_score == sum(t.points for t in TASKS.values()) == 20
    assert_scores(result, {})
    assert [len(r.cases) for r in result.tasks] == [len(cases(i)) for i in TASKS]
    assert result.report.error == "" and result.report.submission is not None


def test_the_release_scores_zero_with_each_tasks_message(tmp_path):
    result = graded(released(tmp_path), tmp_path / "out")
    assert_scores(result, {i: 0 for i in TASKS})
    for r in result.tasks:
        assert len(r.problems) >= len(r.cases) > 0
        wrong = [p for p in r.problems if f"NotImplementedError: Task {r.task.id}:" not in p]
        assert not wrong, wrong
    assert result.report.submission is None
    assert "NotImplementedError: Task 1." in result.report.error


# -- common mistakes: the score each costs and the diagnosis each gets ------------------------------


def broadcast_along_length_one_axes(case):
    """An unbroadcast case that needs more than summing the new leading axes."""
    grad, shape = case.arrays["grad"].shape, tuple(case.params["shape"])
    return grad[len(grad) - len(shape) :] != shape


def both_matrices(case):
    """A matmul case that the 2-D branch of the rule handles (the others are batched or vectors)."""
    return all(len(shape) == 2 for shape in input_shapes(case))


MATMUL_A = "grad_a = g @ b.data.T if a.requires_grad else None"
LEADING_AXES_ONLY = (
    TENSOR,
    "    if grad.shape[leading:] == shape:  # only new leading axes (a bias added to a batch)\n",
    "    if True:  # sums the new leading axes only\n",
)
SUB_SIGN = (
    TENSOR,
    "return g, (-g if b.requires_grad else None)",
    "return g, (g if b.requires_grad else None)",
)
POWER_TIMES_TWO = (
    TENSOR,
    "return (g * p * a.data ** (p - 1),)",
    "return (2 * g * p * a.data ** (p - 1),)",
)
MISTAKES = [
    pytest.param(
        "1.1",
        *LEADING_AXES_ONLY,
        broadcast_along_length_one_axes,
        "the gradient was not summed over the axes the input was broadcast along",
        id="unbroadcast sums only the leading axes",
    ),
    pytest.param(
        "1.5",
        TENSOR,
        MATMUL_A,
        "grad_a = (g @ b.data.T).T if a.requires_grad else None",
        both_matrices,
        "the gradient is transposed: check the order of the factors (G @ B.T, A.T @ G)",
        id="matmul gradient transposed",
    ),
    pytest.param(
        "1.5",
        TENSOR,
        MATMUL_A,
        "grad_a = b.data.T @ g if a.requires_grad else None",
        both_matrices,
        "the factors are in the wrong order: the gradient of A in A @ B is G @ B.T",
        id="matmul factors in the wrong order",
    ),
    pytest.param(
        "1.5",
        TENSOR,
        MATMUL_A,
        "grad_a = g @ b.data if a.requires_grad else None",
        both_matrices,
        "B is not transposed",
        id="matmul B not transposed",
    ),
    pytest.param(
        "1.2",
        *SUB_SIGN,
        label_starts("sub,"),
        "likely cause: sign error",
        id="sub: sign of the second gradient",
    ),
    pytest.param(
        "1.4",
        *POWER_TIMES_TWO,
        label_starts("power,"),
        "likely cause: off by a factor of two",
        id="power rule times two",
    ),
    pytest.param(
        "1.11",
        FUNCTIONAL,
        "grad = 2 * g * out._saved",
        "grad = g * out._saved",
        label_starts("mse_loss"),
        "likely cause: off by a factor of two",
        id="mse without its factor two",
    ),
    pytest.param(
        "1.7",
        TENSOR,
        "return (g * out.data,)  # d e^x = e^x",
        "return (out.data,)",
        label_starts("exp,"),
        "the rule ignores its upstream gradient g: multiply by it (the chain rule)",
        id="exp ignores the upstream gradient",
    ),
    pytest.param(
        "1.8",
        TENSOR,
        "        s = out.data\n",
        "        s = out._parents[0].data\n",
        label_starts("sigmoid,"),
        "likely cause: the derivative is taken at the input: sigmoid'(x) = s (1 - s)",
        id="sigmoid derivative at the input",
    ),
    pytest.param(
        "1.8",
        TENSOR,
        "        s = out.data\n",
        "        s = 1 / (1 + np.exp(-out.data))\n",
        label_starts("sigmoid,"),
        "likely cause: sigmoid is applied to its result again",
        id="sigmoid applied twice",
    ),
    pytest.param(
        "1.8",
        TENSOR,
        "        t = out.data\n",
        "        t = out._parents[0].data\n",
        label_starts("tanh,"),
        "likely cause: the derivative is taken at the input: tanh'(x) = 1 - t**2",
        id="tanh derivative at the input",
    ),
    pytest.param(
        "1.9",
        TENSOR,
        "return (g.reshape(x.shape),)",
        "return (g,)",
        label_starts("reshape"),
        "(the gradient must have the shape of the input it belongs to)",
        id="reshape gradient of the wrong shape",
    ),
    pytest.param(
        "1.2",
        TENSOR,
        "return (-g,)",
        "return [-g]",
        label_starts("neg,"),
        "TypeError: the backward rule of neg returned a list; it must return a tuple of 1 gradient(s)",
        id="neg returns a list",
    ),
    pytest.param(
        "1.8",
        TENSOR,
        "return (g * (x.data > 0),)",
        "return (Tensor(g * (x.data > 0)),)",
        label_starts("relu,"),
        "TypeError: returned a Tensor where a plain array was expected: return its .data",
        id="relu returns a Tensor",
    ),
    pytest.param(
        "1.8",
        TENSOR,
        "return (g * (x.data > 0),)",
        "return ((x.data > 0).astype(np.int64),)",
        label_starts("relu,"),
        "has dtype int64, expected floating-point numbers",
        id="relu returns an integer mask",
    ),
    pytest.param(
        "1.2",
        TENSOR,
        "return g, g  # d(a + b)/da = d(a + b)/db = 1",
        "return (g,)",
        label_starts("add,"),
        "the backward rule of add returned a tuple of 1; it must return a tuple of 2 gradient(s)",
        id="add returns one gradient for two inputs",
    ),
    pytest.param(
        "1.7",
        TENSOR,
        "return (g / x.data,)  # d log x = 1/x",
        "return (g / x.data * np.nan,)",
        label_starts("log,"),
        "the gradient with respect to a is nan at element (0, 0), expected ",
        id="log gives NaN",
    ),
]


@pytest.mark.parametrize(("task_id", "module", "old", "new", "wrong", "diagnosis"), MISTAKES)
def test_a_common_mistake_costs_its_cases_and_is_diagnosed(
    tmp_path, task_id, module, old, new, wrong, diagnosis
):
    result = graded(mutated(tmp_path, module, old, new), tmp_path / "out")
    assert_scores(result, {task_id: score_if_wrong(task_id, wrong)})
    assert_only_cases_fail(result, task_id, labels_where(task_id, wrong))
    problems = task(result, task_id).problems
    assert any(diagnosis in p for p in problems), problems


def test_partial_credit_is_the_fraction_of_cases_right(tmp_path):
    """Summing only the leading axes is right exactly when the trailing axes already match; the
    suite's unbroadcast pairs are counted here from their shapes."""
    drawn = cases("1.1")
    right = [case for case in drawn if not broadcast_along_length_one_axes(case)]
    assert 0 < len(right) < len(drawn), "the suite should have cases of both kinds"
    folder = mutated(tmp_path, *LEADING_AXES_ONLY)
    result = graded(folder, tmp_path / "out")
    assert task(result, "1.1").score == round(2 * len(right) / len(drawn), 2)
    assert result.score == 20 - 2 + task(result, "1.1").score


# -- hostile and broken submissions ---------------------------------------------------------------


IMPORT_FAILURES = [
    pytest.param(
        lambda f: edit(f, TENSOR, "def _add_backward(out, g):", "def _add_backward(out, g)"),
        "your code does not import: SyntaxError: expected ':' (tensor.py, line",
        id="syntax error",
    ),
    pytest.param(
        lambda f: (f / "mygrad" / "graph.py").unlink() or f,
        "your code does not import: ModuleNotFoundError: No module named 'mygrad.graph'",
        id="module deleted",
    ),
    pytest.param(
        lambda f: append(f, INIT, "import autodiff_numpy\n"),
        "your code does not import: ImportError: a submission may not import autodiff_numpy: "
        "the grader runs your own code",
        id="imports the reference",
    ),
    pytest.param(
        lambda f: append(f, INIT, "import sys\nsys.exit(0)\n"),
        "your code does not import: the code called sys.exit(0) (SystemExit)",
        id="exits at import",
    ),
]


@pytest.mark.parametrize(("breaking", "message"), IMPORT_FAILURES)
def test_a_submission_that_does_not_import_scores_zero_everywhere(tmp_path, breaking, message):
    result = graded(breaking(solved(tmp_path)), tmp_path / "out")
    assert_scores(result, {i: 0 for i in TASKS})
    for r in result.tasks:
        assert r.problems == [r.problems[0]] and message in r.problems[0], r.problems
    assert result.report.submission is None and message in result.report.error
    assert message in (tmp_path / "out" / "gradients.txt").read_text()


def test_a_submission_that_hangs_at_import_scores_zero_with_a_time_limit(tmp_path):
    folder = append(solved(tmp_path), INIT, "while True:\n    pass\n")
    result = graded(folder, tmp_path / "out", limits=Limits(start_seconds=1))
    assert_scores(result, {i: 0 for i in TASKS})
    message = "your code does not import: time limit: importing your code did not finish"
    assert all(message in r.problems[0] for r in result.tasks)


def test_a_broken_layers_package_costs_only_the_tasks_that_use_it(tmp_path):
    """``mygrad`` imports without ``mygrad.nn``: the rules of Tasks 1.1-1.9 are graded, and every
    case that needs the layers fails alike (not only the first to import them)."""
    folder = solved(tmp_path)
    (folder / "mygrad" / "nn" / "losses.py").unlink()
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {"1.10": 0, "1.11": 0})
    for task_id in ("1.10", "1.11"):
        problems = task(result, task_id).problems
        assert len(problems) == len(cases(task_id))
        assert all("ModuleNotFoundError: No module named 'mygrad.nn.losses'" in p for p in problems)


def test_a_rule_that_raises_fails_its_cases_with_the_line(tmp_path):
    folder = mutated(tmp_path, TENSOR, "g_over_b = g / b.data\n", "g_over_b = 1 / 0\n")
    result = graded(folder, tmp_path / "out")
    div = label_starts("div,")
    assert_scores(result, {"1.3": score_if_wrong("1.3", div)})
    assert_only_cases_fail(result, "1.3", labels_where("1.3", div))
    assert all(
        "ZeroDivisionError: division by zero (at mygrad/tensor.py, line" in p
        and "g_over_b = 1 / 0" in p
        for p in task(result, "1.3").problems
    )


def test_a_rule_that_returns_the_wrong_type_or_none_fails_its_cases(tmp_path):
    folder = mutated(tmp_path, TENSOR, "return (g * out.data,)  # d e^x", "return ('g',)  #")
    edit(folder, TENSOR, "return (g / x.data,)  # d log x", "return (None,)  #")
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {"1.7": 0})
    exp, log = task(result, "1.7").problems
    assert exp.startswith("exp, ") and "TypeError: returned str where an array of numbers" in exp
    assert log.startswith("log, ") and "is None, but this input needs one" in log


def test_rules_that_return_nan_score_zero(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "return (g * b.data if a.requires_grad else None), (g * a.data if b.requires_grad else None)",
        "return np.full_like(g, np.nan), np.full_like(g, np.nan)",
    )
    edit(folder, TENSOR, "g_over_b = g / b.data\n", "g_over_b = g / b.data * np.nan\n")
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {"1.3": 0})
    problems = task(result, "1.3").problems
    assert all(re.search(r"is nan at element \(.*\), expected -?\d", p) for p in problems)


def test_a_rule_that_prints_without_end_scores_zero_and_its_output_is_capped(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "return (g.transpose(np.argsort(out._saved)),)",
        "while True:\n            print('spam ' * 100)",
    )
    limits = Limits()
    result = graded(folder, tmp_path / "out", limits=limits)
    # The first transpose case floods until the task's time runs out; the reshape cases before it
    # still count, and the last case is not run.
    assert_scores(result, {"1.9": score_if_wrong("1.9", label_starts("transpose"))})
    flood, not_run = task(result, "1.9").problems
    assert flood.startswith("transpose of (3, 5): time limit: running Task 1.9's cases")
    assert "an endless loop" in flood
    assert not_run == "1 more case not run: the task's time ran out"
    kept, note = result.stdout.split("\n[... ")
    assert kept.startswith("spam spam") and len(kept.encode()) <= limits.output_kb * 1024
    assert re.fullmatch(r"[\d,]+ more bytes of output dropped\]", note)
    shown = (tmp_path / "out" / "feedback.md").read_text()
    assert "## Your code's standard output" in shown and len(shown) < 2 * feedback.OUTPUT_SHOWN


def test_a_rule_that_loops_forever_costs_only_its_task(tmp_path):
    folder = mutated(
        tmp_path, TENSOR, "        t = out.data\n", "        while True:\n            pass\n"
    )
    result = graded(folder, tmp_path / "out")
    # tanh is Task 1.8's last case: relu's and sigmoid's still count.
    assert_scores(result, {"1.8": score_if_wrong("1.8", label_starts("tanh,"))})
    (problem,) = task(result, "1.8").problems
    assert problem.startswith("tanh, (4, 5): time limit: running Task 1.8's cases (2 s for all 3)")
    assert result.report.submission is not None  # tanh is not in the network: the report runs
    assert result.seconds < HOSTILE.total_seconds


def test_a_rule_that_exhausts_memory_fails_its_cases(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "return (g * out.data,)  # d e^x = e^x",
        "hoard = []\n        while True:\n            hoard.append(np.empty(2**24))",
    )
    result = graded(folder, tmp_path / "out", limits=Limits(memory_mb=1024))
    exp = label_starts("exp,")
    assert_scores(result, {"1.7": score_if_wrong("1.7", exp)})
    (problem,) = task(result, "1.7").problems
    assert problem.startswith("exp, (3, 4): MemoryError: the code asked for more memory than the")


def test_sys_exit_and_os_exit_in_rules_cost_only_their_cases_and_task(tmp_path):
    folder = mutated(tmp_path, TENSOR, "return (-g,)", "import sys\n        sys.exit(3)")
    edit(folder, TENSOR, "return (g / x.data,)  # d log x = 1/x", "import os\n        os._exit(0)")
    result = graded(folder, tmp_path / "out")
    neg = label_starts("neg,")
    # sys.exit is an exception: only neg's case fails. os._exit ends the child in log's case: that
    # case is lost, and a new child runs the next one.
    log = label_starts("log,")
    assert_scores(result, {"1.2": score_if_wrong("1.2", neg), "1.7": score_if_wrong("1.7", log)})
    (exits,) = task(result, "1.2").problems
    assert exits.startswith("neg, (3, 2): the code called sys.exit(3) (SystemExit)")
    assert task(result, "1.7").problems == [
        "log, (3, 4): the process running your code ended while running Task 1.7's cases "
        "(2 s for all 2) (exit code 0: the code called os._exit() or crashed)"
    ]


def test_patching_numpy_in_the_submission_does_not_change_its_grade(tmp_path):
    wrong_mul = "return np.zeros_like(g), np.zeros_like(g)"
    folder = mutated(
        tmp_path,
        TENSOR,
        "return (g * b.data if a.requires_grad else None), (g * a.data if b.requires_grad else None)",
        wrong_mul,
    )
    edit(folder, TENSOR, "g_over_b = g / b.data\n", "g_over_b = g\n")
    edit(folder, TENSOR, "return (g * out.data,)  # d e^x = e^x", "return (g,)")
    edit(folder, TENSOR, "return (g / x.data,)  # d log x = 1/x", "return (g,)")
    append(
        folder,
        INIT,
        "import numpy\nimport numpy.testing\n"
        "numpy.allclose = lambda *a, **k: True\n"
        "numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)\n"
        "numpy.array_equal = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n",
    )
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {"1.3": 0, "1.7": 0})
    assert not np.allclose(0.0, 1.0), "the grader's own NumPy must be untouched"


def test_importing_the_reference_or_the_grader_in_a_rule_is_refused(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "    if grad.shape == shape:\n        return grad\n",
        "    from autograder.checks import sum_to_shape\n\n    return sum_to_shape(grad, shape)\n",
    )
    edit(
        folder,
        TENSOR,
        "a, b = out._parents  # d(ab)/da = b, d(ab)/db = a\n",
        "import autodiff_numpy\n\n        a, b = out._parents\n",
    )
    result = graded(folder, tmp_path / "out")
    mul = label_starts("mul,")
    assert_scores(result, {"1.1": 0, "1.3": score_if_wrong("1.3", mul)})
    assert_only_cases_fail(result, "1.3", labels_where("1.3", mul))
    refused = "ImportError: a submission may not import {}: the grader runs your own code"
    assert all(refused.format("autograder") in p for p in task(result, "1.1").problems)
    assert all(refused.format("autodiff_numpy") in p for p in task(result, "1.3").problems)


DELEGATE = """import sys

        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "Forbidden"]
        import autodiff_numpy

        ref = autodiff_numpy.Tensor(a.data, requires_grad=True) * autodiff_numpy.Tensor(b.data)
        return ref._backward(ref, g)[0], g * a.data
"""


@pytest.mark.xfail(
    not FENCED,
    reason="without the filesystem fence a submission can drop the import hook and import the "
    f"installed reference ({WHY_NOT_FENCED})",
)
def test_a_submission_cannot_get_round_the_import_hook_to_the_reference(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "return (g * b.data if a.requires_grad else None), (g * a.data if b.requires_grad else None)",
        DELEGATE.strip(),
    )
    result = graded(folder, tmp_path / "out")
    mul = label_starts("mul,")
    assert_scores(result, {"1.3": score_if_wrong("1.3", mul)})
    assert all("No module named 'autodiff_numpy'" in p for p in task(result, "1.3").problems)


def test_a_warning_on_stderr_in_a_correct_rule_costs_nothing(tmp_path):
    folder = mutated(
        tmp_path,
        TENSOR,
        "return g, g  # d(a + b)/da = d(a + b)/db = 1",
        "import sys\n        import warnings\n\n"
        "        print('add: careful with broadcasting', file=sys.stderr)\n"
        "        warnings.warn('add: a warning from the rule', stacklevel=1)\n"
        "        return g, g",
    )
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {})
    assert "add: careful with broadcasting" in result.stderr
    assert "UserWarning: add: a warning from the rule" in result.stderr
    shown = (tmp_path / "out" / "feedback.md").read_text()
    assert "## Your code's standard error" in shown and "careful with broadcasting" in shown


DELETING = """import pathlib

        for path in (pathlib.Path(__file__).parents[1] / "README.md", pathlib.Path({marker!r})):
            try:
                path.unlink()
                print("deleted", path.name)
            except OSError as error:
                print("could not delete", path.name, error.strerror)
        return (g * (x.data > 0),)"""


def deleting_submission(tmp_path):
    """A correct relu rule that deletes its own README.md and a file outside its folder."""
    marker = tmp_path / "instructor_marker.txt"
    marker.write_text("keep me")
    folder = mutated(
        tmp_path, TENSOR, "return (g * (x.data > 0),)", DELETING.format(marker=str(marker))
    )
    return folder, marker


def test_a_submission_deletes_files_only_in_the_graders_copy(tmp_path):
    folder, _ = deleting_submission(tmp_path)
    result = graded(folder, tmp_path / "out")
    assert_scores(result, {})
    assert "deleted README.md" in result.stdout, result.stdout
    assert (folder / "README.md").exists(), "the grader must run a copy of the submission"


@pytest.mark.xfail(
    not FENCED,
    reason="without the filesystem fence the child runs as the grader's user (or root: Python "
    f"under /root is not usable by nobody) and can delete the grader's files ({WHY_NOT_FENCED})",
)
def test_a_submission_cannot_delete_a_file_outside_its_folder(tmp_path):
    folder, marker = deleting_submission(tmp_path)
    result = graded(folder, tmp_path / "out")
    assert marker.read_text() == "keep me"
    assert "could not delete instructor_marker.txt" in result.stdout, result.stdout
    assert_scores(result, {})


KILLING = """import os
        import signal

        try:
            os.kill(os.getppid(), signal.SIGKILL)
        except OSError:
            pass
        return (g.transpose(np.argsort(out._saved)),)"""

GRADE_IN_A_PROCESS = """
import sys
from autograder.feedback import write_all
from autograder.grade import Budget, grade
write_all(grade(sys.argv[1], sys.argv[2], budget=Budget(2, 30)), sys.argv[3])
"""


@pytest.mark.xfail(
    not (FENCED and UNSHARE),
    reason="without a PID namespace (the fence and util-linux's unshare) the child can signal the "
    "grader, and kill it when both run as the same user",
)
def test_a_submission_cannot_kill_the_grader(tmp_path):
    """Graded in a process of its own: what the submission kills is that process, not the tests."""
    folder = mutated(tmp_path, TENSOR, "return (g.transpose(np.argsort(out._saved)),)", KILLING)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    run = subprocess.run(
        [sys.executable, "-c", GRADE_IN_A_PROCESS, NAME, str(folder), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},  # a killed grader leaves its scratch here
    )
    assert run.returncode == 0, f"the grader died: {run.returncode} {run.stderr[-500:]}"
    assert json.loads((out / "results.json").read_text())["score"] == 20


def test_the_cli_grades_a_hostile_submission_and_exits_0(tmp_path):
    folder = edit(solved(tmp_path), TENSOR, "def _add_backward(out, g):", "def _add_backward(out,")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", NAME, str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "0 / 20 points" in run.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == len(TASKS)
    assert all("your code does not import: SyntaxError" in t["output"] for t in results["tests"])


@pytest.mark.parametrize(
    ("assignment", "folder", "message"),
    [
        (NAME, "no_such_folder", "cannot grade: no submission folder"),
        ("a9_no_such_assignment", ".", "cannot grade: no assignment 'a9_no_such_assignment'"),
    ],
    ids=["missing folder", "unknown assignment"],
)
def test_the_cli_exits_2_when_it_cannot_grade(tmp_path, assignment, folder, message):
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", assignment, folder, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stderr
    assert not out.exists()


# -- what the grader writes -----------------------------------------------------------------------

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def test_results_json_has_gradescopes_format(tmp_path):
    folder = mutated(tmp_path, *SUB_SIGN)  # a partial score
    result = graded(folder, tmp_path / "out")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {"score", "max_score", "tests", "execution_time", "stdout_visibility"} <= results.keys()
    assert results["max_score"] == 20 and results["stdout_visibility"] in VISIBILITIES
    assert isinstance(results["execution_time"], int | float) and results["execution_time"] > 0
    assert len(results["tests"]) == len(TASKS)
    for test, (task_id, spec) in zip(results["tests"], TASKS.items(), strict=True):
        assert {"name", "score", "max_score", "output", "visibility"} <= test.keys()
        assert test["name"] == f"Task {task_id}: {spec.title}"
        assert test["max_score"] == spec.points and test["visibility"] in VISIBILITIES
        assert test["score"] == task(result, task_id).score
        assert isinstance(test["output"], str) and test["output"]
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"], abs=1e-9)
    assert results["score"] == 20 - 1 + score_if_wrong("1.2", label_starts("sub,"))
    assert "sign error" in results["tests"][1]["output"]


def test_feedback_lists_every_failing_case_with_element_expected_got_and_error(tmp_path):
    folder = edit(mutated(tmp_path, *SUB_SIGN), *POWER_TIMES_TWO)
    result = graded(folder, tmp_path / "out")
    problems = [p for r in result.tasks for p in r.problems]
    assert len(problems) == len(labels_where("1.2", label_starts("sub,"))) + len(
        labels_where("1.4", label_starts("power,"))
    )
    element = re.compile(
        r"is wrong at element \([\d, ]*\): expected -?[\d.e+-]+, got -?[\d.e+-]+ "
        r"\(relative error [\d.]+e[+-]\d+\); likely cause: "
    )
    markdown = (tmp_path / "out" / "feedback.md").read_text()
    page = (tmp_path / "out" / "feedback.html").read_text()
    for problem in problems:
        assert element.search(problem), problem
        assert f"- {problem}\n" in markdown
        assert f"<li>{html.escape(problem)}</li>" in page
    for task_id, spec in TASKS.items():
        assert f"## Task {task_id}: {spec.title}" in markdown
        assert f"<h2>Task {html.escape(task_id)}: {html.escape(spec.title)}</h2>" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def assignment_script():
    """``scripts/assignment.py`` of the repository, imported (it runs on the reference)."""
    spec = importlib.util.spec_from_file_location(
        "assignment_script", ROOT / "scripts/assignment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROW = re.compile(r"^\s*(\([\d, ]*\))\s+(\S+)\s+(\S+)\s+(\S+)\s*$")


def gradients_table(text):
    """gradients.txt as ``{title: [(element, yours, reference, relative error)]}``."""
    tables = {}
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        titles = [title for _, title in feedback.REPORTED if lines and lines[0].startswith(title)]
        if titles:
            tables[titles[0]] = [ROW.match(line).groups() for line in lines[2:]]
    return tables


@pytest.mark.xdist_group("solutions")
def test_gradients_txt_shows_the_numbers_the_script_prints_with_no_error(solutions):
    script = assignment_script()
    options = script.parse_args([])
    X, y = script.make_moons(200, noise=0.1, rng=options.seed)
    model = script.build_model(options.seed)
    weight_grad, bias_grad = script.initial_gradients(model, X, y)
    losses = script.train(model, X, y, options.epochs, options.lr, options.seed)
    printed = {  # as the script prints them
        "weight_grad": script.format_array(weight_grad),
        "bias_grad": script.format_array(bias_grad),
        "losses": " ".join(f"{loss:.4f}" for loss in losses),
    }
    _, out = solutions
    tables = gradients_table((out / "gradients.txt").read_text())
    assert len(tables) == len(feedback.REPORTED)
    for (key, title), values in zip(
        feedback.REPORTED, (weight_grad, bias_grad, np.array(losses)), strict=True
    ):
        rows = tables[title]
        assert [row[0] for row in rows] == [str(i) for i in np.ndindex(values.shape)]
        numbers = [float(n) for n in re.findall(r"-?\d+\.\d{4}", printed[key])]
        assert len(numbers) == values.size
        for (_, yours, reference, error), value, number in zip(
            rows, values.flat, numbers, strict=True
        ):
            assert yours == reference == f"{value:.4f}"
            assert float(reference) == pytest.approx(number, abs=1e-12)
            assert float(error) == 0


def curves_drawn(monkeypatch):
    """Every figure of training curves the feedback draws, as it is drawn."""
    drawn = []
    original = plots.plot_training_curves

    def spy(curves, **options):
        figure = original(curves, **options)
        drawn.append((dict(curves), figure))
        return figure

    monkeypatch.setattr(plots, "plot_training_curves", spy)
    if hasattr(feedback, "plot_training_curves"):  # imported at the top of feedback.py
        monkeypatch.setattr(feedback, "plot_training_curves", spy)
    return drawn


def assert_png(path):
    data = path.read_bytes()
    assert data[: len(PNG)] == PNG and len(data) > 5_000
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0, "a blank image"


@pytest.mark.xdist_group("solutions")
def test_the_training_curve_has_the_submissions_curve_beside_the_references(
    solutions, tmp_path, monkeypatch
):
    result, _ = solutions
    drawn = curves_drawn(monkeypatch)
    write_all(result, tmp_path)
    assert_png(tmp_path / "training_curve.png")
    ((curves, figure),) = drawn
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["your code", "reference"]
    epochs = assignment_script().parse_args([]).epochs
    for line in lines:
        assert len(line.get_ydata()) == epochs + 1
    assert np.array_equal(lines[0].get_ydata(), result.report.submission["losses"])
    assert np.array_equal(lines[1].get_ydata(), result.report.reference["losses"])


def test_the_training_curve_has_only_the_references_when_the_code_cannot_train(
    tmp_path, monkeypatch
):
    drawn = curves_drawn(monkeypatch)
    result = graded(released(tmp_path), tmp_path / "out")
    assert_png(tmp_path / "out" / "training_curve.png")
    ((curves, figure),) = drawn
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["reference"]
    assert "could not train" in figure.axes[0].get_title()
    text = (tmp_path / "out" / "gradients.txt").read_text()
    assert f"Your code could not compute them: {result.report.error}" in text

"""The release: assignments/ is generated from solutions/, which is generated from the reference;
it gives nothing away, its stubs fail with their task's message, and tasks are independent."""

import ast
import json
import shutil
import subprocess
import sys

import pytest

from autograder import holes
from autograder.release import release, release_assignment
from autograder.spec import ASSIGNMENTS, CACHES, SOLUTIONS, load

SPEC = load()
RELEASED = [a for a in SPEC.assignments if (SOLUTIONS / a.name).is_dir()]
TASKS = [(a, t) for a in RELEASED for t in a.tasks]


def files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not CACHES & set(p.relative_to(folder).parts)
    }


OUTCOMES = """
import json, sys
from autograder.visible_tests import session
outcomes = session(".")
tests = {name: [sorted(markers), message] for name, (markers, message) in outcomes.tests.items()}
with open(sys.argv[1], "w") as file:
    json.dump({"broken": outcomes.broken, "tests": tests}, file)
"""


def outcomes(folder, scratch):
    """Run every visible test of ``folder`` with pytest in a child process:
    ``{test: (task markers, error message or None)}``."""
    report = scratch / "outcomes.json"
    completed = subprocess.run(
        [sys.executable, "-c", OUTCOMES, str(report)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.exists(), completed.stdout[-2000:] + completed.stderr[-2000:]
    result = json.loads(report.read_text())
    assert not result["broken"], result["broken"]
    assert result["tests"], f"no test ran in {folder}"
    return {name: (set(markers), message) for name, (markers, message) in result["tests"].items()}


def failures(tests):
    return {name: message for name, (_, message) in tests.items() if message}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A release made now, from a copy of solutions/, into a temporary folder."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(SOLUTIONS, root / "solutions", ignore=shutil.ignore_patterns(*CACHES))
    release(solutions=root / "solutions", assignments=root / "assignments")
    return root


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_committed_solutions_and_release_equal_a_fresh_release(fresh, assignment):
    for committed, generated in [
        (SOLUTIONS, fresh / "solutions"),
        (ASSIGNMENTS, fresh / "assignments"),
    ]:
        stale = files(committed / assignment.name)
        new = files(generated / assignment.name)
        assert stale.keys() == new.keys(), (
            f"{committed.name}/{assignment.name}: run `python -m autograder release`"
        )
        changed = [name for name in new if stale[name] != new[name]]
        assert not changed, (
            f"stale in {committed.name}/{assignment.name}: {changed}; run `python -m autograder release`"
        )


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_release_holds_no_solution_no_marker_and_no_reference(assignment):
    folder = ASSIGNMENTS / assignment.name
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".md", ".ini", ".ipynb", ".txt"}:
            text = path.read_text()
            assert "autodiff_numpy" not in text, f"{path} names the reference"
            for marker in (
                holes.BEGIN_SOLUTION,
                holes.END_SOLUTION,
                holes.BEGIN_HIDDEN,
                holes.END_HIDDEN,
            ):
                assert marker not in text, f"{path} still holds {marker}"
    # Every hole of this and later assignments is a bare stub: docstring, a comment, a raise.
    for module, cut_out in SPEC.holes_from(assignment.name).items():
        tree = ast.parse((folder / SPEC.package / f"{module}.py").read_text())
        functions = holes._functions(tree)
        for name, task, _ in cut_out:
            body = functions[name].body
            statements = (
                body[1:]
                if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                else body
            )
            assert len(statements) == 1 and isinstance(statements[0], ast.Raise), (
                f"{module}:{name} leaks its solution"
            )
            assert f"Task {task}: {name}" in ast.unparse(statements[0])


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_solutions_pass_their_visible_tests(tmp_path, assignment):
    failed = failures(outcomes(SOLUTIONS / assignment.name, tmp_path))
    assert not failed, failed


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_the_release_fails_each_tasks_tests_with_that_tasks_message(tmp_path, assignment):
    tests = outcomes(ASSIGNMENTS / assignment.name, tmp_path)
    for task in assignment.tasks:
        own = {
            name: message for name, (markers, message) in tests.items() if task.marker in markers
        }
        assert own, f"Task {task.id} has no visible test"
        wrong = {
            name: message
            for name, message in own.items()
            if f"NotImplementedError: Task {task.id}:" not in (message or "")
        }
        assert not wrong, f"Task {task.id}'s stub should fail its tests with its message: {wrong}"


@pytest.mark.parametrize(
    ("assignment", "task"), TASKS, ids=lambda x: getattr(x, "id", getattr(x, "name", ""))
)
def test_doing_one_task_passes_exactly_that_tasks_tests(tmp_path, assignment, task):
    release_assignment(SPEC, assignment.name, assignments=tmp_path, keep={task.id})
    tests = outcomes(tmp_path / assignment.name, tmp_path)
    failed = failures(tests)
    own = [name for name, (markers, _) in tests.items() if task.marker in markers]
    assert own and not failed.keys() & set(own), {
        name: failed[name] for name in own if name in failed
    }
    for other in assignment.tasks:
        if other is task:
            continue
        theirs = [name for name, (markers, _) in tests.items() if other.marker in markers]
        passed = [name for name in theirs if name not in failed]
        assert not passed, f"with only Task {task.id} done, Task {other.id}'s tests pass: {passed}"


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_the_release_with_every_solution_pasted_back_passes(tmp_path, assignment):
    release_assignment(
        SPEC, assignment.name, assignments=tmp_path, keep={t.id for t in assignment.tasks}
    )
    failed = failures(outcomes(tmp_path / assignment.name, tmp_path))
    assert not failed, failed

"""The release: assignments/ is generated from solutions/, which is generated from the reference;
it gives nothing away, its stubs fail with their task's message, and tasks are independent."""

import ast
import shutil
import subprocess
import sys

import pytest

from autograder import holes
from autograder.release import release, release_assignment
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load

SPEC = load()
RELEASED = [a for a in SPEC.assignments if (SOLUTIONS / a.name).is_dir()]
TASKS = [(a, t) for a in RELEASED for t in a.tasks]
SKIPPED = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not SKIPPED & set(p.relative_to(folder).parts)
    }


def run_pytest(folder, *args):
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A release made now, from a copy of solutions/, into a temporary folder."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(SOLUTIONS, root / "solutions", ignore=shutil.ignore_patterns(*SKIPPED))
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
def test_solutions_pass_their_visible_tests(assignment):
    code, output = run_pytest(SOLUTIONS / assignment.name)
    assert code == 0, output[-3000:]


@pytest.mark.parametrize(
    ("assignment", "task"), TASKS, ids=lambda x: getattr(x, "id", getattr(x, "name", ""))
)
def test_a_stub_fails_with_its_tasks_message(assignment, task):
    code, output = run_pytest(ASSIGNMENTS / assignment.name, "-m", task.marker)
    assert code == 1 and " passed" not in output.splitlines()[-1], output[-2000:]
    assert f"NotImplementedError: Task {task.id}" in output, output[-2000:]
    assert "ImportError" not in output and "error" not in output.splitlines()[-1], output[-2000:]


@pytest.mark.parametrize(
    ("assignment", "task"), TASKS, ids=lambda x: getattr(x, "id", getattr(x, "name", ""))
)
def test_doing_one_task_passes_exactly_that_tasks_tests(tmp_path, assignment, task):
    release_assignment(SPEC, assignment.name, assignments=tmp_path, keep={task.id})
    folder = tmp_path / assignment.name
    code, output = run_pytest(folder, "-m", task.marker)
    assert code == 0, output[-3000:]
    code, output = run_pytest(folder, "-m", f"not {task.marker}")
    assert code == 1 and " passed" not in output.splitlines()[-1], output[-2000:]


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_the_release_with_every_solution_pasted_back_passes(tmp_path, assignment):
    release_assignment(
        SPEC, assignment.name, assignments=tmp_path, keep={t.id for t in assignment.tasks}
    )
    code, output = run_pytest(tmp_path / assignment.name)
    assert code == 0, output[-3000:]

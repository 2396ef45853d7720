"""A released folder, copied alone into a fresh virtual environment with only numpy, matplotlib
and pytest, runs its visible tests: they fail with the tasks' messages, and pass once the
solutions are pasted in. The reference (autodiff_numpy) is not installed there."""

import shutil
import subprocess
import venv

import pytest

from autograder.release import paste_solutions
from autograder.spec import ASSIGNMENTS, load

SPEC = load()
RELEASED = [a for a in SPEC.assignments if (ASSIGNMENTS / a.name).is_dir()]


@pytest.fixture(scope="module")
def student_python(tmp_path_factory):
    """The python of a new virtual environment holding only what a student is told to install."""
    folder = tmp_path_factory.mktemp("student-venv")
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "numpy", "matplotlib", "pytest"]
    subprocess.run(install, check=True, capture_output=True, timeout=600)
    return python


def run(python, folder, *args):
    completed = subprocess.run(
        [str(python), *args], cwd=folder, capture_output=True, text=True, timeout=600
    )
    return completed.returncode, completed.stdout + completed.stderr


def test_the_reference_is_not_there(student_python, tmp_path):
    code, output = run(student_python, tmp_path, "-c", "import autodiff_numpy")
    assert code != 0 and "No module named 'autodiff_numpy'" in output


@pytest.mark.parametrize("assignment", RELEASED, ids=lambda a: a.name)
def test_a_released_folder_alone_runs_its_tests(student_python, tmp_path, assignment):
    folder = tmp_path / assignment.name
    shutil.copytree(ASSIGNMENTS / assignment.name, folder)
    code, output = run(student_python, folder, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert code == 1, output[-3000:]
    assert "error" not in output.splitlines()[-1], output[-3000:]  # failures, not import errors
    for task in assignment.tasks:
        assert f"NotImplementedError: Task {task.id}" in output, f"Task {task.id}\n{output[-3000:]}"

    paste_solutions(assignment.name, folder, {task.id for task in assignment.tasks})
    code, output = run(student_python, folder, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert code == 0, output[-3000:]

"""The Gradescope autograder: the zip holds what grading needs and no other answer, and its
run_autograder, in Gradescope's layout, writes the same scores as ``grade``, and a results.json
even when the submission or the grader fails.

Gradescope's layout is simulated in ``tmp_path``: the zip unpacked into ``autograder/source``, the
submission in ``autograder/submission``, ``AUTOGRADER_ROOT`` pointing at ``autograder``.
setup.sh's pip install is not run: the test environment has the packages already.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from submissions import COPIED, NAME, released

from autograder.__main__ import main
from autograder.grade import grade
from autograder.gradescope import answer_keys, build, requirements, run_script
from autograder.spec import ROOT, SOLUTIONS, load

SPEC = load()
NAMES = [a.name for a in SPEC.assignments]
KEEP = {"1.1", "1.2", "1.5"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "a1.zip"
    assert main(["gradescope", NAME, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """``grade``'s scores, per task, of the release with the tasks in KEEP done."""
    result = grade(NAME, released(tmp_path_factory.mktemp("expected"), KEEP))
    return {f"Task {r.task.id}: {r.task.title}": r.score for r in result.tasks}


def unpack(bundle, tmp_path):
    """Gradescope's layout: the zip's contents in autograder/source (with their modes, as unzip
    keeps them), run_autograder copied beside it. Returns autograder/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = archive.extract(info, root / "source")
            os.chmod(path, info.external_attr >> 16 & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root):
    """Run ``root/run_autograder`` as Gradescope does, with this Python as ``python3`` on PATH;
    returns results.json."""
    bin_folder = root.parent / "bin"
    bin_folder.mkdir(exist_ok=True)
    python3 = bin_folder / "python3"  # a script, not a link: a virtual environment stays active
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env["PATH"] = f"{bin_folder}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def scores(results):
    return {test["name"]: test["score"] for test in results["tests"]}


# -- the zip ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_zip_holds_no_other_answer(tmp_path, name):
    out = tmp_path / f"{name}.zip"
    build(name, out)
    names = set(zipfile.ZipFile(out).namelist())
    keys = {path.relative_to(SOLUTIONS.parent).as_posix() for path in answer_keys(name)}
    assert {"setup.sh", "run_autograder", "solutions/tasks.toml"} <= names
    assert {n for n in names if n.startswith("solutions/")} == {"solutions/tasks.toml", *keys}
    assert all(key.startswith(f"solutions/{name}/") for key in keys)
    for other in set(NAMES) - {name}:
        assert not any(f"/{other}/" in f"/{n}" for n in names), other
    assert not any(n.endswith(".ipynb") or n.startswith("tests/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    tops = {n.split("/")[0] for n in names} - {"setup.sh", "run_autograder"}
    assert tops <= {"autograder", "autodiff_numpy", "solutions", "assignments", "scripts"}


def test_the_same_sources_give_the_same_zip(bundle, tmp_path):
    assert build(NAME, tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == bundle.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["again.zip"]  # no part left behind


def test_the_answer_keys_are_the_files_the_suites_read():
    assert [p.relative_to(SOLUTIONS).as_posix() for p in answer_keys("a0_scalar_autodiff")] == [
        "a0_scalar_autodiff/by_hand.py"
    ]
    assert [p.relative_to(SOLUTIONS).as_posix() for p in answer_keys("a2_nn_library")] == [
        "a2_nn_library/train.py"
    ]
    assert answer_keys("a1_tensor_autodiff") == answer_keys("a3_convolution") == []


def test_the_zip_carries_the_report_scripts_and_runnable_scripts(bundle):
    archive = zipfile.ZipFile(bundle)
    names = set(archive.namelist())
    assert {"scripts/assignment.py", f"assignments/{NAME}/scripts/assignment.py"} <= names
    assert not any(n.startswith(f"assignments/{NAME}/mygrad") for n in names)
    for script in ("setup.sh", "run_autograder"):
        assert archive.getinfo(script).external_attr >> 16 & 0o111, script


def test_setup_installs_what_grading_imports_and_no_jupyter(bundle):
    setup = zipfile.ZipFile(bundle).read("setup.sh").decode()
    assert "python3 -m pip install" in setup
    assert [r.split(">")[0] for r in requirements()] == ["numpy", "matplotlib", "tqdm"]
    for requirement in requirements():
        assert f"'{requirement}'" in setup
    for unwanted in ("nbgrader", "jupyter", "ipykernel", "http"):
        assert unwanted not in setup.replace("nbgrader nor Jupyter", "")
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, autograder.grade, autograder.feedback; print(*sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not {m.split(".")[0] for m in imported} & {"nbgrader", "jupyter_client", "ipykernel"}


def test_run_autograder_is_clean_python(tmp_path):
    script = tmp_path / "run_autograder.py"
    script.write_text(run_script(NAME))
    compile(script.read_text(), str(script), "exec")
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed")
    for check in (["check"], ["format", "--check"]):
        ruff = [sys.executable, "-m", "ruff", *check, "--config", str(ROOT / "pyproject.toml")]
        run = subprocess.run([*ruff, str(script)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_an_unknown_assignment_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["gradescope", "a9_nothing", "--out", str(tmp_path / "x.zip")])
    assert exit.value.code == 2
    assert "a9_nothing" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


# -- run_autograder --------------------------------------------------------------------------------


def test_run_autograder_gives_grades_scores(bundle, expected, tmp_path):
    root = unpack(bundle, tmp_path)
    released(root, KEEP)  # root/submission, as Gradescope fills it
    results = run_autograder(root)
    assert scores(results) == expected
    assert results["score"] == pytest.approx(sum(expected.values()))
    assert results["max_score"] == sum(t.points for t in SPEC.assignment(NAME).tasks)
    for name in ("feedback.md", "feedback.html", "gradients.txt", "training_curve.png"):
        assert (root / "results" / name).is_file(), name


def test_a_zip_of_the_folder_is_graded_too(bundle, expected, tmp_path):
    root = unpack(bundle, tmp_path)
    released(root / "submission", KEEP).rename(root / "submission" / NAME)
    (root / "submission" / "__MACOSX").mkdir()  # what a Mac's zip adds beside the folder
    (root / "submission" / ".DS_Store").write_bytes(b"\0")
    assert scores(run_autograder(root)) == expected


@pytest.mark.parametrize("name", ["a0_scalar_autodiff", "a2_nn_library"])
def test_the_solutions_score_full_marks_with_the_zips_answer_keys(tmp_path, name):
    build(name, tmp_path / "bundle.zip")
    root = unpack(tmp_path / "bundle.zip", tmp_path)
    shutil.copytree(SOLUTIONS / name, root / "submission", ignore=COPIED)
    results = run_autograder(root)
    assert results["score"] == sum(t.points for t in SPEC.assignment(name).tasks), results


def test_an_empty_submission_scores_zero_with_a_message(bundle, tmp_path):
    root = unpack(bundle, tmp_path)
    (root / "submission").mkdir()
    results = run_autograder(root)
    assert results["score"] == 0
    assert len(results["tests"]) == len(SPEC.assignment(NAME).tasks)
    assert all("does not import" in test["output"] for test in results["tests"])


def test_a_submission_that_cannot_be_copied_scores_zero_with_the_reason(bundle, tmp_path):
    root = unpack(bundle, tmp_path)
    released(root, KEEP)
    os.mkfifo(root / "submission" / "pipe")  # a named pipe: no file to copy
    (root / "submission" / "notes.txt").symlink_to(tmp_path / "nowhere")  # dangling: left out
    results = run_autograder(root)
    assert results["score"] == 0
    assert len(results["tests"]) == len(SPEC.assignment(NAME).tasks)
    for test in results["tests"]:
        assert "the submission's files could not be copied: pipe" in test["output"]


def test_a_failing_grader_still_gives_a_result(bundle, tmp_path):
    root = unpack(bundle, tmp_path)  # no submission folder at all
    results = run_autograder(root)
    assert results["score"] == 0
    assert results["tests"] == []
    assert results["output"].startswith("The grader failed on this submission")
    assert "no submission folder" in results["output"].split("What went wrong:")[1]

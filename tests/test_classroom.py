"""grade-all: a class graded in parallel gives the same gradebook as one by one; an interrupted
run resumes without a duplicate or partial row; nbgrader's and a flat layout are both found."""

import csv
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder import classroom
from autograder.classroom import RECORD, grade_all, submissions
from autograder.release import paste_solutions
from autograder.spec import ASSIGNMENTS, ROOT, load

NAME = "a1_tensor_autodiff"
TASKS = [t.id for t in load().assignment(NAME).tasks]
TENSOR = "mygrad/tensor.py"


def hand_in(folder, keep, edit=None):
    shutil.copytree(ASSIGNMENTS / NAME, folder)
    paste_solutions(NAME, folder, keep)
    if edit:
        path = folder / TENSOR
        old, new = edit
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))


def make_class(root, size=30, seed=0):
    """``size`` submissions in nbgrader's layout: random sets of tasks done, and a few broken ones
    (a syntax error, os._exit in a rule, NaN gradients)."""
    rng = random.Random(seed)
    broken = [
        ("import numpy as np\n", "import numpy as np\ndef broken(:\n"),
        ("return (g * out.data,)  # d e^x = e^x", "import os\n        os._exit(0)"),
        ("return (g * out.data,)  # d e^x = e^x", "return (g * np.nan,)"),
    ]
    for i in range(size):
        keep = set(rng.sample(TASKS, rng.randint(0, len(TASKS))))
        edit = broken[i % 10] if i % 10 < len(broken) else None
        hand_in(root / "submitted" / f"s{i:02d}" / NAME, keep | ({"1.7"} if edit else set()), edit)
    return root


def rows(out):
    return list(csv.reader(io.StringIO((out / "gradebook.csv").read_text())))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def one_by_one(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_by_one")
    grade_all(NAME, course, out, jobs=1, progress=False)
    return out


@pytest.mark.xdist_group("class")
def test_two_workers_give_the_same_gradebook_as_one(course, one_by_one, tmp_path):
    grade_all(NAME, course / "submitted", tmp_path, jobs=2, progress=False)
    assert (tmp_path / "gradebook.csv").read_text() == (one_by_one / "gradebook.csv").read_text()
    table = rows(tmp_path)
    assert table[0] == ["student", "total", *(f"task {t}" for t in TASKS), "status"]
    assert [row[0] for row in table[1:]] == [f"s{i:02d}" for i in range(30)]
    for row in table[1:]:
        assert float(row[1]) == pytest.approx(sum(float(x) for x in row[2:-1]))
        assert row[-1] == "graded"
    assert (tmp_path / "summary.md").read_text() == (one_by_one / "summary.md").read_text()
    assert (tmp_path / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for student in ("s00", "s01", "s02"):  # the broken ones have their feedback too
        assert (tmp_path / student / "feedback.md").exists()


@pytest.mark.xdist_group("class")
def test_the_summary_names_what_the_class_got_wrong(one_by_one):
    summary = (one_by_one / "summary.md").read_text()
    assert "30 submissions; total out of 20" in summary
    assert "not done (NotImplementedError)" in summary
    assert "does not import" in summary  # s00, s10, s20
    assert "ended while" in summary  # os._exit: s01, s11, s21


@pytest.mark.xdist_group("class")
def test_a_killed_run_resumes_to_the_same_gradebook(course, one_by_one, tmp_path):
    command = [sys.executable, "-m", "autograder", "grade-all", NAME, str(course)]
    command += ["--out", str(tmp_path), "--jobs", "1"]
    run = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(f"*/{RECORD}"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert not (tmp_path / "gradebook.csv").exists(), "killed before the end: no gradebook yet"
    before = {p.parent.name: p.stat().st_mtime_ns for p in tmp_path.glob(f"*/{RECORD}")}
    assert 5 <= len(before) < 30

    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert (tmp_path / "gradebook.csv").read_text() == (one_by_one / "gradebook.csv").read_text()
    after = {p.parent.name: p.stat().st_mtime_ns for p in tmp_path.glob(f"*/{RECORD}")}
    assert {s: after[s] for s in before} == before, "what was graded before the kill is kept"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging left"


def test_a_changed_submission_is_graded_again_and_nothing_else(tmp_path):
    root = tmp_path / "class"
    hand_in(root / "alice", {"1.1"})
    hand_in(root / "bob", {"1.2"})
    out = tmp_path / "out"
    grade_all(NAME, root, out, jobs=1, progress=False)
    assert [row[:3] for row in rows(out)[1:]] == [["alice", "2", "2"], ["bob", "1", "0"]]
    bob = (out / "bob" / RECORD).stat().st_mtime_ns
    paste_solutions(NAME, root / "alice", {"1.1", "1.3"})
    grade_all(NAME, root, out, jobs=1, progress=False)
    assert [row[:2] for row in rows(out)[1:]] == [["alice", "4"], ["bob", "1"]]
    assert (out / "bob" / RECORD).stat().st_mtime_ns == bob


def test_a_submission_the_grader_fails_on_does_not_stop_the_run(tmp_path, monkeypatch):
    root = tmp_path / "class"
    hand_in(root / "alice", {"1.1"})
    hand_in(root / "bob", set())
    real = classroom.grade

    def failing_on_bob(assignment, folder, **options):
        if folder.name == "bob":
            raise RuntimeError("a bug of the grader's")
        return real(assignment, folder, **options)

    monkeypatch.setattr(classroom, "grade", failing_on_bob)  # jobs=1 grades in this process
    records = grade_all(NAME, root, tmp_path / "out", jobs=1, progress=False)
    assert records["alice"]["score"] == 2 and records["alice"]["status"] == "graded"
    assert records["bob"]["status"] == "not graded: RuntimeError: a bug of the grader's"
    assert rows(tmp_path / "out")[2][:2] == ["bob", "0"]
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "Not graded (the grader failed on them): bob." in summary


@pytest.mark.parametrize("layout", ["course folder", "submitted folder", "flat"])
def test_submissions_are_found_in_nbgrader_and_flat_layouts(tmp_path, layout):
    for student in ("alice", "bob"):
        folder = tmp_path / "submitted" / student / NAME if layout != "flat" else tmp_path / student
        folder.mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    root = tmp_path / "submitted" if layout == "submitted folder" else tmp_path
    found = submissions(root, NAME)
    assert sorted(found) == ["alice", "bob"]
    assert found["alice"].name == (NAME if layout != "flat" else "alice")


def test_the_cli_says_what_is_wrong_with_its_arguments(tmp_path):
    for args, message in [
        ([NAME, str(tmp_path / "missing"), "--out", str(tmp_path)], "no folder of submissions"),
        (["no_such_assignment", str(tmp_path), "--out", str(tmp_path)], "no assignment"),
        ([NAME, str(tmp_path), "--out", str(tmp_path), "--jobs", "0"], "--jobs must be at least 1"),
    ]:
        run = subprocess.run(
            [sys.executable, "-m", "autograder", "grade-all", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 2 and message in run.stderr, run.stderr

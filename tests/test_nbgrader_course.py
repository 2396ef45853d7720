"""grade-all on an nbgrader course: the scores land in nbgrader's own gradebook, and real
``nbgrader export`` and ``nbgrader generate_feedback`` work on them."""

import csv
import html
import re
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("nbgrader")

from autograder.classroom import grade_all  # noqa: E402
from autograder.release import paste_solutions  # noqa: E402
from autograder.spec import ASSIGNMENTS, ROOT, SOLUTIONS, load  # noqa: E402

NAME = "a1_tensor_autodiff"
ALL = {t.id for t in load().assignment(NAME).tasks}
STUDENTS = {"alice": ALL, "bob": set(), "carol": {"1.3"}}


def nbgrader(course, *args):
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder with this project's nbgrader_config.py, three students' submissions, graded
    by grade-all (twice: the second run must not add a second submission)."""
    course = tmp_path_factory.mktemp("course")
    shutil.copyfile(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(SOLUTIONS / NAME, course / "solutions" / NAME)
    for student, done in STUDENTS.items():
        folder = course / "submitted" / student / NAME
        shutil.copytree(ASSIGNMENTS / NAME, folder)
        paste_solutions(NAME, folder, done)
    for _ in range(2):
        grade_all(NAME, course, course / "graded", jobs=1, progress=False)
    return course


def test_nbgrader_export_shows_the_scores(course):
    nbgrader(course, "export")
    with open(course / "grades.csv") as file:
        scores = {
            row["student_id"]: (float(row["score"]), float(row["max_score"]))
            for row in csv.DictReader(file)
        }
    assert scores == {"alice": (20, 20), "bob": (0, 20), "carol": (2, 20)}


def test_nbgrader_generate_feedback_shows_each_tasks_feedback(course):
    nbgrader(course, "generate_feedback", NAME)
    for student in STUDENTS:
        page = (course / "feedback" / student / NAME / f"{NAME}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        total = {"alice": 20, "bob": 0, "carol": 2}[student]
        assert f"Score: {total:.1f} / 20.0" in text
        if student == "carol":
            assert "2 / 2 points" in text and "Every case is right" in text
            assert "NotImplementedError: Task 1.1: unbroadcast" in text


def test_the_course_keeps_its_release_and_gets_no_solution(course):
    assert not (course / "assignments").exists(), "recording scores must not release anything"
    assert (course / "gradebook.db").exists()

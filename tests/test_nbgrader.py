"""Real nbgrader on assignment 1: generate it, autograde fake submissions through a Jupyter
kernel, and check the scores and that feedback never shows a hidden test."""

import html as htmllib
import re
import shutil

import nbformat
import pytest

nbgrader = pytest.importorskip("nbgrader")

from nbgrader.api import Gradebook  # noqa: E402

from autograder import holes  # noqa: E402
from autograder.notebooks import (  # noqa: E402
    Autograde,
    GenerateAssignment,
    GenerateFeedback,
    course_config,
    run,
)
from autograder.release import paste_solutions  # noqa: E402
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load  # noqa: E402

NAME = "a1_tensor_autodiff"
SPEC = load()
ASSIGNMENT = SPEC.assignment(NAME)


def hidden_test_lines(notebook):
    """The substantial lines of every hidden-test region of a notebook."""
    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if holes.BEGIN_HIDDEN in cell.source:
            region = cell.source.split(holes.BEGIN_HIDDEN)[1].split(holes.END_HIDDEN)[0]
            lines += [line.strip() for line in region.splitlines() if len(line.strip()) > 20]
    return lines


def visible_text(html):
    """What a reader of a feedback page sees: the HTML without its tags."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def submission(root, student, keep):
    """The release as a student who did the tasks in ``keep`` hands it in."""
    folder = root / "submitted" / student / NAME
    shutil.copytree(ASSIGNMENTS / NAME, folder)
    paste_solutions(SPEC, NAME, folder, keep)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(SOLUTIONS / NAME, root / "solutions" / NAME)
    student_files = sorted(
        p.relative_to(SOLUTIONS / NAME).as_posix()
        for p in (SOLUTIONS / NAME / "mygrad").rglob("*.py")
    )
    config = course_config(
        root, NAME, f"sqlite:///{root / 'gradebook.db'}", protected=student_files
    )
    run(GenerateAssignment, config)
    everything = {task.id for task in ASSIGNMENT.tasks}
    submission(root, "complete", everything)
    submission(root, "untouched", set())
    submission(root, "only_1_3", {"1.3"})
    run(Autograde, config)
    run(GenerateFeedback, config)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        scores = {
            student: {
                grade.name: grade.auto_score
                for grade in gradebook.find_submission_notebook(NAME, NAME, student).grades
            }
            for student in ("complete", "untouched", "only_1_3")
        }
    return root, scores


def test_the_solutions_score_full_marks(graded):
    _, scores = graded
    for task in ASSIGNMENT.tasks:
        assert scores["complete"][f"tests_{task.marker}"] == task.points, task.id


def test_the_untouched_release_scores_zero_on_every_task(graded):
    _, scores = graded
    assert all(score == 0 for score in scores["untouched"].values()), scores["untouched"]


def test_one_task_done_earns_exactly_that_tasks_points(graded):
    _, scores = graded
    earned = {name: score for name, score in scores["only_1_3"].items() if score}
    assert earned == {"tests_task1_3": 2.0}


def test_feedback_never_shows_a_hidden_test(graded):
    root, _ = graded
    hidden = hidden_test_lines(SOLUTIONS / NAME / f"{NAME}.ipynb")
    assert len(hidden) > 10, "the source notebook should hold hidden tests"
    for student in ("complete", "untouched", "only_1_3"):
        text = visible_text((root / "feedback" / student / NAME / f"{NAME}.html").read_text())
        assert "HIDDEN TESTS" not in text
        assert "run_visible_tests" in text, "the feedback should show the visible tests"
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:2]}"

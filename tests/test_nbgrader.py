"""Real nbgrader on every assignment with a notebook: generate it, autograde fake submissions
through a Jupyter kernel, and check the scores and that feedback never shows a hidden test."""

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
    new_gradebook,
    run,
)
from autograder.release import paste_solutions  # noqa: E402
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load  # noqa: E402

SPEC = load()
WITH_NOTEBOOKS = [a for a in SPEC.assignments if (SOLUTIONS / a.name / f"{a.name}.ipynb").is_file()]
# Passes Task 0.5's visible tests (they check only the form of the backward pass), but forgets
# that w feeds two nodes: the hidden test must catch it.
WRONG_BY_HAND = ("a0_scalar_autodiff", "by_hand.py", '"w": -22.0', '"w": -18.0')


def hidden_test_lines(name):
    """The substantial lines of assignment ``name``'s hidden tests that its release does not show
    elsewhere (a line such as ``model = nn.Sequential(`` may also be in a visible cell)."""
    released = {
        line.strip()
        for cell in nbformat.read(ASSIGNMENTS / name / f"{name}.ipynb", as_version=4).cells
        for line in cell.source.splitlines()
    }
    lines = []
    for cell in nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4).cells:
        if holes.BEGIN_HIDDEN in cell.source:
            region = cell.source.split(holes.BEGIN_HIDDEN)[1].split(holes.END_HIDDEN)[0]
            lines += [
                line.strip()
                for line in region.splitlines()
                if len(line.strip()) > 20 and line.strip() not in released
            ]
    return lines


def visible_text(html):
    """What a reader of a feedback page sees: the HTML without its tags."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def submit(root, name, student, keep):
    """The release as a student who did the tasks in ``keep`` hands it in."""
    folder = root / "submitted" / student / name
    shutil.copytree(ASSIGNMENTS / name, folder)
    paste_solutions(name, folder, keep)
    return folder


def students(assignment):
    """Who hands in what: ``{student: tasks done}``."""
    done = {"complete": {t.id for t in assignment.tasks}, "untouched": set()}
    done.update({f"only_{t.marker}": {t.id} for t in assignment.tasks})
    return done


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(a, id=a.name, marks=pytest.mark.xdist_group(a.name)) for a in WITH_NOTEBOOKS
    ],
)
def course(request, tmp_path_factory):
    """An nbgrader course that has released ``assignment`` and autograded every student of
    :func:`students` (and, for assignment 0, one wrong by-hand answer); returns its folder, the
    assignment and each student's score per graded cell."""
    assignment, name = request.param, request.param.name
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(SOLUTIONS / name, root / "solutions" / name)
    student_files = sorted(
        p.relative_to(SOLUTIONS / name).as_posix()
        for p in (SOLUTIONS / name).rglob("*.py")
        if p.relative_to(SOLUTIONS / name).parts[0] != "tests"
    )
    config = course_config(root, name, new_gradebook(root / "gradebook.db"), student_files)
    run(GenerateAssignment, config)
    handed_in = students(assignment)
    for student, keep in handed_in.items():
        submit(root, name, student, keep)
    if name == WRONG_BY_HAND[0]:
        folder = submit(root, name, "wrong_by_hand", {"0.5"})
        path = folder / WRONG_BY_HAND[1]
        path.write_text(path.read_text().replace(*WRONG_BY_HAND[2:]))
        handed_in["wrong_by_hand"] = {"0.5"}
    run(Autograde, config)
    run(GenerateFeedback, config)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        scores = {
            student: {
                grade.name: grade.auto_score
                for grade in gradebook.find_submission_notebook(name, name, student).grades
            }
            for student in handed_in
        }
    return root, assignment, scores


def test_the_solutions_score_full_marks(course):
    _, assignment, scores = course
    for task in assignment.tasks:
        assert scores["complete"][f"tests_{task.marker}"] == task.points, task.id


def test_the_untouched_release_scores_zero_on_every_task(course):
    _, _, scores = course
    assert all(score == 0 for score in scores["untouched"].values()), scores["untouched"]


def test_each_task_done_alone_earns_exactly_that_tasks_points(course):
    _, assignment, scores = course
    for task in assignment.tasks:
        earned = {cell: score for cell, score in scores[f"only_{task.marker}"].items() if score}
        assert earned == {f"tests_{task.marker}": task.points}, task.id


def test_the_hidden_tests_catch_what_the_visible_ones_do_not(course):
    _, assignment, scores = course
    if assignment.name != WRONG_BY_HAND[0]:
        pytest.skip("the wrong by-hand answer belongs to assignment 0")
    assert scores["wrong_by_hand"]["tests_task0_5"] == 0


def test_feedback_never_shows_a_hidden_test(course):
    root, assignment, scores = course
    name = assignment.name
    hidden = hidden_test_lines(name)
    assert len(hidden) >= 3 * len(assignment.tasks), "the source notebook should hold hidden tests"
    for student in scores:
        text = visible_text((root / "feedback" / student / name / f"{name}.html").read_text())
        assert "HIDDEN TESTS" not in text
        assert "run_visible_tests" in text, "the feedback should show the visible tests"
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:2]}"

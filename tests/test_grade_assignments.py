"""The grader on every assignment: the solutions score full marks, the release zero, and each task
done alone exactly that task's points (its cases need no other task)."""

import pytest

from autograder.grade import grade
from autograder.release import release_assignment
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load

SPEC = load()
TASKS = [(a, t) for a in SPEC.assignments for t in a.tasks]


def earned(result):
    return {r.task.id: r.score for r in result.tasks if r.score}


@pytest.mark.parametrize("assignment", SPEC.assignments, ids=lambda a: a.name)
def test_the_solutions_score_full_marks_with_nothing_wrong(assignment):
    result = grade(assignment.name, SOLUTIONS / assignment.name)
    assert earned(result) == {t.id: t.points for t in assignment.tasks}
    assert not [p for r in result.tasks for p in r.problems]
    assert result.score == result.max_score == sum(t.points for t in assignment.tasks)


@pytest.mark.parametrize("assignment", SPEC.assignments, ids=lambda a: a.name)
def test_the_release_scores_zero_with_each_tasks_message(assignment):
    result = grade(assignment.name, ASSIGNMENTS / assignment.name)
    assert earned(result) == {}
    for r in result.tasks:
        assert r.problems and all(
            f"NotImplementedError: Task {r.task.id}:" in p for p in r.problems
        ), r.problems[:2]


@pytest.mark.parametrize(
    ("assignment", "task"), TASKS, ids=lambda x: getattr(x, "id", getattr(x, "name", ""))
)
def test_a_task_done_alone_earns_exactly_its_points(tmp_path, assignment, task):
    release_assignment(SPEC, assignment.name, assignments=tmp_path, keep={task.id})
    result = grade(assignment.name, tmp_path / assignment.name)
    assert earned(result) == {task.id: task.points}
    for r in result.tasks:  # the others fail on their own stubs, not on this task's code
        if r.task is not task:
            assert all(f"NotImplementedError: Task {r.task.id}:" in p for p in r.problems)

"""A class's scores into an nbgrader course's own gradebook, so that nbgrader's tools work on them.

After ``grade-all`` on a course folder, each student's task scores become the auto-scores of the
notebook's graded cells (``tests_task1_3`` holds Task 1.3's), written through nbgrader's API into
the course's ``gradebook.db``; and ``autograded/<student>/<assignment>/`` holds the student's
notebook with each graded cell's output replaced by the grader's feedback for that task. So
``nbgrader export`` lists the totals, and ``nbgrader generate_feedback`` renders the feedback.
"""

import shutil
import tempfile
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .notebooks import GenerateAssignment, course_config, new_gradebook, run
from .spec import SOLUTIONS


def gradebook_url(course):
    """The course's gradebook (nbgrader's default place), made empty if it does not exist yet."""
    path = Path(course) / "gradebook.db"
    return f"sqlite:///{path}" if path.exists() else new_gradebook(path)


def register(course, assignment):
    """Make the gradebook know the assignment's notebook and its graded cells, as nbgrader's
    ``generate_assignment`` does; run in a scratch folder, so that nothing of the course changes
    but its gradebook (nbgrader would copy the solution modules into the release)."""
    url = gradebook_url(course)
    with Gradebook(url) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return url
        except MissingEntry:
            pass
    notebook = SOLUTIONS / assignment / f"{assignment}.ipynb"
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "solutions" / assignment).mkdir(parents=True)
        shutil.copyfile(notebook, Path(scratch) / "solutions" / assignment / notebook.name)
        run(GenerateAssignment, course_config(scratch, assignment, url))
    return url


def record(course, spec_assignment, records, folders):
    """Write ``records`` (grade-all's, by student) into the course: the gradebook's auto-scores, and
    an autograded notebook per student whose graded cells show the grader's feedback."""
    name = spec_assignment.name
    url = register(course, name)
    tasks = {f"tests_{task.marker}": task for task in spec_assignment.tasks}
    with Gradebook(url) as gradebook:
        for student, result in records.items():
            gradebook.update_or_create_student(student)
            try:
                gradebook.find_submission(name, student)
            except MissingEntry:
                gradebook.add_submission(name, student)
            submitted = gradebook.find_submission_notebook(name, name, student)
            for grade in submitted.grades:
                if grade.name in tasks:
                    grade.auto_score = result.get("tasks", {}).get(tasks[grade.name].id, 0)
            gradebook.db.commit()
    for student in records:
        feedback = records[student].get("feedback", {})
        _autograded_notebook(course, name, student, folders[student], feedback, tasks)


def _autograded_notebook(course, name, student, folder, feedback, tasks):
    source = Path(folder) / f"{name}.ipynb"
    if not source.exists():  # handed in without it: the released one carries the feedback
        source = SOLUTIONS.parent / "assignments" / name / f"{name}.ipynb"
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in tasks:
            text = feedback.get(tasks[grade_id].id, "")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    target = Path(course) / "autograded" / student / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)

"""nbgrader, driven in-process: release notebooks, autograde them, give feedback without hidden tests.

Measured with nbgrader 0.9.6, and handled here:

- nbgrader copies a notebook's neighbouring ``.py`` files verbatim, solutions included, so it is
  only asked to convert the notebook; :mod:`autograder.release` strips the modules itself;
- at autograde it overwrites the student's modules with the instructor's unless
  ``Autograde.exclude_overwriting`` names them (a dict of lists; a plain string is silently
  ignored), so every file of the student package is named;
- its feedback shows hidden tests, and a failing hidden assert's traceback repeats them even with
  ``ClearHiddenTests``: :class:`StripHiddenTracebacks` removes those tracebacks first;
- a new gradebook runs the ``alembic`` program, found on ``PATH``: the environment's ``bin`` is
  put there, and :func:`new_gradebook` runs it once per process (about 3 s each time).
"""

import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

from traitlets import Unicode
from traitlets.config import Config

os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader import utils  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
from nbgrader.preprocessors.base import NbGraderPreprocessor  # noqa: E402
from nbgrader.utils import capture_log  # noqa: E402

from .spec import CACHES  # noqa: E402

NOT_COPIED = [*sorted(CACHES), "*.pyc"]


class StripHiddenTracebacks(NbGraderPreprocessor):
    """Replace the output of a failing test cell that holds hidden tests by one line.

    A traceback (and an assert message) would show the hidden test's code.
    """

    begin_hidden = Unicode("BEGIN HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell) and self.begin_hidden in cell.source:
            outputs = []
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.evalue = ""
                    output.traceback = [f"{output.ename}  (a hidden test failed)"]
                    outputs.append(output)
                elif output.output_type != "stream":
                    outputs.append(output)
            cell.outputs = outputs
        return cell, resources


def course_config(root, name, db_url, protected=(), timeout=120):
    """nbgrader's configuration for course folder ``root``: sources in ``solutions``, releases in
    ``assignments``; ``protected`` files of a submission are never replaced by the instructor's."""
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "assignments"
    c.CourseDirectory.db_url = db_url
    c.CourseDirectory.assignment_id = name
    c.CourseDirectory.ignore = NOT_COPIED
    c.BaseConverter.force = True
    c.Execute.timeout = timeout
    c.Execute.kernel_name = "python3"
    c.Autograde.exclude_overwriting = {name: list(protected)}
    c.GenerateFeedback.preprocessors = [
        GetGrades,
        StripHiddenTracebacks,
        ClearHiddenTests,
        CSSHTMLHeaderPreprocessor,
    ]
    return c


def run(converter, config, student=None):
    """Run one nbgrader converter; its log becomes the error message if it fails."""
    directory = CourseDirectory(config=config)
    if student is not None:
        directory.student_id = student
    result = capture_log(converter(coursedir=directory, config=config))
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader {converter.__name__} failed:\n{result.get('log', '')}{result.get('error', '')}"
        )


@functools.cache
def _empty_gradebook():
    path = Path(tempfile.mkdtemp(prefix="gradebook-")) / "empty.db"
    Gradebook(f"sqlite:///{path}").close()
    return path


def new_gradebook(path):
    """An empty gradebook at ``path`` (a copy of one made once per process); its database URL."""
    shutil.copyfile(_empty_gradebook(), path)
    return f"sqlite:///{path}"


def release_notebook(source, target, name):
    """Write the student version of notebook ``source`` (solutions and hidden tests removed) to
    ``target``, with nbgrader's ``generate_assignment`` in a scratch course folder."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "solutions" / name).mkdir(parents=True)
        shutil.copyfile(source, root / "solutions" / name / Path(source).name)
        config = course_config(root, name, new_gradebook(root / "gradebook.db"))
        run(GenerateAssignment, config)
        shutil.copyfile(root / "assignments" / name / Path(source).name, target)


__all__ = [
    "Autograde",
    "GenerateAssignment",
    "GenerateFeedback",
    "course_config",
    "new_gradebook",
    "release_notebook",
    "run",
]

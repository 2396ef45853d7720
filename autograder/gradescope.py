"""``python -m autograder gradescope NAME --out FILE.zip``: an assignment's autograder for Gradescope.

Gradescope unpacks the zip into ``/autograder/source`` and runs its ``setup.sh`` there once, as
root, to build the grading image; then, in a fresh container for each submission, its
``run_autograder``, with the student's files in ``/autograder/submission``, which must write
``/autograder/results/results.json``.

The zip carries what grading the assignment needs and nothing more, each file at its path in this
repository, so that the grader finds them there as it does here (the zip's root is ``spec.ROOT``):
the grader's modules, the reference, ``solutions/tasks.toml``, the answer keys the assignment's
suite reads from ``solutions/<name>/``, and the released files the grader hands the submission
(the report's script). No other assignment's solution, no notebook, no test.
"""

import json
import os
import re
import tempfile
import tomllib
import zipfile
from pathlib import Path

from .spec import ASSIGNMENTS, CACHES, REFERENCE, ROOT, SOLUTIONS, load
from .suites import suite

GRADER = Path(__file__).resolve().parent
NEEDED = ("numpy", "matplotlib", "tqdm")  # the grader's imports (tqdm: grade-all's); no Jupyter
EXECUTABLE, READABLE = 0o755, 0o644


def requirements(pyproject=ROOT / "pyproject.toml"):
    """The requirements of :data:`NEEDED`, as ``pyproject.toml`` pins them (its dependencies or an
    extra's), so that the bundle installs what the project is tested with."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    declared = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    found = {}
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower()
        if name in NEEDED:
            found.setdefault(name, requirement)
    missing = [name for name in NEEDED if name not in found]
    if missing:
        raise KeyError(f"pyproject.toml does not declare {', '.join(missing)}")
    return [found[name] for name in NEEDED]


def answer_keys(name):
    """The files of ``solutions/<name>/`` that the assignment's suite reads (the reference's side
    of a task whose answer is not part of the engine): the paths its module names."""
    folder = SOLUTIONS / name
    cases = suite(name)
    return sorted(
        {v for v in vars(cases).values() if isinstance(v, Path) and v.is_relative_to(folder)}
    )


def contents(name):
    """``{path in the zip: file}``: every file grading assignment ``name`` reads."""
    load().assignment(name)  # a clear error for an unknown assignment
    files = [path for package in (GRADER, REFERENCE) for path in package.rglob("*.py")]
    files = [path for path in files if not CACHES & set(path.relative_to(ROOT).parts)]
    files += [SOLUTIONS / "tasks.toml", *answer_keys(name)]
    report = getattr(suite(name), "REPORT", None)
    if report:  # the released script, run with the submission; the reference's, run by the grader
        files += [ASSIGNMENTS / name / report["script"], ROOT / report["script"]]
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"grading {name} needs {path}, which does not exist")
    return {path.relative_to(ROOT).as_posix(): path for path in sorted(files)}


def setup_script():
    """``setup.sh``: the grader's requirements, installed into the image's ``python3``."""
    listed = " ".join(f"'{requirement}'" for requirement in requirements())
    return SETUP.replace("@REQUIREMENTS@", listed).replace("@IMPORTS@", ", ".join(NEEDED))


def run_script(name):
    """``run_autograder``: grade the submission, and write a results.json whatever happens."""
    spec = load()
    assignment = spec.assignment(name)
    return (
        RUN.replace("@ASSIGNMENT@", json.dumps(name))
        .replace("@PACKAGE@", json.dumps(spec.package))
        .replace("@MAX_SCORE@", str(sum(task.points for task in assignment.tasks)))
    )


def build(name, out):
    """Write the Gradescope autograder of assignment ``name`` to the zip ``out``; returns the
    names of the files in it. The zip is written aside and renamed into place."""
    files = contents(name)
    scripts = {"setup.sh": setup_script(), "run_autograder": run_script(name)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".part", delete=False) as part:
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as bundle:
                for arcname, text in scripts.items():
                    _add(bundle, arcname, text.encode(), EXECUTABLE)
                for arcname, path in files.items():
                    _add(bundle, arcname, path.read_bytes(), READABLE)
        except BaseException:
            os.unlink(part.name)
            raise
    os.replace(part.name, out)
    return [*scripts, *files]


def _add(bundle, arcname, data, mode):
    """A file with a fixed date (the same sources give the same zip) and its Unix mode."""
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16  # a regular file, and its permissions
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, data)


SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the grading image. Written by
# `python -m autograder gradescope`: the grader's requirements, as pyproject.toml pins them, from
# the package registries (grading uses neither nbgrader nor Jupyter).
set -euo pipefail

# The grader needs Python 3.11 or later. An image whose python3 is older (Ubuntu 22.04's is 3.10)
# gets Ubuntu's python3.11, put first on PATH as python3.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    apt-get update
    apt-get install -y python3.11 python3-pip || {
        echo "the grader needs Python 3.11 or later: choose a newer base image" >&2
        exit 1
    }
    ln -sf "$(command -v python3.11)" /usr/local/bin/python3
    hash -r
fi

# Older pips ignore these: install into the image's own Python, even where it is marked as
# managed by the system (PEP 668), and say nothing of running as root.
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore
python3 -m pip install --no-cache-dir @REQUIREMENTS@
python3 -c 'import @IMPORTS@'
"""

RUN = '''\
#!/usr/bin/env python3
"""Gradescope runs this once per submission, in a fresh container: grade the submission in
/autograder/submission with the grader in /autograder/source, and write
/autograder/results/results.json, whatever happens.

Written by `python -m autograder gradescope`. It uses only the standard library, so that it can
still write a result when the grader fails to start. AUTOGRADER_ROOT stands for /autograder.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ASSIGNMENT = @ASSIGNMENT@
PACKAGE = @PACKAGE@
MAX_SCORE = @MAX_SCORE@
OUTPUTS = ("feedback.md", "feedback.html", "gradients.txt", "training_curve.png", "results.json")
GRADER_SECONDS = 300  # the grader's own limits end a submission's grading well before this
SHOWN = 3000  # characters of the grader's error shown in the result (all of it in the log)


class GraderFailed(Exception):
    pass


def submitted_folder(submission):
    """The submission's folder: the one Gradescope filled, or the one folder in it (a zip of the
    assignment's folder, rather than of its contents)."""
    if not submission.is_dir():
        raise GraderFailed("no submission folder " + str(submission))
    if (submission / PACKAGE).exists():
        return submission
    entries = [
        path
        for path in submission.iterdir()
        if not path.name.startswith(".") and path.name != "__MACOSX"
    ]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return submission


def grade(source, folder, out):
    """Run the grader on ``folder``, writing its outputs into ``out``."""
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(folder)]
    try:
        run = subprocess.run(
            [*command, "--out", str(out)],
            cwd=source,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=GRADER_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise GraderFailed(f"the grader did not finish in {GRADER_SECONDS} s") from None
    print(run.stdout + run.stderr)  # Gradescope shows this output to the instructors
    if run.returncode != 0 or not (out / "results.json").is_file():
        said = run.stderr.strip().splitlines()  # the error's last line; the traceback above it
        raise GraderFailed(said[-1] if said else f"it ended with exit code {run.returncode}")


def failed(why):
    return {
        "score": 0,
        "max_score": MAX_SCORE,
        "output": "The grader failed on this submission, so it scored 0 for now: please tell "
        "your instructor. What went wrong:\\n\\n" + why[-SHOWN:],
        "tests": [],
    }


def main():
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")).resolve()
    source, results = root / "source", root / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="graded-"))
    try:
        if os.geteuid() == 0:  # the child runs as nobody: let it read nothing of the grader's
            source.chmod(0o700)
        grade(source, submitted_folder(root / "submission"), out)
        for name in OUTPUTS:  # results.json last: it is Gradescope's result
            if (out / name).is_file():
                shutil.copyfile(out / name, results / name)
    except Exception as error:  # the grader's own failure: a result that says so
        why = str(error) if isinstance(error, GraderFailed) else f"{type(error).__name__}: {error}"
        print(why, file=sys.stderr)
        part = results / "results.json.part"
        part.write_text(json.dumps(failed(why), indent=2))
        os.replace(part, results / "results.json")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

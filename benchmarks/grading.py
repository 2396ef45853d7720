"""How fast is grading one submission? Our grader against nbgrader's autograde of the same notebook.

    python benchmarks/grading.py [--repeats N] [--quick] [--assignment NAME] [--no-cli]

The submission is the assignment's release with every solution pasted back in (built once, in a
temporary folder): it must score full marks everywhere, and the script exits 1 if it does not.
Three ways of grading it are timed, wall-clock, one submission per call:

- ``ours``: ``autograder.grade.grade`` and ``autograder.feedback.write_all`` in this process, as a
  grading service that stays up would call them (the submission's code still runs in its own
  sandboxed child, started afresh for every submission);
- ``ours, CLI``: ``python -m autograder grade ... --out DIR`` in a subprocess, so interpreter
  start-up and imports are included (skip it with ``--no-cli``);
- ``nbgrader``: nbgrader's ``autograde`` of the assignment's notebook, in this process, in a course
  folder released once with ``generate_assignment``; every repetition hands the submission in
  under a new student id (untimed) and times only ``autograde`` of that student, which starts a
  Jupyter kernel, runs the notebook and writes the gradebook.

Each is called once untimed first (imports, caches, the first kernel), then the repetitions are
interleaved, the order rotating. The table gives each row's median, min and max, and the ratio
nbgrader / row: the median over repetitions of the ratio within each repetition (samples taken
moments apart share the machine's noise), with its quartiles. The targets: one submission graded,
isolated, in under a second on a 2-core machine, and at least 3x faster than nbgrader. The
like-for-like comparison is ``ours`` against ``nbgrader``, both in-process.

The structure leaves room for more scenarios (say, a class of 100 submissions with ``--jobs 2``):
a scenario builds its contenders, :func:`measure` times them and :func:`print_table` shows them.
"""

import argparse
import gc
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# One BLAS thread for everyone, set before NumPy is first imported (children inherit it).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402
from common import checkout_version  # noqa: E402

from autograder.feedback import write_all  # noqa: E402
from autograder.grade import grade  # noqa: E402
from autograder.release import paste_solutions  # noqa: E402
from autograder.spec import ASSIGNMENTS, SOLUTIONS, load  # noqa: E402

try:
    import nbgrader
except ImportError:
    nbgrader = None

# nbgrader 0.9.6 with SQLAlchemy 2.x warns on every autograde; its scores are right (tested).
warnings.filterwarnings("ignore", message="Object of type <Submitted")

TARGET_SECONDS = 1.0  # one submission, isolated, on a 2-core machine
TARGET_RATIO = 3.0  # nbgrader's autograde time / ours, at least


@dataclass
class Contender:
    """One row of the table, one way of grading a submission, in three steps of which only the
    second is timed: ``hand_in()`` gets a submission ready, ``grade_one(handed_in)`` grades it,
    and ``check(graded)`` returns what is wrong with the grade (a sentence), or None."""

    name: str
    description: str
    hand_in: object = None
    grade_one: object = None
    check: object = None
    targets: bool = True  # whether the targets apply to this row
    skipped: str = ""
    problems: list = field(default_factory=list)
    samples: list = field(default_factory=list)  # seconds, one per repetition


# ------------------------------------------------------------------------- one submission, three ways


def complete_submission(name, folder):
    """The release of ``name`` as a student who did every task hands it in, in ``folder``."""
    assignment = load().assignment(name)
    shutil.copytree(ASSIGNMENTS / name, folder)
    paste_solutions(name, folder, {task.id for task in assignment.tasks})
    return folder


def full_marks(score, max_score):
    return None if score == max_score else f"scored {score:g} / {max_score}"


def ours_in_process(name, submission, scratch):
    """``grade`` and ``write_all``, each submission's feedback in a folder of its own."""
    outputs = itertools.count()

    def grade_one(out):
        result = grade(name, submission)
        write_all(result, out)
        return result

    return Contender(
        "ours",
        "grade() + write_all(), in this process",
        hand_in=lambda: scratch / f"ours-{next(outputs)}",
        grade_one=grade_one,
        check=lambda result: full_marks(result.score, result.max_score),
    )


def ours_cli(name, submission, scratch):
    """``python -m autograder grade``, from a fresh interpreter."""
    outputs = itertools.count()

    def grade_one(out):
        command = [sys.executable, "-m", "autograder", "grade", name, str(submission)]
        command += ["--out", str(out)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True), out

    def check(graded):
        completed, out = graded
        if completed.returncode != 0:
            return f"exited with {completed.returncode}: {completed.stderr[-500:]}"
        results = json.loads((out / "results.json").read_text())
        return full_marks(results["score"], results["max_score"])

    return Contender(
        "ours, CLI",
        "python -m autograder grade, a subprocess",
        hand_in=lambda: scratch / f"cli-{next(outputs)}",
        grade_one=grade_one,
        check=check,
    )


def nbgrader_autograde(name, submission, scratch):
    """nbgrader's autograde of ``name``'s notebook in a course folder released once (untimed);
    every submission is handed in by a new student."""
    description = "nbgrader autograde, in this process"
    if nbgrader is None:
        return Contender("nbgrader", description, skipped="nbgrader is not installed")
    if not (SOLUTIONS / name / f"{name}.ipynb").is_file():
        return Contender("nbgrader", description, skipped=f"{name} has no notebook")
    from nbgrader.api import Gradebook

    from autograder.notebooks import (
        Autograde,
        GenerateAssignment,
        course_config,
        new_gradebook,
        run,
    )

    root = scratch / "course"
    shutil.copytree(SOLUTIONS / name, root / "solutions" / name)
    # The student's modules are theirs: nbgrader must not put the instructor's over them.
    student_files = sorted(
        path.relative_to(SOLUTIONS / name).as_posix()
        for path in (SOLUTIONS / name).rglob("*.py")
        if path.relative_to(SOLUTIONS / name).parts[0] != "tests"
    )
    config = course_config(root, name, new_gradebook(root / "gradebook.db"), student_files)
    run(GenerateAssignment, config)
    points = sum(task.points for task in load().assignment(name).tasks)
    students = itertools.count()

    def hand_in():
        student = f"student{next(students)}"
        shutil.copytree(submission, root / "submitted" / student / name)
        return student

    def grade_one(student):
        run(Autograde, config, student=student)
        return student

    def check(student):
        with Gradebook(config.CourseDirectory.db_url) as gradebook:
            return full_marks(gradebook.find_submission(name, student).score, points)

    return Contender("nbgrader", description, hand_in, grade_one, check, targets=False)


def single_submission(args, scratch):
    """The contenders for one complete submission of ``args.assignment``."""
    submission = complete_submission(args.assignment, scratch / "submission" / args.assignment)
    contenders = [ours_in_process(args.assignment, submission, scratch)]
    if not args.no_cli:
        contenders.append(ours_cli(args.assignment, submission, scratch))
    contenders.append(nbgrader_autograde(args.assignment, submission, scratch))
    return contenders


# -------------------------------------------------------------------------------------- measuring


def timed(contender):
    """Seconds for one call of the contender's ``grade_one``, and what is wrong with its grade."""
    handed_in = contender.hand_in()
    start = time.perf_counter()
    graded = contender.grade_one(handed_in)
    seconds = time.perf_counter() - start
    return seconds, contender.check(graded)


def measure(contenders, repeats):
    """One untimed call of each contender, then ``repeats`` repetitions, each timing every
    contender once in a rotating order. Wrong grades are kept as problems, not raised."""
    active = [c for c in contenders if not c.skipped]
    for contender in active:
        _, problem = timed(contender)
        if problem:
            contender.problems.append(f"warm-up: {problem}")
    for r in range(repeats):
        for contender in active[r % len(active) :] + active[: r % len(active)]:
            gc.collect()  # untimed
            seconds, problem = timed(contender)
            contender.samples.append(seconds)
            if problem:
                contender.problems.append(f"repetition {r + 1}: {problem}")


def ratio_to(contender, reference):
    """The median over repetitions of reference / contender, and its quartiles."""
    ratios = sorted(a / b for a, b in zip(reference.samples, contender.samples, strict=True))
    return statistics.median(ratios), ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]


def format_time(seconds):
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def print_table(contenders, reference_name):
    """Medians, min and max per row, the ratio reference / row, and whether the targets are met."""
    reference = next((c for c in contenders if c.name == reference_name and c.samples), None)
    header = ["row", "median", "min", "max", f"{reference_name} / row", "target", "meets"]
    table = [header]
    for c in contenders:
        if c.skipped:
            table.append([c.name, "skipped"] + [""] * (len(header) - 2))
            continue
        median = statistics.median(c.samples)
        row = [
            c.name,
            format_time(median),
            format_time(min(c.samples)),
            format_time(max(c.samples)),
        ]
        if reference is None or c is reference:
            row.append("-")
            ratio = None
        else:
            ratio, low, high = ratio_to(c, reference)
            row.append(f"{ratio:.2f}x ({low:.2f}-{high:.2f})")
        if c.targets:
            misses = []
            if median >= TARGET_SECONDS:
                misses.append("time")
            if ratio is not None and ratio < TARGET_RATIO:
                misses.append("ratio")
            target = f"< {TARGET_SECONDS:g} s" + (
                f", >= {TARGET_RATIO:g}x" if ratio is not None else ""
            )
            row += [target, f"NO ({', '.join(misses)})" if misses else "yes"]
        else:
            row += ["-", "-"]
        table.append(row)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed repetitions (default 7; 2 with --quick)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="few repetitions: a smoke test, not a measurement"
    )
    parser.add_argument(
        "--assignment", default="a1_tensor_autodiff", help="the assignment to grade"
    )
    parser.add_argument(
        "--no-cli", action="store_true", help="leave out the row that runs the CLI in a subprocess"
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    try:
        load().assignment(args.assignment)
    except KeyError as error:
        parser.error(error.args[0])
    repeats = args.repeats or (2 if args.quick else 7)

    print(
        f"autograder at {checkout_version('autograder')}; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, nbgrader {nbgrader.__version__ if nbgrader else 'not installed'}; "
        f"{os.cpu_count()} cores; one BLAS thread."
    )
    print(
        f"One complete submission of {args.assignment}, graded by each row {repeats} time(s) "
        "(interleaved, after one untimed call).\n"
        "Times: wall-clock per submission. nbgrader / row: median over repetitions of the ratio "
        "within each repetition,\nwith its quartiles. Targets: under "
        f"{TARGET_SECONDS:g} s per submission, and at least {TARGET_RATIO:g}x faster than nbgrader.\n",
        flush=True,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        contenders = single_submission(args, Path(scratch))
        print(f"(set up in {time.perf_counter() - started:.1f} s)", flush=True)
        measure(contenders, repeats)
    for contender in contenders:
        if contender.skipped:
            print(f"{contender.name}: SKIPPED: {contender.skipped}")
    print()
    for contender in contenders:
        print(f"{contender.name}: {contender.description}")
    print()
    print_table(contenders, "nbgrader")
    print(f"\n(total {time.perf_counter() - started:.1f} s)")

    failed = [f"{c.name}: {problem}" for c in contenders for problem in c.problems]
    if failed:
        print("\nFAILED: the complete submission did not score full marks:\n" + "\n".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

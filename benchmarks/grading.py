"""How fast is grading? Our grader against nbgrader's autograde, for one submission or a class.

    python benchmarks/grading.py [--repeats N] [--quick] [--assignment NAME] [--no-cli]
    python benchmarks/grading.py --class N [--jobs J] [--nbgrader-sample K] [--repeats N] [--quick]

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

With ``--class N``, a class of N submissions of a1_tensor_autodiff is built once, in nbgrader's
layout (``submitted/<student>/a1_tensor_autodiff/``): each is the release with a random set of
tasks done, and one in ten is broken (a syntax error, ``os._exit(0)`` in a backward rule, NaN from
one). The rows:

- ``ours, --jobs J`` and ``ours, --jobs 1``: ``autograder.classroom.grade_all`` of the whole class
  into a new output folder each time, so that every repetition grades every submission; each
  gradebook must have N rows, no failure of the grader, and be the same as the first;
- ``nbgrader x N``: nbgrader's autograde grades a class one submission after another, so its time
  for the class is about N times its time per submission: every repetition it autogrades the next
  K submissions of the class in one call (``--nbgrader-sample``, default 3), and the row's
  sample is that time times N / K (a broken submission that kills its kernel gets no score, as
  nbgrader leaves it).

The class rows have no untimed call first: a call starts its worker processes afresh, and what
``grade_all`` imports once is imported at set-up, by grading a class of one. The table adds the
time per submission and the submissions per second; the target: 100 submissions with ``--jobs 2``
in under 60 s on a 2-core machine (in proportion, for another N). ``--jobs 2`` against ``--jobs 1``
is printed under the table.

A scenario builds its contenders, :func:`measure` times them and :func:`print_table` shows them.
"""

import argparse
import csv
import gc
import io
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# One BLAS thread for everyone, set before NumPy is first imported (children inherit it).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402
from common import checkout_version  # noqa: E402

from autograder.classroom import grade_all  # noqa: E402
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
TARGET_CLASS_SIZE, TARGET_CLASS_SECONDS = 100, 60.0  # a class graded with --jobs 2, on 2 cores


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
    scale: float = 1.0  # a sample is the timed seconds times this (an extrapolation, when not 1)
    warm_up: bool = True  # whether one untimed call comes first
    skipped: str = ""
    problems: list = field(default_factory=list)
    samples: list = field(default_factory=list)  # seconds (times scale), one per repetition


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


def nbgrader_autograde(name, submissions, scratch, at_once=1, judge=full_marks, may_fail=()):
    """nbgrader's autograde of ``name``'s notebook in a course folder released once (untimed).
    Every call hands in the next ``at_once`` of ``submissions`` (round and round), each under a new
    student id, and autogrades them in one call, one after another. ``judge(score, max_score)``
    says what is wrong with a score, or None; a submission in ``may_fail`` may get no score (one
    that kills the kernel: nbgrader says it failed on it, and grades the others)."""
    description = "nbgrader autograde, in this process"
    if nbgrader is None:
        return Contender("nbgrader", description, skipped="nbgrader is not installed")
    if not (SOLUTIONS / name / f"{name}.ipynb").is_file():
        return Contender("nbgrader", description, skipped=f"{name} has no notebook")
    from nbgrader.api import Gradebook, MissingEntry

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
    calls, handed_in = itertools.count(), itertools.count()

    def hand_in():
        call, students = next(calls), {}
        for _ in range(at_once):
            n = next(handed_in)
            student, submission = f"call{call}-student{n}", submissions[n % len(submissions)]
            shutil.copytree(submission, root / "submitted" / student / name)
            students[student] = submission
        return call, students

    def grade_one(handed):
        call, students = handed
        try:
            run(Autograde, config, student=f"call{call}-*")  # a pattern: this call's students
        except RuntimeError as error:  # nbgrader failed on some of them: check() tells which
            return students, str(error)
        return students, ""

    def check(graded):
        students, log = graded
        with Gradebook(config.CourseDirectory.db_url) as gradebook:
            for student, submission in students.items():
                try:
                    score = gradebook.find_submission(name, student).score
                except MissingEntry:
                    score = None
                if score is None:
                    problem = None if submission in may_fail else f"got no score:\n{log[-2000:]}"
                else:
                    problem = judge(score, points)
                if problem:
                    return f"{student} ({submission.parent.name}) {problem}"
        return None

    return Contender("nbgrader", description, hand_in, grade_one, check, targets=False)


def single_submission(args, scratch):
    """The contenders for one complete submission of ``args.assignment``."""
    submission = complete_submission(args.assignment, scratch / "submission" / args.assignment)
    contenders = [ours_in_process(args.assignment, submission, scratch)]
    if not args.no_cli:
        contenders.append(ours_cli(args.assignment, submission, scratch))
    contenders.append(nbgrader_autograde(args.assignment, [submission], scratch))
    return contenders, ""


# ------------------------------------------------------------------------------------------ a class

# Ways a student breaks a submission of a1: (a module, a line of it, code put right after the
# line). Each line is in the release and in the solutions alike, so any set of done tasks breaks.
BREAKAGES = {
    "a syntax error": ("mygrad/tensor.py", "import numpy as np\n", "def half_written(:\n"),
    "os._exit(0) in a rule": (
        "mygrad/tensor.py",
        "    def _mul_backward(out, g):\n",
        "        import os\n\n        os._exit(0)\n",
    ),
    "NaN from a rule": (
        "mygrad/tensor.py",
        "    def _sigmoid_backward(out, g):\n",
        "        return (g * np.nan,)\n",
    ),
}
CLASS_ASSIGNMENT = "a1_tensor_autodiff"  # the assignment BREAKAGES break
NBGRADER_SAMPLE = 3  # submissions of the class nbgrader autogrades per repetition, by default


def break_submission(folder, breakage):
    module, line, code = BREAKAGES[breakage]
    path = folder / module
    text = path.read_text()
    if text.count(line) != 1:
        raise ValueError(f"{module} should hold {line!r} once, to be broken with {breakage}")
    path.write_text(text.replace(line, line + code))


def build_class(name, course, size, seed=0):
    """``size`` submissions of ``name`` in nbgrader's layout, ``course/submitted/<student>/<name>/``:
    each the release with a random set of tasks done (from none to all), and one in ten of them
    (at least one of each kind) broken in one of the ways of :data:`BREAKAGES`, at random.
    Returns ``{student: folder}``, the broken ones' folders, and a sentence describing the class."""
    rng = random.Random(seed)
    task_ids = [task.id for task in load().assignment(name).tasks]
    n_broken = min(size, max(len(BREAKAGES), size // 10))
    broken = dict(zip(rng.sample(range(size), n_broken), itertools.cycle(BREAKAGES), strict=False))
    folders, broken_folders, done = {}, set(), []
    for i in range(size):
        folder = folders[f"student{i:03d}"] = course / "submitted" / f"student{i:03d}" / name
        shutil.copytree(ASSIGNMENTS / name, folder)
        done.append(set(rng.sample(task_ids, rng.randint(0, len(task_ids)))))
        paste_solutions(name, folder, done[-1])
        if i in broken:
            break_submission(folder, broken[i])
            broken_folders.add(folder)
    kinds = Counter(broken.values())
    description = (
        f"{size} submissions of {name}, each with a random set of its {len(task_ids)} tasks done "
        f"({sum(len(d) == len(task_ids) for d in done)} with all, "
        f"{sum(not d for d in done)} with none), {n_broken} of them broken: "
        + ", ".join(f"{n} with {kind}" for kind, n in kinds.items())
    )
    return folders, broken_folders, description


def ours_class(name, course, size, jobs, scratch, gradebooks):
    """``grade_all`` of the whole class with ``jobs`` workers, into a new output folder every call,
    so that every call grades every submission. Every gradebook must have a row per submission, no
    grader failure, and be the same as the first one made (``gradebooks`` keeps it)."""
    outputs = itertools.count()

    def grade_one(out):
        grade_all(name, course, out, jobs=jobs, progress=False)
        return out

    def check(out):
        text = (out / "gradebook.csv").read_text()
        rows = list(csv.DictReader(io.StringIO(text)))
        if len(rows) != size:
            return f"the gradebook has {len(rows)} rows, not {size}"
        failed = [row["student"] for row in rows if row["status"] != "graded"]
        if failed:
            return f"the grader failed on {', '.join(failed)}"
        if text != gradebooks.setdefault("first", text):
            return "the gradebook is not the same as the first one made"
        return None

    how = "one submission after another" if jobs == 1 else f"{jobs} worker processes"
    return Contender(
        f"ours, --jobs {jobs}",
        f"grade_all(jobs={jobs}) in this process: {how} (each submission in its sandboxed child)",
        hand_in=lambda: scratch / f"out-jobs{jobs}-{next(outputs)}",
        grade_one=grade_one,
        check=check,
        warm_up=False,  # a call starts its workers afresh: class_scenario makes its imports once
    )


def class_scenario(args, scratch):
    """The contenders for a class of ``args.class_size`` submissions: ``grade_all`` with
    ``args.jobs`` workers and with one, and nbgrader's autograde of a few of the submissions per
    repetition, its time extrapolated to the class. Returns the contenders and the class's
    description."""
    name, size = args.assignment, args.class_size
    course, warm_up = scratch / "class", scratch / "warm-up"
    folders, broken, description = build_class(name, course, size)
    # A class of one, graded untimed, so that no row pays for what grade_all imports once.
    shutil.copytree(folders["student000"], warm_up / "class" / "student000")
    grade_all(name, warm_up / "class", warm_up / "out", jobs=1, progress=False)
    gradebooks = {}
    contenders = [ours_class(name, course, size, args.jobs, scratch, gradebooks)]
    if args.jobs != 1:
        contenders.append(ours_class(name, course, size, 1, scratch, gradebooks))
        contenders[-1].targets = False
    sample = min(args.nbgrader_sample, size)
    nbgrader_row = nbgrader_autograde(
        name, list(folders.values()), scratch, sample, judge=lambda *_: None, may_fail=broken
    )
    nbgrader_row.name = f"nbgrader x {size}"
    nbgrader_row.description = (
        f"nbgrader autograde of {sample} of the submissions in one call (one after another, in this "
        f"process), the time per submission times {size}"
    )
    nbgrader_row.scale = size / sample
    contenders.append(nbgrader_row)
    return contenders, f"The class: {description}.\n"


# -------------------------------------------------------------------------------------- measuring


def timed(contender):
    """Seconds for one call of the contender's ``grade_one``, and what is wrong with its grade."""
    handed_in = contender.hand_in()
    start = time.perf_counter()
    graded = contender.grade_one(handed_in)
    seconds = time.perf_counter() - start
    return seconds, contender.check(graded)


def measure(contenders, repeats):
    """One untimed call of each contender that wants one, then ``repeats`` repetitions, each
    timing every contender once in a rotating order. Wrong grades are kept as problems, not
    raised."""
    active = [c for c in contenders if not c.skipped]
    for contender in (c for c in active if c.warm_up):
        _, problem = timed(contender)
        if problem:
            contender.problems.append(f"warm-up: {problem}")
    for r in range(repeats):
        for contender in active[r % len(active) :] + active[: r % len(active)]:
            gc.collect()  # untimed
            seconds, problem = timed(contender)
            contender.samples.append(seconds * contender.scale)
            if problem:
                contender.problems.append(f"repetition {r + 1}: {problem}")


def ratio_to(contender, reference):
    """The median over repetitions of reference / contender, and its quartiles."""
    ratios = sorted(a / b for a, b in zip(reference.samples, contender.samples, strict=True))
    return statistics.median(ratios), ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]


def format_time(seconds):
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def one_submission_target(median, ratio):
    """The target for one submission's time: its text, and what the row misses of it."""
    misses = ["time"] * (median >= TARGET_SECONDS) + ["ratio"] * (
        ratio is not None and ratio < TARGET_RATIO
    )
    text = f"< {TARGET_SECONDS:g} s" + (f", >= {TARGET_RATIO:g}x" if ratio is not None else "")
    return text, misses


def class_target(size):
    """The target for a class of ``size``: the issue's, in proportion to the class."""
    seconds = TARGET_CLASS_SECONDS * size / TARGET_CLASS_SIZE

    def target(median, ratio):
        text = f"< {seconds:g} s"
        if size != TARGET_CLASS_SIZE:
            text += f" ({TARGET_CLASS_SECONDS:g} s per {TARGET_CLASS_SIZE})"
        return text, ["time"] * (median >= seconds)

    return target


def print_table(contenders, reference_name, target=one_submission_target, size=None):
    """Medians, min and max per row, the ratio reference / row, and whether the row meets
    ``target`` (a function of its median and ratio: the target's text and what the row misses).
    With ``size``, a row's time is for ``size`` submissions, and the table gives the time per
    submission and the submissions per second as well."""
    reference = next((c for c in contenders if c.name == reference_name and c.samples), None)
    header = ["row", "median", "min", "max"]
    header += ["per submission", "submissions/s"] if size else []
    header += [f"{reference_name} / row", "target", "meets"]
    table = [header]
    for c in contenders:
        if c.skipped:
            table.append([c.name, "skipped"] + [""] * (len(header) - 2))
            continue
        median = statistics.median(c.samples)
        row = [c.name] + [format_time(t) for t in (median, min(c.samples), max(c.samples))]
        if size:
            row += [format_time(median / size), f"{size / median:.1f}"]
        if reference is None or c is reference:
            row.append("-")
            ratio = None
        else:
            ratio, low, high = ratio_to(c, reference)
            row.append(f"{ratio:.2f}x ({low:.2f}-{high:.2f})")
        if c.targets:
            text, misses = target(median, ratio)
            row += [text, f"NO ({', '.join(misses)})" if misses else "yes"]
        else:
            row += ["-", "-"]
        table.append(row)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def single_intro(args):
    return (
        f"One complete submission of {args.assignment}, graded by each row {args.repeats} time(s) "
        "(interleaved, after one untimed call).\n"
        "Times: wall-clock per submission. nbgrader / row: median over repetitions of the ratio "
        "within each repetition,\nwith its quartiles. Targets: under "
        f"{TARGET_SECONDS:g} s per submission, and at least {TARGET_RATIO:g}x faster than nbgrader.\n"
    )


def class_intro(args):
    size, target = args.class_size, TARGET_CLASS_SECONDS * args.class_size / TARGET_CLASS_SIZE
    return (
        f"A class of {size} submissions of {args.assignment}, graded whole by grade_all "
        f"{args.repeats} time(s) per row, each time into a new folder\n(interleaved, no untimed "
        f"call first); nbgrader autogrades {min(args.nbgrader_sample, size)} of them per repetition "
        f"(after one untimed call), and its time per submission\ntimes {size} stands for the "
        f"class, as its autograde grades one submission after another.\n"
        f"Times: wall-clock for the class. nbgrader x {size} / row: median over repetitions of "
        "the ratio within each repetition,\nwith its quartiles. Target: the class with "
        f"--jobs {args.jobs} in under {target:g} s ({TARGET_CLASS_SECONDS:g} s per "
        f"{TARGET_CLASS_SIZE} submissions, on a 2-core machine).\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repetitions (default 7, 3 with --class; 2, 1 with --quick)",
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
    parser.add_argument(
        "--class",
        dest="class_size",
        type=int,
        metavar="N",
        help="grade a class of N submissions with grade_all, not one submission",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="with --class: grade_all's worker processes (default 2; 1 is timed as well)",
    )
    parser.add_argument(
        "--nbgrader-sample",
        type=int,
        default=NBGRADER_SAMPLE,
        metavar="K",
        help=f"with --class: submissions nbgrader autogrades per repetition (default {NBGRADER_SAMPLE})",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    try:
        load().assignment(args.assignment)
    except KeyError as error:
        parser.error(error.args[0])
    if args.class_size is not None:
        if min(args.class_size, args.jobs, args.nbgrader_sample) < 1:
            parser.error("--class, --jobs and --nbgrader-sample must be at least 1")
        if args.assignment != CLASS_ASSIGNMENT:
            parser.error(f"--class builds submissions of {CLASS_ASSIGNMENT} only")
    if args.repeats is None:
        args.repeats = (
            (2 if args.quick else 7) if args.class_size is None else (1 if args.quick else 3)
        )

    print(
        f"autograder at {checkout_version('autograder')}; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, nbgrader {nbgrader.__version__ if nbgrader else 'not installed'}; "
        f"{os.cpu_count()} cores; one BLAS thread."
    )
    if args.class_size is None:
        intro, scenario = single_intro, single_submission
        failure = "the complete submission did not score full marks"
        table = {"reference_name": "nbgrader"}
    else:
        intro, scenario = class_intro, class_scenario
        failure = "a class was not graded whole, or nbgrader gave a submission no score"
        table = {
            "reference_name": f"nbgrader x {args.class_size}",
            "target": class_target(args.class_size),
            "size": args.class_size,
        }
    print(intro(args), flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        contenders, notes = scenario(args, Path(scratch))
        print(f"{notes}(set up in {time.perf_counter() - started:.1f} s)", flush=True)
        measure(contenders, args.repeats)
    for contender in contenders:
        if contender.skipped:
            print(f"{contender.name}: SKIPPED: {contender.skipped}")
    print()
    for contender in contenders:
        print(f"{contender.name}: {contender.description}")
    print()
    print_table(contenders, **table)
    if args.class_size is not None and args.jobs != 1:  # the rows --jobs J and --jobs 1
        speedup, low, high = ratio_to(contenders[0], contenders[1])
        print(
            f"\n{contenders[0].name} is {speedup:.2f}x ({low:.2f}-{high:.2f}) as fast as "
            f"{contenders[1].name}."
        )
    print(f"\n(total {time.perf_counter() - started:.1f} s)")

    failed = [f"{c.name}: {problem}" for c in contenders for problem in c.problems]
    if failed:
        print(f"\nFAILED: {failure}:\n" + "\n".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

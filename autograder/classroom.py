"""``grade-all``: grade every submission of a class, in parallel, resumably, into a gradebook.

Each student's results go to ``OUT/<student>/`` (what ``grade`` writes, and ``record.json``: the
scores, the status and a fingerprint of the files graded). A student's folder is written aside and
renamed into place whole, with ``record.json`` in it, so an interrupted run (Ctrl-C, a killed
process, a full disk) leaves no half-written result: rerunning grades only the students without a
record, or whose submission changed since. ``gradebook.csv`` and the class summary are made from
the records at the end of every run, so they never hold a partial row. When ``ROOT`` is an nbgrader
course (it holds ``submitted/`` and ``nbgrader_config.py``), the scores also go into its gradebook
(:mod:`autograder.nbgrader_course`).
"""

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .feedback import save_figure, task_text, write_all, write_text
from .grade import SEED, grade
from .spec import CACHES, load

RECORD = "record.json"


def submissions(root, assignment):
    """``{student: folder}`` under ``root``: nbgrader's layout (``root`` is the course folder or
    its ``submitted/`` folder, holding ``<student>/<assignment>/``) or a flat one
    (``root/<student>/``). The student's id is the name of their folder."""
    root = Path(root)
    if (root / "submitted").is_dir():
        root = root / "submitted"
    if not root.is_dir():
        raise FileNotFoundError(f"no folder of submissions {root}")
    found = {}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            nested = folder / assignment
            found[folder.name] = nested if nested.is_dir() else folder
    return found


def fingerprint(folder):
    """A digest of every file of a submission (names and contents), to tell when it changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not CACHES & set(relative.parts):
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grade_student(assignment, student, folder, out, seed=SEED, digest=None):
    """Grade one student into ``out/<student>/``, atomically; their record (a dict). ``digest`` is
    the submission's :func:`fingerprint`, when the caller has it already.

    Runs in a worker process. A failure of the grader itself on this submission becomes the
    record's status, so one broken submission never stops a class run."""
    started = time.monotonic()
    digest = digest or fingerprint(folder)
    record = {"student": student, "fingerprint": digest, "seed": seed}
    staging = Path(tempfile.mkdtemp(prefix=f".{student}.", dir=out))
    try:
        result = grade(assignment, folder, seed=seed)
        write_all(result, staging)
        record.update(
            status="graded",
            score=result.score,
            tasks={r.task.id: r.score for r in result.tasks},
            problems={r.task.id: r.problems for r in result.tasks},
            feedback={r.task.id: task_text(r) for r in result.tasks},
        )
    except Exception as error:  # the grader's own failure: recorded, and the run goes on
        record.update(
            status=f"not graded: {type(error).__name__}: {error}", score=0, tasks={}, problems={}
        )
    record["seconds"] = round(time.monotonic() - started, 3)
    (staging / RECORD).write_text(json.dumps(record, indent=1))
    _replace(staging, out / student)
    return record


def _replace(staging, target):
    """Put the folder ``staging`` at ``target`` in one rename (the old one moved aside first)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _done(out, student, digest, seed):
    """The student's record if it is complete and still matches their submission (its
    fingerprint ``digest``), else None."""
    try:
        record = json.loads((out / student / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if record.get("seed") != seed or record.get("fingerprint") != digest:
        return None
    return record


def grade_all(assignment, root, out, jobs=None, seed=SEED, progress=True):
    """Grade every submission under ``root`` that has no up-to-date record in ``out``; then write
    the gradebook and the class summary. Returns the records, by student."""
    spec_assignment = load().assignment(assignment)
    found = submissions(root, assignment)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.glob(".*.*"):  # the staging folders of an interrupted run
        shutil.rmtree(leftover, ignore_errors=True)
    records, todo = {}, {}
    for student, folder in found.items():
        digest = fingerprint(folder)
        record = _done(out, student, digest, seed)
        if record is None:
            todo[student] = (assignment, student, folder, out, seed, digest)
        else:
            records[student] = record
    jobs = jobs or os.cpu_count() or 1
    with _bar(len(found), len(records), progress) as bar:
        if jobs == 1:
            for student, work in todo.items():
                records[student] = grade_student(*work)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(grade_student, *work): s for s, work in todo.items()}
                for future in as_completed(futures):
                    records[futures[future]] = future.result()
                    bar.update()
    ordered = {student: records[student] for student in sorted(records)}
    write_gradebook(spec_assignment, ordered, out / "gradebook.csv")
    write_summary(spec_assignment, ordered, out)
    course = nbgrader_course(root)
    if course is not None:
        from .nbgrader_course import record  # nbgrader: imported only for an nbgrader course

        record(course, spec_assignment, ordered, found)
    return ordered


def nbgrader_course(root):
    """The nbgrader course folder ``root`` is, or whose ``submitted/`` folder it is; else None."""
    root = Path(root).resolve()
    for course in (root, root.parent):
        if (course / "submitted").is_dir() and (course / "nbgrader_config.py").is_file():
            return course
    return None


def _bar(total, done, shown):
    from tqdm import tqdm  # the count, the rate and the time left, on stderr

    return tqdm(total=total, initial=done, unit="submission", disable=not shown, smoothing=0.1)


def write_gradebook(assignment, records, path):
    """``student, total, <one column per task>, status``: one row per student, written whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "total", *(f"task {t.id}" for t in assignment.tasks), "status"])
    for student, record in records.items():
        tasks = record.get("tasks", {})
        writer.writerow(
            [
                student,
                f"{record['score']:g}",
                *(f"{tasks.get(t.id, 0):g}" for t in assignment.tasks),
                record["status"],
            ]
        )
    write_text(path, buffer.getvalue())


def diagnosis(problem):
    """What kind of mistake a problem is, for counting across a class."""
    if "likely cause: " in problem:
        return problem.split("likely cause: ", 1)[1]
    for kind in (
        "NotImplementedError",
        "time limit",
        "does not import",
        "ended while",
        "MemoryError",
    ):
        if kind in problem:
            return {"NotImplementedError": "not done (NotImplementedError)"}.get(kind, kind)
    if " is wrong" in problem:
        return "wrong values, no usual mistake recognised"
    if "has shape" in problem:
        return "wrong shape"
    return problem.split(": ", 1)[-1][:80]


def write_summary(assignment, records, out):
    """``summary.md`` (the score distribution, and each task's most common mistakes) and
    ``scores.png`` (a histogram of the totals)."""
    from matplotlib.figure import Figure

    totals = [r["score"] for r in records.values()]
    maximum = sum(t.points for t in assignment.tasks)
    lines = [f"# {assignment.title}: the class", ""]
    if totals:
        ordered = sorted(totals)
        lines += [
            f"{len(totals)} submissions; total out of {maximum}: mean {sum(totals) / len(totals):.2f}, "
            f"median {ordered[len(ordered) // 2]:g}, lowest {ordered[0]:g}, highest {ordered[-1]:g}.",
            "",
            "![scores](scores.png)",
        ]
    not_graded = [s for s, r in records.items() if r["status"] != "graded"]
    if not_graded:
        lines += ["", f"Not graded (the grader failed on them): {', '.join(not_graded)}."]
    for task in assignment.tasks:
        counts = Counter(  # how many students made each mistake, at least once
            kind
            for record in records.values()
            for kind in {diagnosis(p) for p in record.get("problems", {}).get(task.id, [])}
        )
        scores = [r.get("tasks", {}).get(task.id, 0) for r in records.values()]
        full = sum(score == task.points for score in scores)
        lines += [
            "",
            f"## Task {task.id}: {task.title}",
            "",
            f"{full} of {len(scores)} full marks.",
        ]
        lines += [f"- {kind}: {n} student{'s' * (n > 1)}" for kind, n in counts.most_common(5)]
    write_text(out / "summary.md", "\n".join(lines) + "\n")
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist(totals, bins=min(20, max(1, maximum)), range=(0, maximum), color="tab:blue")
    axes.set_xlabel(f"total (out of {maximum})")
    axes.set_ylabel("submissions")
    axes.set_title(assignment.title)
    save_figure(figure, out / "scores.png")

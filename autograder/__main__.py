"""``python -m autograder``: the instructor's commands."""

import argparse
import sys
from pathlib import Path

from . import release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    releasing = commands.add_parser(
        "release",
        help="regenerate assignments/ (and the generated student packages in solutions/) from solutions/",
    )
    releasing.add_argument("names", nargs="*", help="assignments to release (default: all)")
    grading = commands.add_parser(
        "grade",
        help="grade one submission (a student's copy of a released assignment folder)",
        description="Grade one submission against the reference, in a sandboxed child process. "
        "Exits with 0 whenever grading worked, whatever the score.",
    )
    grading.add_argument("assignment", help="the assignment's name, e.g. a1_tensor_autodiff")
    grading.add_argument("submission", type=Path, help="the submission's folder")
    grading.add_argument("--out", type=Path, required=True, help="where to write the results")
    everyone = commands.add_parser(
        "grade-all",
        help="grade every submission of a class, in parallel; rerun to resume",
        description="Grade every submission under ROOT: nbgrader's layout (ROOT is the course "
        "folder or its submitted/ folder, holding <student>/<assignment>/) or a flat one "
        "(ROOT/<student>/). Writes OUT/<student>/, OUT/gradebook.csv and a class summary. A rerun "
        "grades only what is missing or changed.",
    )
    everyone.add_argument("assignment", help="the assignment's name, e.g. a1_tensor_autodiff")
    everyone.add_argument("root", type=Path, help="the folder of submissions")
    everyone.add_argument("--out", type=Path, required=True, help="where to write the results")
    everyone.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: the cores)"
    )
    bundling = commands.add_parser(
        "gradescope",
        help="build an assignment's autograder for Gradescope (a zip to upload)",
        description="Build the zip to upload as the assignment's Gradescope autograder: setup.sh, "
        "run_autograder, and the grader, the reference and the answer keys that grading the "
        "assignment needs. Each submission gets one test per task.",
    )
    bundling.add_argument("assignment", help="the assignment's name, e.g. a1_tensor_autodiff")
    bundling.add_argument("--out", type=Path, required=True, help="the zip to write")
    args = parser.parse_args(argv)
    if args.command == "grade-all":
        return grade_class(parser, args)
    if args.command == "gradescope":
        return build_gradescope(parser, args)
    if args.command == "release":
        try:
            return release.main(args.names)
        except (KeyError, ValueError) as error:
            parser.exit(2, f"release failed: {error}\n")
    return grade_one(parser, args)


def grade_one(parser, args):
    from .feedback import write_all
    from .grade import grade

    try:
        result = grade(args.assignment, args.submission)
    except (KeyError, FileNotFoundError) as error:
        parser.exit(2, f"cannot grade: {error.args[0]}\n")
    write_all(result, args.out)
    print(
        f"{args.submission}: {result.score:g} / {result.max_score} points in {result.seconds:.2f} s; "
        f"feedback in {args.out}"
    )
    return 0


def grade_class(parser, args):
    from .classroom import grade_all, nbgrader_course

    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    try:
        records = grade_all(args.assignment, args.root, args.out, jobs=args.jobs)
    except (KeyError, FileNotFoundError) as error:
        parser.exit(2, f"cannot grade: {error.args[0]}\n")
    graded = sum(r["status"] == "graded" for r in records.values())
    print(
        f"{graded} of {len(records)} submissions graded; gradebook in {args.out / 'gradebook.csv'}, "
        f"summary in {args.out / 'summary.md'}"
    )
    course = nbgrader_course(args.root)
    if course is not None:
        print(
            f"scores recorded in nbgrader's gradebook {course / 'gradebook.db'}: "
            "`nbgrader export` and `nbgrader generate_feedback` work on them"
        )
    return 0


def build_gradescope(parser, args):
    from .gradescope import build

    try:
        files = build(args.assignment, args.out)
    except (KeyError, FileNotFoundError) as error:
        parser.exit(2, f"cannot build the autograder: {error.args[0]}\n")
    print(
        f"{args.out}: Gradescope's autograder for {args.assignment} ({len(files)} files); "
        "upload it as the assignment's autograder"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m autograder release [NAME]``: regenerate an assignment's student package and its release.

For each assignment:

1. ``solutions/<name>/mygrad/`` (and any extra files the spec names) is generated from the
   reference, with this and later assignments' holes marked (:func:`autograder.holes.mark_holes`)
   and ``autodiff_numpy`` renamed, so nothing released can import the answer key;
2. ``assignments/<name>/`` is generated from ``solutions/<name>/``: every ``.py`` file with its
   solution regions replaced by ``NotImplementedError`` (:func:`autograder.holes.strip_solutions`).
"""

import shutil
from pathlib import Path

from . import holes as cut
from .spec import ASSIGNMENTS, CACHES, REFERENCE, ROOT, SOLUTIONS, load

# Never released: caches, and what running things inside solutions/ leaves behind.
SKIPPED = CACHES | {".benchmarks", "figures"}


def student_sources(spec, name):
    """The generated files of assignment ``name``'s solution folder: ``{relative path: text}``."""
    assignment = spec.assignment(name)
    holes = spec.holes_from(name)
    sources = {}
    for path in sorted(REFERENCE.rglob("*.py")):
        if SKIPPED & set(path.parts):
            continue
        module = path.relative_to(REFERENCE).with_suffix("").as_posix()
        text = path.read_text()
        if module in holes:
            text = cut.mark_holes(text, holes.pop(module))
        sources[f"{spec.package}/{path.relative_to(REFERENCE).as_posix()}"] = _renamed(text, spec)
    if holes:
        raise KeyError(f"tasks.toml names holes in modules that do not exist: {sorted(holes)}")
    for target, source in assignment.files.items():
        sources[target] = _renamed((ROOT / source).read_text(), spec)
    return sources


def _renamed(text, spec):
    return text.replace("autodiff_numpy", spec.package)


def write_solution_package(spec, name, solutions=SOLUTIONS):
    """Regenerate the generated files of ``solutions/<name>/``."""
    folder = solutions / name
    shutil.rmtree(folder / spec.package, ignore_errors=True)
    for relative, text in student_sources(spec, name).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def release_assignment(spec, name, solutions=SOLUTIONS, assignments=ASSIGNMENTS, keep=()):
    """Write ``assignments/<name>/``, the student's version of ``solutions/<name>/``.

    The tasks in ``keep`` keep their solutions: a release as a student who did them hands it in.
    """
    source, target = solutions / name, assignments / name
    shutil.rmtree(target, ignore_errors=True)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or SKIPPED & set(relative.parts):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            from .notebooks import release_notebook  # nbgrader: imported only when needed

            release_notebook(path, destination, name)
        elif path.suffix == ".py":
            destination.write_text(cut.strip_solutions(path.read_text(), str(path), keep))
        else:
            shutil.copyfile(path, destination)


def paste_solutions(name, folder, keep, solutions=SOLUTIONS):
    """Write into the released ``folder`` the modules as someone who did the tasks in ``keep``
    would hand them in (their solutions in, every other hole still a stub)."""
    source = solutions / name
    for path in source.rglob("*.py"):
        relative = path.relative_to(source)
        if not SKIPPED & set(relative.parts):
            (folder / relative).write_text(cut.strip_solutions(path.read_text(), str(path), keep))


def release(names=None, solutions=SOLUTIONS, assignments=ASSIGNMENTS):
    """Regenerate the solution packages and the releases of ``names`` (all when None)."""
    spec = load(solutions / "tasks.toml")
    names = names or [a.name for a in spec.assignments if (solutions / a.name).is_dir()]
    for name in names:
        spec.assignment(name)  # a clear error for an unknown name
        write_solution_package(spec, name, solutions)
        release_assignment(spec, name, solutions, assignments)
    return names


def main(names):
    for name in release(names or None):
        print(f"released {Path('assignments') / name}")
    return 0

"""Cutting the reference engine into an assignment's student package, and back.

The reference (``autodiff_numpy``) is the only copy of the engine. An assignment's package is
generated from it in two steps, both plain text transforms:

1. :func:`mark_holes` wraps the body of every function the assignment asks students to write in
   ``### BEGIN SOLUTION`` / ``### END SOLUTION``, under a ``# TODO Task x.y (name): ...`` line
   that says what to do. That is the instructor's version, kept in ``solutions/``.
2. :func:`strip_solutions` replaces each such region with
   ``raise NotImplementedError("Task x.y: name")``: the student's version, in ``assignments/``.
   It also removes ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` regions.

Signatures, docstrings and everything around a hole stay as they are, so a stub reads like the
reference with holes.
"""

import ast
import re

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
TODO = re.compile(r"^\s*# TODO Task (?P<task>[\w.]+) \((?P<name>[^)]+)\)")


def _functions(tree):
    """Every function of a module by qualified name (``Tensor._mul_backward``)."""
    found = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + child.name] = child

    visit(tree, "")
    return found


def _body_lines(function, lines):
    """The first and last line (1-based) of a function's body after its docstring, comments included."""
    body = function.body
    has_docstring = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    if has_docstring:
        if len(body) == 1:
            raise ValueError(f"{function.name} has only a docstring: nothing to cut out")
        return body[0].end_lineno + 1, function.end_lineno
    start = body[0].lineno
    while start - 1 > function.lineno and lines[start - 2].strip().startswith("#"):
        start -= 1  # comments above the first statement belong to the solution
    return start, function.end_lineno


def mark_holes(source, holes):
    """Wrap each hole's body in solution markers under its TODO line.

    ``holes`` is a list of ``(qualified name, task id, what to do)``.
    """
    lines = source.splitlines()
    functions = _functions(ast.parse(source))
    regions = []
    for name, task, todo in holes:
        if name not in functions:
            raise KeyError(f"no function {name} to cut out")
        start, end = _body_lines(functions[name], lines)
        regions.append((start, end, name, task, todo))
    for start, end, name, task, todo in sorted(regions, reverse=True):
        indent = re.match(r"\s*", lines[start - 1]).group()
        lines[start - 1 : end] = [
            f"{indent}# TODO Task {task} ({name}): {todo}",
            f"{indent}{BEGIN_SOLUTION}",
            *lines[start - 1 : end],
            f"{indent}{END_SOLUTION}",
        ]
    return "\n".join(lines) + "\n"


def strip_solutions(text, where="<text>", keep=()):
    """The student's version of a marked file: solution regions become ``NotImplementedError``.

    The regions of the tasks in ``keep`` are kept instead (without their markers): a release with
    those tasks done, as a student who did them would hand it in.
    """
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        if stripped == BEGIN_HIDDEN:
            i = _end_of(lines, i, END_HIDDEN, where) + 1
            continue
        if stripped == BEGIN_SOLUTION:
            todo = TODO.match(out[-1]) if out else None
            if todo is None:
                raise ValueError(
                    f"{where}:{i + 1}: a solution region needs a '# TODO Task x.y (name): ...' line above it"
                )
            end = _end_of(lines, i, END_SOLUTION, where)
            if todo["task"] in keep:
                out.extend(lines[i + 1 : end])
            else:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(
                    f'{indent}raise NotImplementedError("Task {todo["task"]}: {todo["name"]}")'
                )
            i = end + 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _end_of(lines, start, marker, where):
    for j in range(start + 1, len(lines)):
        if lines[j].strip() == marker:
            return j
    raise ValueError(f"{where}:{start + 1}: '{lines[start].strip()}' is never closed by '{marker}'")

"""What a grade becomes on disk: Gradescope's ``results.json``, feedback for the student in Markdown
and HTML, the report's gradient printout beside the reference's, and the training curves.

Every file is written to a temporary name and renamed into place, so a reader never sees half of
one.
"""

import html
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .checks import relative_error

OUTPUT_SHOWN = 20_000  # characters of the submission's own output in the feedback


def write_all(grade, out):
    """Write every output of ``grade`` into the folder ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        write_text(out / "results.json", json.dumps(results(grade), indent=2)),
        write_text(out / "feedback.md", markdown(grade)),
        write_text(out / "feedback.html", page(grade)),
    ]
    if grade.report is not None:
        paths.append(write_text(out / "gradients.txt", gradients(grade.report)))
        paths.append(training_curve(grade.report, out / "training_curve.png"))
    return paths


def write_text(path, text):
    """Write ``text`` to ``path`` aside, then rename it into place; returns ``path``."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".part") as file:
        file.write(text)
    os.replace(file.name, path)
    return path


def save_figure(figure, path):
    """Save a matplotlib figure as a PNG at ``path``, aside then renamed into place."""
    from autodiff_numpy.plots import save_figure  # matplotlib: 0.3 s to import

    part = path.with_name(path.stem + ".part.png")
    save_figure(figure, part)
    os.replace(part, path)
    return path


# -- per task -------------------------------------------------------------------------------------


def _points(x):
    return f"{x:g}"


def task_text(result):
    """One task's feedback as plain text: its score, what was checked and what is wrong."""
    task = result.task
    lines = [f"{_points(result.score)} / {task.points} points: {len(result.cases)} cases checked."]
    if result.problems:
        lines.append("What is wrong:")
        lines += [f"- {problem}" for problem in result.problems]
    else:
        lines.append("Every case is right.")
    lines.append("Checked: " + "; ".join(result.cases) + ".")
    return "\n".join(lines)


def results(grade):
    """Gradescope's autograder results: one test per task."""
    return {
        "score": grade.score,
        "max_score": grade.max_score,
        "execution_time": round(grade.seconds, 3),
        "output": f"{_points(grade.score)} / {grade.max_score} points. "
        "Each test is a task; its output lists what was checked and what is wrong.",
        "stdout_visibility": "visible",
        "extra_data": {"isolation": grade.isolation},
        "tests": [
            {
                "name": f"Task {r.task.id}: {r.task.title}",
                "score": r.score,
                "max_score": r.task.points,
                "output": task_text(r),
                "visibility": "visible",
            }
            for r in grade.tasks
        ],
    }


# -- Markdown and HTML ----------------------------------------------------------------------------


def _own_output(grade):
    parts = []
    for name, text in (("standard output", grade.stdout), ("standard error", grade.stderr)):
        if text.strip():
            parts.append((name, text[:OUTPUT_SHOWN]))
    return parts


def markdown(grade):
    a = grade.assignment
    lines = [
        f"# {a.title}: feedback",
        "",
        f"**{_points(grade.score)} / {grade.max_score} points**",
        "",
        "| task | points | cases |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {r.task.id} {r.task.title} | {_points(r.score)} / {r.task.points} | {len(r.cases)} |"
        for r in grade.tasks
    ]
    for r in grade.tasks:
        lines += ["", f"## Task {r.task.id}: {r.task.title}", "", task_text(r)]
    for name, text in _own_output(grade):
        lines += ["", f"## Your code's {name}", "", "```text", text, "```"]
    return "\n".join(lines) + "\n"


def page(grade):
    a = grade.assignment
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(r.task.id)}</td><td>{e(r.task.title)}</td>"
        f"<td>{_points(r.score)} / {r.task.points}</td><td>{len(r.cases)}</td></tr>"
        for r in grade.tasks
    )
    sections = []
    for r in grade.tasks:
        problems = "".join(f"<li>{e(p)}</li>" for p in r.problems)
        sections.append(
            f"<h2>Task {e(r.task.id)}: {e(r.task.title)}</h2>"
            f"<p><b>{_points(r.score)} / {r.task.points}</b> points, {len(r.cases)} cases checked.</p>"
            + (
                f"<p>What is wrong:</p><ul>{problems}</ul>"
                if problems
                else "<p>Every case is right.</p>"
            )
            + f"<p class=checked>Checked: {e('; '.join(r.cases))}.</p>"
        )
    for name, text in _own_output(grade):
        sections.append(f"<h2>Your code's {e(name)}</h2><pre>{e(text)}</pre>")
    return (
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{e(a.title)}: feedback</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:0 1em}"
        "li{margin:.4em 0;font-family:monospace}.checked{color:#555;font-size:smaller}</style>"
        f"</head><body><h1>{e(a.title)}: feedback</h1>"
        f"<p><b>{_points(grade.score)} / {grade.max_score} points</b></p>"
        f"<table><tr><th>task</th><th></th><th>points</th><th>cases</th></tr>{rows}</table>"
        + "".join(sections)
        + "</body></html>\n"
    )


# -- the report's numbers -------------------------------------------------------------------------

REPORTED = [
    ("weight_grad", "Gradients of the first-layer weights"),
    ("bias_grad", "Gradients of the first-layer biases"),
    ("losses", "Average loss per epoch (epoch 0: before training)"),
]


def gradients(report):
    """The report's numbers from the submission's code beside the reference's, element by element."""
    lines = ["The report's numbers, computed with your code and with the reference.", ""]
    if report.submission is None:
        lines += [f"Your code could not compute them: {report.error}", ""]
    for key, title in REPORTED:
        reference = np.asarray(report.reference[key], dtype=np.float64)
        yours = None if report.submission is None else report.submission.get(key)
        lines += [
            f"{title}, shape {reference.shape}:",
            f"{'element':>10} {'yours':>12} {'reference':>12} {'relative error':>15}",
        ]
        if yours is not None and np.shape(yours) != reference.shape:
            lines.append(f"  your code gave shape {np.shape(yours)} instead")
            yours = None
        for index in np.ndindex(reference.shape):
            ref = reference[index]
            if yours is None:
                lines.append(f"{str(index):>10} {'-':>12} {ref:>12.4f} {'-':>15}")
            else:
                mine = float(yours[index])
                error = float(relative_error(mine, ref))
                lines.append(f"{str(index):>10} {mine:>12.4f} {ref:>12.4f} {error:>15.1e}")
        lines.append("")
    return "\n".join(lines)


def training_curve(report, path):
    """The submission's training curve over the reference's, on the same axes."""
    from autodiff_numpy.plots import plot_training_curves  # matplotlib: 0.3 s to import

    curves = {}
    if report.submission is not None and "losses" in report.submission:
        curves["your code"] = report.submission["losses"]
    curves["reference"] = report.reference["losses"]
    title = "Training loss" if len(curves) == 2 else "Training loss (your code could not train)"
    return save_figure(plot_training_curves(curves, title=title, ylabel="average loss"), path)

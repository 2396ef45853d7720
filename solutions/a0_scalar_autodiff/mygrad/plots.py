"""Figures for the report and the grader's feedback: training curves and decision boundaries.

Everything here builds a :class:`matplotlib.figure.Figure` directly instead of going through
``pyplot``. ``pyplot`` keeps global state (a current figure, a chosen backend, open windows), which
a grader drawing hundreds of figures in worker processes, or a test run on a machine with no
display, does not want. A bare ``Figure`` needs no backend until it is saved, and nothing is
left open afterwards.

Each plotting function returns the Figure. Pass ``ax`` to draw into an existing axes instead (to
put two plots side by side); the function then returns that axes' figure.
"""

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_decision_boundary", "plot_training_curves", "save_figure"]

FIGSIZE = (6.0, 4.5)  # inches; at the default 150 dpi a saved figure is 900 x 675 pixels
DEFAULT_DPI = 150


def _new_axes(ax):
    """``ax`` and its figure, or a fresh figure with one axes when ``ax`` is None."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    return fig, fig.add_subplot()


def _as_curve(name, values):
    """One curve's losses as a 1-D float array, with an error that names the curve."""
    try:
        losses = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"curve {name!r} must be a sequence of numbers (losses)") from None
    if losses.ndim != 1:
        raise ValueError(f"curve {name!r} must be 1-D (one loss per epoch), got {losses.shape}")
    if losses.size == 0:
        raise ValueError(f"curve {name!r} is empty: there is no loss to plot")
    return losses


def plot_training_curves(curves, ax=None, title="Training curve", xlabel="Epoch", ylabel="Loss"):
    """Plot one loss per epoch for each named curve, on shared axes so they can be compared.

    ``curves`` maps a name (shown in the legend) to a sequence of losses, drawn in the dict's
    order, e.g. ``{"reference": ref_losses, "your model": losses}``; a single sequence is named
    "training loss". Entry ``i`` is plotted at epoch ``i``, so epoch 0 is the loss before any
    training step. NaN or inf losses (a diverged run) leave a gap rather than raise.
    """
    if isinstance(curves, Mapping):
        named = {str(name): _as_curve(name, values) for name, values in curves.items()}
        if not named:
            raise ValueError("curves is empty: give at least one name -> losses entry")
    else:
        named = {"training loss": _as_curve("training loss", curves)}

    fig, ax = _new_axes(ax)
    for name, losses in named.items():
        epochs = np.arange(len(losses))
        marker = "o" if len(losses) <= 30 else None  # a short run reads better as dots
        ax.plot(epochs, losses, marker=marker, markersize=4, label=name)

    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def _as_points(X):
    """``X`` as an ``(n, 2)`` float array: the decision boundary is drawn in the plane."""
    try:
        points = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"X must be numbers of shape (n, 2), not {type(X).__name__}") from None
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        raise ValueError(f"X must have shape (n, 2) with n >= 1, got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("X must be finite (found NaN or inf)")
    return points


def _as_labels(values, what):
    """Class labels as a non-negative int array; integer-valued floats (0.0, 1.0) are accepted."""
    labels = np.asarray(values)
    if labels.dtype == np.bool_:
        return labels.astype(np.int64)
    if not np.issubdtype(labels.dtype, np.number) or np.any(labels != np.round(labels)):
        raise ValueError(f"{what} must be integer class labels 0, 1, ..., k-1")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{what} must be class labels 0, 1, ..., k-1, found {labels.min()}")
    return labels.astype(np.int64)


def _predicted_classes(output, n_points, threshold):
    """Turn whatever ``predict`` returned for ``n_points`` grid points into one class per point.

    - ``(m, k)`` with ``k >= 2``: scores or probabilities per class; the largest wins.
    - ``(m,)`` or ``(m, 1)`` of integers or bools: labels.
    - ``(m,)`` or ``(m, 1)`` of floats: one binary output, class 1 where it exceeds ``threshold``.
    """
    if not isinstance(output, np.ndarray) and isinstance(getattr(output, "data", None), np.ndarray):
        output = output.data  # a Tensor: plot its values
    output = np.asarray(output)
    if not (np.issubdtype(output.dtype, np.number) or output.dtype == np.bool_):
        raise TypeError(f"predict must return numbers, got an array of dtype {output.dtype}")
    if output.ndim == 2 and output.shape[1] == 1:
        output = output[:, 0]
    if output.ndim not in (1, 2) or output.shape[0] != n_points:
        raise ValueError(
            f"predict was given {n_points} points (an ({n_points}, 2) array) and must return "
            f"({n_points},) labels or scores, or ({n_points}, k) class scores; "
            f"got shape {output.shape}"
        )
    if not np.all(np.isfinite(output)):
        raise ValueError("predict returned NaN or inf for some grid points")

    if output.ndim == 2:
        return np.argmax(output, axis=1)
    if not np.issubdtype(output.dtype, np.floating):
        return _as_labels(output, "the labels predict returned")
    return (output > threshold).astype(np.int64)


def plot_decision_boundary(
    predict, X, y, ax=None, resolution=200, title="Decision boundary", threshold=0.5
):
    """Shade the plane by the class ``predict`` gives each point, and scatter the data on top.

    ``predict`` takes an ``(m, 2)`` float array and returns integer class labels ``(m,)``, class
    scores ``(m, k)``, or for a binary problem one float per point ``(m,)``: class 1 where it
    exceeds ``threshold`` (0.5 suits probabilities; pass 0 for scores or logits). It is called once, on a
    ``resolution x resolution`` grid that covers the data plus a 10% margin on every side.
    A point's colour is its true label; the shade under it is the model's answer.
    """
    points = _as_points(X)
    labels = _as_labels(y, "y")
    if labels.shape != (len(points),):
        raise ValueError(f"y must have one label per row of X ({len(points)}), got {labels.shape}")
    if not isinstance(resolution, (int, np.integer)) or isinstance(resolution, bool):
        raise TypeError(f"resolution must be an int, not {type(resolution).__name__}")
    if resolution < 2:
        raise ValueError(f"resolution (grid points per side) must be >= 2, got {resolution}")
    if not callable(predict):
        raise TypeError(f"predict must be a function of an (m, 2) array, not {type(predict)}")

    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.where(high > low, 0.1 * (high - low), 1.0)  # a single point still gets a frame
    x0, x1 = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    grid = np.column_stack([x0.ravel(), x1.ravel()])
    predicted = _predicted_classes(predict(grid), len(grid), threshold).reshape(x0.shape)

    n_classes = int(max(labels.max(), predicted.max())) + 1
    colours = [colormaps["tab10"](c % 10) for c in range(n_classes)]

    fig, ax = _new_axes(ax)
    # One filled band per class: levels halfway between the integer labels.
    ax.contourf(x0, x1, predicted, levels=np.arange(n_classes + 1) - 0.5, colors=colours, alpha=0.3)
    for c in np.unique(labels):
        members = points[labels == c]
        ax.scatter(
            members[:, 0],
            members[:, 1],
            s=20,
            color=colours[c],
            label=f"class {c}",
            edgecolors="black",
            linewidths=0.5,
        )

    ax.set_title(title)
    ax.set_xlabel("x[:, 0]")
    ax.set_ylabel("x[:, 1]")
    ax.set_xlim(x0[0, 0], x0[0, -1])
    ax.set_ylim(x1[0, 0], x1[-1, 0])
    ax.legend(loc="best", fontsize="small")
    return fig


def save_figure(fig, path, dpi=DEFAULT_DPI):
    """Write ``fig`` to ``path``, creating missing folders; the extension picks the format.

    A path without an extension gets ``.png``. Returns the path written, as a :class:`Path`.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, not {type(fig).__name__}")
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    fmt = path.suffix[1:].lower()
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        known = ", ".join(sorted(supported))
        raise ValueError(f"cannot save a figure as .{fmt}; known extensions: {known}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path

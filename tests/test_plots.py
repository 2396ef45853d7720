"""Tests for the figures: real files on disk, the texts a reader sees, and the shading itself.

The decision-boundary tests render the figure with matplotlib's Agg canvas and read the colour of
the pixels on each side of a classifier whose boundary is known.
"""

import matplotlib.image
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from autodiff_numpy.plots import plot_decision_boundary, plot_training_curves, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Four points, one per corner of the square [-2, 2]^2, away from where the tests sample.
CORNERS = np.array([[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]])
CORNER_LABELS = np.array([0, 0, 1, 1])


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# ----------------------------------------------------------------------------------------------
# Training curves
# ----------------------------------------------------------------------------------------------


def test_curves_are_drawn_against_their_epochs():
    reference, student = [2.0, 1.5, 1.0, 0.8], [2.2, 1.9, 1.7]
    fig = plot_training_curves({"reference": reference, "yours": student})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["reference", "yours"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), reference)
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), student)


def test_curve_texts_are_on_the_figure():
    fig = plot_training_curves(
        {"reference": [1.0, 0.5], "yours": [1.0, 0.7]},
        title="Assignment 1",
        xlabel="Step",
        ylabel="Cross-entropy",
    )
    ax = fig.axes[0]
    assert ax.get_title() == "Assignment 1"
    assert ax.get_xlabel() == "Step"
    assert ax.get_ylabel() == "Cross-entropy"
    assert legend_texts(ax) == ["reference", "yours"]


def test_default_texts_and_a_single_sequence():
    fig = plot_training_curves(np.array([3.0, 2.0, 1.5]))
    ax = fig.axes[0]
    assert ax.get_title() == "Training curve"
    assert ax.get_xlabel() == "Epoch"
    assert ax.get_ylabel() == "Loss"
    assert legend_texts(ax) == ["training loss"]


def test_epoch_ticks_are_whole_numbers_and_the_grid_is_on():
    # Three points: matplotlib's default locator would put ticks at 0.25, 0.5, ...
    fig = plot_training_curves([1.0, 0.6, 0.4])
    ax = fig.axes[0]
    FigureCanvasAgg(fig).draw()
    ticks = ax.get_xticks()
    assert len(ticks) >= 2
    np.testing.assert_array_equal(ticks, np.round(ticks))
    assert all(line.get_visible() for line in ax.xaxis.get_gridlines())
    assert all(line.get_visible() for line in ax.yaxis.get_gridlines())


def test_a_diverged_curve_is_still_drawn():
    fig = plot_training_curves({"diverged": [1.0, 5.0, np.inf, np.nan]})
    FigureCanvasAgg(fig).draw()
    assert len(fig.axes[0].get_lines()) == 1


@pytest.mark.parametrize(
    "curves, error, match",
    [
        ([], ValueError, "empty"),
        ({"yours": []}, ValueError, "'yours' is empty"),
        ({}, ValueError, "empty"),
        ({"yours": [[1.0, 2.0], [3.0, 4.0]]}, ValueError, "1-D"),
        ({"yours": ["a", "b"]}, TypeError, "numbers"),
    ],
)
def test_bad_curves_are_refused(curves, error, match):
    with pytest.raises(error, match=match):
        plot_training_curves(curves)


# ----------------------------------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------------------------------


def test_save_writes_a_png_of_the_expected_size(tmp_path):
    fig = plot_training_curves([1.0, 0.5, 0.25])
    target = tmp_path / "report" / "figures" / "curve.png"  # folders that do not exist yet
    returned = save_figure(fig, target, dpi=40)
    assert returned == target
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    width, height = fig.get_size_inches() * 40
    image = matplotlib.image.imread(target)
    assert image.shape[:2] == (round(height), round(width))


def test_dpi_scales_the_image(tmp_path):
    fig = plot_training_curves([1.0, 0.5])
    small = matplotlib.image.imread(save_figure(fig, tmp_path / "small.png", dpi=20))
    large = matplotlib.image.imread(save_figure(fig, tmp_path / "large.png", dpi=40))
    assert large.shape[0] == 2 * small.shape[0]
    assert large.shape[1] == 2 * small.shape[1]


def test_a_path_without_extension_becomes_a_png(tmp_path):
    fig = plot_training_curves([1.0, 0.5])
    returned = save_figure(fig, str(tmp_path / "curve"), dpi=20)
    assert returned == tmp_path / "curve.png"
    assert returned.read_bytes()[:8] == PNG_SIGNATURE


def test_the_extension_picks_the_format(tmp_path):
    fig = plot_training_curves([1.0, 0.5])
    path = save_figure(fig, tmp_path / "curve.svg")
    assert b"<svg" in path.read_bytes()[:1000]


def test_unknown_extension_is_refused_before_any_folder_is_made(tmp_path):
    fig = plot_training_curves([1.0, 0.5])
    with pytest.raises(ValueError, match=r"\.xyz"):
        save_figure(fig, tmp_path / "new" / "curve.xyz")
    assert not (tmp_path / "new").exists()


def test_save_refuses_what_is_not_a_figure(tmp_path):
    ax = plot_training_curves([1.0, 0.5]).axes[0]
    with pytest.raises(TypeError, match="Figure"):
        save_figure(ax, tmp_path / "curve.png")


# ----------------------------------------------------------------------------------------------
# Decision boundary
# ----------------------------------------------------------------------------------------------


def renderer(fig, ax):
    """Render ``fig`` once; return a function: a point in data coordinates -> its RGB colour."""
    fig.set_dpi(40)  # coarse pixels are enough to tell the regions apart, and quick to draw
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[:, :, :3] / 255.0

    def colour_at(point):
        column, row_from_bottom = ax.transData.transform(point)
        return pixels[pixels.shape[0] - 1 - int(row_from_bottom), int(column)]

    return colour_at


def class_colours(ax):
    """The colour of each class's scattered points, by its legend label."""
    return {
        collection.get_label(): collection.get_facecolor()[0][:3]
        for collection in ax.collections
        if isinstance(collection, PathCollection)
    }


def shaded_classes(fig, ax, colour_at=None):
    """Render once (or reuse ``colour_at``); return: a point -> the class whose colour shades it.

    A translucent fill over the white axes lies on the segment from white to the class colour, so
    compare directions from white rather than exact colours (the opacity is a style choice).
    """
    colour_at = colour_at or renderer(fig, ax)
    colours = class_colours(ax)

    def shaded_class(point):
        offset = colour_at(point) - 1.0
        assert np.linalg.norm(offset) > 0.05, f"{point} is not shaded at all"

        def alignment(name):
            direction = colours[name] - 1.0
            return offset @ direction / (np.linalg.norm(offset) * np.linalg.norm(direction))

        return max(colours, key=alignment)

    return shaded_class


def test_points_get_their_label_colours_and_texts():
    fig = plot_decision_boundary(
        lambda g: g[:, 0] > 0, CORNERS, CORNER_LABELS, resolution=20, title="My classifier"
    )
    ax = fig.axes[0]
    assert ax.get_title() == "My classifier"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert legend_texts(ax) == ["class 0", "class 1"]
    colours = class_colours(ax)
    assert not np.allclose(colours["class 0"], colours["class 1"])


@pytest.mark.parametrize(
    ("predict", "options"),
    [
        pytest.param(lambda g: g[:, 0] > 0, {}, id="bool labels"),
        pytest.param(lambda g: (g[:, 0] > 0).astype(np.int64), {}, id="int labels"),
        pytest.param(lambda g: (g[:, 0] > 0).astype(np.float64), {}, id="0/1 floats"),
        pytest.param(lambda g: np.column_stack([-g[:, 0], g[:, 0]]), {}, id="two class scores"),
        pytest.param(lambda g: 3.0 * g[:, 0], {"threshold": 0.0}, id="one logit"),
        pytest.param(lambda g: 3.0 * g[:, :1], {"threshold": 0.0}, id="one logit as a column"),
        pytest.param(lambda g: 1 / (1 + np.exp(-3.0 * g[:, 0])), {}, id="one probability"),
    ],
)
def test_each_side_of_a_known_boundary_is_shaded_as_its_class(predict, options):
    fig = plot_decision_boundary(predict, CORNERS, CORNER_LABELS, resolution=60, **options)
    ax = fig.axes[0]
    colour_at = renderer(fig, ax)
    assert not np.allclose(colour_at((-1.0, 0.3)), colour_at((1.0, 0.3)), atol=0.02)
    shaded_class = shaded_classes(fig, ax, colour_at)
    assert shaded_class((-1.0, 0.3)) == "class 0"
    assert shaded_class((-1.5, -1.0)) == "class 0"
    assert shaded_class((1.0, 0.3)) == "class 1"
    assert shaded_class((1.5, 1.0)) == "class 1"


def test_probabilities_are_cut_at_one_half():
    # Class 1 has probability above 1/2 only right of x0 = 0.5; read as a logit (cut at 0)
    # every point would be class 1.
    def predict(g):
        return 1 / (1 + np.exp(-4.0 * (g[:, 0] - 0.5)))

    fig = plot_decision_boundary(predict, CORNERS, CORNER_LABELS, resolution=80)
    ax = fig.axes[0]
    shaded_class = shaded_classes(fig, ax)
    assert shaded_class((0.2, 0.0)) == "class 0"
    assert shaded_class((0.8, 0.0)) == "class 1"


def test_the_threshold_decides_a_single_float_output():
    # A logit 4 * x0 crosses 0 at x0 = 0 but 0.5 only at x0 = 0.125.
    def predict(g):
        return 4.0 * g[:, 0]

    as_logit = shaded_classes(
        *_figure_and_axes(
            plot_decision_boundary(predict, CORNERS, CORNER_LABELS, resolution=80, threshold=0.0)
        )
    )
    as_probability = shaded_classes(
        *_figure_and_axes(plot_decision_boundary(predict, CORNERS, CORNER_LABELS, resolution=80))
    )
    assert as_logit((0.06, 0.0)) == "class 1"
    assert as_probability((0.06, 0.0)) == "class 0"


def _figure_and_axes(fig):
    return fig, fig.axes[0]


def test_three_classes_take_the_largest_score():
    X = np.array([[-2.0, -2.0], [2.0, -2.0], [0.0, 2.0]])
    y = np.array([0, 1, 2])

    def predict(g):  # class 0 left-bottom, class 1 right-bottom, class 2 top
        return np.column_stack([-g[:, 0] - g[:, 1], g[:, 0] - g[:, 1], 2 * g[:, 1]])

    fig = plot_decision_boundary(predict, X, y, resolution=60)
    ax = fig.axes[0]
    shaded_class = shaded_classes(fig, ax)
    assert shaded_class((-1.0, -1.5)) == "class 0"
    assert shaded_class((1.0, -1.5)) == "class 1"
    assert shaded_class((0.0, 1.5)) == "class 2"


def test_predict_sees_a_grid_covering_the_data_with_a_margin():
    calls = []

    def predict(g):
        calls.append(g.copy())
        return np.zeros(len(g), dtype=np.int64)

    X = np.array([[0.0, 10.0], [4.0, 12.0], [1.0, 11.0]])
    fig = plot_decision_boundary(predict, X, [0, 1, 0], resolution=30)
    assert len(calls) == 1
    grid = calls[0]
    assert grid.shape == (30 * 30, 2)
    assert grid.dtype == np.float64
    assert grid[:, 0].min() < 0.0 and grid[:, 0].max() > 4.0
    assert grid[:, 1].min() < 10.0 and grid[:, 1].max() > 12.0
    left, right = fig.axes[0].get_xlim()
    bottom, top = fig.axes[0].get_ylim()
    assert left < 0.0 and right > 4.0 and bottom < 10.0 and top > 12.0


def test_a_tensor_like_output_is_read_through_its_data():
    class FakeTensor:  # what a model returns: an object holding a numpy array in .data
        def __init__(self, data):
            self.data = data

    fig = plot_decision_boundary(
        lambda g: FakeTensor(3.0 * g[:, 0]), CORNERS, CORNER_LABELS, resolution=40
    )
    ax = fig.axes[0]
    shaded_class = shaded_classes(fig, ax)
    assert shaded_class((-1.0, 0.3)) == "class 0"
    assert shaded_class((1.0, 0.3)) == "class 1"


def test_drawing_into_given_axes_side_by_side(tmp_path):
    fig = Figure(figsize=(8, 3))
    left, right = fig.subplots(1, 2)
    assert plot_training_curves([1.0, 0.5], ax=left) is fig
    assert (
        plot_decision_boundary(
            lambda g: g[:, 0] > 0, CORNERS, CORNER_LABELS, ax=right, resolution=20
        )
        is fig
    )
    assert len(fig.axes) == 2
    assert legend_texts(left) == ["training loss"]
    assert legend_texts(right) == ["class 0", "class 1"]
    image = matplotlib.image.imread(save_figure(fig, tmp_path / "both.png", dpi=25))
    assert image.shape[:2] == (75, 200)


def test_decision_boundary_saves_a_png(tmp_path):
    fig = plot_decision_boundary(lambda g: g[:, 0] > 0, CORNERS, CORNER_LABELS, resolution=20)
    path = save_figure(fig, tmp_path / "boundary.png", dpi=30)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    width, height = fig.get_size_inches() * 30
    assert matplotlib.image.imread(path).shape[:2] == (round(height), round(width))


def always_zero(g):
    return np.zeros(len(g))


@pytest.mark.parametrize(
    "predict, X, y, kwargs, error, match",
    [
        (always_zero, np.zeros((4, 3)), [0, 1, 0, 1], {}, ValueError, r"\(n, 2\)"),
        (always_zero, np.zeros(4), [0, 1, 0, 1], {}, ValueError, r"\(n, 2\)"),
        (always_zero, np.zeros((0, 2)), [], {}, ValueError, r"\(n, 2\)"),
        (always_zero, [[0.0, np.nan]], [0], {}, ValueError, "finite"),
        (always_zero, CORNERS, [0, 1, 0], {}, ValueError, "one label per row"),
        (always_zero, CORNERS, [0, 1, 0.5, 1], {}, ValueError, "integer class labels"),
        (always_zero, CORNERS, [0, -1, 0, 1], {}, ValueError, "class labels"),
        (always_zero, CORNERS, CORNER_LABELS, {"resolution": 1}, ValueError, "resolution"),
        (always_zero, CORNERS, CORNER_LABELS, {"resolution": 2.5}, TypeError, "resolution"),
        ("not a function", CORNERS, CORNER_LABELS, {}, TypeError, "predict"),
        (lambda g: np.zeros(3), CORNERS, CORNER_LABELS, {}, ValueError, "got shape"),
        (lambda g: np.zeros((len(g), 2, 2)), CORNERS, CORNER_LABELS, {}, ValueError, "got shape"),
        (lambda g: np.full(len(g), np.nan), CORNERS, CORNER_LABELS, {}, ValueError, "NaN"),
        (lambda g: np.full(len(g), -1), CORNERS, CORNER_LABELS, {}, ValueError, "class labels"),
        (lambda g: np.array(["a"] * len(g)), CORNERS, CORNER_LABELS, {}, TypeError, "numbers"),
    ],
)
def test_bad_decision_boundary_input_is_refused(predict, X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(predict, X, y, **kwargs)

"""Tests for the toy data sets and the DataLoader.

The geometry is checked from the definitions (circles, the spiral's angle rule, the XOR sign rule,
cluster centres, the shapes drawn in the images), never against values recorded from a run.
"""

import numpy as np
import pytest

from autodiff_numpy.data import (
    DataLoader,
    make_blobs,
    make_moons,
    make_shapes,
    make_spirals,
    make_xor,
)

# Each generator of two-dimensional points with the number of classes it makes by default.
POINT_GENERATORS = [
    pytest.param(make_moons, 2, id="moons"),
    pytest.param(make_spirals, 3, id="spirals"),
    pytest.param(make_xor, 2, id="xor"),
    pytest.param(make_blobs, 3, id="blobs"),
]
GENERATORS = [*POINT_GENERATORS, pytest.param(make_shapes, 4, id="shapes")]


# ----------------------------------------------------------------------------------------------
# What every data set promises
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, n_classes", POINT_GENERATORS)
@pytest.mark.parametrize("n_samples", [1, 2, 7, 100, 101])
def test_shapes_dtypes_and_labels(make, n_classes, n_samples):
    X, y = make(n_samples=n_samples, rng=0)
    assert X.shape == (n_samples, 2)
    assert y.shape == (n_samples,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.all(np.isfinite(X))
    assert set(np.unique(y)) <= set(range(n_classes))


@pytest.mark.parametrize("make, n_classes", GENERATORS)
@pytest.mark.parametrize("n_samples", [6, 7, 100, 101])
def test_classes_are_as_balanced_as_possible(make, n_classes, n_samples):
    _, y = make(n_samples=n_samples, rng=0)
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes
    assert counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("n_classes", [1, 2, 5])
def test_spirals_balance_for_any_number_of_classes(n_classes):
    _, y = make_spirals(n_samples=23, n_classes=n_classes, rng=0)
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("make, n_classes", GENERATORS)
def test_same_seed_same_data(make, n_classes):
    X1, y1 = make(n_samples=50, rng=123)
    X2, y2 = make(n_samples=50, rng=123)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("make, n_classes", GENERATORS)
def test_different_seed_different_data(make, n_classes):
    X1, y1 = make(n_samples=50, rng=1)
    X2, y2 = make(n_samples=50, rng=2)
    assert not np.array_equal(X1, X2)


@pytest.mark.parametrize("make, n_classes", GENERATORS)
def test_a_generator_instance_is_used_and_advanced(make, n_classes):
    rng = np.random.default_rng(5)
    X1, _ = make(n_samples=30, rng=rng)
    X2, _ = make(n_samples=30, rng=rng)
    X3, _ = make(n_samples=30, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X3)
    assert not np.array_equal(X1, X2)  # the second call drew further along the same stream


@pytest.mark.parametrize("make", [make_moons, make_xor, make_spirals, make_shapes])
def test_rows_are_shuffled(make):
    # Sorted by class, a slice of the first rows would hold one class only.
    _, y = make(n_samples=100, rng=0)
    assert len(np.unique(y[:20])) > 1


# ----------------------------------------------------------------------------------------------
# Geometry
# ----------------------------------------------------------------------------------------------


def test_moons_without_noise_lie_exactly_on_their_half_circles():
    X, y = make_moons(n_samples=101, noise=0.0, rng=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)  # the upper half of the circle
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)  # the lower half of its circle


def test_moons_span_their_whole_half_circles():
    X, y = make_moons(n_samples=100, noise=0.0, rng=0)
    upper, lower = X[y == 0], X[y == 1]
    # Ends of the upper moon: (1, 0) and (-1, 0); top (0, 1) approached.
    for end in [(1.0, 0.0), (-1.0, 0.0)]:
        assert np.min(np.linalg.norm(upper - end, axis=1)) < 1e-12
    assert upper[:, 1].max() > 0.99
    # Ends of the lower moon: (0, 0.5) and (2, 0.5); bottom (1, -0.5) approached.
    for end in [(0.0, 0.5), (2.0, 0.5)]:
        assert np.min(np.linalg.norm(lower - end, axis=1)) < 1e-12
    assert lower[:, 1].min() < -0.49


def test_moons_noise_is_the_standard_deviation_of_the_offsets():
    noise = 0.02
    X, y = make_moons(n_samples=4000, noise=noise, rng=0)
    upper = X[y == 0]
    # Small isotropic noise moves a point off the circle by about N(0, noise) radially.
    radial = np.hypot(upper[:, 0], upper[:, 1]) - 1.0
    assert abs(np.std(radial) - noise) < 0.1 * noise
    assert abs(np.mean(radial)) < 0.1 * noise


def test_spirals_angle_follows_the_radius():
    n_classes = 4
    X, y = make_spirals(n_samples=200, n_classes=n_classes, noise=0.0, rng=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() >= 0.0 and r.max() <= 1.0 + 1e-12
    away = r > 1e-9  # at the origin the angle is undefined
    expected = y[away] * 2 * np.pi / n_classes + 4 * r[away]
    measured = np.arctan2(X[away, 1], X[away, 0])
    # Compare on the unit circle, so that angles differing by 2 pi count as equal.
    np.testing.assert_allclose(np.exp(1j * measured), np.exp(1j * expected), atol=1e-9)


def test_spirals_each_arm_runs_from_the_centre_to_radius_one():
    X, y = make_spirals(n_samples=90, n_classes=3, noise=0.0, rng=0)
    r = np.hypot(X[:, 0], X[:, 1])
    for k in range(3):
        assert r[y == k].min() < 1e-12
        assert abs(r[y == k].max() - 1.0) < 1e-12


def test_spirals_noise_moves_the_points():
    X0, _ = make_spirals(n_samples=300, noise=0.0, rng=0)
    X1, _ = make_spirals(n_samples=300, noise=0.1, rng=0)
    r = np.hypot(X1[:, 0], X1[:, 1])
    assert r.max() > 1.0  # the noise pushed some tips outside the unit disc
    assert not np.allclose(np.sort(X0, axis=0), np.sort(X1, axis=0))


def test_xor_labels_follow_the_sign_rule():
    X, y = make_xor(n_samples=200, noise=0.0, rng=0)
    different_signs = (X[:, 0] > 0) != (X[:, 1] > 0)
    np.testing.assert_array_equal(y, different_signs.astype(np.int64))
    assert np.all(X != 0)  # no point sits on an axis, where the rule would be ambiguous
    assert np.all(np.abs(X) <= 1.0)


def test_xor_fills_all_four_quadrants_evenly():
    X, _ = make_xor(n_samples=200, noise=0.0, rng=0)
    quadrant = 2 * (X[:, 0] > 0) + (X[:, 1] > 0)
    np.testing.assert_array_equal(np.bincount(quadrant, minlength=4), [50, 50, 50, 50])


def test_xor_noise_moves_the_points():
    X0, y0 = make_xor(n_samples=2000, noise=0.0, rng=0)
    X1, y1 = make_xor(n_samples=2000, noise=0.3, rng=0)
    np.testing.assert_array_equal(np.bincount(y0), np.bincount(y1))
    assert np.abs(X1).max() > 1.0


def test_blobs_points_gather_around_the_given_centres():
    centres = np.array([[0.0, 0.0], [5.0, -3.0], [-4.0, 8.0]])
    std = 0.5
    X, y = make_blobs(n_samples=3000, centers=centres, cluster_std=std, rng=0)
    for k, centre in enumerate(centres):
        members = X[y == k]
        # The mean of 1000 draws is within a few standard errors of the centre.
        assert np.all(np.abs(members.mean(axis=0) - centre) < 5 * std / np.sqrt(len(members)))
        np.testing.assert_allclose(members.std(axis=0), std, rtol=0.1)


def test_blobs_one_standard_deviation_per_centre():
    centres = [[0.0, 0.0], [10.0, 10.0]]
    X, y = make_blobs(n_samples=2000, centers=centres, cluster_std=[0.1, 2.0], rng=0)
    np.testing.assert_allclose(X[y == 0].std(axis=0), 0.1, rtol=0.1)
    np.testing.assert_allclose(X[y == 1].std(axis=0), 2.0, rtol=0.1)


def test_blobs_with_an_int_draws_centres_in_the_box():
    X, y = make_blobs(n_samples=400, centers=4, cluster_std=0.01, n_features=3, rng=0)
    assert X.shape == (400, 3)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    assert np.all(np.abs(means) <= 10.0 + 0.01)
    assert len(np.unique(np.round(means, 1), axis=0)) == 4  # four different centres


def test_blobs_centres_array_sets_the_number_of_features():
    X, y = make_blobs(n_samples=10, centers=[[0.0, 0.0, 0.0, 0.0]], rng=0)
    assert X.shape == (10, 4)
    np.testing.assert_array_equal(y, np.zeros(10))


def test_blobs_zero_std_puts_every_point_on_its_centre():
    centres = np.array([[1.0, 2.0], [-3.0, 4.0]])
    X, y = make_blobs(n_samples=9, centers=centres, cluster_std=0.0, rng=0)
    np.testing.assert_array_equal(X, centres[y])


# The shapes of make_shapes, written out again from its docstring: class k's stamp of length n.
SHAPE_STAMPS = {
    0: lambda n: np.ones((1, n)),  # horizontal bar
    1: lambda n: np.ones((n, 1)),  # vertical bar
    2: lambda n: np.eye(n),  # diagonal, top left to bottom right
    3: lambda n: np.pad(np.zeros((n - 2, n - 2)), 1, constant_values=1.0),  # hollow square
}


def lit_box(image):
    """The smallest rectangle of ``image`` (H, W) that holds every non-zero pixel."""
    rows, cols = np.nonzero(image)
    return image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


@pytest.mark.parametrize("n_samples", [1, 2, 7, 100, 101])
@pytest.mark.parametrize("size", [5, 12, 20])
def test_shapes_are_images(n_samples, size):
    X, y = make_shapes(n_samples=n_samples, size=size, noise=0.1, rng=0)
    assert X.shape == (n_samples, 1, size, size)  # (N, C, H, W)
    assert y.shape == (n_samples,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.all(np.isfinite(X))
    assert set(np.unique(y)) <= {0, 1, 2, 3}


def test_shapes_without_noise_are_zeros_and_ones():
    X, _ = make_shapes(n_samples=200, noise=0.0, rng=0)
    assert set(np.unique(X)) == {0.0, 1.0}


@pytest.mark.parametrize("size", [5, 12, 20])
def test_each_image_holds_its_class_shape(size):
    X, y = make_shapes(n_samples=400, size=size, noise=0.0, rng=0)
    for image, label in zip(X[:, 0], y, strict=True):
        box = lit_box(image)
        length = max(box.shape)
        assert 3 <= length <= 2 * size // 3
        np.testing.assert_array_equal(box, SHAPE_STAMPS[label](length), err_msg=f"class {label}")


def test_bars_light_one_row_or_one_column():
    X, y = make_shapes(n_samples=200, noise=0.0, rng=0)
    lit_rows = np.count_nonzero(X[:, 0].sum(axis=2), axis=1)
    lit_cols = np.count_nonzero(X[:, 0].sum(axis=1), axis=1)
    horizontal, vertical = y == 0, y == 1
    assert np.all(lit_rows[horizontal] == 1) and np.all(lit_cols[horizontal] >= 3)
    assert np.all(lit_cols[vertical] == 1) and np.all(lit_rows[vertical] >= 3)


def test_shapes_take_every_length_and_many_places():
    size = 12
    X, y = make_shapes(n_samples=2000, size=size, noise=0.0, rng=0)
    horizontal = X[y == 0, 0]
    lengths = horizontal.sum(axis=(1, 2))
    np.testing.assert_array_equal(np.unique(lengths), np.arange(3, 2 * size // 3 + 1))
    # A linear model on the pixels must not be able to rely on a fixed place: the shapes of each
    # class have their top left corner in every row and column where the shortest one fits.
    for label, stamp in SHAPE_STAMPS.items():
        height, width = stamp(3).shape
        rows, cols = zip(*(np.argwhere(image)[0] for image in X[y == label, 0]), strict=True)
        np.testing.assert_array_equal(np.unique(rows), np.arange(size - height + 1))
        np.testing.assert_array_equal(np.unique(cols), np.arange(size - width + 1))


def test_shapes_noise_is_the_standard_deviation_of_each_pixel():
    noise = 0.05
    X, _ = make_shapes(n_samples=500, noise=noise, rng=0)
    offsets = X - np.round(X)  # the clean pixels are 0 or 1, 10 standard deviations apart
    assert abs(np.std(offsets) - noise) < 0.05 * noise
    assert abs(np.mean(offsets)) < 0.05 * noise


@pytest.mark.parametrize(
    "bad, error", [(4, ValueError), (0, ValueError), (12.0, TypeError), (True, TypeError)]
)
def test_bad_image_size(bad, error):
    with pytest.raises(error, match="size"):
        make_shapes(n_samples=10, size=bad, rng=0)


# ----------------------------------------------------------------------------------------------
# Argument checks
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [make_moons, make_spirals, make_xor, make_blobs, make_shapes])
@pytest.mark.parametrize(
    "bad, error",
    [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("10", TypeError)],
)
def test_bad_n_samples(make, bad, error):
    with pytest.raises(error, match="n_samples"):
        make(n_samples=bad, rng=0)


@pytest.mark.parametrize("make", [make_moons, make_spirals, make_xor, make_shapes])
@pytest.mark.parametrize(
    "bad, error", [(-0.1, ValueError), (np.nan, ValueError), (np.inf, ValueError), ("a", TypeError)]
)
def test_bad_noise(make, bad, error):
    with pytest.raises(error, match="noise"):
        make(n_samples=10, noise=bad, rng=0)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError)])
def test_bad_n_classes(bad, error):
    with pytest.raises(error, match="n_classes"):
        make_spirals(n_samples=10, n_classes=bad, rng=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"centers": 0}, ValueError, "centers"),
        ({"centers": []}, ValueError, "centers"),
        ({"centers": [1.0, 2.0]}, ValueError, "shape"),
        ({"centers": [[0.0, np.nan]]}, ValueError, "finite"),
        ({"centers": "abc"}, TypeError, "centers"),
        ({"n_features": 0}, ValueError, "n_features"),
        ({"cluster_std": -1.0}, ValueError, "cluster_std"),
        ({"cluster_std": [1.0, 2.0]}, ValueError, "one per centre"),
        ({"cluster_std": [1.0, -2.0, 1.0]}, ValueError, "cluster_std"),
    ],
)
def test_bad_blobs_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_blobs(n_samples=10, rng=0, **kwargs)


def test_bad_rng_is_refused():
    with pytest.raises(TypeError, match="rng"):
        make_moons(n_samples=10, rng="seed")


# ----------------------------------------------------------------------------------------------
# DataLoader
# ----------------------------------------------------------------------------------------------


def indexed_data(n):
    """Rows that say where they came from: X[i] = (i, -i), y[i] = i."""
    index = np.arange(n)
    return np.column_stack([index, -index]).astype(np.float64), index


def epoch(loader):
    return list(loader)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (10, 1), (10, 32), (1, 1)])
def test_each_epoch_visits_every_sample_once(shuffle, n, batch_size):
    X, y = indexed_data(n)
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, rng=0)
    for _ in range(3):
        seen = np.concatenate([yb for _, yb in loader])
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))


def test_rows_of_x_and_y_stay_paired():
    X, y = indexed_data(23)
    for Xb, yb in DataLoader(X, y, batch_size=4, rng=0):
        np.testing.assert_array_equal(Xb[:, 0], yb)
        np.testing.assert_array_equal(Xb[:, 1], -yb)


@pytest.mark.parametrize(
    "n, batch_size, drop_last, sizes",
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (9, 3, False, [3, 3, 3]),
        (9, 3, True, [3, 3, 3]),
        (2, 5, False, [2]),
        (2, 5, True, []),
    ],
)
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    X, y = indexed_data(n)
    loader = DataLoader(X, y, batch_size=batch_size, drop_last=drop_last, rng=0)
    batches = epoch(loader)
    assert [len(yb) for _, yb in batches] == sizes
    assert [len(Xb) for Xb, _ in batches] == sizes
    assert len(loader) == len(sizes)


def test_drop_last_leaves_out_only_the_partial_batch():
    X, y = indexed_data(10)
    seen = np.concatenate([yb for _, yb in DataLoader(X, y, batch_size=3, drop_last=True, rng=0)])
    assert len(seen) == 9
    assert len(np.unique(seen)) == 9


def test_every_epoch_has_a_new_order():
    X, y = indexed_data(50)
    loader = DataLoader(X, y, batch_size=50, rng=0)
    orders = [epoch(loader)[0][1] for _ in range(3)]
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], np.arange(50))


def test_same_seed_gives_the_same_sequence_of_batches():
    X, y = indexed_data(30)
    a = DataLoader(X, y, batch_size=7, rng=42)
    b = DataLoader(X, y, batch_size=7, rng=42)
    for _ in range(3):
        for (Xa, ya), (Xb, yb) in zip(epoch(a), epoch(b), strict=True):
            np.testing.assert_array_equal(Xa, Xb)
            np.testing.assert_array_equal(ya, yb)


def test_different_seeds_give_different_orders():
    X, y = indexed_data(30)
    first = epoch(DataLoader(X, y, batch_size=30, rng=1))[0][1]
    second = epoch(DataLoader(X, y, batch_size=30, rng=2))[0][1]
    assert not np.array_equal(first, second)


def test_without_shuffle_the_order_is_kept_every_epoch():
    X, y = indexed_data(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=False)
    for _ in range(2):
        batches = epoch(loader)
        np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), np.arange(10))
        np.testing.assert_array_equal(batches[0][0], X[:4])


def test_batches_are_numpy_arrays_that_keep_the_dtypes():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.array([0, 1, 2, 0, 1, 2])
    Xb, yb = next(iter(DataLoader(X, y, batch_size=4, rng=0)))
    assert type(Xb) is np.ndarray and type(yb) is np.ndarray
    assert Xb.dtype == np.float32
    assert yb.dtype == y.dtype and np.issubdtype(yb.dtype, np.integer)


def test_lists_are_accepted():
    X, y = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0, 1, 0]
    loader = DataLoader(X, y, batch_size=2, shuffle=False)
    Xb, yb = next(iter(loader))
    np.testing.assert_array_equal(Xb, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(yb, [0, 1])


def test_changing_a_batch_leaves_the_data_alone():
    X, y = indexed_data(6)
    original = X.copy()
    for Xb, _ in DataLoader(X, y, batch_size=2, shuffle=False):
        Xb[:] = 99.0
    np.testing.assert_array_equal(X, original)


def test_loaders_from_one_generator_share_its_stream():
    X, y = indexed_data(20)
    rng = np.random.default_rng(0)
    a = epoch(DataLoader(X, y, batch_size=20, rng=rng))[0][1]
    b = epoch(DataLoader(X, y, batch_size=20, rng=rng))[0][1]
    assert not np.array_equal(a, b)


def test_mismatched_lengths_name_both():
    X, y = indexed_data(10)
    with pytest.raises(ValueError, match=r"X has 10 rows, y has 9"):
        DataLoader(X, y[:9])


@pytest.mark.parametrize(
    "batch_size, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (None, TypeError)]
)
def test_bad_batch_size(batch_size, error):
    X, y = indexed_data(10)
    with pytest.raises(error, match="batch_size"):
        DataLoader(X, y, batch_size=batch_size)


@pytest.mark.parametrize("bad", [None, 3.0, "abc", object(), {"a": 1}, [[1.0, 2.0], [3.0]]])
def test_not_array_like_is_refused(bad):
    _, y = indexed_data(2)
    with pytest.raises(TypeError, match="X must be"):
        DataLoader(bad, y)
    with pytest.raises(TypeError, match="y must be"):
        DataLoader(np.zeros((2, 2)), bad)

"""Small seeded toy data sets for classification, and a mini-batch iterator.

The ``make_*`` functions build the classic two-dimensional problems that a linear model cannot
solve and a small network can, written here so that the course needs no scikit-learn, and one
small image set for convolutional networks. Each returns ``(X, y)``: ``X`` a float64 array with
one sample per row (a point, or for ``make_shapes`` an image of shape (1, size, size)), ``y`` the
int64 class labels ``0 .. k-1``, split as evenly between the classes as ``n_samples`` allows. The
rows come out in a random order, so the first rows hold every class and slicing off a validation
set is fair.

Every random draw goes through :func:`autodiff_numpy.seeding.generator`: the same ``rng`` seed
always gives the same data and the same batches.
"""

import numpy as np

from autodiff_numpy.seeding import generator

__all__ = ["DataLoader", "make_blobs", "make_moons", "make_shapes", "make_spirals", "make_xor"]


# ----------------------------------------------------------------------------------------------
# Argument checks and the helpers every data set shares
# ----------------------------------------------------------------------------------------------


def _check_count(value, name, minimum=1):
    """An integer argument such as ``n_samples``, as a plain ``int``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_std(value, name):
    """A standard deviation such as ``noise``: a finite number, zero or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} is a standard deviation, a number, not {type(value).__name__}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} is a standard deviation: finite and >= 0, got {value}")
    return float(value)


def _class_sizes(n_samples, n_classes):
    """How many samples each class gets: ``n // k`` each, one more for the first ``n % k``."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _labels(sizes):
    """Labels ``0 .. k-1``, class ``c`` repeated ``sizes[c]`` times, in class order."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _add_noise(X, noise, rng):
    """Gaussian noise of standard deviation ``noise`` on every coordinate (none if it is 0)."""
    if noise == 0:
        return X
    return X + rng.normal(scale=noise, size=X.shape)


def _shuffled(X, y, rng):
    """The rows in a random order; one permutation for both, so each point keeps its label."""
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order].astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Data sets
# ----------------------------------------------------------------------------------------------


def make_moons(n_samples=100, noise=0.0, rng=None):
    """Two interleaving half circles: the smallest problem where a straight line is not enough.

    Class 0 is the upper half of the unit circle around ``(0, 0)``; class 1 is the lower half of
    the unit circle around ``(1, 0.5)``, i.e. ``(1 + cos t, 0.5 + sin t)`` for ``t`` from ``pi``
    to ``2 pi``. Within each class the angles are evenly spaced, so with ``noise=0`` every point
    lies exactly on its circle and only the order of the rows depends on ``rng``.
    """
    n_samples = _check_count(n_samples, "n_samples")
    noise = _check_std(noise, "noise")
    rng = generator(rng)

    n_upper, n_lower = _class_sizes(n_samples, 2)
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(np.pi, 2.0 * np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 + np.cos(t_lower), 0.5 + np.sin(t_lower)])

    X = _add_noise(np.concatenate([upper, lower]), noise, rng)
    return _shuffled(X, _labels([n_upper, n_lower]), rng)


def make_spirals(n_samples=100, n_classes=3, noise=0.0, rng=None):
    """``n_classes`` spiral arms winding out of the origin (the CS231n demo): hard for a line.

    Class ``k`` has its points at radii ``r`` evenly spaced in ``[0, 1]`` and angles
    ``theta = k * 2 pi / n_classes + 4 r``, so the arms start evenly spread and each turns by
    4 radians. ``noise`` is added to the points' coordinates (not to ``theta``), like every other
    data set here, so it blurs the centre as much as the tips.
    """
    n_samples = _check_count(n_samples, "n_samples")
    n_classes = _check_count(n_classes, "n_classes")
    noise = _check_std(noise, "noise")
    rng = generator(rng)

    sizes = _class_sizes(n_samples, n_classes)
    arms = []
    for k, size in enumerate(sizes):
        r = np.linspace(0.0, 1.0, size)
        theta = k * 2.0 * np.pi / n_classes + 4.0 * r
        arms.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))

    X = _add_noise(np.concatenate(arms), noise, rng)
    return _shuffled(X, _labels(sizes), rng)


# The quadrants each XOR class alternates between, as the signs of (x0, x1).
_XOR_QUADRANTS = {
    0: np.array([[1.0, 1.0], [-1.0, -1.0]]),  # same signs:      x0 * x1 > 0
    1: np.array([[-1.0, 1.0], [1.0, -1.0]]),  # different signs: x0 * x1 < 0
}


def make_xor(n_samples=100, noise=0.0, rng=None):
    """Points in the four quadrants, labelled by the XOR of their signs: no line separates them.

    The label is 1 when exactly one coordinate is positive (``x0 * x1 < 0``: second and fourth
    quadrants) and 0 when both have the same sign (first and third). Each class alternates
    between its two quadrants, and the points are uniform in ``(0, 1]`` away from the axes in
    each coordinate, so with ``noise=0`` the sign rule holds for every point. Noise can push a
    point near an axis across it; the label stays the one of the quadrant it was drawn in.
    """
    n_samples = _check_count(n_samples, "n_samples")
    noise = _check_std(noise, "noise")
    rng = generator(rng)

    sizes = _class_sizes(n_samples, 2)
    points = []
    for label, size in enumerate(sizes):
        magnitudes = 1.0 - rng.uniform(size=(size, 2))  # in (0, 1]: never exactly on an axis
        signs = _XOR_QUADRANTS[label][np.arange(size) % 2]
        points.append(magnitudes * signs)

    X = _add_noise(np.concatenate(points), noise, rng)
    return _shuffled(X, _labels(sizes), rng)


def _hollow_square(n):
    """The outline of an ``n`` x ``n`` square: ones on its border, zeros inside."""
    square = np.ones((n, n))
    square[1:-1, 1:-1] = 0.0
    return square


# The shape of each class of make_shapes, drawn as a 0/1 stamp whose longest side is n pixels.
_SHAPES = [
    lambda n: np.ones((1, n)),  # 0: a horizontal bar
    lambda n: np.ones((n, 1)),  # 1: a vertical bar
    np.eye,  # 2: a diagonal, from the top left down to the bottom right
    _hollow_square,  # 3: a hollow square
]
_SMALLEST_SHAPE = 3  # pixels: the smallest square with a hole


def make_shapes(n_samples=100, size=12, noise=0.0, rng=None):
    """Small grey images of four shapes at random places: a job for a convolution.

    Each image has shape (1, size, size) (one channel; ``X`` is (N, C, H, W)) and holds one shape
    of ones on a background of zeros: class 0 a horizontal bar, class 1 a vertical bar, class 2 a
    diagonal from the top left down to the bottom right, class 3 a hollow square (its one-pixel
    outline). The shape's length (the side, for the square) is drawn uniformly from 3 to
    ``2 * size // 3`` pixels, and its place uniformly among those where it fits in the image, so
    with ``noise=0`` every pixel is exactly 0 or 1. ``noise`` is the standard deviation of
    Gaussian noise added to every pixel.

    A small filter recognises a piece of bar or corner wherever it is, so a convolutional network
    learns these quickly; a linear model on the raw pixels sees a bar at every place as a
    different pattern, and does worse. ``size`` must be at least 5, so that 3 <= ``2 * size // 3``.
    """
    n_samples = _check_count(n_samples, "n_samples")
    size = _check_count(size, "size", minimum=5)
    noise = _check_std(noise, "noise")
    rng = generator(rng)

    y = _labels(_class_sizes(n_samples, len(_SHAPES)))
    X = np.zeros((n_samples, 1, size, size))
    for image, label in zip(X, y, strict=True):
        length = rng.integers(_SMALLEST_SHAPE, 2 * size // 3, endpoint=True)
        stamp = _SHAPES[label](length)
        height, width = stamp.shape
        top = rng.integers(0, size - height, endpoint=True)
        left = rng.integers(0, size - width, endpoint=True)
        image[0, top : top + height, left : left + width] = stamp

    X = _add_noise(X, noise, rng)
    return _shuffled(X, y, rng)


def make_blobs(n_samples=100, centers=3, cluster_std=1.0, n_features=2, rng=None):
    """Gaussian clusters, one class per centre: the easy case, where a linear model already works.

    ``centers`` is either how many centres to draw (uniformly in the box ``[-10, 10]`` in every
    feature, from ``rng``) or an array of shape ``(k, n_features)`` giving them; in that case the
    array's width sets the number of features and ``n_features`` is not used. ``cluster_std`` is
    one standard deviation for every cluster or one per centre.
    """
    n_samples = _check_count(n_samples, "n_samples")
    rng = generator(rng)

    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = _check_count(centers, "centers")
        n_features = _check_count(n_features, "n_features")
        centres = rng.uniform(-10.0, 10.0, size=(n_centers, n_features))
    else:
        centres = _centres_array(centers)
    n_centers, n_features = centres.shape

    stds = _cluster_stds(cluster_std, n_centers)
    y = _labels(_class_sizes(n_samples, n_centers))
    X = centres[y] + stds[y, None] * rng.normal(size=(n_samples, n_features))
    return _shuffled(X, y, rng)


def _centres_array(centers):
    """``centers`` given as points: a finite float array of shape ``(k, n_features)``."""
    try:
        centres = np.asarray(centers, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "centers must be an int (how many centres to draw) or an array of shape "
            f"(k, n_features) of numbers, not {type(centers).__name__}"
        ) from None
    if centres.ndim != 2 or centres.shape[0] == 0 or centres.shape[1] == 0:
        raise ValueError(
            "centers given as an array must have shape (k, n_features) with k, n_features >= 1, "
            f"got shape {centres.shape}"
        )
    if not np.all(np.isfinite(centres)):
        raise ValueError("centers must be finite numbers (found NaN or inf)")
    return centres


def _cluster_stds(cluster_std, n_centers):
    """One standard deviation per centre, from a single number or a sequence of ``n_centers``."""
    if np.ndim(cluster_std) == 0:
        return np.full(n_centers, _check_std(cluster_std, "cluster_std"))
    stds = np.asarray(cluster_std, dtype=np.float64)
    if stds.shape != (n_centers,):
        raise ValueError(
            f"cluster_std must be one number or one per centre ({n_centers}), "
            f"got shape {stds.shape}"
        )
    for std in stds:
        _check_std(std, "cluster_std")
    return stds


# ----------------------------------------------------------------------------------------------
# Mini-batches
# ----------------------------------------------------------------------------------------------


def _as_samples(array, name):
    """``array`` as a numeric numpy array with at least one axis (the one that counts samples)."""
    try:
        values = np.asarray(array)
    except ValueError:  # e.g. ragged nested lists
        raise TypeError(f"{name} must be a rectangular array of numbers; got ragged rows") from None
    numeric = np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_
    if not numeric or values.ndim == 0:
        hint = " (for a Tensor, pass its .data)" if hasattr(array, "requires_grad") else ""
        raise TypeError(
            f"{name} must be an array-like of numbers with one row per sample (a numpy array or "
            f"nested lists), not {type(array).__name__}{hint}"
        )
    return values


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` mini-batches, one pass over the data per epoch.

    Each ``for batch in loader`` is one epoch. With ``shuffle=True`` every epoch visits the
    samples in a new random order, drawn from one generator made from ``rng`` when the loader is
    built: two loaders with the same seed give the same sequence of batches, epoch after epoch.
    The batches are plain numpy arrays (copies, so changing one leaves the data alone); the
    training loop wraps them in Tensors, and integer labels stay integers for cross-entropy.

    ``len(loader)`` is the number of batches per epoch. The last batch is smaller when
    ``batch_size`` does not divide the number of samples, unless ``drop_last=True`` drops it.
    """

    def __init__(self, X, y, batch_size=32, shuffle=True, drop_last=False, rng=None):
        self.X = _as_samples(X, "X")
        self.y = _as_samples(y, "y")
        if len(self.X) != len(self.y):
            raise ValueError(
                "X and y must have one row per sample: "
                f"X has {len(self.X)} rows, y has {len(self.y)}"
            )
        self.batch_size = _check_count(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._rng = generator(rng)

    def __len__(self):
        n_samples = len(self.X)
        if self.drop_last:
            return n_samples // self.batch_size
        return -(-n_samples // self.batch_size)  # ceiling division

    def __iter__(self):
        # The epoch's order is drawn here, when the epoch starts, not at the first batch.
        n_samples = len(self.X)
        order = self._rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
        return self._batches(order)

    def _batches(self, order):
        for b in range(len(self)):
            indices = order[b * self.batch_size : (b + 1) * self.batch_size]
            yield self.X[indices], self.y[indices]

    def __repr__(self):
        return (
            f"DataLoader(n_samples={len(self.X)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )

"""Visible tests of assignment 3, marked by task: ``python -m pytest -m task3_2`` runs Task 3.2's.

Each forward is compared with a plain loop written here, one output pixel at a time. Each backward
rule is called directly, with a random upstream gradient, on the result of its forward, and
compared with finite differences of that forward. A failure names the operation, the input, the
element, expected vs got, the relative error and, where it can tell, the likely mistake.

Task 3.1's backward needs col2im (``_add_windows``), which is Task 3.2's: its tests swap in
``loop_add_windows`` (``stand_ins.py``), so Task 3.1 can be done first, and a mistake in your
col2im shows up in Task 3.2's tests, not in Task 3.1's.
"""

import numpy as np
import pytest
from checks import check_rule
from mygrad import Tensor
from mygrad.nn import conv
from mygrad.nn.conv import _add_windows, conv2d, max_pool2d
from stand_ins import loop_add_windows

rng = np.random.default_rng(2024)


def normal(*shape):
    return rng.normal(size=shape)


def distinct(*shape):
    """Values at least 0.1 apart, in random order: no window has a tie, and a finite difference
    step never changes which entry is a window's maximum."""
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2).reshape(shape) * 0.1


def loop_conv2d(x, weight, bias, stride, padding):
    """A convolution one output pixel at a time; a pixel outside the image counts as zero."""
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    (sh, sw), (ph, pw) = stride, padding
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c_out, h_out, w_out))
    for image in range(n):
        for f in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    total = 0.0 if bias is None else bias[f]
                    for a in range(kh):
                        for b in range(kw):
                            row, col = i * sh + a - ph, j * sw + b - pw
                            if 0 <= row < h and 0 <= col < w:
                                total += np.dot(x[image, :, row, col], weight[f, :, a, b])
                    out[image, f, i, j] = total
    return out


def loop_max_pool2d(x, kernel, stride):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    out = np.zeros((n, c, (h - kh) // sh + 1, (w - kw) // sw + 1))
    for index in np.ndindex(out.shape):
        image, channel, i, j = index
        out[index] = x[image, channel, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return out


def loop_max_pool2d_grad(x, g, kernel, stride):
    """Each window's gradient goes to the first of its largest entries in row-major order."""
    (kh, kw), (sh, sw) = kernel, stride
    grad = np.zeros_like(x)
    for index in np.ndindex(g.shape):
        image, channel, i, j = index
        window = x[image, channel, i * sh : i * sh + kh, j * sw : j * sw + kw]
        a, b = next((a, b) for a in range(kh) for b in range(kw) if window[a, b] == window.max())
        grad[image, channel, i * sh + a, j * sw + b] += g[index]
    return grad


@pytest.fixture
def own_col2im(monkeypatch):
    """Task 3.1 without Task 3.2: ``_add_windows`` is this file's loop while a test runs."""
    monkeypatch.setattr(conv, "_add_windows", loop_add_windows)


# (name, input shape, weight shape, bias?, stride, padding)
CONV_CASES = [
    ("3x3 kernel", (2, 3, 5, 5), (4, 3, 3, 3), True, (1, 1), (0, 0)),
    ("stride 2, padding 1", (2, 2, 7, 6), (3, 2, 3, 3), True, (2, 2), (1, 1)),
    ("stride leaves the last row unused", (2, 2, 6, 7), (2, 2, 3, 3), True, (2, 2), (0, 0)),
    ("2x3 kernel, stride (2, 1), padding (1, 0)", (1, 2, 6, 5), (2, 2, 2, 3), True, (2, 1), (1, 0)),
    ("1x1 kernel without bias", (2, 3, 4, 4), (2, 3, 1, 1), False, (1, 1), (0, 0)),
    ("without bias, padding 2", (1, 2, 4, 5), (3, 2, 3, 3), False, (1, 1), (2, 2)),
]
CONV_FIELDS = ("name", "x_shape", "w_shape", "has_bias", "stride", "padding")
CONV_IDS = [case[0] for case in CONV_CASES]


def conv_arrays(x_shape, w_shape, has_bias):
    return normal(*x_shape), normal(*w_shape), (normal(w_shape[0]) if has_bias else None)


@pytest.mark.task3_1
@pytest.mark.parametrize(CONV_FIELDS, CONV_CASES, ids=CONV_IDS)
def test_conv2d_forward_matches_a_loop(name, x_shape, w_shape, has_bias, stride, padding):
    x, w, b = conv_arrays(x_shape, w_shape, has_bias)
    # Pass stride and padding as an int when both numbers are equal, as a pair otherwise.
    s = stride[0] if stride[0] == stride[1] else stride
    p = padding[0] if padding[0] == padding[1] else padding
    got = conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), stride=s, padding=p)
    expected = loop_conv2d(x, w, b, stride, padding)
    assert isinstance(got, Tensor), (
        f"conv2d ({name}) must return a Tensor, got {type(got).__name__}"
    )
    assert got.shape == expected.shape, (
        f"conv2d ({name}): output of shape {got.shape}, expected {expected.shape} "
        "(N, C_out, H_out, W_out)"
    )
    np.testing.assert_allclose(
        got.data, expected, rtol=1e-10, atol=1e-12, err_msg=f"conv2d ({name})"
    )


@pytest.mark.task3_1
def test_conv2d_takes_plain_arrays():
    x, w, b = conv_arrays((1, 2, 4, 4), (3, 2, 2, 2), True)
    np.testing.assert_allclose(
        conv2d(x, w, b).data, loop_conv2d(x, w, b, (1, 1), (0, 0)), err_msg="conv2d of NumPy arrays"
    )


@pytest.mark.task3_1
@pytest.mark.parametrize(CONV_FIELDS, CONV_CASES, ids=CONV_IDS)
def test_conv2d_backward(own_col2im, name, x_shape, w_shape, has_bias, stride, padding):
    arrays = [a for a in conv_arrays(x_shape, w_shape, has_bias) if a is not None]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = conv2d(*tensors, stride=stride, padding=padding)

    def forward(*xs):
        return conv2d(*(Tensor(a) for a in xs), stride=stride, padding=padding).data

    check_rule(
        f"conv2d ({name})",
        forward,
        lambda g: out._backward(out, g),
        arrays,
        ["x", "weight", "bias"][: len(arrays)],
    )


@pytest.mark.task3_1
def test_conv2d_backward_when_the_image_is_a_constant(own_col2im):
    """A network's input needs no gradient: the rule must still give the weight's and bias's."""
    x, w, b = conv_arrays((2, 2, 5, 5), (3, 2, 3, 3), True)
    out = conv2d(Tensor(x), Tensor(w, requires_grad=True), Tensor(b, requires_grad=True), 1, 1)

    def forward(w, b):
        return conv2d(Tensor(x), Tensor(w), Tensor(b), 1, 1).data

    def rule(g):
        grads = out._backward(out, g)
        if not isinstance(grads, tuple) or len(grads) != 3:
            raise AssertionError(
                "conv2d: the backward rule must return a tuple of 3 gradients (x, weight, bias), "
                f"got {grads!r:.80}"
            )
        return grads[1:]

    check_rule("conv2d (x a constant)", forward, rule, [w, b], ["weight", "bias"])


# (name, input shape, kernel, stride or None for the default)
POOL_CASES = [
    ("2x2, default stride", (2, 3, 6, 6), (2, 2), None),
    ("3x3, stride 2 (overlapping)", (2, 2, 7, 7), (3, 3), (2, 2)),
    ("3x3, stride 1 (overlapping)", (1, 2, 5, 6), (3, 3), (1, 1)),
    ("2x3, stride (1, 2)", (1, 2, 5, 7), (2, 3), (1, 2)),
    ("2x2, 5x5 image (last row unused)", (2, 1, 5, 5), (2, 2), None),
    ("2x2, stride 3 (gaps)", (1, 2, 8, 8), (2, 2), (3, 3)),
]
POOL_IDS = [case[0] for case in POOL_CASES]


def pool_args(kernel, stride):
    k = kernel[0] if kernel[0] == kernel[1] else kernel
    s = None if stride is None else (stride[0] if stride[0] == stride[1] else stride)
    return k, s, (kernel if stride is None else stride)


@pytest.mark.task3_2
@pytest.mark.parametrize(("name", "shape", "kernel", "stride"), POOL_CASES, ids=POOL_IDS)
def test_max_pool2d_forward_matches_a_loop(name, shape, kernel, stride):
    x = normal(*shape)
    k, s, effective = pool_args(kernel, stride)
    got = max_pool2d(Tensor(x), k, s)
    expected = loop_max_pool2d(x, kernel, effective)
    assert isinstance(got, Tensor), (
        f"max_pool2d ({name}) must return a Tensor, got {type(got).__name__}"
    )
    assert got.shape == expected.shape, (
        f"max_pool2d ({name}): output of shape {got.shape}, expected {expected.shape}"
    )
    np.testing.assert_array_equal(got.data, expected, err_msg=f"max_pool2d ({name})")


@pytest.mark.task3_2
@pytest.mark.parametrize(("name", "shape", "kernel", "stride"), POOL_CASES, ids=POOL_IDS)
def test_max_pool2d_backward(name, shape, kernel, stride):
    x = distinct(*shape)
    k, s, _ = pool_args(kernel, stride)
    out = max_pool2d(Tensor(x, requires_grad=True), k, s)
    check_rule(
        f"max_pool2d ({name})",
        lambda a: max_pool2d(Tensor(a), k, s).data,
        lambda g: out._backward(out, g),
        [x],
        ["x"],
    )


@pytest.mark.task3_2
@pytest.mark.parametrize(
    ("kernel", "stride"), [((2, 2), (2, 2)), ((3, 3), (1, 1))], ids=["side by side", "overlapping"]
)
def test_max_pool2d_backward_gives_a_tie_to_the_first_maximum(kernel, stride):
    x = rng.integers(0, 3, (2, 2, 6, 6)).astype(float)  # many ties within each window
    out = max_pool2d(Tensor(x, requires_grad=True), kernel, stride)
    g = normal(*out.shape)
    grads = out._backward(out, g)
    assert isinstance(grads, tuple) and len(grads) == 1, (
        f"max_pool2d: the backward rule must return a tuple of one gradient, got {grads!r:.80}"
    )
    expected = loop_max_pool2d_grad(x, g, kernel, stride)
    assert np.shape(grads[0]) == x.shape, (
        f"max_pool2d: the gradient with respect to x has shape {np.shape(grads[0])}, expected {x.shape}"
    )
    wrong = np.argwhere(~np.isclose(grads[0], expected))
    if len(wrong):
        at = tuple(int(i) for i in wrong[0])
        pytest.fail(
            f"max_pool2d with ties, kernel {kernel}, stride {stride}: the gradient with respect "
            f"to x is wrong at element {at}: expected {expected[at]:.6g}, got {grads[0][at]:.6g} "
            f"({len(wrong)} elements wrong); among tied maxima the first in row-major order "
            "within the window gets the whole gradient",
            pytrace=False,
        )


# (name, image shape, kernel, stride)
COL2IM_CASES = [
    ("3x3, stride 1 (overlapping)", (2, 3, 6, 5), (3, 3), (1, 1)),
    ("2x2, stride 2 (side by side)", (1, 2, 6, 6), (2, 2), (2, 2)),
    ("2x2, stride 3 (gaps)", (2, 1, 8, 7), (2, 2), (3, 3)),
    ("2x3, stride (2, 1)", (1, 2, 7, 6), (2, 3), (2, 1)),
    ("3x3, stride 2, last row and column unread", (1, 1, 8, 8), (3, 3), (2, 2)),
]


@pytest.mark.task3_2
@pytest.mark.parametrize(
    ("name", "shape", "kernel", "stride"), COL2IM_CASES, ids=[c[0] for c in COL2IM_CASES]
)
def test_add_windows_matches_a_loop(name, shape, kernel, stride):
    (kh, kw), (sh, sw) = kernel, stride
    h_out, w_out = (shape[2] - kh) // sh + 1, (shape[3] - kw) // sw + 1
    window_grads = normal(shape[0], shape[1], h_out, w_out, kh, kw)
    got = _add_windows(window_grads, shape, stride)
    expected = loop_add_windows(window_grads, shape, stride)
    assert np.shape(got) == shape, f"_add_windows ({name}): shape {np.shape(got)}, expected {shape}"
    np.testing.assert_allclose(
        got, expected, rtol=1e-12, atol=1e-12, err_msg=f"_add_windows ({name})"
    )

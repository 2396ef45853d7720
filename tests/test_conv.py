"""Tests for conv2d, max_pool2d and the Conv2d / MaxPool2d modules.

Expected values come from computations independent of the im2col code: small examples worked out
by hand, naive references with explicit loops over every output element (written here), and
finite differences (``gradcheck``) for every gradient.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_numpy import Tensor, no_grad
from autodiff_numpy.data import DataLoader, make_shapes
from autodiff_numpy.gradcheck import gradcheck
from autodiff_numpy.nn import Flatten, Linear, ReLU, Sequential
from autodiff_numpy.nn import conv as conv_module
from autodiff_numpy.nn.conv import Conv2d, MaxPool2d, conv2d, max_pool2d
from autodiff_numpy.nn.functional import cross_entropy
from autodiff_numpy.optim import Adam

# ----------------------------------------------------------------------------------------------
# Naive references: one explicit loop iteration per output element
# ----------------------------------------------------------------------------------------------


def as_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_conv2d(x, w, b=None, stride=1, padding=0):
    """out[n, o, i, j] = b[o] + sum over c, a, b of padded[n, c, i*sh + a, j*sw + b] w[o, c, a, b]

    (padded: x with ``padding`` rows and columns of zeros on each side)."""
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    n_images, c_in, h, width = x.shape
    c_out, _, kh, kw = w.shape
    padded = np.zeros((n_images, c_in, h + 2 * ph, width + 2 * pw))
    padded[:, :, ph : ph + h, pw : pw + width] = x
    h_out = (h + 2 * ph - kh) // sh + 1
    w_out = (width + 2 * pw - kw) // sw + 1
    out = np.zeros((n_images, c_out, h_out, w_out))
    for n, o, i, j in itertools.product(range(n_images), range(c_out), range(h_out), range(w_out)):
        total = 0.0
        for c, a, bb in itertools.product(range(c_in), range(kh), range(kw)):
            total += padded[n, c, i * sh + a, j * sw + bb] * w[o, c, a, bb]
        out[n, o, i, j] = total + (b[o] if b is not None else 0.0)
    return out


def naive_max_pool2d(x, kernel, stride=None):
    (kh, kw) = as_pair(kernel)
    (sh, sw) = as_pair(stride if stride is not None else kernel)
    n_images, channels, h, width = x.shape
    h_out, w_out = (h - kh) // sh + 1, (width - kw) // sw + 1
    out = np.zeros((n_images, channels, h_out, w_out))
    for n, c, i, j in itertools.product(
        range(n_images), range(channels), range(h_out), range(w_out)
    ):
        out[n, c, i, j] = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return out


# (x shape, weight shape, stride, padding, with bias)
CONV_CASES = [
    pytest.param((2, 3, 7, 7), (4, 3, 3, 3), 1, 0, True, id="3x3"),
    pytest.param((2, 3, 7, 7), (4, 3, 3, 3), 2, 1, True, id="3x3-stride2-pad1"),
    pytest.param((1, 2, 6, 9), (3, 2, 2, 3), (1, 2), (1, 0), True, id="nonsquare-kernel-and-input"),
    pytest.param((3, 1, 5, 8), (2, 1, 5, 3), (2, 3), (2, 1), False, id="pairs-no-bias"),
    pytest.param((2, 2, 8, 8), (3, 2, 3, 3), 2, 0, True, id="stride-leaves-last-row-unused"),
    pytest.param((2, 2, 5, 4), (3, 2, 1, 1), 2, 0, True, id="1x1"),
    pytest.param((1, 2, 3, 3), (2, 2, 5, 5), 1, 1, True, id="kernel-fills-padded-input"),
    pytest.param((2, 3, 4, 4), (2, 3, 3, 2), 1, 2, True, id="padding-wider-than-half-kernel"),
    pytest.param((1, 2, 7, 8), (2, 2, 2, 2), 3, 0, True, id="stride-larger-than-kernel"),
]


def random_conv_inputs(x_shape, w_shape, bias, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if bias else None
    return x, w, b


# ----------------------------------------------------------------------------------------------
# conv2d forward
# ----------------------------------------------------------------------------------------------


def test_conv2d_hand_computed_stride_2():
    # 4x4 image 0..15, a 2x2 kernel of ones, stride 2: each output is the sum of a 2x2 block.
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    out = conv2d(Tensor(x), Tensor(w), Tensor([1.0]), stride=2)
    expected = (
        np.array([[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]) + 1.0
    )
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(out.data[0, 0], expected)


def test_conv2d_hand_computed_zero_padding():
    # A 3x3 image of ones, a 3x3 kernel of ones, padding 1: each output counts the image pixels
    # under the window, the padding contributing zeros: 4 at corners, 6 on edges, 9 at the centre.
    out = conv2d(Tensor(np.ones((1, 1, 3, 3))), Tensor(np.ones((1, 1, 3, 3))), padding=1)
    np.testing.assert_allclose(out.data[0, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_conv2d_is_cross_correlation_not_flipped():
    # PyTorch's convention: the kernel is not flipped; a kernel picking its top-left entry shifts.
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    out = conv2d(Tensor(x), Tensor(w))
    np.testing.assert_allclose(out.data[0, 0], [[0, 1], [3, 4]])


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, bias", CONV_CASES)
def test_conv2d_forward_matches_naive_loops(x_shape, w_shape, stride, padding, bias):
    x, w, b = random_conv_inputs(x_shape, w_shape, bias)
    out = conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), stride, padding)
    expected = naive_conv2d(x, w, b, stride, padding)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_conv2d_with_kernel_covering_the_image_is_a_matrix_product():
    # With the kernel as large as the image there is one window: the flattened image times the
    # flattened filters, i.e. a Linear layer.
    x, w, b = random_conv_inputs((5, 3, 4, 6), (7, 3, 4, 6), True, seed=1)
    out = conv2d(Tensor(x), Tensor(w), Tensor(b))
    expected = x.reshape(5, -1) @ w.reshape(7, -1).T + b
    assert out.shape == (5, 7, 1, 1)
    np.testing.assert_allclose(out.data[:, :, 0, 0], expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 2),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sh=st.integers(1, 3),
    sw=st.integers(1, 3),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_conv2d_forward_matches_naive_loops_on_random_shapes(
    n, c_in, c_out, h, w, kh, kw, sh, sw, ph, pw, seed
):
    if kh > h + 2 * ph or kw > w + 2 * pw:
        return  # an error case, tested below
    x, weight, b = random_conv_inputs((n, c_in, h, w), (c_out, c_in, kh, kw), True, seed)
    out = conv2d(Tensor(x), Tensor(weight), Tensor(b), (sh, sw), (ph, pw))
    np.testing.assert_allclose(
        out.data, naive_conv2d(x, weight, b, (sh, sw), (ph, pw)), rtol=1e-12, atol=1e-12
    )


# ----------------------------------------------------------------------------------------------
# conv2d gradients
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, bias", CONV_CASES)
def test_conv2d_gradients_match_finite_differences(x_shape, w_shape, stride, padding, bias):
    x, w, b = random_conv_inputs(x_shape, w_shape, bias, seed=2)
    if bias:
        result = gradcheck(
            lambda x, w, b: conv2d(x, w, b, stride, padding), x, w, b, names=["x", "weight", "bias"]
        )
    else:
        result = gradcheck(
            lambda x, w: conv2d(x, w, None, stride, padding), x, w, names=["x", "weight"]
        )
    assert result.passed, str(result)


def test_conv2d_gradient_of_x_by_hand():
    # out = conv(x, ones 2x2), stride 1 on a 3x3 image: pixel (r, c) is read by every window that
    # covers it, so d sum(out) / dx counts the windows: 1 at corners, 2 on edges, 4 at the centre.
    x = Tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    conv2d(x, Tensor(np.ones((1, 1, 2, 2)))).sum().backward()
    np.testing.assert_allclose(x.grad[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_conv2d_computes_only_the_gradients_that_are_needed(monkeypatch):
    x, w, b = random_conv_inputs((2, 3, 6, 6), (4, 3, 3, 3), True, seed=3)
    x_t, w_t, b_t = Tensor(x), Tensor(w, requires_grad=True), Tensor(b)
    out = conv2d(x_t, w_t, b_t, stride=2, padding=1)

    def fail(*args, **kwargs):
        raise AssertionError("col2im ran although x does not require grad")

    monkeypatch.setattr(conv_module, "_add_windows", fail)
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(upstream)
    assert x_t.grad is None and b_t.grad is None
    # dL/dw[o, c, a, b] = sum over n, i, j of u[n, o, i, j] padded[n, c, 2i + a, 2j + b] for
    # L = sum(u * out), stride 2: computed here by slicing, independently of the im2col code.
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.zeros_like(w)
    for o, c, a, bb in itertools.product(*map(range, w.shape)):
        patch = padded[:, c, a : a + 2 * out.shape[2] : 2, bb : bb + 2 * out.shape[3] : 2]
        expected[o, c, a, bb] = np.sum(upstream[:, o] * patch)
    np.testing.assert_allclose(w_t.grad, expected, rtol=1e-10)


def test_conv2d_under_no_grad_is_not_recorded():
    x, w, b = random_conv_inputs((1, 2, 4, 4), (2, 2, 3, 3), True)
    with no_grad():
        out = conv2d(Tensor(x, requires_grad=True), Tensor(w, requires_grad=True), Tensor(b))
    assert not out.requires_grad


def test_conv2d_gradients_accumulate_when_an_input_is_used_twice():
    # conv2d(x, w) + conv2d(x, w): every gradient is twice that of one convolution.
    x, w, _ = random_conv_inputs((2, 2, 5, 5), (3, 2, 3, 3), False, seed=5)
    once = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)]
    conv2d(*once, padding=1).sum().backward()
    twice = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)]
    (conv2d(*twice, padding=1) + conv2d(*twice, padding=1)).sum().backward()
    for a, b in zip(once, twice, strict=True):
        np.testing.assert_allclose(b.grad, 2 * a.grad)


# ----------------------------------------------------------------------------------------------
# max_pool2d
# ----------------------------------------------------------------------------------------------

# (x shape, kernel, stride)
POOL_CASES = [
    pytest.param((2, 3, 6, 6), 2, None, id="2x2"),
    pytest.param((1, 2, 7, 7), 2, None, id="odd-size-drops-last-row"),
    pytest.param((2, 2, 6, 5), 3, 1, id="overlapping-3x3-stride1"),
    pytest.param((1, 2, 7, 7), 3, 2, id="overlapping-3x3-stride2"),
    pytest.param((2, 1, 6, 8), (2, 3), (1, 2), id="nonsquare"),
    pytest.param((1, 1, 4, 5), (4, 5), None, id="global"),
    pytest.param((1, 2, 8, 7), 2, 3, id="stride-larger-than-kernel"),
]


def distinct_values(shape, seed):
    """Values at least 0.1 apart, in random order: no ties, and no window's maximum can change
    under a finite-difference step."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


def test_max_pool2d_hand_computed():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_allclose(max_pool2d(Tensor(x), 2).data[0, 0], [[5, 7], [13, 15]])


@pytest.mark.parametrize("x_shape, kernel, stride", POOL_CASES)
def test_max_pool2d_forward_matches_naive_loops(x_shape, kernel, stride):
    x = np.random.default_rng(6).standard_normal(x_shape)
    out = max_pool2d(Tensor(x), kernel, stride)
    expected = naive_max_pool2d(x, kernel, stride)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("x_shape, kernel, stride", POOL_CASES)
def test_max_pool2d_gradient_matches_finite_differences(x_shape, kernel, stride):
    x = distinct_values(x_shape, seed=7)
    result = gradcheck(lambda x: max_pool2d(x, kernel, stride), x, names=["x"])
    assert result.passed, str(result)


def test_max_pool2d_overlapping_windows_accumulate_by_hand():
    # The centre is the maximum of all four 2x2 windows (stride 1), so it gets all four gradients.
    x = Tensor([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]], requires_grad=True)
    out = max_pool2d(x, 2, stride=1)
    np.testing.assert_allclose(out.data[0, 0], [[9, 9], [9, 9]])
    out.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_allclose(x.grad[0, 0], [[0, 0, 0], [0, 10, 0], [0, 0, 0]])


def test_max_pool2d_ties_send_the_gradient_to_the_first_in_row_major_order():
    # Window 1: all equal -> top-left. Window 2: tie between (0, 1) and (1, 0) -> (0, 1).
    x = Tensor([[[[0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 3.0, 2.0]]]], requires_grad=True)
    max_pool2d(x, 2).backward(np.array([[[[5.0, 7.0]]]]))
    np.testing.assert_allclose(x.grad[0, 0], [[5, 0, 0, 7], [0, 0, 0, 0]])


def test_max_pool2d_under_no_grad_is_not_recorded():
    with no_grad():
        out = max_pool2d(Tensor(np.ones((1, 1, 4, 4)), requires_grad=True), 2)
    assert not out.requires_grad


# ----------------------------------------------------------------------------------------------
# float32
# ----------------------------------------------------------------------------------------------


def test_conv2d_keeps_float32():
    x, w, b = random_conv_inputs((2, 3, 6, 6), (4, 3, 3, 3), True, seed=8)
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) for a in (x, w, b)]
    out = conv2d(*tensors, stride=2, padding=1)
    assert out.dtype == np.float32
    upstream = np.random.default_rng(9).standard_normal(out.shape)
    out.backward(upstream.astype(np.float32))
    # Same values as in float64, up to float32 rounding; gradient of (x, w, b) in float32.
    np.testing.assert_allclose(out.data, naive_conv2d(x, w, b, 2, 1), rtol=1e-4, atol=1e-5)
    reference = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    conv2d(*reference, stride=2, padding=1).backward(upstream)
    for t32, t64 in zip(tensors, reference, strict=True):
        assert t32.grad.dtype == np.float32
        np.testing.assert_allclose(t32.grad, t64.grad, rtol=1e-4, atol=1e-4)


def test_max_pool2d_keeps_float32():
    x = Tensor(distinct_values((1, 2, 4, 4), seed=10).astype(np.float32), requires_grad=True)
    out = max_pool2d(x, 2)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32
    assert x.grad.sum() == out.size  # one winner per window


def test_conv2d_module_in_float32():
    layer = Conv2d(2, 3, 3, padding=1, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    out = layer(Tensor(np.ones((1, 2, 4, 4), dtype=np.float32)))
    assert out.dtype == np.float32
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


# ----------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------


X, W = (1, 3, 5, 5), (2, 3, 3, 3)  # a valid input and weight, varied one thing at a time

# (x shape, weight shape, bias shape, keyword arguments, error, pattern the message must match)
CONV_ERRORS = [
    ((3, 5, 5), W, None, {}, ValueError, r"input must be 4-D.*\(3, 5, 5\)"),
    (X, (2, 3, 3), None, {}, ValueError, r"weight must be 4-D.*\(2, 3, 3\)"),
    (X, (2, 4, 3, 3), None, {}, ValueError, r"\(1, 3, 5, 5\) has 3 channels.*\(2, 4, 3, 3\)"),
    ((1, 1, 3, 3), (1, 1, 5, 4), None, {}, ValueError, r"5x4.*padded input 3x3.*\(1, 1, 3, 3\)"),
    ((1, 1, 3, 3), (1, 1, 6, 3), None, {"padding": 1}, ValueError, r"kernel 6x3.*padded input 5x5"),
    (X, W, (3,), {}, ValueError, r"bias must have shape \(2,\).*\(2, 3, 3, 3\).*\(3,\)"),
    (X, W, None, {"stride": 0}, ValueError, r"stride must be at least 1, got 0"),
    (X, W, None, {"stride": (1, 0)}, ValueError, r"stride must be at least 1"),
    (X, W, None, {"padding": -1}, ValueError, r"padding must be at least 0, got -1"),
    (X, W, None, {"stride": 1.5}, TypeError, r"stride must be an int or a pair"),
    (X, W, None, {"padding": (1, 1, 1)}, TypeError, r"padding must be an int or a pair"),
]


@pytest.mark.parametrize("x_shape, w_shape, b_shape, kwargs, error, pattern", CONV_ERRORS)
def test_conv2d_errors_name_the_shapes(x_shape, w_shape, b_shape, kwargs, error, pattern):
    b = None if b_shape is None else Tensor(np.zeros(b_shape))
    with pytest.raises(error, match="conv2d: .*" + pattern):
        conv2d(Tensor(np.zeros(x_shape)), Tensor(np.zeros(w_shape)), b, **kwargs)


def test_conv2d_kernel_as_large_as_the_padded_input_is_allowed():
    out = conv2d(Tensor(np.zeros((1, 1, 3, 3))), Tensor(np.zeros((1, 1, 5, 5))), padding=1)
    assert out.shape == (1, 1, 1, 1)


@pytest.mark.parametrize(
    "x_shape, kernel, stride, error, pattern",
    [
        ((4, 4), 2, None, ValueError, r"input must be 4-D.*\(4, 4\)"),
        ((1, 1, 3, 5), 4, None, ValueError, r"kernel 4x4 is larger than.*3x5.*\(1, 1, 3, 5\)"),
        ((1, 1, 4, 4), 0, None, ValueError, r"kernel_size must be at least 1, got 0"),
        ((1, 1, 4, 4), 2, 0, ValueError, r"stride must be at least 1, got 0"),
        ((1, 1, 4, 4), "2", None, TypeError, r"kernel_size must be an int or a pair"),
    ],
)
def test_max_pool2d_errors(x_shape, kernel, stride, error, pattern):
    with pytest.raises(error, match="max_pool2d: " + pattern):
        max_pool2d(Tensor(np.zeros(x_shape)), kernel, stride)


def test_module_constructors_check_their_arguments():
    with pytest.raises(ValueError, match="in_channels must be at least 1"):
        Conv2d(0, 2, 3)
    with pytest.raises(ValueError, match="padding must be at least 0"):
        Conv2d(1, 2, 3, padding=-1)
    with pytest.raises(ValueError, match="stride must be at least 1"):
        MaxPool2d(2, stride=0)


# ----------------------------------------------------------------------------------------------
# modules
# ----------------------------------------------------------------------------------------------


def test_conv2d_module_parameters_and_repr():
    layer = Conv2d(3, 8, (5, 3), stride=2, padding=(1, 0), rng=0)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.shape == (8, 3, 5, 3) and layer.bias.shape == (8,)
    assert layer.weight.requires_grad and layer.bias.requires_grad
    assert (
        repr(layer) == "Conv2d(3, 8, kernel_size=(5, 3), stride=(2, 2), padding=(1, 0), bias=True)"
    )
    no_bias = Conv2d(3, 8, 3, bias=False, rng=0)
    assert no_bias.bias is None and [name for name, _ in no_bias.named_parameters()] == ["weight"]


def test_conv2d_module_forward_is_conv2d_with_its_parameters():
    layer = Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, rng=1)
    x = np.random.default_rng(11).standard_normal((2, 2, 6, 5))
    expected = naive_conv2d(x, layer.weight.data, layer.bias.data, (2, 1), 1)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)


def test_conv2d_module_init_is_seeded():
    a, b, c = Conv2d(3, 4, 3, rng=5), Conv2d(3, 4, 3, rng=5), Conv2d(3, 4, 3, rng=6)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    # A Generator is drawn from (and advanced), so two layers from one generator differ.
    rng = np.random.default_rng(5)
    first, second = Conv2d(3, 4, 3, rng=rng), Conv2d(3, 4, 3, rng=rng)
    np.testing.assert_array_equal(first.weight.data, a.weight.data)
    assert not np.array_equal(first.weight.data, second.weight.data)


def test_conv2d_module_init_bounds_follow_pytorch():
    # PyTorch's default: uniform in +-1/sqrt(fan_in), fan_in = in_channels * kH * kW = 4 * 5 * 3.
    layer = Conv2d(4, 16, (5, 3), rng=12)
    bound = 1 / np.sqrt(60)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # 960 uniform draws fill the interval: both ends are approached and the mean is near 0.
    assert w.max() > 0.95 * bound and w.min() < -0.95 * bound
    assert abs(w.mean()) < 0.1 * bound
    assert np.std(w) == pytest.approx(bound / np.sqrt(3), rel=0.1)


def test_max_pool2d_module():
    pool = MaxPool2d(2)
    assert pool.stride == (2, 2) and pool.parameters() == []
    assert repr(pool) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"
    x = np.random.default_rng(13).standard_normal((1, 2, 5, 5))
    np.testing.assert_array_equal(MaxPool2d(3, stride=1)(Tensor(x)).data, naive_max_pool2d(x, 3, 1))


def test_tiny_cnn_overfits_a_batch():
    rng = np.random.default_rng(14)
    images = Tensor(rng.standard_normal((8, 1, 8, 8)))
    labels = rng.integers(0, 4, size=8)
    model = Sequential(
        Conv2d(1, 4, 3, padding=1, rng=15),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(4 * 4 * 4, 4, rng=16),
    )
    first = cross_entropy(model(images), labels).item()
    for _ in range(300):
        model.zero_grad()
        loss = cross_entropy(model(images), labels)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    final = cross_entropy(model(images), labels).item()
    assert first > 1.0  # about log(4) at the start: the test is not passed by the initial network
    assert final < 0.01
    assert np.array_equal(model(images).data.argmax(axis=1), labels)


def held_out_accuracy_on_shapes(model):
    """Train ``model`` on 2,000 images of ``make_shapes`` (10 epochs of Adam, mini-batches of 32,
    cross-entropy) and return its accuracy on 500 others: assignment 3's notebook, in brief."""
    X, y = make_shapes(n_samples=2500, noise=0.15, rng=0)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    optimizer = Adam(model.parameters(), lr=0.01)
    loader = DataLoader(X_train, y_train, batch_size=32, rng=3)
    for _ in range(10):
        for images, labels in loader:
            optimizer.zero_grad()
            cross_entropy(model(Tensor(images)), labels).backward()
            optimizer.step()
    with no_grad():
        predicted = model(Tensor(X_test)).data.argmax(axis=1)
    return np.mean(predicted == y_test)


def test_small_cnn_tells_the_shapes_apart_where_a_linear_model_cannot():
    # 97% to 100% over 40 seeds of data and weights; the linear model 51% to 58% (chance is 25%).
    cnn = Sequential(
        Conv2d(1, 8, 3, rng=1), ReLU(), MaxPool2d(2), Flatten(), Linear(8 * 5 * 5, 4, rng=2)
    )
    linear = Sequential(Flatten(), Linear(12 * 12, 4, rng=2))
    cnn_accuracy = held_out_accuracy_on_shapes(cnn)
    linear_accuracy = held_out_accuracy_on_shapes(linear)
    assert cnn_accuracy >= 0.95
    assert linear_accuracy < 0.7  # the data set is not easy without convolution

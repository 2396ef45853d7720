"""Every Tensor operation's gradient, against finite differences and against independent maths.

Finite differences use a random (not all-ones) upstream gradient; inputs stay away from kinks
(relu and abs at 0, clip at its bounds, ties in max) where a derivative is not defined.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from autodiff_numpy import Tensor, concat, stack, where
from autodiff_numpy.gradcheck import gradcheck

rng = np.random.default_rng(1234)


def away_from_zero(shape, low=0.3, high=2.0):
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def assert_gradcheck(fn, *inputs):
    result = gradcheck(fn, *inputs)
    assert result.passed, "\n" + str(result)


# ------------------------------------------------------------------------- elementwise, unary

UNARY = {
    "neg": (lambda t: -t, lambda s: rng.normal(size=s)),
    "exp": (lambda t: t.exp(), lambda s: rng.uniform(-2, 2, s)),
    "log": (lambda t: t.log(), lambda s: rng.uniform(0.3, 3, s)),
    "sqrt": (lambda t: t.sqrt(), lambda s: rng.uniform(0.3, 3, s)),
    "abs": (lambda t: t.abs(), away_from_zero),
    "relu": (lambda t: t.relu(), away_from_zero),
    "sigmoid": (lambda t: t.sigmoid(), lambda s: rng.uniform(-4, 4, s)),
    "tanh": (lambda t: t.tanh(), lambda s: rng.uniform(-2, 2, s)),
    "pow2": (lambda t: t**2, lambda s: rng.normal(size=s)),
    "pow3": (lambda t: t**3, lambda s: rng.normal(size=s)),
    "pow-1.5": (lambda t: t**-1.5, lambda s: rng.uniform(0.5, 2, s)),
    "pow0.5": (lambda t: t**0.5, lambda s: rng.uniform(0.5, 2, s)),
    "clip": (
        lambda t: t.clip(-0.5, 0.5),
        lambda s: away_from_zero(s, 0.1, 0.4) * rng.choice([1, 3], s),
    ),
    "clip-low-only": (lambda t: t.clip(low=0.2), lambda s: rng.choice([-1.0, 1.0], s)),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)])
def test_unary_gradient_matches_finite_differences(name, shape):
    fn, sample = UNARY[name]
    assert_gradcheck(fn, sample(shape))


# Closed forms written independently of the engine: d op(x) / dx.
DERIVATIVES = {
    "exp": (lambda t: t.exp(), np.exp, lambda x: np.exp(x), lambda s: rng.uniform(-2, 2, s)),
    "log": (lambda t: t.log(), np.log, lambda x: 1 / x, lambda s: rng.uniform(0.3, 3, s)),
    "sqrt": (
        lambda t: t.sqrt(),
        np.sqrt,
        lambda x: 0.5 / np.sqrt(x),
        lambda s: rng.uniform(0.3, 3, s),
    ),
    "sigmoid": (
        lambda t: t.sigmoid(),
        lambda x: 1 / (1 + np.exp(-x)),
        lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
        lambda s: rng.uniform(-4, 4, s),
    ),
    "tanh": (
        lambda t: t.tanh(),
        np.tanh,
        lambda x: 1 / np.cosh(x) ** 2,
        lambda s: rng.uniform(-2, 2, s),
    ),
    "relu": (
        lambda t: t.relu(),
        lambda x: np.where(x > 0, x, 0),
        lambda x: (x > 0) * 1.0,
        away_from_zero,
    ),
    "abs": (lambda t: t.abs(), np.abs, np.sign, away_from_zero),
}


@pytest.mark.parametrize("name", DERIVATIVES)
def test_unary_value_and_gradient_match_closed_form(name):
    fn, value, derivative, sample = DERIVATIVES[name]
    x = sample((4, 3))
    upstream = rng.normal(size=x.shape)
    t = Tensor(x, requires_grad=True)
    out = fn(t)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, value(x), rtol=1e-12)
    np.testing.assert_allclose(t.grad, upstream * derivative(x), rtol=1e-10)


def test_sigmoid_is_stable_and_exact_far_from_zero():
    t = Tensor([-800.0, -40.0, 0.0, 40.0, 800.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = t.sigmoid()
        out.sum().backward()
    np.testing.assert_allclose(out.data, [0.0, np.exp(-40.0), 0.5, 1.0, 1.0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        t.grad, [0.0, np.exp(-40.0), 0.25, 0.0, 0.0], rtol=1e-10, atol=1e-300
    )


# ------------------------------------------------------------------------- elementwise, binary

BINARY = {
    "add": (lambda a, b: a + b, lambda s: rng.normal(size=s)),
    "sub": (lambda a, b: a - b, lambda s: rng.normal(size=s)),
    "mul": (lambda a, b: a * b, lambda s: rng.normal(size=s)),
    "div": (lambda a, b: a / b, away_from_zero),
    "pow": (lambda a, b: a**b, lambda s: rng.uniform(0.5, 2, s)),
}


@settings(max_examples=15, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    name=st.sampled_from(list(BINARY)),
)
def test_binary_gradient_for_every_broadcasting_pattern(shapes, name):
    fn, sample = BINARY[name]
    left, right = shapes.input_shapes
    assert_gradcheck(fn, sample(left), sample(right))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("constant_kind", ["number", "array"])
def test_binary_with_a_constant_on_either_side(name, constant_kind):
    fn, sample = BINARY[name]
    x = sample((3, 4))
    constant = 1.7 if constant_kind == "number" else sample((4,))
    assert_gradcheck(lambda t: fn(t, constant), x)
    assert_gradcheck(lambda t: fn(constant, t), x)


def test_reflected_operators_compute_the_right_values():
    x = np.array([0.5, 2.0, 4.0])
    t = Tensor(x)
    np.testing.assert_allclose((3 - t).data, 3 - x)
    np.testing.assert_allclose((3 / t).data, 3 / x)
    np.testing.assert_allclose((2**t).data, 2**x)
    np.testing.assert_allclose((np.array([1.0, 2.0, 3.0]) - t).data, [0.5, 0.0, -1.0])
    assert isinstance(np.ones(3) * t, Tensor)


def test_broadcast_gradient_is_summed_over_stretched_axes():
    a = Tensor(rng.normal(size=(4, 1, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(5, 1)), requires_grad=True)
    upstream = rng.normal(size=(4, 5, 3))
    (a * b).backward(upstream)
    # d/da of sum(u * a * b) = sum over the axes a was copied along of u * b.
    np.testing.assert_allclose(a.grad, (upstream * b.data).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(b.grad, (upstream * a.data).sum(axis=(0, 2))[:, None])


# ------------------------------------------------------------------------- matmul

MATMUL_SHAPES = [
    ((4,), (4,)),
    ((4,), (4, 3)),
    ((2, 4), (4,)),
    ((2, 4), (4, 3)),
    ((5, 2, 4), (4, 3)),
    ((2, 4), (5, 4, 3)),
    ((5, 2, 4), (5, 4, 3)),
    ((2, 1, 2, 4), (3, 4, 2)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize(("left", "right"), MATMUL_SHAPES)
def test_matmul_gradient_for_every_operand_kind(left, right):
    assert_gradcheck(lambda a, b: a @ b, rng.normal(size=left), rng.normal(size=right))
    np.testing.assert_allclose(
        (Tensor(np.ones(left)) @ np.ones(right)).data, np.ones(left) @ np.ones(right)
    )


def test_matmul_gradient_matches_closed_form():
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    upstream = rng.normal(size=(3, 2))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (ta @ tb).backward(upstream)
    np.testing.assert_allclose(ta.grad, upstream @ b.T)
    np.testing.assert_allclose(tb.grad, a.T @ upstream)


def test_matmul_skips_the_gradient_of_a_constant():
    a = Tensor(rng.normal(size=(3, 4)))
    w = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    (a @ w).sum().backward()
    assert a.grad is None
    np.testing.assert_allclose(w.grad, a.data.T @ np.ones((3, 2)))


# ------------------------------------------------------------------------- reductions

AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradient(reduction, axis, keepdims):
    x = rng.permutation(24).reshape(2, 3, 4) * 0.37 + rng.normal(
        scale=0.01, size=(2, 3, 4)
    )  # no ties
    assert_gradcheck(lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims), x)
    out = getattr(Tensor(x), reduction)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, reduction)(x, axis=axis, keepdims=keepdims))


def test_max_shares_the_gradient_between_ties():
    t = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    t.max(axis=1).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(t.grad, [[0, 0.5, 0.5], [5.0, 0, 5.0]])


def test_mean_gradient_is_one_over_count():
    t = Tensor(rng.normal(size=(3, 5)), requires_grad=True)
    t.mean(axis=0).sum().backward()
    np.testing.assert_allclose(t.grad, np.full((3, 5), 1 / 3))


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_gradient(op, axis):
    assert_gradcheck(lambda t: getattr(t, op)(axis=axis), rng.normal(size=(3, 4)))


def test_softmax_values_and_stability_for_large_inputs():
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        soft = Tensor(x).softmax().data
        log_soft = Tensor(x).log_softmax().data
    expected = np.exp([[0.0, 1.0, -1.0]]) / np.exp([0.0, 1.0, -1.0]).sum()
    np.testing.assert_allclose(soft[0], expected[0])
    np.testing.assert_allclose(soft[1], [1 / 3] * 3)
    np.testing.assert_allclose(log_soft, np.log(np.vstack([expected, [1 / 3] * 3])))


# ------------------------------------------------------------------------- shape operations

SHAPE_OPS = {
    "reshape": lambda t: t.reshape(4, 6),
    "reshape-tuple-and-minus-one": lambda t: t.reshape((3, -1)),
    "transpose-reverse": lambda t: t.transpose(),
    "transpose-permutation": lambda t: t.transpose(1, 2, 0),
    "T": lambda t: t.T,
    "broadcast_to": lambda t: t[:, :1, :].broadcast_to((5, 2, 3, 4)),
    "slice": lambda t: t[1:, ::2, -1],
    "int-and-ellipsis": lambda t: t[0, ..., 1],
    "newaxis": lambda t: t[None, :, 1],
    "repeated-integer-array": lambda t: t[[0, 1, 0, 0]],
    "integer-arrays-with-slice": lambda t: t[:, [2, 0, 2], 1:3],
    "boolean-mask": lambda t: t[t.data > 0.1],
    "tensor-index": lambda t: t[Tensor([1, 1, 0])],
    "masked_fill": lambda t: t.masked_fill(t.data < 0, -7.0),
    "masked_fill-broadcast-mask": lambda t: t.masked_fill(
        np.array([True, False, False, True]), 0.0
    ),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_operation_gradient(name):
    assert_gradcheck(SHAPE_OPS[name], rng.normal(size=(2, 3, 4)))


def test_repeated_indices_accumulate():
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    t[[0, 2, 0, 0]].backward(np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_allclose(t.grad, [1101.0, 0.0, 10.0])


def test_concat_stack_where_gradients():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    assert_gradcheck(lambda x, y: concat([x, y], axis=0), a, b)
    assert_gradcheck(lambda x, y: concat([x, y.T], axis=1), a, rng.normal(size=(5, 2)))
    assert_gradcheck(lambda x, y: stack([x, y], axis=1), a, rng.normal(size=(2, 3)))
    condition = rng.random((2, 3)) > 0.5
    assert_gradcheck(lambda x, y: where(condition, x, y), a, rng.normal(size=(3,)))
    np.testing.assert_allclose(where(condition, Tensor(a), 0.0).data, np.where(condition, a, 0.0))


# ------------------------------------------------------------------------- shapes and dtypes of gradients

ALL_OPS = {**{k: v[0] for k, v in UNARY.items()}, **SHAPE_OPS}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ALL_OPS))
def test_gradient_has_the_shape_and_dtype_of_the_data(name, dtype):
    x = rng.uniform(0.5, 2.0, (2, 3, 4)).astype(dtype)
    t = Tensor(x, requires_grad=True)
    out = ALL_OPS[name](t)
    assert out.dtype == dtype, f"{name} changed the dtype to {out.dtype}"
    out.backward(np.ones(out.shape, dtype=dtype))
    assert t.grad.shape == t.shape
    assert t.grad.dtype == dtype


@pytest.mark.parametrize("name", BINARY)
def test_float32_stays_float32_with_python_numbers(name):
    fn, _ = BINARY[name]
    t = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    out = fn(t, 2.0) + fn(3.0, t)
    out.sum().backward()
    assert out.dtype == np.float32 and t.grad.dtype == np.float32


def test_a_float32_input_gets_a_float32_gradient_through_a_float64_graph():
    small = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    big = Tensor(np.full(3, 2.0), requires_grad=True)
    (small * big).sum().backward()
    assert small.grad.dtype == np.float32 and big.grad.dtype == np.float64
    np.testing.assert_allclose(small.grad, [2.0, 2.0, 2.0])


# --------------------------------------------------------- whole graphs with closed-form gradients


def test_one_layer_network_gradients_match_hand_derivation():
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,))
    tw, tb = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    loss = ((Tensor(x) @ tw + tb).tanh() ** 2).mean()
    loss.backward()
    y = np.tanh(x @ w + b)
    d_pre = (2 * y / y.size) * (1 - y**2)
    np.testing.assert_allclose(loss.item(), (y**2).mean())
    np.testing.assert_allclose(tw.grad, x.T @ d_pre)
    np.testing.assert_allclose(tb.grad, d_pre.sum(axis=0))


def test_sigmoid_binary_cross_entropy_by_hand():
    z = Tensor(rng.normal(size=(6,)), requires_grad=True)
    y = (rng.random(6) > 0.5).astype(float)
    p = z.sigmoid()
    loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    loss.backward()
    np.testing.assert_allclose(z.grad, (1 / (1 + np.exp(-z.data)) - y) / 6, rtol=1e-10)


def test_a_plus_a_and_a_times_a():
    a = Tensor(3.0, requires_grad=True)
    (a + a).backward()
    assert a.grad == 2.0
    a.grad = None
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond_sums_both_paths():
    # u = e^x feeds both v = u * x and the final sum: f = u + u x, so df/dx = e^x (2 + x).
    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    u = x.exp().retain_grad()
    f = u + u * x
    f.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data) * (2 + x.data))
    np.testing.assert_allclose(u.grad, 1 + x.data)


def test_softmax_cross_entropy_by_hand_from_primitives():
    logits = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 2])
    loss = -logits.log_softmax(axis=1)[np.arange(4), labels].mean()
    loss.backward()
    soft = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    expected = soft.copy()
    expected[np.arange(4), labels] -= 1
    np.testing.assert_allclose(logits.grad, expected / 4, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(ALL_OPS) + ["sum-all", "mean-all", "index-all", "dot"])
def test_every_result_holds_an_ndarray_even_when_0_d(name):
    extra = {
        "sum-all": lambda t: t.sum(),
        "mean-all": lambda t: t.mean(),
        "index-all": lambda t: t[0, 1, 2],
        "dot": lambda t: t[0, 0] @ t[1, 0],
    }
    t = Tensor(rng.uniform(0.5, 2.0, (2, 3, 4)), requires_grad=True)
    out = {**ALL_OPS, **extra}[name](t)
    assert type(out.data) is np.ndarray

"""Visible tests of assignment 1, marked by task: ``python -m pytest -m task1_3`` runs Task 1.3's.

Each backward rule is called directly, with a random upstream gradient, on the result of its
(given) forward, and compared with finite differences of that forward: a task's tests need no
other task. A failure names the operation, the input, the element, expected vs got, the relative
error and, where it can tell, the likely mistake.
"""

import numpy as np
import pytest
from checks import check_op, sum_to_shape
from mygrad import Tensor, nn
from mygrad.nn import functional as F
from mygrad.tensor import unbroadcast

rng = np.random.default_rng(2024)
LABELS = (rng.random((6, 1)) > 0.5) * 1.0


def normal(*shape):
    return rng.normal(size=shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def task(number, *cases):
    """Parametrize a test over ``cases``, each marked as belonging to Task 1.<number>."""
    return [
        pytest.param(case, marks=getattr(pytest.mark, f"task1_{number}"), id=case[0])
        for case in cases
    ]


RULES = [
    *task(
        2,
        ("add", lambda a, b: a + b, normal(3, 4), normal(3, 4)),
        ("add broadcast", lambda a, b: a + b, normal(3, 4), normal(4)),
        ("sub", lambda a, b: a - b, normal(3, 4), normal(3, 1)),
        ("neg", lambda a: -a, normal(2, 3)),
    ),
    *task(
        3,
        ("mul", lambda a, b: a * b, normal(3, 4), normal(3, 4)),
        ("mul broadcast", lambda a, b: a * b, normal(2, 3, 4), normal(3, 1)),
        ("div", lambda a, b: a / b, normal(3, 4), away_from_zero(3, 4)),
        ("div broadcast", lambda a, b: a / b, normal(3, 4), away_from_zero(4)),
    ),
    *task(
        4,
        ("power by a number", lambda a: a**3, normal(3, 4)),
        ("power by a fraction", lambda a: a**-1.5, positive(5)),
        ("power by a tensor", lambda a, b: a**b, positive(3, 4), normal(3, 4)),
    ),
    *task(
        5,
        ("matmul", lambda a, b: a @ b, normal(3, 4), normal(4, 2)),
        ("matmul vector @ matrix", lambda a, b: a @ b, normal(4), normal(4, 2)),
        ("matmul matrix @ vector", lambda a, b: a @ b, normal(3, 4), normal(4)),
        ("matmul batched", lambda a, b: a @ b, normal(2, 3, 4), normal(4, 5)),
        ("matmul dot", lambda a, b: a @ b, normal(4), normal(4)),
    ),
    *task(
        6,
        ("sum", lambda a: a.sum(), normal(3, 4)),
        ("sum axis 0", lambda a: a.sum(axis=0), normal(3, 4)),
        ("sum axes keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), normal(2, 3, 4)),
        ("mean", lambda a: a.mean(), normal(3, 4)),
        ("mean axis -1", lambda a: a.mean(axis=-1), normal(3, 4)),
    ),
    *task(7, ("exp", lambda a: a.exp(), normal(3, 4)), ("log", lambda a: a.log(), positive(3, 4))),
    *task(
        8,
        ("relu", lambda a: a.relu(), away_from_zero(3, 4)),
        ("sigmoid", lambda a: a.sigmoid(), normal(3, 4)),
        ("tanh", lambda a: a.tanh(), normal(3, 4)),
    ),
    *task(
        9,
        ("reshape", lambda a: a.reshape(4, 3), normal(2, 6)),
        ("transpose", lambda a: a.transpose(1, 2, 0), normal(2, 3, 4)),
        ("T", lambda a: a.T, normal(3, 4)),
    ),
    *task(
        10,
        ("linear", lambda x, w, b: F.linear(x, w, b), normal(5, 3), normal(3, 2), normal(2)),
        ("linear without bias", lambda x, w: F.linear(x, w), normal(5, 3), normal(3, 2)),
    ),
    *task(
        11,
        ("mse_loss", lambda p, t: F.mse_loss(p, t, reduction="none"), normal(6, 1), normal(6, 1)),
        (
            "binary_cross_entropy",
            lambda p: F.binary_cross_entropy(p, LABELS, reduction="none"),
            rng.uniform(0.1, 0.9, (6, 1)),
        ),
    ),
]


@pytest.mark.parametrize("case", RULES)
def test_backward_rule(case):
    op, make, *arrays = case
    check_op(op, make, *arrays, tensor=Tensor)


@pytest.mark.task1_1
@pytest.mark.parametrize(
    ("grad_shape", "shape"),
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 1, 4)), ((3, 4), ())],
)
def test_unbroadcast_sums_over_the_broadcast_axes(grad_shape, shape):
    grad = normal(*grad_shape)
    got = unbroadcast(grad, shape)
    expected = sum_to_shape(grad, shape)
    assert np.shape(got) == shape, f"unbroadcast to {shape} gave shape {np.shape(got)}"
    np.testing.assert_allclose(
        got, expected, err_msg=f"unbroadcast of a {grad_shape} gradient to {shape}"
    )


@pytest.mark.task1_10
def test_relu_sigmoid_and_sequential_forwards():
    x = away_from_zero(4, 3)
    np.testing.assert_allclose(nn.ReLU()(Tensor(x)).data, np.maximum(x, 0), err_msg="ReLU.forward")
    np.testing.assert_allclose(
        nn.Sigmoid()(Tensor(x)).data, 1 / (1 + np.exp(-x)), err_msg="Sigmoid.forward"
    )
    model = nn.Sequential(nn.Linear(3, 2, rng=0), nn.ReLU())
    W, b = model[0].weight.data, model[0].bias.data
    np.testing.assert_allclose(
        model(Tensor(x)).data, np.maximum(x @ W + b, 0), err_msg="Sequential.forward"
    )

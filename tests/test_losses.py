"""Tests for the loss functions (``nn.functional``) and the loss modules (``nn``).

Every expected value is computed here from the loss's definition with plain NumPy; every gradient
is checked by finite differences (random upstream gradient, away from kinks) and against its
closed form.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_numpy import Tensor, nn
from autodiff_numpy.gradcheck import gradcheck
from autodiff_numpy.nn import functional as F

SHAPE = (3, 4)
N_ELEMENTS = 12


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


# Each elementwise loss: its function, its module, the loss of one element by hand, the derivative
# of that element's loss with respect to the prediction, and inputs that keep away from kinks.


def mse_inputs(rng):
    return rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)


def l1_inputs(rng):
    prediction = rng.standard_normal(SHAPE)
    return prediction, prediction + signs(rng, SHAPE) * rng.uniform(0.2, 1.0, SHAPE)


def bce_inputs(rng):
    return rng.uniform(0.1, 0.9, SHAPE), rng.uniform(0.0, 1.0, SHAPE)  # soft targets allowed


def bce_logits_inputs(rng):
    return 2 * rng.standard_normal(SHAPE), rng.uniform(0.0, 1.0, SHAPE)


def hinge_inputs(rng):
    y = signs(rng, SHAPE)
    # y * score = 1 +- (0.2 .. 1): never on the kink y * score = 1
    score = y * (1 + signs(rng, SHAPE) * rng.uniform(0.2, 1.0, SHAPE))
    return score, y


ELEMENTWISE = {
    "mse": (
        F.mse_loss,
        nn.MSELoss,
        lambda p, t: (p - t) ** 2,
        lambda p, t: 2 * (p - t),
        mse_inputs,
    ),
    "l1": (
        F.l1_loss,
        nn.L1Loss,
        lambda p, t: np.abs(p - t),
        lambda p, t: np.sign(p - t),
        l1_inputs,
    ),
    "bce": (
        F.binary_cross_entropy,
        nn.BCELoss,
        lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        lambda p, y: -y / p + (1 - y) / (1 - p),
        bce_inputs,
    ),
    "bce_with_logits": (
        F.binary_cross_entropy_with_logits,
        nn.BCEWithLogitsLoss,
        lambda z, y: -(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z))),
        lambda z, y: sigmoid(z) - y,
        bce_logits_inputs,
    ),
    "hinge": (
        F.hinge_loss,
        nn.HingeLoss,
        lambda s, y: np.maximum(0.0, 1 - y * s),
        lambda s, y: np.where(1 - y * s > 0, -y, 0.0),
        hinge_inputs,
    ),
}
LOSS_NAMES = list(ELEMENTWISE)
REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


# ----------------------------------------------------------------------------------------------
# Elementwise losses: values, gradients
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_elementwise_loss_values(name, reduction):
    function, module, by_hand, _, inputs = ELEMENTWISE[name]
    prediction, target = inputs(np.random.default_rng(0))
    expected = REDUCE[reduction](by_hand(prediction, target))
    out = function(Tensor(prediction), target, reduction=reduction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out = module(reduction=reduction)(Tensor(prediction), Tensor(target))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_module_default_reduction_is_mean(name):
    function, module, by_hand, _, inputs = ELEMENTWISE[name]
    prediction, target = inputs(np.random.default_rng(1))
    expected = by_hand(prediction, target).mean()
    assert module()(Tensor(prediction), target).item() == pytest.approx(expected, rel=1e-12)
    assert function(Tensor(prediction), target).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_elementwise_loss_gradcheck(name, reduction):
    function, _, _, _, inputs = ELEMENTWISE[name]
    prediction, target = inputs(np.random.default_rng(2))
    result = gradcheck(lambda p: function(p, target, reduction=reduction), prediction)
    assert result.passed, str(result)


@pytest.mark.parametrize("name", ["mse", "l1"])
def test_gradient_reaches_the_target_too(name):
    function, _, _, _, inputs = ELEMENTWISE[name]
    prediction, target = inputs(np.random.default_rng(3))
    result = gradcheck(function, prediction, target, names=["prediction", "target"])
    assert result.passed, str(result)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_elementwise_loss_closed_form_gradient(name):
    function, _, _, derivative, inputs = ELEMENTWISE[name]
    prediction, target = inputs(np.random.default_rng(4))
    for reduction, divisor in [("mean", N_ELEMENTS), ("sum", 1)]:
        p = Tensor(prediction, requires_grad=True)
        function(p, target, reduction=reduction).backward()
        np.testing.assert_allclose(p.grad, derivative(prediction, target) / divisor, rtol=1e-10)


# ----------------------------------------------------------------------------------------------
# Cross-entropy
# ----------------------------------------------------------------------------------------------


def cross_entropy_by_hand(logits, labels):
    """Per row: -log(softmax(z)[label]), written naively (fine for small logits)."""
    e = np.exp(logits)
    return np.array([-np.log(e[i, k] / e[i].sum()) for i, k in enumerate(labels)])


def softmax_by_hand(logits):
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


LOGITS = np.random.default_rng(5).standard_normal((4, 3))
LABELS = np.array([2, 0, 1, 2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_values(reduction):
    expected = REDUCE[reduction](cross_entropy_by_hand(LOGITS, LABELS))
    out = F.cross_entropy(Tensor(LOGITS), LABELS, reduction=reduction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out = nn.CrossEntropyLoss(reduction=reduction)(Tensor(LOGITS), LABELS)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_cross_entropy_by_hand_on_numbers():
    # logits (0, log 3): softmax (1/4, 3/4)
    logits = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    out = F.cross_entropy(Tensor(logits), [0, 1], reduction="none")
    np.testing.assert_allclose(out.data, [np.log(4.0), np.log(4 / 3)], rtol=1e-12)


def test_cross_entropy_labels_as_list_array_or_tensor():
    expected = cross_entropy_by_hand(LOGITS, LABELS).mean()
    for labels in (list(LABELS), LABELS.astype(np.int32), Tensor(LABELS)):
        assert F.cross_entropy(Tensor(LOGITS), labels).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradcheck(reduction):
    result = gradcheck(lambda z: F.cross_entropy(z, LABELS, reduction=reduction), LOGITS)
    assert result.passed, str(result)


def test_cross_entropy_closed_form_gradient():
    onehot = np.eye(3)[LABELS]
    for reduction, divisor in [("mean", 4), ("sum", 1)]:
        z = Tensor(LOGITS, requires_grad=True)
        F.cross_entropy(z, LABELS, reduction=reduction).backward()
        np.testing.assert_allclose(z.grad, (softmax_by_hand(LOGITS) - onehot) / divisor, rtol=1e-12)


def test_cross_entropy_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [1000.0, -1000.0, 0.0]])
    labels = np.array([0, 0, 2])
    z = Tensor(logits, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        losses = F.cross_entropy(z, labels, reduction="none")
        F.cross_entropy(z, labels).backward()
    # loss = logsumexp(z) - z[label] and logsumexp = 1000 (the other terms are below e^-1000)
    np.testing.assert_allclose(losses.data, [0.0, 2000.0, 1000.0], atol=1e-12)
    softmax = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    onehot = np.eye(3)[labels]
    assert np.all(np.isfinite(z.grad))
    np.testing.assert_allclose(z.grad, (softmax - onehot) / 3, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    rows=st.integers(1, 5),
    classes=st.integers(2, 5),
    shift=st.floats(-50, 50),
)
def test_cross_entropy_property(seed, rows, classes, shift):
    rng = np.random.default_rng(seed)
    logits = rng.uniform(-5, 5, (rows, classes))
    labels = rng.integers(0, classes, rows)
    expected = cross_entropy_by_hand(logits, labels)
    out = F.cross_entropy(Tensor(logits), labels, reduction="none").data
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)
    # adding a constant to a row changes nothing
    shifted = F.cross_entropy(Tensor(logits + shift), labels, reduction="none").data
    np.testing.assert_allclose(shifted, expected, rtol=1e-9, atol=1e-10)


# ----------------------------------------------------------------------------------------------
# Binary cross-entropy: saturation and stability
# ----------------------------------------------------------------------------------------------


def test_bce_with_logits_large_logits():
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    t = Tensor(z, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        losses = F.binary_cross_entropy_with_logits(t, y, reduction="none")
        F.binary_cross_entropy_with_logits(t, y).backward()
    # right with certainty: 0; wrong with certainty: log(1 + e^1000) = 1000 to double precision
    np.testing.assert_allclose(losses.data, [0.0, 0.0, 1000.0, 1000.0], atol=1e-12)
    np.testing.assert_allclose(t.grad, np.array([0.0, 0.0, 1.0, -1.0]) / 4, atol=1e-15)


def test_bce_saturated_probabilities_are_clamped_like_pytorch():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    t = Tensor(p, requires_grad=True)
    losses = F.binary_cross_entropy(t, y, reduction="none")
    # log(0) is clamped at -100: a certain mistake costs 100, a certain success 0
    np.testing.assert_array_equal(losses.data, [0.0, 0.0, 100.0, 100.0])
    loss = nn.BCELoss()(t, y)
    assert loss.item() == pytest.approx(50.0)
    loss.backward()
    # (p - y) / max(p (1 - p), 1e-12), over 4 elements
    assert np.all(np.isfinite(t.grad))
    np.testing.assert_allclose(t.grad, np.array([0.0, 0.0, -1e12, 1e12]) / 4, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.1, 15))
def test_bce_with_logits_equals_bce_of_sigmoid(seed, scale):
    rng = np.random.default_rng(seed)
    z = scale * rng.standard_normal(6)
    y = rng.uniform(0, 1, 6)
    with_logits = F.binary_cross_entropy_with_logits(Tensor(z), y, reduction="none").data
    # log sigmoid(z) = -log(1 + e^-z) and log(1 - sigmoid(z)) = log sigmoid(-z) = -log(1 + e^z)
    expected = y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)
    np.testing.assert_allclose(with_logits, expected, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_shape_mismatch_is_an_error_not_a_broadcast(name):
    function, module, *_ = ELEMENTWISE[name]
    prediction = Tensor(np.full((4, 1), 0.5))
    target = np.ones(4)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        function(prediction, target)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        module()(prediction, Tensor(target))


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0]], ids=["too-large", "negative"])
def test_cross_entropy_labels_out_of_range(labels):
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), labels)


def test_cross_entropy_non_integer_labels():
    with pytest.raises((TypeError, ValueError), match="integer"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0.5, 1.0])
    with pytest.raises((TypeError, ValueError), match="integer"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([True, False]))


@pytest.mark.parametrize(
    "logits_shape, labels",
    [((3,), [0, 1, 2]), ((2, 3, 4), [0, 1]), ((2, 3), [[0], [1]]), ((2, 3), [0, 1, 2])],
    ids=["1d-logits", "3d-logits", "2d-labels", "labels-too-long"],
)
def test_cross_entropy_wrong_shapes(logits_shape, labels):
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        F.cross_entropy(Tensor(np.zeros(logits_shape)), np.array(labels))


@pytest.mark.parametrize("bad", [-0.1, 1.2])
def test_bce_probabilities_outside_unit_interval(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.binary_cross_entropy(Tensor([0.5, bad]), [1.0, 0.0])


@pytest.mark.parametrize("bad", [0.0, 0.5, 2.0])
def test_hinge_labels_must_be_plus_or_minus_one(bad):
    with pytest.raises(ValueError, match="-1 or \\+1"):
        F.hinge_loss(Tensor([0.3, 0.2]), [1.0, bad])


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_bad_reduction(name):
    function, module, *_ = ELEMENTWISE[name]
    with pytest.raises(ValueError, match="'average'"):
        module(reduction="average")
    with pytest.raises(ValueError, match="'average'"):
        function(Tensor(np.full(2, 0.5)), np.ones(2), reduction="average")


def test_cross_entropy_bad_reduction():
    with pytest.raises(ValueError, match="'average'"):
        nn.CrossEntropyLoss(reduction="average")
    with pytest.raises(ValueError, match="'average'"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], reduction="average")


def test_binary_cross_entropy_refuses_nan_probabilities():
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\]"):
        F.binary_cross_entropy(Tensor([0.5, np.nan]), [1.0, 0.0])

"""Tests for ``autodiff_numpy.optim``: optimizers, gradient clipping and learning-rate schedules.

Each update rule is written out again here, independently, from its published definition (the
one PyTorch implements), and the optimizer's parameters are compared with it step by step.
"""

import math

import numpy as np
import pytest

from autodiff_numpy import Tensor
from autodiff_numpy.nn import Parameter
from autodiff_numpy.optim import SGD, Adam, LinearLR, StepLR, clip_grad_norm

GRADIENTS = [
    np.array([0.5, -1.0, 2.0]),
    np.array([-0.25, 0.75, 1.5]),
    np.array([1.0, 0.5, -3.0]),
    np.array([0.1, -0.2, 0.3]),
    np.array([-2.0, 1.0, 0.0]),
]
START = np.array([1.0, -2.0, 3.0])


def run(optimizer, parameter, gradients):
    """Give ``parameter`` each gradient in turn and step; return the values after each step."""
    trajectory = []
    for g in gradients:
        parameter.grad = g
        optimizer.step()
        trajectory.append(parameter.data.copy())
    return trajectory


# ----------------------------------------------------------------------------------------------
# SGD
# ----------------------------------------------------------------------------------------------


def test_sgd_one_step_by_hand():
    p = Parameter([1.0, -2.0, 3.0])
    p.grad = np.array([0.5, 0.25, -1.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.025, 3.1], rtol=1e-15)


def test_sgd_step_from_backward():
    # L = sum(c * p^2): dL/dp = 2 c p
    c = np.array([1.0, 2.0, 0.5])
    p = Parameter(START)
    (Tensor(c) * p * p).sum().backward()
    SGD([p], lr=0.05).step()
    np.testing.assert_allclose(p.data, START - 0.05 * 2 * c * START, rtol=1e-15)


def test_sgd_momentum_three_steps():
    lr, momentum = 0.1, 0.9
    p = Parameter(START)
    got = run(SGD([p], lr=lr, momentum=momentum), p, GRADIENTS[:3])
    # v_1 = g_1, v_t = momentum v_{t-1} + g_t, p_t = p_{t-1} - lr v_t
    g1, g2, g3 = GRADIENTS[:3]
    v1 = g1
    v2 = momentum * v1 + g2
    v3 = momentum * v2 + g3
    p1 = START - lr * v1
    p2 = p1 - lr * v2
    p3 = p2 - lr * v3
    for got_step, expected in zip(got, [p1, p2, p3], strict=True):
        np.testing.assert_allclose(got_step, expected, rtol=1e-13)


def test_sgd_weight_decay():
    lr, decay = 0.1, 0.01
    p = Parameter(START)
    got = run(SGD([p], lr=lr, weight_decay=decay), p, GRADIENTS[:2])
    p1 = START - lr * (GRADIENTS[0] + decay * START)
    p2 = p1 - lr * (GRADIENTS[1] + decay * p1)
    np.testing.assert_allclose(got[0], p1, rtol=1e-14)
    np.testing.assert_allclose(got[1], p2, rtol=1e-14)


def test_sgd_momentum_with_weight_decay():
    lr, momentum, decay = 0.05, 0.8, 0.1
    p = Parameter(START)
    got = run(SGD([p], lr=lr, momentum=momentum, weight_decay=decay), p, GRADIENTS)
    value, velocity = START.copy(), None
    for g, got_step in zip(GRADIENTS, got, strict=True):
        d = g + decay * value
        velocity = d if velocity is None else momentum * velocity + d
        value = value - lr * velocity
        np.testing.assert_allclose(got_step, value, rtol=1e-13)


def test_sgd_does_not_alias_gradient_into_velocity():
    # The first velocity is a copy: changing the gradient array afterwards must not change it.
    p = Parameter(START)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    g = GRADIENTS[0].copy()
    p.grad = g
    optimizer.step()
    p.grad[...] = 0.0
    optimizer.step()
    expected = START - 0.1 * GRADIENTS[0] - 0.1 * 0.9 * GRADIENTS[0]
    np.testing.assert_allclose(p.data, expected, rtol=1e-14)


def test_sgd_skips_parameters_without_gradient():
    a, b = Parameter(START), Parameter([5.0, 6.0])
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = GRADIENTS[0]
    optimizer.step()
    np.testing.assert_array_equal(b.data, [5.0, 6.0])
    # a has no gradient on step 2: it is not moved, and its velocity is not decayed
    b.grad = np.array([1.0, -1.0])
    a.grad = None
    optimizer.step()
    np.testing.assert_allclose(a.data, START - 0.1 * GRADIENTS[0], rtol=1e-15)
    np.testing.assert_allclose(b.data, [4.9, 6.1], rtol=1e-15)
    a.grad = GRADIENTS[1]
    optimizer.step()
    v = 0.9 * GRADIENTS[0] + GRADIENTS[1]
    np.testing.assert_allclose(a.data, START - 0.1 * GRADIENTS[0] - 0.1 * v, rtol=1e-14)


# ----------------------------------------------------------------------------------------------
# Adam
# ----------------------------------------------------------------------------------------------


def adam_by_hand(start, gradients, lr, beta1, beta2, eps, weight_decay=0.0):
    """Kingma & Ba's Algorithm 1, plus L2 weight decay added to the gradient (as torch's Adam)."""
    theta = start.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    values = []
    for t, g in enumerate(gradients, start=1):
        g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        values.append(theta.copy())
    return values


@pytest.mark.parametrize(
    "lr, betas, eps, weight_decay",
    [
        (1e-3, (0.9, 0.999), 1e-8, 0.0),
        (0.1, (0.8, 0.99), 1e-6, 0.0),
        (0.05, (0.9, 0.999), 1e-8, 0.1),
    ],
    ids=["defaults", "other-betas", "weight-decay"],
)
def test_adam_several_steps(lr, betas, eps, weight_decay):
    p = Parameter(START)
    optimizer = Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    got = run(optimizer, p, GRADIENTS)
    expected = adam_by_hand(START, GRADIENTS, lr, betas[0], betas[1], eps, weight_decay)
    for got_step, expected_step in zip(got, expected, strict=True):
        np.testing.assert_allclose(got_step, expected_step, rtol=1e-12)


def test_adam_default_hyperparameters():
    p = Parameter(START)
    got = run(Adam([p]), p, GRADIENTS[:3])
    expected = adam_by_hand(START, GRADIENTS[:3], 1e-3, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(got[-1], expected[-1], rtol=1e-12)


def test_adam_first_step_is_lr_times_sign():
    # After bias correction, m_hat = g and v_hat = g^2: the first step is lr * g / (|g| + eps).
    p = Parameter(START)
    g = np.array([0.003, -40.0, 0.0])
    p.grad = g
    Adam([p], lr=0.01, eps=1e-8).step()
    np.testing.assert_allclose(p.data, START - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert p.data[2] == START[2]


def test_adam_skips_parameters_without_gradient():
    lr, eps = 0.1, 1e-8
    a, b = Parameter(START), Parameter([5.0, 6.0])
    optimizer = Adam([a, b], lr=lr, eps=eps)
    a.grad = GRADIENTS[0]
    optimizer.step()
    np.testing.assert_array_equal(b.data, [5.0, 6.0])
    np.testing.assert_allclose(a.data, adam_by_hand(START, GRADIENTS[:1], lr, 0.9, 0.999, eps)[0])


def test_adam_counts_steps_per_parameter():
    # torch.optim.Adam keeps a step count per parameter, advanced only when that parameter has a
    # gradient: a parameter's first update is bias-corrected as a first step (t = 1), even if the
    # optimizer stepped before without it.
    lr, eps = 0.1, 1e-8
    a, b = Parameter(START), Parameter([5.0, 6.0])
    optimizer = Adam([a, b], lr=lr, eps=eps)
    a.grad = GRADIENTS[0]
    optimizer.step()  # b has no gradient yet
    g = np.array([0.5, -2.0])
    a.grad, b.grad = GRADIENTS[1], g
    optimizer.step()
    expected_b = adam_by_hand(np.array([5.0, 6.0]), [g], lr, 0.9, 0.999, eps)[0]
    np.testing.assert_allclose(b.data, expected_b, rtol=1e-12)
    np.testing.assert_allclose(a.data, adam_by_hand(START, GRADIENTS[:2], lr, 0.9, 0.999, eps)[1])


# ----------------------------------------------------------------------------------------------
# Shared behaviour
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps)], ids=["sgd", "adam"]
)
def test_zero_grad(make):
    a, b = Parameter(START), Parameter([1.0])
    optimizer = make([a, b])
    (a.sum() + b.sum()).backward()
    assert a.grad is not None and b.grad is not None
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.01),
    ],
    ids=["sgd", "adam"],
)
def test_float32_parameters_stay_float32(make):
    p = Parameter(np.array([1.0, -2.0, 3.0], dtype=np.float32))
    optimizer = make([p])
    for g in GRADIENTS[:3]:
        p.grad = g.astype(np.float32)
        optimizer.step()
        assert p.data.dtype == np.float32
        assert p.dtype == np.float32


def test_updates_happen_in_place():
    p = Parameter(START)
    array = p.data
    p.grad = GRADIENTS[0]
    SGD([p], lr=0.1).step()
    assert p.data is array


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_empty_parameter_list(optimizer):
    with pytest.raises(ValueError, match="empty"):
        optimizer([], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optimizer(iter([]), lr=0.1)


def test_negative_learning_rate():
    with pytest.raises(ValueError, match="-0.1"):
        SGD([Parameter(START)], lr=-0.1)


def test_optimizer_accepts_a_generator_of_parameters():
    a, b = Parameter(START), Parameter([1.0])
    optimizer = SGD((p for p in [a, b]), lr=0.5)
    a.grad, b.grad = np.ones(3), np.array([2.0])
    optimizer.step()
    np.testing.assert_allclose(a.data, START - 0.5)
    np.testing.assert_allclose(b.data, [0.0])


# ----------------------------------------------------------------------------------------------
# clip_grad_norm
# ----------------------------------------------------------------------------------------------


def test_clip_grad_norm_scales_to_max_norm():
    a, b, c = Parameter(np.zeros((2, 2))), Parameter(np.zeros(3)), Parameter([0.0])
    ga, gb = np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([12.0, 0.0, 0.0])
    a.grad, b.grad = ga, gb  # c has no gradient
    norm = clip_grad_norm([a, b, c], max_norm=2.0)
    assert norm == pytest.approx(13.0, rel=1e-15)  # sqrt(9 + 16 + 144)
    joint = math.sqrt(np.sum(a.grad**2) + np.sum(b.grad**2))
    assert joint == pytest.approx(2.0, rel=1e-6)
    # direction kept: every gradient scaled by the same factor 2/13
    np.testing.assert_allclose(a.grad, ga * 2 / 13, rtol=1e-6)
    np.testing.assert_allclose(b.grad, gb * 2 / 13, rtol=1e-6)
    assert c.grad is None


def test_clip_grad_norm_leaves_small_gradients_alone():
    a = Parameter(np.zeros(2))
    a.grad = np.array([0.3, 0.4])
    norm = clip_grad_norm([a], max_norm=1.0)
    assert norm == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])


def test_clip_grad_norm_accepts_any_iterable():
    # Like the optimizers (and torch.nn.utils.clip_grad_norm_), an iterable of parameters works.
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    norm = clip_grad_norm((p for p in [a, b]), max_norm=1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules
# ----------------------------------------------------------------------------------------------


def test_step_lr():
    optimizer = SGD([Parameter(START)], lr=0.1)
    scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
    # lr_epoch = base_lr * gamma ** floor(epoch / step_size)
    expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    got = [optimizer.lr]
    for _ in range(9):
        scheduler.step()
        got.append(optimizer.lr)
        assert scheduler.get_last_lr() == optimizer.lr
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_linear_lr():
    optimizer = SGD([Parameter(START)], lr=0.2)
    scheduler = LinearLR(optimizer, start_factor=0.25, end_factor=1.0, total_iters=4)
    # factor_epoch = start + (end - start) * min(epoch, total_iters) / total_iters
    factors = [0.25, 0.4375, 0.625, 0.8125, 1.0, 1.0, 1.0]
    got = [optimizer.lr]
    for _ in range(6):
        scheduler.step()
        got.append(optimizer.lr)
    np.testing.assert_allclose(got, [0.2 * f for f in factors], rtol=1e-14)


def test_linear_lr_decreasing():
    optimizer = SGD([Parameter(START)], lr=1.0)
    scheduler = LinearLR(optimizer, start_factor=1.0, end_factor=0.5, total_iters=2)
    got = [optimizer.lr]
    for _ in range(3):
        scheduler.step()
        got.append(optimizer.lr)
    np.testing.assert_allclose(got, [1.0, 0.75, 0.5, 0.5], rtol=1e-15)


def test_the_scheduled_rate_is_the_one_used():
    p = Parameter([0.0])
    optimizer = SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.1)
    scheduler.step()
    p.grad = np.array([1.0])
    optimizer.step()
    np.testing.assert_allclose(p.data, [-0.1], rtol=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda o: StepLR(o, step_size=0),
        lambda o: LinearLR(o, total_iters=0),
    ],
    ids=["step-size-0", "total-iters-0"],
)
def test_scheduler_invalid_arguments(make):
    with pytest.raises(ValueError, match="0"):
        make(SGD([Parameter(START)], lr=0.1))


# ----------------------------------------------------------------------------------------------
# Against PyTorch, when it happens to be installed (never a dependency)
# ----------------------------------------------------------------------------------------------


def test_trajectories_match_torch():
    torch = pytest.importorskip("torch")
    c = np.array([1.0, 2.0, 0.5])
    d = np.array([0.3, -0.7, 1.1])
    for ours_of, theirs_of in [
        (
            lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
            lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (
            lambda ps: Adam(ps, lr=0.05, weight_decay=0.01),
            lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01),
        ),
    ]:
        ours = Parameter(START)
        theirs = torch.nn.Parameter(torch.tensor(START, dtype=torch.float64))
        ours_opt, theirs_opt = ours_of([ours]), theirs_of([theirs])
        tc, td = torch.tensor(c, dtype=torch.float64), torch.tensor(d, dtype=torch.float64)
        for _ in range(10):
            ours_opt.zero_grad()
            (Tensor(c) * ours * ours + Tensor(d) * ours).sum().backward()
            ours_opt.step()
            theirs_opt.zero_grad()
            (tc * theirs * theirs + td * theirs).sum().backward()
            theirs_opt.step()
            np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10)

"""Visible tests of assignment 2, marked by task: ``python -m pytest -m task2_2`` runs Task 2.2's.

* Task 2.1: each backward rule is called directly, with a random upstream gradient, on the result
  of its (given) forward, and compared with finite differences of that forward.
* Task 2.2: the gradients are set by hand, and the parameters after every step are compared with
  PyTorch's update formulas, written out below; when a result matches a usual mistake instead,
  the failure names it.
* Task 2.3: ``layer_norm``'s values are compared with a NumPy computation, and the gradients the
  engine finds through it with finite differences of that computation; ``dropout`` is checked by
  its values: the fraction zeroed, the scaling of the rest, the identity in evaluation, the same
  mask for the same seed, and a gradient that flows through the kept entries.
* Task 2.4: ``train_epoch`` runs with the tests' own optimizer (``stand_ins.GradientDescent``,
  plain gradient descent, so it needs no Task 2.2) and a loss from assignment 1, and its steps are
  compared with the same epoch in NumPy; ``predict`` is checked on models whose outputs are
  known; and a small network trained with your ``train_epoch`` must classify held-out moons.

A task's tests need no other task of this assignment.
"""

import numpy as np
import pytest
from checks import check_op, check_rule
from mygrad import Tensor, manual_seed, nn, optim
from mygrad.data import DataLoader, make_moons
from mygrad.nn import functional as F
from stand_ins import GradientDescent
from train import accuracy, predict, train_epoch

rng = np.random.default_rng(2025)


def normal(*shape):
    return rng.normal(size=shape)


def away_from_zero(*shape):
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# ------------------------------------------------------------------ Task 2.1: backward rules

LABELS = np.array([0, 3, 1, 1, 2])

RULES = [
    ("softmax", lambda z: z.softmax(), normal(3, 4)),
    ("softmax axis 0", lambda z: z.softmax(axis=0), normal(3, 4)),
    ("softmax axis 1 of a 3-D tensor", lambda z: z.softmax(axis=1), normal(2, 3, 4)),
    ("log_softmax", lambda z: z.log_softmax(), normal(3, 4)),
    ("log_softmax axis 0", lambda z: z.log_softmax(axis=0), normal(3, 4)),
    ("log_softmax axis 1 of a 3-D tensor", lambda z: z.log_softmax(axis=1), normal(2, 3, 4)),
    ("cross_entropy", lambda z: F.cross_entropy(z, LABELS, reduction="none"), normal(5, 4)),
    ("cross_entropy one row", lambda z: F.cross_entropy(z, [2], reduction="none"), normal(1, 3)),
]


@pytest.mark.task2_1
@pytest.mark.parametrize("case", RULES, ids=[case[0] for case in RULES])
def test_backward_rule(case):
    op, make, array = case
    check_op(op, make, array, tensor=Tensor, names=["the logits"])


# ------------------------------------------------------------------ Task 2.2: optimizers
#
# The formulas, as PyTorch defines them (the module docstrings of optim.py), for a gradient g of a
# parameter p at that parameter's t-th step:
#   SGD:  g = g + weight_decay p;  v = momentum v + g (v starts at 0);  p = p - lr v
#         (without momentum, p = p - lr g)
#   Adam: g = g + weight_decay p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2  (both start at 0)
#         p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
# A parameter whose gradient is None is skipped: neither it nor its state changes, and for Adam
# its own step count t does not advance.

SGD_MISTAKES = {
    "no weight decay": "weight decay is missing: add weight_decay * p to the gradient first",
    "dampening": "the velocity is averaged (v = mu v + (1 - mu) g); "
    "PyTorch's SGD adds the whole gradient: v = mu v + g",
    "lr in velocity": "the velocity includes the learning rate (v = mu v - lr g); in PyTorch it "
    "holds gradients only (v = mu v + g) and each step subtracts lr * v, so a new lr (set by a "
    "schedule) acts at once",
}

ADAM_MISTAKES = {
    "no weight decay": "weight decay is missing: add weight_decay * p to the gradient first",
    "decoupled weight decay": "weight decay is taken off the parameter directly, as AdamW does; "
    "Adam adds weight_decay * p to the gradient, before the running averages",
    "no bias correction": "the averages are not corrected for starting at 0: "
    "divide m by 1 - b1^t and v by 1 - b2^t",
    "eps inside sqrt": "eps is inside the square root; the denominator is sqrt(v_hat) + eps",
    "shared step count": "t counts the optimizer's steps; it must count each parameter's own "
    "steps (self.steps[i]), since a parameter without a gradient is not stepped",
}


def sgd_reference(start, grads, lrs, momentum=0.0, weight_decay=0.0, mistake=None):
    """The parameters after each step of SGD, from their first values and the gradients of each
    step (None: that parameter has none); ``mistake`` makes one of SGD_MISTAKES instead."""
    params = [np.array(p, dtype=np.float64) for p in start]
    velocities = [np.zeros_like(p) for p in params]
    history = []
    for step_grads, lr in zip(grads, lrs, strict=True):
        for i, grad in enumerate(step_grads):
            if grad is None:
                continue
            g = grad if mistake == "no weight decay" else grad + weight_decay * params[i]
            if not momentum:
                params[i] = params[i] - lr * g
            elif mistake == "dampening":
                velocities[i] = momentum * velocities[i] + (1 - momentum) * g
                params[i] = params[i] - lr * velocities[i]
            elif mistake == "lr in velocity":
                velocities[i] = momentum * velocities[i] - lr * g
                params[i] = params[i] + velocities[i]
            else:
                velocities[i] = momentum * velocities[i] + g
                params[i] = params[i] - lr * velocities[i]
        history.append([p.copy() for p in params])
    return history


def adam_reference(start, grads, lrs, betas, eps, weight_decay=0.0, mistake=None):
    """The parameters after each step of Adam (as ``sgd_reference``, with ADAM_MISTAKES)."""
    b1, b2 = betas
    params = [np.array(p, dtype=np.float64) for p in start]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    own_steps = [0] * len(params)
    history = []
    for step, (step_grads, lr) in enumerate(zip(grads, lrs, strict=True), 1):
        for i, grad in enumerate(step_grads):
            if grad is None:
                continue
            own_steps[i] += 1
            t = step if mistake == "shared step count" else own_steps[i]
            coupled = mistake not in ("no weight decay", "decoupled weight decay")
            g = grad + weight_decay * params[i] if coupled else grad
            if mistake == "decoupled weight decay":
                params[i] = params[i] - lr * weight_decay * params[i]
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vs[i] = b2 * vs[i] + (1 - b2) * g**2
            if mistake == "no bias correction":
                m_hat, v_hat = ms[i], vs[i]
            else:
                m_hat, v_hat = ms[i] / (1 - b1**t), vs[i] / (1 - b2**t)
            if mistake == "eps inside sqrt":
                params[i] = params[i] - lr * m_hat / np.sqrt(v_hat + eps)
            else:
                params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append([p.copy() for p in params])
    return history


def run_optimizer(make, start, grads, lrs):
    """Step ``make(params)`` once per step of ``grads``, setting each ``p.grad`` by hand and
    ``optimizer.lr`` as a schedule would; the parameters' values after each step."""
    params = [Tensor(p.copy(), requires_grad=True) for p in start]
    optimizer = make(params)
    history = []
    for step_grads, lr in zip(grads, lrs, strict=True):
        optimizer.lr = lr
        for p, g in zip(params, step_grads, strict=True):
            p.grad = None if g is None else g.copy()
        optimizer.step()
        history.append([p.data.copy() for p in params])
    return history


def same(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def assert_steps(label, got, expected, variants=(), mistakes=None):
    """Fail at the first step and parameter where ``got`` differs from ``expected``, naming the
    mistake in ``variants`` (name -> history) that ``got`` matches up to that step, if any."""
    for k, (got_step, expected_step) in enumerate(zip(got, expected, strict=True), 1):
        for i, (g, e) in enumerate(zip(got_step, expected_step, strict=True)):
            if same(g, e):
                continue
            if g.shape != e.shape:
                raise AssertionError(
                    f"{label}: parameter {i} has shape {g.shape} after step {k}, expected {e.shape}"
                )
            worst = tuple(int(j) for j in np.unravel_index(np.argmax(np.abs(g - e)), e.shape))
            message = (
                f"{label}: parameter {i} after step {k} is wrong at element {worst}: "
                f"expected {e[worst]:.10g}, got {g[worst]:.10g}"
            )
            for name, history in dict(variants).items():
                if all(
                    same(a, b) for s in range(k) for a, b in zip(got[s], history[s], strict=True)
                ):
                    message += f"; likely cause: {mistakes[name]}"
                    break
            raise AssertionError(message)


START = [normal(3, 2), normal(4)]
GRADS = [[normal(3, 2), normal(4)] for _ in range(5)]
LRS = [0.1, 0.1, 0.05, 0.05, 0.02]  # a schedule: the new lr must act at once
# Parameter 1 has no gradient at the first and third steps.
PARTIAL_GRADS = [[g0, None if k in (0, 2) else g1] for k, (g0, g1) in enumerate(GRADS)]


@pytest.mark.task2_2
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_with_a_constant_gradient(momentum):
    # Closed forms: v_k = g (1 + mu + ... + mu^(k-1)) = g (1 - mu^k) / (1 - mu) and p_k = p_0 - lr sum v_j.
    lr, steps, p0, g = 0.1, 4, normal(3, 2), normal(3, 2)
    got = run_optimizer(
        lambda ps: optim.SGD(ps, lr=lr, momentum=momentum), [p0], [[g]] * steps, [lr] * steps
    )
    velocities = [g * (1 - momentum**j) / (1 - momentum) for j in range(1, steps + 1)]
    expected = [[p0 - lr * sum(velocities[:k])] for k in range(1, steps + 1)]
    assert_steps(
        f"SGD(lr={lr}, momentum={momentum}), the same gradient at every step", got, expected
    )


@pytest.mark.task2_2
@pytest.mark.parametrize(
    ("momentum", "weight_decay"), [(0.0, 0.0), (0.0, 0.1), (0.9, 0.0), (0.9, 0.1)]
)
@pytest.mark.parametrize("grads", [GRADS, PARTIAL_GRADS], ids=["all gradients", "some None"])
def test_sgd_follows_pytorchs_update(momentum, weight_decay, grads):
    def make(params):
        return optim.SGD(params, lr=LRS[0], momentum=momentum, weight_decay=weight_decay)

    got = run_optimizer(make, START, grads, LRS)
    expected = sgd_reference(START, grads, LRS, momentum, weight_decay)
    variants = {
        name: sgd_reference(START, grads, LRS, momentum, weight_decay, mistake=name)
        for name in SGD_MISTAKES
    }
    if grads is PARTIAL_GRADS:
        assert same(got[0][1], START[1]), (
            "SGD: a parameter whose grad is None must be left unchanged by step()"
        )
    label = f"SGD(momentum={momentum}, weight_decay={weight_decay}), lr {LRS}"
    assert_steps(label, got, expected, variants, SGD_MISTAKES)


@pytest.mark.task2_2
def test_adam_with_a_constant_gradient():
    # With the same g at every step, the corrected averages are exactly g and g^2 (that is what the
    # correction is for), so every step moves p by lr g / (|g| + eps): about lr, whatever the betas.
    lr, eps, steps, p0, g = 0.01, 1e-8, 4, normal(3, 2), away_from_zero(3, 2)

    def make(params):
        return optim.Adam(params, lr=lr, betas=(0.8, 0.99), eps=eps)

    got = run_optimizer(make, [p0], [[g]] * steps, [lr] * steps)
    expected = [[p0 - k * lr * g / (np.abs(g) + eps)] for k in range(1, steps + 1)]
    variants = {
        name: adam_reference([p0], [[g]] * steps, [lr] * steps, (0.8, 0.99), eps, mistake=name)
        for name in ("no bias correction",)
    }
    label = f"Adam(lr={lr}, betas=(0.8, 0.99)), the same gradient at every step"
    assert_steps(label, got, expected, variants, ADAM_MISTAKES)


@pytest.mark.task2_2
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("grads", [GRADS, PARTIAL_GRADS], ids=["all gradients", "some None"])
def test_adam_follows_pytorchs_update(weight_decay, grads):
    # Gradients of about 0.1 and a large eps, so that where eps goes makes a visible difference.
    betas, eps = (0.8, 0.95), 1e-3
    small = [[None if g is None else 0.1 * g for g in step] for step in grads]

    def make(params):
        return optim.Adam(params, lr=LRS[0], betas=betas, eps=eps, weight_decay=weight_decay)

    got = run_optimizer(make, START, small, LRS)
    expected = adam_reference(START, small, LRS, betas, eps, weight_decay)
    variants = {
        name: adam_reference(START, small, LRS, betas, eps, weight_decay, mistake=name)
        for name in ADAM_MISTAKES
    }
    if grads is PARTIAL_GRADS:
        assert same(got[0][1], START[1]), (
            "Adam: a parameter whose grad is None must be left unchanged by step()"
        )
    label = f"Adam(betas={betas}, eps={eps}, weight_decay={weight_decay}), lr {LRS}"
    assert_steps(label, got, expected, variants, ADAM_MISTAKES)


@pytest.mark.task2_2
@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1),
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1),
    ],
    ids=["SGD", "SGD with momentum and weight decay", "Adam with weight decay"],
)
def test_step_updates_the_parameters_in_place_and_leaves_their_gradients(make):
    p = Tensor(normal(3, 2).astype(np.float32), requires_grad=True)
    data, before, grad = p.data, p.data.copy(), normal(3, 2).astype(np.float32)
    p.grad = grad.copy()
    make([p]).step()
    assert not np.allclose(p.data, before), "step() did not change the parameter"
    assert p.data is data, (
        "step() must change p.data in place (p.data -= ...), as optim.py's docstring says, "
        "not assign a new array to it"
    )
    assert p.data.dtype == np.float32, f"step() turned a float32 parameter into {p.data.dtype}"
    assert np.array_equal(p.grad, grad), (
        "step() changed p.grad: compute the decayed gradient as a new array "
        "(g = p.grad + weight_decay * p.data), not with += on p.grad"
    )


# ------------------------------------------------------------------ Task 2.3: layer_norm, dropout


def layer_norm_reference(x, n_axes, weight=None, bias=None, eps=1e-5):
    """Layer normalisation in NumPy: over the last ``n_axes`` axes, with the population variance."""
    axes = tuple(range(-n_axes, 0))
    y = (x - np.mean(x, axis=axes, keepdims=True)) / np.sqrt(
        np.var(x, axis=axes, keepdims=True) + eps
    )
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def as_tensor(a, requires_grad=False):
    return None if a is None else Tensor(a, requires_grad=requires_grad)


def result_of(op, out):
    assert isinstance(out, Tensor), f"{op} must return a Tensor, not {type(out).__name__}"
    return out


LAYER_NORMS = [
    ("rows with weight and bias", normal(4, 5), (5,), normal(5), normal(5), 1e-5),
    (
        "last two axes with weight and bias",
        normal(2, 3, 4),
        (3, 4),
        normal(3, 4),
        normal(3, 4),
        1e-5,
    ),
    ("no weight, no bias", 3 + 2 * normal(3, 6), (6,), None, None, 1e-5),
    ("weight only", normal(3, 4), (4,), normal(4), None, 1e-5),
    ("bias only", normal(3, 4), (4,), None, normal(4), 1e-5),
    # A variance of about 1e-4 and a large eps: where eps goes makes a visible difference.
    ("small variance, eps=1e-3", 0.01 * normal(3, 5), (5,), None, None, 1e-3),
]


@pytest.mark.task2_3
@pytest.mark.parametrize("case", LAYER_NORMS, ids=[case[0] for case in LAYER_NORMS])
def test_layer_norm_values(case):
    name, x, shape, weight, bias, eps = case
    out = result_of(
        "layer_norm", F.layer_norm(Tensor(x), shape, as_tensor(weight), as_tensor(bias), eps=eps)
    )
    expected = layer_norm_reference(x, len(shape), weight, bias, eps)
    np.testing.assert_allclose(
        out.data,
        expected,
        rtol=1e-9,
        atol=1e-12,
        err_msg=f"layer_norm ({name}): expected (x - mean) / sqrt(var + eps) * weight + bias, with "
        f"the mean and the variance (divided by the count, not count - 1) taken over the axes of "
        f"normalized_shape={shape}, the last {len(shape)}",
    )


def engine_gradients(op, function, arrays, g):
    """The gradients ``Tensor.backward`` gives each of ``arrays`` through ``function`` of them."""
    tensors = [as_tensor(a, requires_grad=True) for a in arrays]
    out = result_of(op, function(*tensors))
    if not out.requires_grad:
        raise AssertionError(
            f"{op}: its result is cut from the graph, so no gradient reaches its inputs: compute "
            "it with Tensor operations (x - ..., .mean(), .sqrt(), *), not on .data"
        )
    out.backward(g)
    return tuple(t.grad for t in tensors)


@pytest.mark.task2_3
@pytest.mark.parametrize("case", LAYER_NORMS[:3], ids=[case[0] for case in LAYER_NORMS[:3]])
def test_layer_norm_gradients(case):
    name, x, shape, weight, bias, eps = case
    arrays = [a for a in (x, weight, bias) if a is not None]
    names = ["x", "weight", "bias"][: len(arrays)]

    def forward(x, *affine):
        return layer_norm_reference(x, len(shape), *affine, eps=eps)

    def through_engine(x, *affine):
        return F.layer_norm(x, shape, *affine, eps=eps)

    check_rule(
        f"layer_norm ({name}), through Tensor.backward",
        forward,
        lambda g: engine_gradients("layer_norm", through_engine, arrays, g),
        arrays,
        names,
    )


def dropout_values(x, **kwargs):
    return result_of("dropout", F.dropout(Tensor(x), **kwargs)).data


@pytest.mark.task2_3
@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest(p):
    x = away_from_zero(200, 500)
    out = dropout_values(x, p=p, training=True, rng=0)
    dropped = out == 0
    fraction, rows = dropped.mean(), dropped.mean(axis=1)
    hint = ""
    if abs(fraction - (1 - p)) < 0.01:
        hint = ": it zeroes with probability 1 - p"
    elif np.all((rows == 0) | (rows == 1)):
        hint = ": it zeroes whole rows, but each entry must be zeroed on its own"
    assert abs(fraction - p) < 0.01, (
        f"dropout(p={p}) zeroed a fraction {fraction:.3f} of 100,000 entries, expected about {p}"
        + hint
    )
    assert np.all(np.abs(rows - p) < 0.15), (
        f"dropout(p={p}): the fraction zeroed in a row of 500 ranges from {rows.min():.2f} to "
        f"{rows.max():.2f}; each entry must be zeroed on its own, with probability p"
    )
    np.testing.assert_allclose(
        out[~dropped],
        x[~dropped] / (1 - p),
        rtol=1e-12,
        err_msg=f"dropout(p={p}): the entries kept must be scaled by 1 / (1 - p) = {1 / (1 - p):.4g}",
    )


@pytest.mark.task2_3
def test_dropout_is_the_identity_in_evaluation_and_for_p_0():
    x = away_from_zero(4, 5)
    np.testing.assert_array_equal(
        dropout_values(x, p=0.5, training=False, rng=0),
        x,
        err_msg="dropout(training=False) must return x unchanged (the identity in evaluation)",
    )
    np.testing.assert_array_equal(
        dropout_values(x, p=0.0, training=True, rng=0),
        x,
        err_msg="dropout(p=0) must return x unchanged",
    )


@pytest.mark.task2_3
def test_dropout_masks_come_from_rng():
    x = away_from_zero(20, 30)
    first, again = dropout_values(x, p=0.5, rng=7), dropout_values(x, p=0.5, rng=7)
    np.testing.assert_array_equal(
        first, again, err_msg="dropout(rng=7) twice: the same seed must give the same mask"
    )
    from_generator = dropout_values(x, p=0.5, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(
        from_generator,
        first,
        err_msg="dropout(rng=numpy.random.default_rng(7)) and dropout(rng=7) must give the same "
        "mask: draw it from generator(rng) (mygrad/seeding.py)",
    )
    assert not np.array_equal(dropout_values(x, p=0.5, rng=8), first), (
        "dropout(rng=8) and dropout(rng=7) gave the same mask: draw it from generator(rng)"
    )
    manual_seed(3)
    a, b = dropout_values(x, p=0.5), dropout_values(x, p=0.5)
    manual_seed(3)
    a_again = dropout_values(x, p=0.5)
    np.testing.assert_array_equal(
        a_again,
        a,
        err_msg="dropout() without rng after manual_seed(3), twice: the same mask is expected "
        "(rng=None means the package's default generator, generator(None))",
    )
    assert not np.array_equal(a, b), (
        "two calls of dropout() without rng gave the same mask: each call must draw a new one "
        "from the package's default generator"
    )


@pytest.mark.task2_3
def test_dropout_gradient_flows_through_the_kept_entries():
    x = away_from_zero(4, 5)
    assert np.array_equal(dropout_values(x, p=0.4, rng=11), dropout_values(x, p=0.4, rng=11)), (
        "dropout(rng=11) gave two different masks: draw the mask from generator(rng)"
    )

    def forward(x):
        return dropout_values(x, p=0.4, rng=11)

    check_rule(
        "dropout(p=0.4, rng=11), through Tensor.backward",
        forward,
        lambda g: engine_gradients(
            "dropout", lambda t: F.dropout(t, p=0.4, training=True, rng=11), [x], g
        ),
        [x],
        ["x"],
    )


# ------------------------------------------------------------------ Task 2.4: training by mini-batches


def batches_of(sizes, n_in=3, n_out=2):
    """Fixed mini-batches ``(X, y)`` of the given sizes, for a regression with ``n_out`` targets."""
    return [(normal(n, n_in), normal(n, n_out)) for n in sizes]


@pytest.mark.task2_4
def test_train_epoch_steps_once_per_batch_with_that_batchs_gradient():
    model = nn.Linear(3, 2, rng=0)
    W, b = (p.data.copy() for p in model.parameters())
    batches = batches_of([4, 4, 2])
    optimizer = GradientDescent(model.parameters(), lr=0.1)
    got = train_epoch(model, F.mse_loss, optimizer, batches)

    assert len(optimizer.seen) == len(batches), (
        f"{len(optimizer.seen)} optimizer steps for {len(batches)} batches: one step per batch"
    )
    # The same epoch in NumPy: MSE of x @ W + b, its gradient, and p -= lr * grad.
    losses, summed = [], [np.zeros_like(W), np.zeros_like(b)]
    for k, ((X, y), seen) in enumerate(zip(batches, optimizer.seen, strict=True)):
        residual = X @ W + b - y
        losses.append(np.mean(residual**2))
        d_out = 2 * residual / residual.size
        expected = [X.T @ d_out, d_out.sum(axis=0)]
        summed = [s + e for s, e in zip(summed, expected, strict=True)]
        for name, got_grad, want, total in zip("Wb", seen, expected, summed, strict=True):
            assert got_grad is not None, f"batch {k}: no gradient on {name} at the step"
            hint = (
                ": these are the gradients of every batch so far added up; clear them with "
                "optimizer.zero_grad() before each backward"
                if k and np.allclose(got_grad, total)
                else ""
            )
            np.testing.assert_allclose(
                got_grad, want, rtol=1e-10, err_msg=f"batch {k}: the gradient of {name}{hint}"
            )
        W, b = W - 0.1 * expected[0], b - 0.1 * expected[1]

    sizes = [len(X) for X, _ in batches]
    mean_per_sample = np.average(losses, weights=sizes)
    assert isinstance(got, float), f"train_epoch returned a {type(got).__name__}, not a float"
    hint = (
        ": that is the plain mean of the batch losses; weight each by its number of samples"
        if np.isclose(got, np.mean(losses))
        else ""
    )
    assert np.isclose(got, mean_per_sample, rtol=1e-10), (
        f"train_epoch returned {got!r}, expected the mean loss per sample {mean_per_sample!r}{hint}"
    )


@pytest.mark.task2_4
def test_train_epoch_puts_the_model_in_training_mode():
    model = nn.Sequential(nn.Linear(3, 2, rng=0), nn.Tanh())
    model.eval()
    train_epoch(model, F.mse_loss, GradientDescent(model.parameters(), 0.1), batches_of([4]))
    assert model.training and model[0].training and model[1].training, (
        "after train_epoch the model should be in training mode: call model.train() first"
    )


class Spy(nn.Module):
    """A linear layer that notes, at each call, whether it is training and recording a graph."""

    def __init__(self, n_out):
        super().__init__()
        self.linear = nn.Linear(2, n_out, rng=3)
        self.calls = []

    def forward(self, x):
        out = self.linear(x)
        self.calls.append({"training": self.training, "records a graph": out.requires_grad})
        return out


@pytest.mark.task2_4
@pytest.mark.parametrize("n_out", [3, 1], ids=["class scores", "one logit"])
def test_predict_gives_each_rows_class(n_out):
    model = Spy(n_out)
    X = normal(20, 2)
    scores = X @ model.linear.weight.data + model.linear.bias.data
    expected = scores.argmax(axis=1) if n_out > 1 else (scores[:, 0] > 0).astype(int)
    got = predict(model, X)
    assert isinstance(got, np.ndarray) and got.dtype.kind == "i", (
        f"predict should return an integer numpy array, got {type(got).__name__} "
        f"{getattr(got, 'dtype', '')}"
    )
    assert got.shape == (20,), f"predict returned shape {got.shape}, expected (20,)"
    wrong = np.flatnonzero(got != expected)
    assert not wrong.size, (
        f"rows {wrong.tolist()}: predicted {got[wrong].tolist()}, expected "
        f"{expected[wrong].tolist()} (the largest score, or class 1 where the one logit is > 0)"
    )


@pytest.mark.task2_4
@pytest.mark.parametrize("mode", ["training", "evaluation"])
def test_predict_evaluates_without_a_graph_and_leaves_the_mode_alone(mode):
    model = Spy(3)
    model.train(mode == "training")
    predict(model, normal(5, 2))
    assert model.calls == [{"training": False, "records a graph": False}], (
        f"predict ran the model as {model.calls}: call model.eval() and run it under no_grad()"
    )
    assert model.training == (mode == "training"), (
        f"the model was in {mode} mode before predict, and should be again after it"
    )


def binary_cross_entropy_of_logits(logits, labels):
    return F.binary_cross_entropy_with_logits(logits, labels.reshape(-1, 1))


@pytest.mark.task2_4
def test_training_a_classifier_on_the_moons_reaches_97_percent():
    X, y = make_moons(400, noise=0.1, rng=0)
    X_test, y_test = make_moons(200, noise=0.1, rng=100)
    model = nn.Sequential(
        nn.Linear(2, 16, rng=0),
        nn.ReLU(),
        nn.Linear(16, 16, rng=1),
        nn.ReLU(),
        nn.Linear(16, 1, rng=2),
    )
    optimizer = GradientDescent(model.parameters(), lr=0.3)
    loader = DataLoader(X, y, batch_size=32, rng=0)
    losses = [
        train_epoch(model, binary_cross_entropy_of_logits, optimizer, loader) for _ in range(50)
    ]
    assert losses[-1] < losses[0] / 3, f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f}"
    score = accuracy(model, X_test, y_test)
    assert score >= 0.97, f"test accuracy {score:.1%} after 50 epochs; the solution reaches 100%"

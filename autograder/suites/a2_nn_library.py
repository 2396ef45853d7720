"""Assignment 2's graded cases: softmax and cross-entropy rules, SGD and Adam step by step,
layer normalisation and dropout, and the training loop.

Dropout is judged by its properties (the fraction zeroed, the scaling of the rest, the same mask for
the same seed, the identity in evaluation, the gradient through the mask), not against the
reference's mask: any correct way of drawing the mask passes. The training loop runs with the
grader's own plain gradient descent and a loss of assignment 1, so it needs neither Task 2.1 nor 2.2.
"""

import numpy as np

from ..cases import Case, rule_case
from ..spec import SOLUTIONS


def softmaxes(rng):
    cases = [
        rule_case(
            f"{op}(axis={axis}) of {shape}",
            op,
            [2 * rng.standard_normal(shape)],
            rng,
            {"axis": axis},
            names=("the logits",),
        )
        for op in ("softmax", "log_softmax")
        for shape, axis in [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1)]
    ]
    for rows, classes in [(6, 4), (1, 3)]:
        labels = rng.integers(0, classes, rows)
        cases.append(
            rule_case(
                f"cross_entropy (reduction none) of ({rows}, {classes})",
                "cross_entropy",
                [2 * rng.standard_normal((rows, classes))],
                rng,
                constants=[labels],
                names=("the logits",),
            )
        )
    return cases


def optimizers(rng):
    start = {"start0": rng.standard_normal((3, 2)), "start1": rng.standard_normal(4)}
    lrs = [0.1, 0.1, 0.05, 0.05]
    grads = {
        f"grad{k}_{i}": 0.1 * rng.standard_normal(start[f"start{i}"].shape)
        for k in range(len(lrs))
        for i in range(2)
    }
    settings = [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("SGD", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.1, "betas": [0.8, 0.95], "eps": 1e-3}),
        ("Adam", {"lr": 0.1, "betas": [0.85, 0.9], "eps": 1e-3, "weight_decay": 0.1}),
    ]
    cases = []
    for kind, options in settings:
        for missing in ([], [[0, 1], [2, 1]]):
            described = ", ".join(f"{k}={v}" for k, v in options.items())
            label = f"{kind}({described}), learning rates {lrs}" + (
                ", parameter 1 without a gradient at steps 0 and 2" if missing else ""
            )
            params = {"kind": kind, "settings": options, "lrs": lrs, "missing": missing}
            cases.append(Case(label, "optimizer", {**start, **grads}, params))
    return cases


def check_dropout(case, got):
    x, g, p = case.arrays["x"], case.arrays["upstream"], case.params["p"]
    value = got.get("value")
    if value is None or np.shape(value) != x.shape:
        return [f"the result has shape {np.shape(value)}, expected {x.shape}"]
    kept = value != 0
    problems = []
    if not np.allclose(value[kept], x[kept] / (1 - p)):
        problems.append(f"the entries kept should be scaled by 1 / (1 - p) = {1 / (1 - p):.4g}")
    spread = 5 * np.sqrt(p * (1 - p) / x.size)
    if abs((~kept).mean() - p) > spread:
        problems.append(
            f"{(~kept).mean():.1%} of the entries are zeroed, expected about p = {p:.0%}"
        )
    if not np.array_equal(got.get("again"), value):
        problems.append("the same rng seed gave a different mask: draw it from generator(rng)")
    if not np.array_equal(got.get("evaluation"), x):
        problems.append("in evaluation (training=False) dropout must return its input unchanged")
    grad = got.get("grad")
    if grad is None or not np.allclose(grad, g * kept / (1 - p)):
        problems.append(
            "the gradient must flow through the kept entries, scaled by 1 / (1 - p), "
            "and be 0 where the entry was dropped"
        )
    return problems


def normalisations(rng):
    cases = []
    for shape, normalized, affine in [
        ((4, 6), (6,), True),
        ((2, 3, 4), (3, 4), True),
        ((3, 5), (5,), False),
    ]:
        arrays = {"x": 3 + 2 * rng.standard_normal(shape), "upstream": rng.standard_normal(shape)}
        if affine:
            arrays.update(
                weight=rng.standard_normal(normalized), bias=rng.standard_normal(normalized)
            )
        label = f"layer_norm of {shape} over {normalized}" + (
            " with weight and bias" if affine else ""
        )
        cases.append(
            Case(label, "layer_norm", arrays, {"normalized_shape": list(normalized), "eps": 1e-3})
        )
    for p in (0.2, 0.6):
        arrays = {"x": rng.uniform(0.5, 2.0, (200, 50)), "upstream": rng.standard_normal((200, 50))}
        cases.append(
            Case(
                f"dropout(p={p}) of (200, 50)",
                "dropout",
                arrays,
                {"p": p, "seed": int(rng.integers(1000))},
                check=check_dropout,
            )
        )
    return cases


TRAIN = SOLUTIONS / "a2_nn_library" / "train.py"


def training(rng):
    cases = []
    for sizes in ([4, 4, 2], [5]):
        arrays = {"weight": rng.standard_normal((3, 2)), "bias": rng.standard_normal(2)}
        for k, n in enumerate(sizes):
            arrays.update(
                {f"X{k}": rng.standard_normal((n, 3)), f"y{k}": rng.standard_normal((n, 2))}
            )
        cases.append(
            Case(
                f"train_epoch of a Linear(3, 2) with MSE over batches of {sizes}",
                "training",
                arrays,
                {"module": "train.py", "lr": 0.1, "batches": len(sizes)},
                reference={"module": str(TRAIN)},
            )
        )
    for n_out in (3, 1):
        arrays = {
            "weight": rng.standard_normal((2, n_out)),
            "bias": rng.standard_normal(n_out),
            "X": rng.standard_normal((12, 2)),
        }
        cases.append(
            Case(
                f"predict of a Linear(2, {n_out})",
                "prediction",
                arrays,
                {"module": "train.py"},
                reference={"module": str(TRAIN)},
            )
        )
    return cases


CASES = {"2.1": softmaxes, "2.2": optimizers, "2.3": normalisations, "2.4": training}

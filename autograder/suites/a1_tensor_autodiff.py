"""Assignment 1's graded cases: every backward rule on shapes and values the grader draws.

Each rule is called directly with a random upstream gradient, on inputs of every broadcasting
pattern the operation allows, so a task's cases need no other task. Values avoid the points where
an operation has no derivative (relu at 0) or is undefined (log of a negative).
"""

import numpy as np

from ..cases import Case, rule_case


def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoid_mistakes(inputs, g):
    (x,), s = inputs, sigmoid(inputs[0])
    return {
        "the derivative is taken at the input: sigmoid'(x) = s (1 - s) with s = sigmoid(x), "
        "the result": g * x * (1 - x),
        "sigmoid is applied to its result again: the result is s already": g
        * sigmoid(s)
        * (1 - sigmoid(s)),
    }


def tanh_mistakes(inputs, g):
    (x,), t = inputs, np.tanh(inputs[0])
    return {
        "the derivative is taken at the input: tanh'(x) = 1 - t**2 with t = tanh(x), the result": g
        * (1 - x**2),
        "tanh is applied to its result again: the result is t already": g * (1 - np.tanh(t) ** 2),
    }


def matmul_mistakes(inputs, g):
    a, b = inputs
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != a.shape[1]:
        return {}
    return {
        "the factors are in the wrong order: the gradient of A in A @ B is G @ B.T": b.T @ g,
        "B is not transposed: the gradient of A in A @ B is G @ B.T": g @ b,
    }


def away_from_zero(rng, shape, low=0.3, high=2.0):
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def unbroadcast_cases(rng):
    pairs = [
        ((4, 2, 3), (2, 3)),
        ((4, 2, 3), (2, 1)),
        ((5, 1, 3), (1, 3)),
        ((2, 3), (1,)),
        ((3, 4), ()),
        ((2, 3), (2, 3)),
        ((3, 2, 2), (3, 1, 2)),
    ]
    return [
        Case(
            f"unbroadcast of a {grad} gradient to {shape}",
            "unbroadcast",
            {"grad": rng.standard_normal(grad)},
            {"shape": list(shape)},
        )
        for grad, shape in pairs
    ]


def binary(rng, op, symbol, shapes, positive_b=False):
    cases = []
    for a_shape, b_shape in shapes:
        a = rng.standard_normal(a_shape)
        b = rng.uniform(0.5, 2.0, b_shape) if positive_b else rng.standard_normal(b_shape)
        cases.append(rule_case(f"{op}, {a_shape} {symbol} {b_shape}", op, [a, b], rng))
    return cases


BROADCASTS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((3, 1), (1, 5)), ((), (2, 3))]


def add_sub_neg(rng):
    return (
        binary(rng, "add", "+", BROADCASTS)
        + binary(rng, "sub", "-", BROADCASTS[1:4])
        + [rule_case("neg, (3, 2)", "neg", [rng.standard_normal((3, 2))], rng)]
    )


def mul_div(rng):
    return binary(rng, "mul", "*", BROADCASTS) + binary(rng, "div", "/", BROADCASTS[:4], True)


def powers(rng):
    cases = [
        rule_case(
            f"power, (3, 2) ** {p}", "power", [rng.uniform(0.5, 2.0, (3, 2))], rng, {"exponent": p}
        )
        for p in (2, 3, 0.5, -1.5)
    ]
    for a_shape, b_shape in [((3, 2), (3, 2)), ((3, 1), (4,))]:
        a, b = rng.uniform(0.5, 2.0, a_shape), rng.standard_normal(b_shape)
        cases.append(rule_case(f"pow, {a_shape} ** {b_shape} tensor", "pow", [a, b], rng))
    return cases


def matmuls(rng):
    shapes = [
        ((4, 3), (3, 5)),
        ((3, 3), (3, 3)),
        ((2, 4, 3), (3, 2)),
        ((3,), (3, 4)),
        ((4, 3), (3,)),
        ((2, 1, 3, 4), (5, 4, 2)),
    ]
    return [
        rule_case(
            f"matmul, {a} @ {b}",
            "matmul",
            [rng.standard_normal(a), rng.standard_normal(b)],
            rng,
            mistakes=matmul_mistakes,
            names=("A", "B"),
        )
        for a, b in shapes
    ]


def reductions(rng):
    cases = []
    for op in ("sum", "mean"):
        for axis, keepdims in [(None, False), (1, False), (0, True), ((0, 2), False), (-1, True)]:
            params = {"axis": list(axis) if isinstance(axis, tuple) else axis, "keepdims": keepdims}
            cases.append(
                rule_case(
                    f"{op}(axis={axis}, keepdims={keepdims}) of (2, 3, 4)",
                    op,
                    [rng.standard_normal((2, 3, 4))],
                    rng,
                    params,
                )
            )
    return cases


def exp_log(rng):
    return [
        rule_case("exp, (3, 4)", "exp", [rng.standard_normal((3, 4))], rng),
        rule_case("log, (3, 4)", "log", [rng.uniform(0.2, 3.0, (3, 4))], rng),
    ]


def activations(rng):
    x = 2 * away_from_zero(rng, (4, 5))
    return [
        rule_case("relu, (4, 5)", "relu", [x], rng),
        rule_case("sigmoid, (4, 5)", "sigmoid", [x], rng, mistakes=sigmoid_mistakes),
        rule_case("tanh, (4, 5)", "tanh", [x], rng, mistakes=tanh_mistakes),
    ]


def shapes(rng):
    return [
        rule_case(
            "reshape (2, 3, 4) to (6, 4)",
            "reshape",
            [rng.standard_normal((2, 3, 4))],
            rng,
            {"shape": [6, 4]},
        ),
        rule_case(
            "reshape (12,) to (3, -1)",
            "reshape",
            [rng.standard_normal(12)],
            rng,
            {"shape": [3, -1]},
        ),
        rule_case("transpose of (3, 5)", "transpose", [rng.standard_normal((3, 5))], rng),
        rule_case(
            "transpose (2, 0, 1) of (2, 3, 4)",
            "transpose",
            [rng.standard_normal((2, 3, 4))],
            rng,
            {"axes": [2, 0, 1]},
        ),
    ]


def layers(rng):
    linear = [
        rule_case(
            f"linear, x {x} W {w} b {b}",
            "linear",
            [rng.standard_normal(x), rng.standard_normal(w), rng.standard_normal(b)],
            rng,
            names=("x", "W", "b"),
        )
        for x, w, b in [((5, 3), (3, 4), (4,)), ((2, 4, 3), (3, 2), (2,)), ((3,), (3, 2), (2,))]
    ]
    network = Case(
        "Sequential(Linear(3, 4), Sigmoid(), Linear(4, 2), ReLU()), and ReLU and Sigmoid alone",
        "layers",
        {
            "x": rng.standard_normal((6, 3)),
            "w1": rng.standard_normal((3, 4)),
            "b1": rng.standard_normal(4),
            "w2": rng.standard_normal((4, 2)),
            "b2": rng.standard_normal(2),
        },
    )
    return [*linear, network]


def losses(rng):
    prediction, target = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    labels = (rng.random((5, 3)) > 0.5).astype(float)
    return [
        rule_case(
            "mse_loss (reduction none), (6, 2)",
            "mse_loss",
            [prediction],
            rng,
            constants=[target],
            names=("the prediction",),
        ),
        rule_case(
            "binary_cross_entropy (reduction none), (5, 3)",
            "binary_cross_entropy",
            [rng.uniform(0.05, 0.95, (5, 3))],
            rng,
            constants=[labels],
            names=("the probability",),
        ),
    ]


CASES = {
    "1.1": unbroadcast_cases,
    "1.2": add_sub_neg,
    "1.3": mul_div,
    "1.4": powers,
    "1.5": matmuls,
    "1.6": reductions,
    "1.7": exp_log,
    "1.8": activations,
    "1.9": shapes,
    "1.10": layers,
    "1.11": losses,
}

REPORT = {"script": "scripts/assignment.py", "seed": 0, "epochs": 5, "lr": 0.01}

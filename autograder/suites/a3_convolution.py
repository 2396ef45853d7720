"""Assignment 3's graded cases: conv2d and max_pool2d, forward and backward, and col2im.

Task 3.1's rule runs with the grader's own col2im in place of the student's ``_add_windows``
(Task 3.2), so that each task is graded alone. Max-pooling inputs have no ties, where the rule's
choice is a convention rather than a derivative.
"""

from ..cases import Case, rule_case

CONVOLUTIONS = [  # x, weight, stride, padding
    ((2, 3, 6, 6), (4, 3, 3, 3), 1, 0),
    ((1, 2, 7, 5), (3, 2, 3, 2), 2, 1),
    ((2, 1, 5, 5), (2, 1, 1, 1), 1, 0),
    ((1, 2, 6, 7), (2, 2, 2, 3), (2, 1), (1, 0)),
]

POOLS = [((2, 3, 6, 6), 2, None), ((1, 2, 7, 7), 3, 2), ((2, 1, 5, 4), 2, 1)]  # x, kernel, stride

WINDOWS = [  # window gradients (N, C, H_out, W_out, kH, kW), stride, image shape
    ((2, 3, 3, 3, 2, 2), (2, 2), (2, 3, 6, 6)),
    ((1, 2, 4, 3, 3, 3), (1, 2), (1, 2, 6, 8)),
    ((1, 1, 2, 2, 3, 3), (2, 2), (1, 1, 6, 6)),
]


def convolutions(rng):
    cases = []
    for x, w, stride, padding in CONVOLUTIONS:
        params = {"stride": stride, "padding": padding}
        inputs = [rng.standard_normal(x), rng.standard_normal(w), rng.standard_normal(w[0])]
        label = f"conv2d, x {x}, weight {w}, stride {stride}, padding {padding}"
        cases.append(
            rule_case(
                label,
                "conv2d",
                inputs,
                rng,
                params,
                names=("x", "weight", "bias"),
                probe="conv_rule",
            )
        )
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    cases.append(
        rule_case(
            "conv2d without bias, x (1, 2, 5, 5), weight (3, 2, 3, 3)",
            "conv2d without bias",
            [x, w],
            rng,
            names=("x", "weight"),
            probe="conv_rule",
        )
    )
    return cases


def pooling(rng):
    cases = [
        rule_case(
            f"max_pool2d, x {x}, kernel {k}, stride {s}",
            "max_pool2d",
            [rng.standard_normal(x)],
            rng,
            {"kernel_size": k, "stride": s},
            names=("x",),
        )
        for x, k, s in POOLS
    ]
    cases += [
        Case(
            f"_add_windows of {grads} window gradients to {shape}, stride {stride}",
            "add_windows",
            {"window_grads": rng.standard_normal(grads)},
            {"shape": list(shape), "stride": list(stride)},
        )
        for grads, stride, shape in WINDOWS
    ]
    return cases


CASES = {"3.1": convolutions, "3.2": pooling}

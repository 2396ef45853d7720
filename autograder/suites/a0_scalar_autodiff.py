"""Assignment 0's graded cases: the topological sort, what each Value operation records, backward()
on graphs built by hand, and the numbers of the backward pass by hand.

The sort is judged by its properties (every node once, each after its parents, the root last), as
any valid order is right. backward() runs with the grader's own sort, so Task 0.4 needs no Task 0.1.
"""

import numpy as np

from ..cases import Case
from ..spec import SOLUTIONS

BY_HAND = SOLUTIONS / "a0_scalar_autodiff" / "by_hand.py"
NODES = ["x", "w", "b", "y", "p", "z", "h", "e", "s", "r", "L"]


def graph_arrays(edges):
    """A graph as arrays: each node's parents (earlier nodes) flattened, and the offsets."""
    offsets = np.cumsum([0] + [len(parents) for parents in edges])
    flat = [j for parents in edges for j in parents]
    return {"parents": np.array(flat, dtype=np.int64), "offsets": offsets.astype(np.int64)}


def random_graph(rng, leaves, inner):
    """A graph whose every node is used: each inner node draws 1 to 3 parents (repeats allowed),
    and the root uses every node no other node uses."""
    edges = [[] for _ in range(leaves)]
    for i in range(leaves, leaves + inner):
        edges.append(sorted(rng.integers(0, i, rng.integers(1, 4)).tolist()))
    used = {j for parents in edges for j in parents}
    edges.append([i for i in range(len(edges)) if i not in used] or [len(edges) - 1])
    return edges


def check_order(case, got):
    edges = [
        case.arrays["parents"][a:b].tolist()
        for a, b in zip(case.arrays["offsets"][:-1], case.arrays["offsets"][1:], strict=True)
    ]
    order = got.get("order")
    if order is None:
        return ["no order came back"]
    order = order.tolist()
    position = {}
    for k, node in enumerate(order):
        if node in position:
            return [
                f"node {node} appears twice (at positions {position[node]} and {k}): each node once"
            ]
        position[node] = k
    missing = sorted(set(range(len(edges))) - set(position))
    if missing:
        return [
            f"the order misses {len(missing)} of the {len(edges)} nodes, e.g. node {missing[0]}"
        ]
    if order[-1] != len(edges) - 1:
        return [f"the root must come last, but the order ends with node {order[-1]}"]
    for node, parents in enumerate(edges):
        for parent in parents:
            if position[parent] > position[node]:
                return [f"node {parent} comes after node {node}, which uses it"]
    return []


def sorting(rng):
    chain = [[]] + [[i] for i in range(100_000)]
    ladder = [[], [0], [0, 1]] + [
        [i - 2, i - 1] for i in range(3, 62)
    ]  # exponential if re-explored
    graphs = [
        ("a leaf alone", [[]]),
        ("an input used twice (b = a + a)", [[], [0, 0]]),
        ("a diamond", [[], [0], [0], [1, 2]]),
        ("a random graph of 40 nodes", random_graph(rng, 5, 34)),
        ("a random graph of 300 nodes", random_graph(rng, 20, 279)),
        ("a ladder of 62 nodes", ladder),
        ("a chain of 100,001 nodes", chain),
    ]
    return [
        Case(f"topological_order of {name}", "topological", graph_arrays(edges), check=check_order)
        for name, edges in graphs
    ]


def operation(op, operands, plain=()):
    label = op + " at " + ", ".join(f"{x:.4g}" for x in operands)
    return Case(
        label,
        "value_op",
        {"operands": np.array(operands, dtype=np.float64)},
        {"op": op, "plain": list(plain)},
    )


def arithmetic(rng):
    a, b = rng.uniform(0.5, 2.0, 2) * rng.choice([-1, 1], 2)
    return [
        operation("a + b", [a, b]),
        operation("a + b", [a, 2.5], [1]),
        operation("a + b", [2.5, b], [0]),
        operation("a - b", [a, b]),
        operation("a - b", [a, 2.5], [1]),
        operation("a - b", [2.5, b], [0]),
        operation("a * b", [a, b]),
        operation("a * b", [3.0, b], [0]),
        operation("a / b", [a, b]),
        operation("a / b", [a, 4.0], [1]),
        operation("a / b", [3.0, b], [0]),
        operation("-a", [a]),
        *[operation("a ** n", [abs(a), n], [1]) for n in (2, 3, 0.5, -1.5, 0)],
    ]


def functions(rng):
    x = rng.uniform(0.3, 2.0)
    return [
        operation("relu(a)", [x]),
        operation("relu(a)", [-x]),
        operation("tanh(a)", [x]),
        operation("tanh(a)", [-2 * x]),
        operation("sigmoid(a)", [x]),
        operation("sigmoid(a)", [-x]),
        operation("sigmoid(a)", [-800.0]),
        operation("sigmoid(a)", [800.0]),
        operation("exp(a)", [x]),
        operation("exp(a)", [-x]),
        operation("log(a)", [x]),
        operation("log(a)", [20 * x]),
    ]


def overwritten(edges, local):
    """The gradients a backward() gets that overwrites (=) a parent's gradient instead of adding."""
    grads = np.zeros(len(edges))
    grads[-1] = 1.0
    starts = np.cumsum([0] + [len(p) for p in edges])
    for node in range(len(edges) - 1, -1, -1):
        for j, parent in enumerate(edges[node]):
            grads[parent] = local[starts[node] + j] * grads[node]
    return grads


def backwards(rng):
    cases = []
    graphs = [
        ("a product", [[], [], [0, 1]]),
        ("an input used twice", [[], [0, 0]]),
        ("a diamond", [[], [0], [0], [1, 2]]),
        ("a random graph of 30 nodes", random_graph(rng, 4, 25)),
    ]
    for name, edges in graphs:
        arrays = graph_arrays(edges)
        arrays["local"] = rng.uniform(-2, 2, len(arrays["parents"]))
        for calls in (1, 2):
            case = Case(
                f"backward() {'twice ' if calls == 2 else ''}on {name}",
                "value_backward",
                arrays,
                {"calls": calls},
            )
            case.mistakes = {
                "a parent's gradient is overwritten (=) instead of added to (+=)": calls
                * overwritten(edges, arrays["local"].tolist()),
            }
            cases.append(case)
    return cases


def by_hand(rng):
    return [
        Case(
            f"by_hand.py, {function}()",
            "by_hand",
            {},
            {"module": "by_hand.py", "nodes": NODES, "function": function},
            reference={"module": str(BY_HAND)},
        )
        for function in ("forward_pass", "backward_pass")
    ]


CASES = {"0.1": sorting, "0.2": arithmetic, "0.3": functions, "0.4": backwards, "0.5": by_hand}

"""Visible tests of assignment 0, marked by task: ``python -m pytest -m task0_2`` runs Task 0.2's.

Tasks are independent:

- Task 0.1 sorts graphs of stand-in nodes (a name and a tuple of ``_parents``, nothing else), so it
  needs no operation of ``Value``.
- Tasks 0.2 and 0.3 apply one operation to leaves and check what it records (its result, its
  parents and its local derivatives) against the maths written in this file: the function itself,
  its derivatives in closed form, and centred finite differences of the function. They never call
  ``backward()``.
- Task 0.4 runs ``backward()`` on graphs whose ``_parents`` and ``_local_grads`` are set by hand,
  and hands it a topological sort of the tests' own (``stand_ins.py``), so it needs neither the
  operations nor Task 0.1.
- Task 0.5 checks the numbers of ``by_hand.py``: the forward pass here, the backward pass only in
  form (its numbers are the exercise; the grader checks them).

The last test, not marked with any task, checks Tasks 0.1 to 0.4 together: ``python -m pytest``
runs it.
"""

import contextlib
import math
import numbers
import signal
import threading
from dataclasses import dataclass

import by_hand
import mygrad.graph
import mygrad.value
import pytest
from checks import check_rule, numerical_gradients
from mygrad import Value
from mygrad.graph import topological_order
from stand_ins import sort_by_counting_uses


def close(got, expected, rel=1e-9, abs=1e-12):
    return math.isclose(got, expected, rel_tol=rel, abs_tol=abs)


@contextlib.contextmanager
def time_limit(seconds, message):
    """Fail with ``message`` if the block runs longer than ``seconds``, rather than hang.

    Only where the system has interval timers (Linux, macOS); elsewhere the block runs unlimited.
    """
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def stop(signum, frame):
        pytest.fail(f"more than {seconds} s: {message}")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


SLOW = (
    "the reference takes well under a second here; a lookup in a list (`x in some_list`) "
    "instead of a set or dict makes this quadratic in the size of the graph"
)


# ---------------------------------------------------------------------------------------------
# Task 0.1: topological_order, on stand-in nodes
# ---------------------------------------------------------------------------------------------


class Graph:
    """Makes stand-in nodes and counts how often a sort reads their ``_parents``.

    The sort must run in time linear in the size of the graph: a sort that explores a shared node
    again for every path to it takes exponential time on a ladder of 60 nodes. Rather than let it
    hang, :meth:`sort` stops it once it has read ``_parents`` ten times more often than the graph
    has nodes and edges.
    """

    def __init__(self):
        self.size = 0  # nodes + edges
        self.reads_left = math.inf

    def node(self, name, *parents):
        self.size += 1 + len(parents)
        return Node(self, name, parents)

    def sort(self, root):
        budget = 10 * self.size + 10
        self.reads_left = budget
        try:
            with time_limit(20, f"topological_order on {self.size:,} nodes and edges: {SLOW}"):
                return list(topological_order(root))
        except RecursionError:
            pytest.fail(
                f"topological_order hit Python's recursion limit on a graph of {self.size:,} "
                "nodes and edges: use an explicit stack (a list) instead of recursion"
            )
        finally:
            self.reads_left = math.inf


class Node:
    """A stand-in for a Value: a name and the tuple of its parents, nothing else."""

    def __init__(self, graph, name, parents):
        self.graph, self.name, self.parent_tuple = graph, name, parents

    @property
    def _parents(self):
        graph = self.graph
        graph.reads_left -= 1
        if graph.reads_left < 0:
            raise AssertionError(
                f"topological_order read ._parents more than {10 * graph.size + 10:,} times on "
                f"a graph of only {graph.size:,} nodes and edges: visit each node once (keep a "
                "set of the nodes already seen), so that the sort takes time linear in the size "
                "of the graph"
            )
        return self.parent_tuple

    def __repr__(self):
        return f"node {self.name}"


def reachable(root):
    """Every node of the graph that ends at ``root``: the test's own search."""
    found, todo = {root}, [root]
    while todo:
        for parent in todo.pop().parent_tuple:
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def assert_topological(order, root):
    """``order`` holds every node of ``root``'s graph once, each after its parents, ``root`` last."""
    position = {}
    for i, node in enumerate(order):
        assert node not in position, (
            f"{node} appears twice in the order (at positions {position[node]} and {i}): each "
            "node must appear once, even when several paths lead to it"
        )
        position[node] = i
    graph = reachable(root)
    missing = [node for node in graph if node not in position]
    assert not missing, f"the order misses {missing[:3]} (of {len(graph)} nodes in the graph)"
    foreign = [node for node in order if node not in graph]
    assert not foreign, f"the order holds {foreign[:3]}, which are not in the graph of {root}"
    assert order[-1] is root, f"the root must come last, but the order ends with {order[-1]}"
    for node in order:
        for parent in node.parent_tuple:
            assert position[parent] < position[node], (
                f"{parent} (at position {position[parent]}) must come before {node} "
                f"(at position {position[node]}), which uses it"
            )


def leaf_alone(g):
    return g.node("a")


def two_inputs(g):  # c = a + b
    return g.node("c", g.node("a"), g.node("b"))


def an_input_used_twice(g):  # b = a + a
    return g.node("b", *[g.node("a")] * 2)


def diamond(g):  # a feeds b and c, which both feed d
    a = g.node("a")
    return g.node("d", g.node("b", a), g.node("c", a))


def parent_also_a_grandparent(g):  # c = f(a, b) with b = h(a): a breadth-first order fails here
    a = g.node("a")
    return g.node("c", a, g.node("b", a))


def shared_nodes(g):  # a small network: diamonds inside diamonds, a node used three times
    x, y = g.node("x"), g.node("y")
    u = g.node("u", x, y)
    v = g.node("v", u, x)
    w = g.node("w", u, v, v)
    return g.node("L", w, y, u)


@pytest.mark.task0_1
@pytest.mark.parametrize(
    "build",
    [
        leaf_alone,
        two_inputs,
        an_input_used_twice,
        diamond,
        parent_also_a_grandparent,
        shared_nodes,
    ],
    ids=lambda build: build.__name__,
)
def test_topological_order_puts_every_node_once_after_its_parents(build):
    g = Graph()
    root = build(g)
    assert_topological(g.sort(root), root)


@pytest.mark.task0_1
def test_topological_order_of_a_ladder_is_linear_in_the_size_of_the_graph():
    # n_k uses n_(k-1) and n_(k-2): about 10^12 paths lead from the top down to n_0.
    g = Graph()
    nodes = [g.node(0), g.node(1)]
    for k in range(2, 60):
        nodes.append(g.node(k, nodes[-1], nodes[-2]))
    order = g.sort(nodes[-1])
    assert_topological(order, nodes[-1])


@pytest.mark.task0_1
def test_topological_order_of_a_chain_of_100000_nodes():
    g = Graph()
    chain = [g.node(0)]
    for k in range(1, 100_001):
        chain.append(g.node(k, chain[-1]))
    order = g.sort(chain[-1])
    assert len(order) == len(chain), f"{len(order):,} nodes in the order, expected {len(chain):,}"
    # A chain has one topological order: the chain itself.
    for k, (got, expected) in enumerate(zip(order, chain, strict=True)):
        assert got is expected, f"position {k} of the order holds {got}, expected {expected}"


# ---------------------------------------------------------------------------------------------
# Tasks 0.2 and 0.3: what one operation records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One operation to check, and the maths it must agree with (written here, not taken from mygrad)."""

    name: str  # how it reads: "a * b", "a - 2.5", "2.5 - b"
    make: object  # builds it: called with Values, or with plain numbers at the positions `plain`
    maths: object  # the same function on floats
    derivatives: object  # its partial derivatives on floats, one per operand, in closed form
    operands: tuple  # the numbers to evaluate it at
    plain: tuple = ()  # positions passed as plain numbers rather than Values
    hint: str = ""  # printed if the operation overflows


def sigmoid(a):
    return (1.0 + math.tanh(a / 2)) / 2  # an identity that cannot overflow


TASK_0_2 = [
    Op("a + b", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1, 1), (1.3, -0.4)),
    Op("a + 2.5", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1, 1), (1.3, 2.5), (1,)),
    Op("2.5 + b", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1, 1), (2.5, -0.4), (0,)),
    Op("a - b", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1, -1), (1.3, -0.4)),
    Op("a - 2.5", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1, -1), (1.3, 2.5), (1,)),
    Op("2.5 - b", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1, -1), (2.5, -0.4), (0,)),
    Op("a * b", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), (2.0, -3.0)),
    Op("a * 3", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), (-1.2, 3), (1,)),
    Op("2.5 * b", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), (2.5, 0.7), (0,)),
    Op(
        "a / b",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        (1.5, -2.5),
    ),
    Op(
        "a / 4",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        (-0.6, 4),
        (1,),
    ),
    Op(
        "3 / b",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        (3, 0.8),
        (0,),
    ),
    Op("-a", lambda a: -a, lambda a: -a, lambda a: (-1,), (1.7,)),
    Op("a ** 2", lambda a: a**2, lambda a: a * a, lambda a: (2 * a,), (-1.5,)),
    Op("a ** 3", lambda a: a**3, lambda a: a * a * a, lambda a: (3 * a * a,), (-0.8,)),
    Op("a ** 0.5", lambda a: a**0.5, math.sqrt, lambda a: (0.5 / math.sqrt(a),), (2.0,)),
    Op("a ** -1", lambda a: a**-1, lambda a: 1 / a, lambda a: (-1 / (a * a),), (-2.5,)),
    Op(
        "a ** -1.5",
        lambda a: a**-1.5,
        lambda a: 1 / (a * math.sqrt(a)),
        lambda a: (-1.5 / (a * a * math.sqrt(a)),),
        (1.7,),
    ),
    Op("a ** 0", lambda a: a**0, lambda a: 1.0, lambda a: (0,), (1.3,)),
]

SIGMOID_HINT = (
    "math.exp(x) overflows for x > 709: compute math.exp of -|a| only, "
    "1 / (1 + e**-a) when a >= 0 and e**a / (1 + e**a) when a < 0"
)

TASK_0_3 = [
    Op("relu(a)", Value.relu, lambda a: max(a, 0.0), lambda a: (1,), (1.7,)),
    Op("relu(a)", Value.relu, lambda a: max(a, 0.0), lambda a: (0,), (-0.4,)),
    Op("tanh(a)", Value.tanh, math.tanh, lambda a: (1 / math.cosh(a) ** 2,), (0.7,)),
    Op("tanh(a)", Value.tanh, math.tanh, lambda a: (1 / math.cosh(a) ** 2,), (-1.2,)),
    Op("tanh(a)", Value.tanh, math.tanh, lambda a: (1 / math.cosh(a) ** 2,), (20.0,)),
    *[
        Op(
            "sigmoid(a)",
            Value.sigmoid,
            sigmoid,
            lambda a: (sigmoid(a) * (1 - sigmoid(a)),),
            (a,),
            hint=SIGMOID_HINT,
        )
        for a in (0.0, 1.3, -2.1, 800.0, -800.0)
    ],
    Op("exp(a)", Value.exp, math.exp, lambda a: (math.exp(a),), (0.0,)),
    Op("exp(a)", Value.exp, math.exp, lambda a: (math.exp(a),), (-1.4,)),
    Op("exp(a)", Value.exp, math.exp, lambda a: (math.exp(a),), (3.2,)),
    Op("log(a)", Value.log, math.log, lambda a: (1 / a,), (1.0,)),
    Op("log(a)", Value.log, math.log, lambda a: (1 / a,), (0.3,)),
    Op("log(a)", Value.log, math.log, lambda a: (1 / a,), (25.0,)),
]


def cases(task, ops):
    return [
        pytest.param(op, marks=getattr(pytest.mark, task), id=f"{op.name} at {op.operands}")
        for op in ops
    ]


@pytest.mark.parametrize("op", cases("task0_2", TASK_0_2) + cases("task0_3", TASK_0_3))
def test_an_operation_records_its_result_parents_and_local_derivatives(op):
    letters = "ab"[: len(op.operands)]
    args = [x if i in op.plain else Value(x) for i, x in enumerate(op.operands)]
    at = ", ".join(f"{name}={x!r}" for name, x in zip(letters, op.operands, strict=True))
    where = f"{op.name} at {at}"
    try:
        out = op.make(*args)
    except OverflowError as error:
        pytest.fail(f"{where} overflowed ({error})" + (f": {op.hint}" if op.hint else ""))

    assert isinstance(out, Value), f"{where} returned a {type(out).__name__}, not a Value"
    expected = op.maths(*op.operands)
    assert close(out.data, expected), (
        f"{where}: the result should be {expected!r}, got {out.data!r}"
    )

    # The parents: the operands, in order; a plain number is wrapped in a Value of its own.
    parents = out._parents
    assert isinstance(parents, tuple) and len(parents) == len(args), (
        f"{where}: _parents should be a tuple of its {len(args)} operand(s), got {parents!r}"
    )
    for name, arg, parent in zip(letters, args, parents, strict=True):
        if isinstance(arg, Value):
            assert parent is arg, f"{where}: _parents should hold {name} itself, in order"
        else:
            assert isinstance(parent, Value) and parent.data == arg, (
                f"{where}: the plain number {name}={arg!r} should be a parent as a Value "
                f"(_as_value wraps it), got {parent!r}"
            )

    # The local derivatives: one plain number per parent.
    local = out._local_grads
    assert len(local) == len(parents), (
        f"{where}: one local derivative per parent, got {len(local)} for {len(parents)} parent(s)"
    )
    for name, d in zip(letters, local, strict=True):
        assert isinstance(d, numbers.Real), (
            f"{where}: d(result)/d{name} should be a plain number, got a {type(d).__name__}"
            + (" (record .data, not the Value)" if isinstance(d, Value) else "")
        )

    # Against centred differences of the maths, with a random upstream gradient (for the Values).
    inputs = [i for i, arg in enumerate(args) if isinstance(arg, Value)]

    def maths_of_the_inputs(*xs):
        numbers_at = list(op.operands)
        for i, x in zip(inputs, xs, strict=True):
            numbers_at[i] = float(x)
        return op.maths(*numbers_at)

    check_rule(
        where,
        maths_of_the_inputs,
        lambda g: tuple(local[i] * g for i in inputs),
        [op.operands[i] for i in inputs],
        [letters[i] for i in inputs],
    )

    # Against the derivatives in closed form, for every parent (plain numbers included).
    for name, d, expected_d in zip(letters, local, op.derivatives(*op.operands), strict=True):
        assert close(d, expected_d), (
            f"{where}: d(result)/d{name} should be {expected_d!r}, got {d!r}"
        )


@pytest.mark.task0_3
def test_relu_at_its_kink():
    # Finite differences mean nothing at 0; the convention (PyTorch's too) is a derivative of 0.
    a = Value(0.0)
    out = a.relu()
    assert isinstance(out, Value) and out.data == 0.0, f"relu(0) should be 0.0, got {out!r}"
    assert out._parents == (a,) and out._parents[0] is a, "relu(a): _parents should be (a,)"
    assert tuple(out._local_grads) == (0.0,), (
        f"relu(a) at a=0.0: the local derivative is taken to be 0, got {tuple(out._local_grads)}"
    )


@pytest.mark.task0_2
@pytest.mark.parametrize(
    ("name", "make", "derivatives"),
    [
        ("a + a", lambda a: a + a, lambda a: (1, 1)),
        ("a - a", lambda a: a - a, lambda a: (1, -1)),
        ("a * a", lambda a: a * a, lambda a: (a, a)),
        ("a / a", lambda a: a / a, lambda a: (1 / a, -1 / a)),
    ],
    ids=["a + a", "a - a", "a * a", "a / a"],
)
def test_an_input_used_twice_is_a_parent_twice(name, make, derivatives):
    a = Value(-1.6)
    out = make(a)
    where = f"{name} at a={a.data}"
    assert isinstance(out._parents, tuple) and len(out._parents) == 2, (
        f"{where}: _parents should be (a, a), got {out._parents!r}"
    )
    assert out._parents[0] is a and out._parents[1] is a, f"{where}: _parents should be (a, a)"
    assert len(out._local_grads) == 2, f"{where}: one local derivative per parent"
    for side, d, expected in zip(
        ("left", "right"), out._local_grads, derivatives(a.data), strict=True
    ):
        assert close(d, expected), (
            f"{where}: the local derivative for the {side} a should be {expected!r}, got {d!r}"
        )


# ---------------------------------------------------------------------------------------------
# Task 0.4: backward, on graphs built by hand
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def given_sort(monkeypatch):
    monkeypatch.setattr(mygrad.value, "topological_order", sort_by_counting_uses)
    monkeypatch.setattr(mygrad.graph, "topological_order", sort_by_counting_uses)


# The operations, written out by hand: each result records its parents and local derivatives.


def times(a, b):
    return Value(a.data * b.data, _op="*", _parents=(a, b), _local_grads=(b.data, a.data))


def plus(a, b):
    return Value(a.data + b.data, _op="+", _parents=(a, b), _local_grads=(1.0, 1.0))


def scaled(a, c):
    return Value(c * a.data, _op=f"*{c}", _parents=(a,), _local_grads=(c,))


def squared(a):
    return Value(a.data**2, _op="**2", _parents=(a,), _local_grads=(2 * a.data,))


def tanh_of(a):
    t = math.tanh(a.data)
    return Value(t, _op="tanh", _parents=(a,), _local_grads=(1 - t * t,))


def run_backward(root):
    try:
        with time_limit(20, f"backward(): {SLOW}"):
            root.backward()
    except RecursionError:
        pytest.fail(
            "backward() hit Python's recursion limit: walk the sorted list of nodes in a loop "
            "instead of recursing"
        )


def assert_grads(expected, where):
    """``expected`` maps each Value to the gradient it should hold; every wrong one is listed."""
    wrong = [
        f"  {v.label or v._op}.grad is {v.grad!r}, expected {g!r}"
        for v, g in expected.items()
        if not close(v.grad, g)
    ]
    assert not wrong, f"{where}:\n" + "\n".join(wrong)


def neuron():
    """L = tanh(x1*w1 + x2*w2 + b), built by hand; returns the leaves, n and L."""
    x1, w1 = Value(1.5, "x1"), Value(-0.8, "w1")
    x2, w2 = Value(-2.0, "x2"), Value(0.3, "w2")
    b = Value(0.9, "b")
    n = plus(plus(times(x1, w1), times(x2, w2)), b)
    n.label = "n"
    L = tanh_of(n)
    L.label = "L"
    return (x1, w1, x2, w2, b), n, L


def neuron_maths(x1, w1, x2, w2, b):
    return math.tanh(x1 * w1 + x2 * w2 + b)


@pytest.mark.task0_4
def test_backward_of_a_product(given_sort):
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    L = times(a, b)
    L.label = "L"
    run_backward(L)
    assert_grads({a: -3.0, b: 2.0, L: 1.0}, "L = a * b at a=2, b=-3")


@pytest.mark.task0_4
def test_backward_of_a_neuron_against_closed_form_and_finite_differences(given_sort):
    leaves, n, L = neuron()
    x1, w1, x2, w2, b = leaves
    run_backward(L)
    dL_dn = 1 / math.cosh(x1.data * w1.data + x2.data * w2.data + b.data) ** 2
    where = "L = tanh(x1*w1 + x2*w2 + b)"
    assert_grads(
        {
            L: 1.0,
            n: dL_dn,
            x1: dL_dn * w1.data,
            w1: dL_dn * x1.data,
            x2: dL_dn * w2.data,
            w2: dL_dn * x2.data,
            b: dL_dn,
        },
        where,
    )
    values = [v.data for v in leaves]
    numerical = numerical_gradients(neuron_maths, values, 1.0)
    for leaf, expected in zip(leaves, numerical, strict=True):
        assert math.isclose(leaf.grad, float(expected), rel_tol=1e-6, abs_tol=1e-9), (
            f"{where}: {leaf.label}.grad is {leaf.grad!r}, finite differences give {float(expected)!r}"
        )


@pytest.mark.task0_4
@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("a + a", lambda a: plus(a, a), lambda a: 2.0),
        ("a * a", lambda a: times(a, a), lambda a: 2 * a),
    ],
    ids=["a + a", "a * a"],
)
def test_backward_through_an_input_used_twice(given_sort, name, make, expected):
    a = Value(-1.25, "a")
    run_backward(make(a))
    assert_grads({a: expected(a.data)}, f"L = {name} at a=-1.25")


def diamond_of_values():
    """a feeds b = 3a and c = a**2, and L = b * c = 3 a**3: dL/da = 9 a**2."""
    a = Value(-0.7, "a")
    b, c = scaled(a, 3.0), squared(a)
    b.label, c.label = "b", "c"
    L = times(b, c)
    L.label = "L"
    return a, b, c, L


@pytest.mark.task0_4
def test_backward_through_a_diamond(given_sort):
    a, b, c, L = diamond_of_values()
    run_backward(L)
    x = a.data
    assert_grads({L: 1.0, b: x**2, c: 3 * x, a: 9 * x**2}, "L = (3a) * (a**2) at a=-0.7")


@pytest.mark.task0_4
def test_backward_twice_gives_twice_the_gradients_on_every_node(given_sort):
    leaves, n, L = neuron()
    a, b, c, M = diamond_of_values()
    root = times(L, M)  # a graph with intermediate nodes and a diamond
    root.label = "root"
    nodes = sort_by_counting_uses(root)
    run_backward(root)
    once = {node: node.grad for node in nodes}
    assert any(once.values()), "backward() left every .grad at 0"
    run_backward(root)
    # Twice to rounding (1e-12): adding a node's gradient edge by edge rounds differently from
    # adding its total at once, but a second call that sends .grad down again gives 3x, not 2x.
    wrong = [node for node in nodes if not close(node.grad, 2 * once[node], rel=1e-12, abs=0.0)]
    hints = []
    if root in wrong and root.grad == once[root]:
        hints.append("the root's .grad must accumulate too: add 1 to it rather than set it to 1")
    if any(node is not root for node in wrong):
        hints.append(
            "each call must send down only its own gradients: keep them in a table of their own "
            "(a dict from node to gradient) and add each node's entry to its .grad; propagating "
            ".grad itself sends the first call's gradients down a second time"
        )
    assert not wrong, (
        "after two calls of backward(), these .grad are not twice one call's:\n"
        + "\n".join(
            f"  {node.label or node._op}: {node.grad!r} after two calls, {once[node]!r} after one"
            for node in wrong
        )
        + "".join(f"\n({hint})" for hint in hints)
    )


@pytest.mark.task0_4
def test_backward_adds_to_gradients_already_there(given_sort):
    a, b, c = Value(0.5, "a"), Value(-2.0, "b"), Value(3.0, "c")
    first, second = times(a, b), times(b, c)
    first.label, second.label = "first", "second"
    a.grad = 0.25
    run_backward(first)
    # second is not in first's graph: neither it nor its own input c may change.
    assert_grads({a: 0.25 - 2.0, b: 0.5, c: 0.0, second: 0.0}, "after first.backward()")
    run_backward(second)
    # b feeds both outputs: its gradients from the two calls add up.
    assert_grads(
        {a: 0.25 - 2.0, b: 0.5 + 3.0, c: -2.0, first: 1.0, second: 1.0},
        "after first.backward(), then second.backward()",
    )


@pytest.mark.task0_4
def test_backward_of_a_leaf(given_sort):
    a = Value(4.0, "a")
    run_backward(a)
    assert_grads({a: 1.0}, "a.backward() on a leaf")


@pytest.mark.task0_4
def test_backward_through_a_chain_of_100000_operations(given_sort):
    chain = [Value(0.5, "x0")]
    for _ in range(100_000):
        chain.append(scaled(chain[-1], 1.00001))
    run_backward(chain[-1])
    # d(x_n)/d(x_k) = 1.00001 ** (n - k): about e at the start of the chain.
    n = len(chain) - 1
    for k in (n, n - 1, n // 2, 0):
        expected = 1.00001 ** (n - k)
        assert math.isclose(chain[k].grad, expected, rel_tol=1e-9), (
            f"a chain of {n:,} multiplications by 1.00001: x{k}.grad is {chain[k].grad!r}, "
            f"expected 1.00001 ** {n - k} = {expected!r}"
        )


# ---------------------------------------------------------------------------------------------
# Task 0.5: backpropagation by hand (by_hand.py)
# ---------------------------------------------------------------------------------------------


def by_hand_maths():
    """The exercise's nodes, computed in plain Python."""
    x, w, b, y = 3.0, -2.0, 8.0, 5.0
    p = w * x
    z = p + b
    h = max(z, 0.0)
    e = h - y
    s = e**2
    r = w * w
    return dict(x=x, w=w, b=b, y=y, p=p, z=z, h=h, e=e, s=s, r=r, L=s + r)


def numbers_of(answer, what):
    """``answer`` as a dict of plain floats, or a failure that says what is wrong with it."""
    assert isinstance(answer, dict), f"{what} returned a {type(answer).__name__}, not a dict"
    missing = [node for node in by_hand.NODES if node not in answer]
    extra = [node for node in answer if node not in by_hand.NODES]
    assert not missing and not extra, f"{what}: missing nodes {missing}, unknown nodes {extra}"
    for node, number in answer.items():
        assert isinstance(number, numbers.Real) and math.isfinite(number), (
            f"{what}: node {node} is {number!r}, not a finite number"
        )
    return {node: float(number) for node, number in answer.items()}


@pytest.mark.task0_5
def test_forward_pass_by_hand():
    got = numbers_of(by_hand.forward_pass(), "forward_pass()")
    for node, expected in by_hand_maths().items():
        assert close(got[node], expected), f"node {node} is {got[node]!r}, expected {expected!r}"


@pytest.mark.task0_5
def test_backward_pass_by_hand_gives_a_number_for_every_node():
    """Only the form is checked here: the numbers are the exercise, and the grader checks them."""
    got = numbers_of(by_hand.backward_pass(), "backward_pass()")
    assert got["L"] == 1.0, f"dL/dL is {got['L']!r}: the backward pass starts from 1"


# ---------------------------------------------------------------------------------------------
# Tasks 0.1 to 0.4 together (not marked: it needs each of them)
# ---------------------------------------------------------------------------------------------


def test_the_engine_of_tasks_0_1_to_0_4_together():
    # The example of mygrad/value.py's docstring.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    loss = (a * b + 1).tanh()
    loss.backward()
    assert close(a.grad, (1 - math.tanh(-5.0) ** 2) * -3.0), f"a.grad is {a.grad!r}"

    # Every operation in one expression, against finite differences of its maths.
    def expression(a, b, c):
        return (
            ((a * b + 1).tanh() - c / a) ** 2
            + (b - c).sigmoid() * (c.log() + a.relu())
            + (-b).exp() / 3
            + 1 / (1 + c)
            - 2 * b
        )

    def maths(a, b, c):
        return (
            (math.tanh(a * b + 1) - c / a) ** 2
            + sigmoid(b - c) * (math.log(c) + max(a, 0.0))
            + math.exp(-b) / 3
            + 1 / (1 + c)
            - 2 * b
        )

    numbers_at = (0.8, -1.3, 2.1)
    leaves = [Value(x, name) for x, name in zip(numbers_at, "abc", strict=True)]
    out = expression(*leaves)
    assert close(out.data, maths(*numbers_at)), f"the expression is {out.data!r}"
    out.backward()
    for leaf, expected in zip(leaves, numerical_gradients(maths, numbers_at, 1.0), strict=True):
        assert math.isclose(leaf.grad, float(expected), rel_tol=1e-6, abs_tol=1e-9), (
            f"{leaf.label}.grad is {leaf.grad!r}, finite differences give {float(expected)!r}"
        )

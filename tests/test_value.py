"""The scalar Value engine: every operation's value and derivative, small graphs worked by hand,
long chains, repeated backward calls and the error messages."""

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff_numpy.graph import topological_order
from autodiff_numpy.value import Value


def derivative(f, x):
    """d f(v) / dv at v = x, by the engine: one leaf, one backward."""
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


def centred_difference(f, x, h=1e-6):
    """d f / dx at x from the function values alone, applying f to plain floats."""
    return (f(x + h) - f(x - h)) / (2 * h)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# name, the expression on a Value, the same expression on a float, its derivative written out,
# and inputs (away from kinks and outside each function's domain boundaries).
UNARY = [
    ("v + 2", lambda v: v + 2, lambda x: x + 2, lambda x: 1.0, [-1.5, 0.3, 4.0]),
    ("2 + v", lambda v: 2 + v, lambda x: 2 + x, lambda x: 1.0, [-1.5, 0.3, 4.0]),
    ("v + 0.25", lambda v: v + 0.25, lambda x: x + 0.25, lambda x: 1.0, [-1.5, 0.3]),
    ("v - 2", lambda v: v - 2, lambda x: x - 2, lambda x: 1.0, [-1.5, 0.3, 4.0]),
    ("2 - v", lambda v: 2 - v, lambda x: 2 - x, lambda x: -1.0, [-1.5, 0.3, 4.0]),
    ("v * 3", lambda v: v * 3, lambda x: x * 3, lambda x: 3.0, [-1.5, 0.3, 4.0]),
    ("3 * v", lambda v: 3 * v, lambda x: 3 * x, lambda x: 3.0, [-1.5, 0.3, 4.0]),
    ("v * -0.5", lambda v: v * -0.5, lambda x: x * -0.5, lambda x: -0.5, [-1.5, 0.3]),
    ("v / 4", lambda v: v / 4, lambda x: x / 4, lambda x: 0.25, [-1.5, 0.3, 4.0]),
    ("4 / v", lambda v: 4 / v, lambda x: 4 / x, lambda x: -4 / x**2, [-1.5, 0.3, 4.0]),
    ("1 / v", lambda v: 1 / v, lambda x: 1 / x, lambda x: -1 / x**2, [-2.0, 0.5]),
    ("v ** 2", lambda v: v**2, lambda x: x * x, lambda x: 2 * x, [-1.5, 0.3, 4.0]),
    ("v ** 3", lambda v: v**3, lambda x: x * x * x, lambda x: 3 * x * x, [-1.5, 0.3, 4.0]),
    ("v ** -2", lambda v: v**-2, lambda x: 1 / (x * x), lambda x: -2 / x**3, [-1.5, 0.3, 4.0]),
    ("v ** 0.5", lambda v: v**0.5, math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.3, 4.0, 9.0]),
    (
        "v ** 1.5",
        lambda v: v**1.5,
        lambda x: x * math.sqrt(x),
        lambda x: 1.5 * math.sqrt(x),
        [0.3, 4.0],
    ),
    ("v ** 0", lambda v: v**0, lambda x: 1.0, lambda x: 0.0, [-1.5, 0.3]),
    ("-v", lambda v: -v, lambda x: -x, lambda x: -1.0, [-1.5, 0.3, 4.0]),
    (
        "relu",
        lambda v: v.relu(),
        lambda x: max(x, 0.0),
        lambda x: float(x > 0),
        [-1.5, -0.2, 0.3, 4.0],
    ),
    (
        "tanh",
        lambda v: v.tanh(),
        math.tanh,
        lambda x: 1 - math.tanh(x) ** 2,
        [-2.5, -0.3, 0.0, 0.7, 3.0],
    ),
    (
        "sigmoid",
        lambda v: v.sigmoid(),
        sigmoid,
        lambda x: sigmoid(x) * sigmoid(-x),
        [-6.0, -0.4, 0.0, 1.3, 8.0],
    ),
    ("exp", lambda v: v.exp(), math.exp, math.exp, [-3.0, 0.0, 0.4, 2.5]),
    ("log", lambda v: v.log(), math.log, lambda x: 1 / x, [0.05, 0.7, 1.0, 30.0]),
]


@pytest.mark.parametrize(
    ("name", "on_value", "on_float", "closed_form", "x"),
    [(name, f, g, d, x) for name, f, g, d, xs in UNARY for x in xs],
    ids=[f"{name} at {x}" for name, *_, xs in UNARY for x in xs],
)
def test_one_input_op_value_and_derivative(name, on_value, on_float, closed_form, x):
    value, grad = derivative(on_value, x)
    assert type(value) is float and type(grad) is float
    assert value == pytest.approx(on_float(x), rel=1e-12, abs=1e-15), f"{name} value at {x}"
    assert grad == pytest.approx(closed_form(x), rel=1e-12, abs=1e-15), f"{name} derivative at {x}"
    assert grad == pytest.approx(centred_difference(on_float, x), rel=1e-6, abs=1e-8), name


# name, op on Values, op on floats, (d/da, d/db) written out
BINARY = [
    ("a + b", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    ("a - b", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
    ("a * b", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a)),
    ("a / b", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2)),
]
PAIRS = [(2.0, -3.0), (-0.7, 0.4), (5.5, 1.25)]


@pytest.mark.parametrize(
    ("name", "on_values", "on_floats", "closed_form"), BINARY, ids=[b[0] for b in BINARY]
)
@pytest.mark.parametrize(("x", "y"), PAIRS)
def test_two_input_op_value_and_partial_derivatives(name, on_values, on_floats, closed_form, x, y):
    a, b = Value(x), Value(y)
    out = on_values(a, b)
    out.backward()
    assert out.data == pytest.approx(on_floats(x, y), rel=1e-12)
    da, db = closed_form(x, y)
    assert a.grad == pytest.approx(da, rel=1e-12), f"d({name})/da"
    assert b.grad == pytest.approx(db, rel=1e-12), f"d({name})/db"
    assert a.grad == pytest.approx(centred_difference(lambda t: on_floats(t, y), x), rel=1e-6)
    assert b.grad == pytest.approx(centred_difference(lambda t: on_floats(x, t), y), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-3, 3),
    y=st.floats(0.5, 3),
    op=st.sampled_from(["+", "-", "*", "/"]),
    number_on_left=st.booleans(),
)
def test_number_on_either_side_agrees_with_finite_differences(x, y, op, number_on_left):
    ops = {
        "+": lambda p, q: p + q,
        "-": lambda p, q: p - q,
        "*": lambda p, q: p * q,
        "/": lambda p, q: p / q,
    }
    if number_on_left:
        # d/dv of (y op v); the Value is the divisor, so keep it away from 0
        x = math.copysign(abs(x) + 0.5, x)
        on_float = lambda t: ops[op](y, t)  # noqa: E731
    else:
        on_float = lambda t: ops[op](t, y)  # noqa: E731
    value, grad = derivative(on_float, x)  # the same lambda works on a Value and on a float
    assert value == pytest.approx(on_float(x), rel=1e-12, abs=1e-12)
    assert grad == pytest.approx(centred_difference(on_float, x), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(2.5), np.int64(2), 2, 2.5, True])
def test_numpy_and_python_numbers_work_on_both_sides(number):
    n = float(number)
    for expression, expected_value, expected_grad in [
        (lambda v: v * number, 3.0 * n, n),
        (lambda v: number * v, 3.0 * n, n),
        (lambda v: number - v, n - 3.0, -1.0),
        (lambda v: v + number, 3.0 + n, 1.0),
        (lambda v: number / v, n / 3.0, -n / 9.0),
        (lambda v: v**number, 3.0**n, n * 3.0 ** (n - 1)),
    ]:
        v = Value(3.0)
        out = expression(v)
        assert isinstance(out, Value), type(out)
        out.backward()
        assert out.data == pytest.approx(expected_value, rel=1e-7)
        assert v.grad == pytest.approx(expected_grad, rel=1e-7)


def test_sigmoid_is_stable_for_large_inputs():
    for x, expected in [(1000.0, 1.0), (-1000.0, 0.0), (745.0, 1.0), (-745.0, 0.0)]:
        v = Value(x)
        out = v.sigmoid()
        out.backward()
        assert out.data == pytest.approx(expected, abs=1e-300)
        assert v.grad == pytest.approx(0.0, abs=1e-300)
    # the two branches (x >= 0 and x < 0) compute the same function
    for x in [-30.0, -1.0, 1.0, 30.0]:
        assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)


def test_relu_derivative_at_zero_is_zero():
    assert derivative(lambda v: v.relu(), 0.0) == (0.0, 0.0)


def test_sqrt_at_zero_has_an_infinite_derivative_not_an_exception():
    value, grad = derivative(lambda v: v**0.5, 0.0)
    assert value == 0.0 and grad == math.inf


def test_data_and_grad_are_floats_and_repr():
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0 and v.grad == 0.0 and type(v.grad) is float
    assert repr(v) == "Value(data=3.0, grad=0.0)"
    w = Value(-1.5, label="w")
    assert w.label == "w"
    assert repr(w) == "Value(label='w', data=-1.5, grad=0.0)"
    assert Value(np.float32(0.5)).data == 0.5 and type(Value(np.float32(0.5)).data) is float


def test_values_have_slots_not_a_dict():
    with pytest.raises(AttributeError):
        Value(1.0).__dict__  # noqa: B018


def test_graph_record_of_one_operation():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c._parents == (a, b) and c._op == "*"
    assert a._parents == () and a._op == ""
    d = a + a
    assert d._parents == (a, a), "parents must keep duplicates, in order"
    e = 2 - a
    assert e._parents[1] is a and e._parents[0].data == 2.0 and e._op == "-"


# ---- small graphs worked out by hand ----


def test_hand_worked_graph():
    # f = (a*b + c) * a, so df/da = (a*b + c) + a*b = 2ab + c, df/db = a**2, df/dc = a.
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    d = a * b  # -6
    e = d + c  # 4
    f = e * a  # 8
    f.backward()
    assert f.data == 8.0
    assert a.grad == 2 * 2.0 * -3.0 + 10.0  # -2
    assert b.grad == 4.0
    assert c.grad == 2.0
    assert e.grad == 2.0  # df/de = a
    assert d.grad == 2.0  # df/dd = df/de * de/dd = a * 1
    assert f.grad == 1.0


def test_same_input_twice():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0  # d(b**2)/db = 2b
    c = Value(-2.0)
    (c * c * c).backward()
    assert c.grad == 12.0  # 3c**2
    d = Value(1.5)
    (d / d).backward()
    assert d.grad == 0.0  # d/d = 1, a constant
    e = Value(0.5)
    (e - e * e).backward()
    assert e.grad == 0.0  # 1 - 2e at e = 0.5


def test_diamond():
    # x feeds two branches, u = 3x and v = tanh(x), which rejoin in f = u * v:
    # df/dx = 3 tanh(x) + 3x (1 - tanh(x)**2)
    x = Value(0.8)
    u = x * 3
    v = x.tanh()
    f = u * v
    f.backward()
    t = math.tanh(0.8)
    assert f.data == pytest.approx(3 * 0.8 * t, rel=1e-15)
    assert x.grad == pytest.approx(3 * t + 3 * 0.8 * (1 - t * t), rel=1e-14)
    assert u.grad == pytest.approx(t, rel=1e-15)
    assert v.grad == pytest.approx(2.4, rel=1e-15)


def test_neuron_by_hand():
    # o = tanh(x1 w1 + x2 w2 + b), do/dw1 = (1 - o**2) x1, do/dx2 = (1 - o**2) w2
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    slope = 1 - math.tanh(2.0 * -3.0 + 6.8813735870195432) ** 2
    assert o.data == pytest.approx(math.tanh(0.8813735870195432), rel=1e-12)
    assert w1.grad == pytest.approx(slope * 2.0, rel=1e-12)
    assert w2.grad == pytest.approx(0.0, abs=1e-15)  # x2 = 0
    assert x1.grad == pytest.approx(slope * -3.0, rel=1e-12)
    assert x2.grad == pytest.approx(slope * 1.0, rel=1e-12)
    assert b.grad == pytest.approx(slope, rel=1e-12)


def test_hinge_loss_by_hand():
    # relu(1 - y s) with y = -1 and s = 0.25 is 1.25 and its derivative in s is -y = 1;
    # with y = +1 and s = 2 the hinge is flat: loss 0, derivative 0.
    s = Value(0.25)
    loss = (1 - -1 * s).relu()
    loss.backward()
    assert (loss.data, s.grad) == (1.25, 1.0)
    s = Value(2.0)
    loss = (1 - 1 * s).relu()
    loss.backward()
    assert (loss.data, s.grad) == (0.0, 0.0)


# ---- backward: long graphs, and repeated calls ----


def test_chain_of_100_000_operations_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000, "this test means nothing with a raised limit"
    n, c = 100_000, 1.00001
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    # y = x * c**n, so dy/dx = c**n
    assert x.grad == pytest.approx(c**n, rel=1e-9)
    assert y.data == pytest.approx(c**n, rel=1e-9)


def build_shared_graph():
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    c = a * b + a.tanh()
    d = c * c + (a / b).exp()  # c used twice; a reaches d along four paths
    e = d.sigmoid() + d.relu() - 2 * c
    return e


def test_backward_twice_gives_exactly_twice_the_gradient_everywhere():
    once = build_shared_graph()
    once.backward()
    twice = build_shared_graph()
    twice.backward()
    twice.backward()
    nodes_once, nodes_twice = topological_order(once), topological_order(twice)
    assert len(nodes_once) == len(nodes_twice) > 10
    for n1, n2 in zip(nodes_once, nodes_twice, strict=True):
        assert n1.data == n2.data
        assert n2.grad == 2 * n1.grad, f"node {n2!r}: one call gave {n1.grad}"
    assert any(n.grad not in (0.0, 1.0) for n in nodes_once), "the graph should have real gradients"


def test_gradients_accumulate_across_outputs_and_reset_by_zeroing():
    x = Value(2.0)
    (x * x).backward()  # 2x = 4
    (3 * x).backward()  # 3
    assert x.grad == 7.0
    x.grad = 0.0
    (x * x).backward()
    assert x.grad == 4.0


# ---- errors a student can act on ----


def test_value_exponent_is_a_clear_type_error():
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        2 ** Value(3.0)
    with pytest.raises(TypeError, match="str"):
        Value(2.0) ** "3"


@pytest.mark.parametrize(
    ("expression", "type_name"),
    [
        (lambda v: v + "1", "str"),
        (lambda v: "1" + v, "str"),
        (lambda v: v * "ab", "str"),
        (lambda v: v - [1.0], "list"),
        (lambda v: [1.0] * v, "list"),
        (lambda v: v / np.array([1.0, 2.0]), "ndarray"),
        (lambda v: np.array([1.0, 2.0]) + v, "ndarray"),
        (lambda v: v * None, "NoneType"),
        (lambda v: v + 1j, "complex"),
    ],
)
def test_non_number_operand_is_a_type_error_naming_its_type(expression, type_name):
    with pytest.raises(TypeError, match=type_name) as caught:
        expression(Value(2.0))
    assert "Value" in str(caught.value)


def test_constructor_rejects_non_numbers():
    with pytest.raises(TypeError, match="str"):
        Value("3.0")
    with pytest.raises(TypeError, match="ndarray"):
        Value(np.array([1.0, 2.0]))


@pytest.mark.parametrize("x", [0.0, -2.0])
def test_log_of_a_non_positive_number_names_it(x):
    with pytest.raises(ValueError, match=f"log.*{x}"):
        Value(x).log()


def test_fractional_power_of_a_negative_number_is_a_value_error():
    with pytest.raises(ValueError, match="negative"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # whole exponents are fine

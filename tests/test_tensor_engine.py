"""The engine's contract: the graph walk, accumulation, no_grad, construction and clear errors."""

import sys

import numpy as np
import pytest

import autodiff_numpy as ad
from autodiff_numpy import Tensor, no_grad
from autodiff_numpy.graph import topological_order

# ------------------------------------------------------------------------- the graph walk


def test_a_100000_node_chain_backpropagates_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0001
        y = y - 0.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**50_000] * 2, rtol=1e-9)


def test_topological_order_puts_every_node_after_its_parents_once():
    a = Tensor(1.0, requires_grad=True)
    b = a * 2
    c = a + b
    d = b * c + a  # nodes: a, the constant 2, b, c, b * c, d
    order = topological_order(d)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == len(position) == 6
    assert order[-1] is d
    for node in order:
        for parent in node._parents:
            assert position[id(parent)] < position[id(node)]


def test_a_wide_graph_with_shared_subexpressions():
    # f = sum_k (x * k) * x = x^2 * sum(k): every product reuses x twice.
    x = Tensor(1.5, requires_grad=True)
    total = Tensor(0.0)
    for k in range(1, 201):
        total = total + (x * k) * x
    total.backward()
    assert x.grad == pytest.approx(2 * 1.5 * sum(range(1, 201)))


# ------------------------------------------------------------------------- accumulation


def test_two_backwards_on_the_same_graph_give_twice_the_gradient_everywhere():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = x.tanh().retain_grad()
    loss = (h * h).sum()
    loss.backward()
    once_x, once_h = x.grad.copy(), h.grad.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * once_x)
    np.testing.assert_allclose(h.grad, 2 * once_h)
    np.testing.assert_allclose(once_x, 2 * np.tanh(x.data) * (1 - np.tanh(x.data) ** 2))


def test_gradients_from_two_graphs_add_up_and_clearing_resets():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * 3).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 3 + 2 * w.data)
    w.grad = None
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad, [3.0, 3.0])


def test_leaf_gradients_are_writable_arrays_of_their_own():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()  # both receive the same upstream array
    a.grad *= 5
    np.testing.assert_allclose(b.grad, [1.0, 1.0, 1.0])
    assert a.grad.flags.writeable


def test_only_leaves_that_require_grad_receive_one():
    x = Tensor(np.ones(3))
    w = Tensor(np.full(3, 2.0), requires_grad=True)
    hidden = x * w
    out = hidden.sum().retain_grad()
    out.backward()
    assert x.grad is None
    assert hidden.grad is None  # computed, not retained: its gradient was passed on, not kept
    np.testing.assert_allclose(w.grad, [1.0, 1.0, 1.0])
    assert out.grad == 1.0


def test_backward_with_an_explicit_upstream_gradient():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, -2.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, -12.0])


def test_parameters_updated_in_place_are_used_by_the_next_forward():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.25 * w.grad
    np.testing.assert_allclose((w * 1).data, [0.5, 1.0])


# ------------------------------------------------------------------------- no_grad and detach


def test_no_grad_records_nothing_and_restores_on_exit():
    w = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        assert not ad.is_grad_enabled()
        y = w * 2
    assert ad.is_grad_enabled()
    assert not y.requires_grad and y._parents == ()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_restores_after_an_exception_and_works_as_decorator():
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert ad.is_grad_enabled()

    @no_grad()
    def evaluate(t):
        return t * 3

    assert not evaluate(Tensor(1.0, requires_grad=True)).requires_grad
    assert evaluate.__name__ == "evaluate"


def test_detach_shares_data_and_stops_the_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    d = x.detach()
    assert d.data is x.data and not d.requires_grad
    (x * d).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 2.0])  # d counted as a constant


# ------------------------------------------------------------------------- construction and attributes


@pytest.mark.parametrize(
    ("data", "dtype", "shape"),
    [
        (3, np.float64, ()),
        (2.5, np.float64, ()),
        ([1, 2, 3], np.float64, (3,)),
        ([[True, False]], np.float64, (1, 2)),
        (np.arange(6, dtype=np.int32).reshape(2, 3), np.float64, (2, 3)),
        (np.ones(2, dtype=np.float32), np.float32, (2,)),
    ],
)
def test_construction_from_numbers_lists_and_arrays(data, dtype, shape):
    t = Tensor(data)
    assert t.dtype == dtype and t.shape == shape and t.ndim == len(shape)
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))
    assert t.grad is None and not t.requires_grad


def test_construction_copies_the_array():
    source = np.zeros(3)
    t = Tensor(source)
    t.data += 1
    assert source.sum() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("abc", "dtype <U3"),
        ([[1, 2], [3]], "cannot make a Tensor from list"),
        (None, "dtype object"),
        ([1j], "complex"),
    ],
)
def test_construction_rejects_what_is_not_numbers(data, message):
    with pytest.raises(TypeError, match=message):
        Tensor(data)


def test_construction_rejects_non_float_dtype():
    with pytest.raises(TypeError, match="float64 or float32, not int64"):
        Tensor([1, 2], dtype=np.int64)


def test_item_numpy_len_and_repr():
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    assert t.numpy() is t.data and len(t) == 1 and t.size == 2
    assert Tensor(4.0).item() == 4.0 and isinstance(Tensor(4.0).item(), float)
    assert repr(t) == "Tensor([[1., 2.]], requires_grad=True)"
    assert repr(t * 2) == "Tensor([[2., 4.]], grad_fn=mul)"
    assert repr(Tensor(0.5)) == "Tensor(0.5)"
    with pytest.raises(ValueError, match=r"one element, not shape \(1, 2\)"):
        t.item()


def test_comparisons_give_boolean_masks_and_tensors_hash_by_identity():
    t = Tensor([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(t > 0, [True, False, True])
    np.testing.assert_array_equal(t == Tensor([1.0, 0.0, 3.0]), [True, False, True])
    assert len({t, Tensor([1.0, -2.0, 3.0])}) == 2
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)


def test_grad_setter_checks_shape_and_keeps_dtype():
    t = Tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True)
    t.grad = [[1, 2], [3, 4]]
    assert t.grad.dtype == np.float32
    with pytest.raises(
        ValueError, match=r"grad of shape \(3,\) does not match tensor of shape \(2, 2\)"
    ):
        t.grad = np.ones(3)


# ------------------------------------------------------------------------- errors a student can act on


def test_backward_on_a_non_scalar_without_grad_says_what_to_do():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar tensor of shape \(2, 3\) needs grad="):
        (x * 2).backward()


def test_backward_with_a_grad_of_the_wrong_shape_names_both():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(
        ValueError, match=r"grad of shape \(3,\) does not match tensor of shape \(2, 3\)"
    ):
        (x * 2).backward(np.ones(3))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_broadcasting_failure_names_both_shapes(op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    fn = {
        "add": a.__add__,
        "sub": a.__sub__,
        "mul": a.__mul__,
        "div": a.__truediv__,
        "pow": a.__pow__,
    }[op]
    with pytest.raises(ValueError, match=rf"{op}: cannot broadcast shapes \(2, 3\) and \(4,\)"):
        fn(b)


@pytest.mark.parametrize(
    ("left", "right", "message"),
    [
        ((3, 4), (5, 2), r"shapes \(3, 4\) and \(5, 2\) do not match.*left \(4\).*right \(5\)"),
        ((3,), (4,), r"shapes \(3,\) and \(4,\) do not match"),
        ((), (3,), "at least one dimension"),
        (
            (2, 3, 4),
            (5, 4, 2),
            r"matmul: cannot broadcast shapes \(2, 3, 4\) and \(5, 4, 2\) \(their batch dimensions differ\)",
        ),
    ],
)
def test_matmul_shape_errors(left, right, message):
    with pytest.raises(ValueError, match=message):
        Tensor(np.ones(left)) @ Tensor(np.ones(right))


def test_shape_operation_errors_name_the_shapes():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"):
        t.reshape(4, 2)
    with pytest.raises(
        ValueError, match=r"not a permutation of the axes of a tensor of shape \(2, 3\)"
    ):
        t.transpose(0, 0)
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a tensor with 2 dimension"):
        t.sum(axis=2)
    with pytest.raises(
        ValueError, match=r"cannot broadcast a tensor of shape \(2, 3\) to shape \(4,\)"
    ):
        t.broadcast_to((4,))
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        t[5]
    with pytest.raises(ValueError, match=r"mask of shape \(4,\)"):
        t.masked_fill(np.ones(4, dtype=bool), 0.0)


def test_a_backward_returning_the_wrong_number_of_gradients_is_reported():
    x = Tensor(np.ones(2), requires_grad=True)

    def _twice_backward(out, g):
        return (g,)  # one gradient for two inputs

    broken = Tensor._result(x.data * 2, (x, x), _twice_backward)
    with pytest.raises(
        RuntimeError, match=r"backward of twice returned 1 gradient\(s\) for 2 input\(s\)"
    ):
        broken.sum().backward()
    (x * 3).sum().backward()  # the failed pass left nothing behind
    np.testing.assert_allclose(x.grad, [3.0, 3.0])

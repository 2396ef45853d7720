"""The scalar engine of week 1: reverse-mode automatic differentiation, one number at a time.

Every operation on :class:`Value` objects returns a new ``Value`` that remembers where it came from:

- ``_parents``, the inputs it was computed from, in order (``a * a`` lists ``a`` twice);
- ``_local_grads``, the derivative of the result with respect to each of those inputs, evaluated
  at their values when the result was computed: for ``c = a * b`` that is ``(b, a)``;
- ``_op``, the operation's name, for drawing the graph.

So each operation below reads as the maths: one line for the result, one line for its local
derivatives. ``backward()`` then needs no knowledge of any operation. It walks the graph from the
output back to the inputs and applies the chain rule at every edge::

    dL/d(parent) += d(node)/d(parent) * dL/d(node)

Example::

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> loss = (a * b + 1).tanh()
    >>> loss.backward()
    >>> a.grad == (1 - loss.data ** 2) * b.data
    True
"""

import math
import numbers
import reprlib

from mygrad.graph import topological_order


class Value:
    """A scalar that records the operations applied to it, so that ``backward()`` can differentiate.

    ``Value(data, label="")``: ``data`` is any real number (stored as a Python ``float``), ``label``
    a name shown by :func:`mygrad.draw.to_dot`. ``grad`` holds d(output)/d(this value)
    after ``output.backward()``, and starts at ``0.0``.

    Values combine with each other and with plain numbers on either side: ``+ - * /``, ``**`` with a
    number exponent, unary ``-``, and the methods :meth:`relu`, :meth:`tanh`, :meth:`sigmoid`,
    :meth:`exp` and :meth:`log`. To see the graph behind a result, use
    :func:`mygrad.draw.draw` (an image) or :func:`mygrad.draw.to_dot` (DOT text).
    """

    __slots__ = ("data", "grad", "label", "_parents", "_local_grads", "_op")

    # Make NumPy hand operations such as ``np.float32(2) * value`` back to Value, instead of
    # trying to treat the Value as an array element.
    __array_ufunc__ = None

    def __init__(self, data, label="", *, _op="", _parents=(), _local_grads=()):
        # The keyword-only arguments are for the operations below, not for users.
        if type(data) is not float:
            data = _real_number(data, "Value(data)")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._parents = _parents
        self._local_grads = _local_grads
        self._op = _op

    def __repr__(self):
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"

    # ---- arithmetic: result, then the derivative of the result with respect to each input ----

    def __add__(self, other):
        other = _as_value(other, "+")
        a, b = self.data, other.data
        # a + b;   d/da = 1,  d/db = 1
        return Value(a + b, _op="+", _parents=(self, other), _local_grads=(1.0, 1.0))

    def __sub__(self, other):
        other = _as_value(other, "-")
        a, b = self.data, other.data
        # a - b;   d/da = 1,  d/db = -1
        return Value(a - b, _op="-", _parents=(self, other), _local_grads=(1.0, -1.0))

    def __mul__(self, other):
        other = _as_value(other, "*")
        a, b = self.data, other.data
        # a * b;   d/da = b,  d/db = a
        return Value(a * b, _op="*", _parents=(self, other), _local_grads=(b, a))

    def __truediv__(self, other):
        other = _as_value(other, "/")
        a, b = self.data, other.data
        # a / b;   d/da = 1/b,  d/db = -a/b**2
        return Value(a / b, _op="/", _parents=(self, other), _local_grads=(1.0 / b, -a / (b * b)))

    def __pow__(self, exponent):
        n = _exponent(exponent)
        a = self.data
        if a < 0 and not float(n).is_integer():
            raise ValueError(f"{a!r} ** {n!r}: a negative number to a fractional power is not real")
        # a ** n;  d/da = n * a**(n-1)
        return Value(a**n, _op=f"**{n:g}", _parents=(self,), _local_grads=(_power_rule(a, n),))

    def __neg__(self):
        # -a;   d/da = -1
        return Value(-self.data, _op="neg", _parents=(self,), _local_grads=(-1.0,))

    # The same operations with a plain number on the left: 2 + v, 1 - v, 2 * v, 1 / v.
    def __radd__(self, other):
        return _as_value(other, "+") + self

    def __rsub__(self, other):
        return _as_value(other, "-") - self

    def __rmul__(self, other):
        return _as_value(other, "*") * self

    def __rtruediv__(self, other):
        return _as_value(other, "/") / self

    def __rpow__(self, base):
        raise TypeError(
            f"{type(base).__name__} ** Value: the exponent must be a plain number, not a Value; "
            "for a positive base c, write (v * math.log(c)).exp() for c ** v"
        )

    # ---- functions of one input ----

    def relu(self):
        a = self.data
        # max(a, 0);  d/da = 1 if a > 0 else 0
        if a > 0:
            return Value(a, _op="relu", _parents=(self,), _local_grads=(1.0,))
        return Value(0.0, _op="relu", _parents=(self,), _local_grads=(0.0,))

    def tanh(self):
        t = math.tanh(self.data)
        # tanh(a);  d/da = 1 - tanh(a)**2
        return Value(t, _op="tanh", _parents=(self,), _local_grads=(1.0 - t * t,))

    def sigmoid(self):
        a = self.data
        # 1 / (1 + e**-a), written so that e**x never overflows: only e**-|a| is computed.
        if a >= 0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        # sigmoid(a);  d/da = sigmoid(a) * (1 - sigmoid(a))
        return Value(s, _op="sigmoid", _parents=(self,), _local_grads=(s * (1.0 - s),))

    def exp(self):
        e = math.exp(self.data)
        # e**a;  d/da = e**a
        return Value(e, _op="exp", _parents=(self,), _local_grads=(e,))

    def log(self):
        a = self.data
        if a <= 0:
            raise ValueError(f"log is only defined for positive numbers, got log({a!r})")
        # ln(a);  d/da = 1/a
        return Value(math.log(a), _op="log", _parents=(self,), _local_grads=(1.0 / a,))

    # ---- reverse mode ----

    def backward(self):
        """Add d(self)/d(node) to ``node.grad`` for every node of the graph that ends at ``self``.

        Gradients ACCUMULATE: each call adds to ``.grad`` rather than overwriting it, as in PyTorch
        and micrograd, so gradients of several outputs (or several batches) can be summed by calling
        ``backward()`` on each. Reset them before the next step: ``node.grad = 0.0`` on the inputs
        you care about, or ``model.zero_grad()`` on an :class:`~mygrad.nn.scalar.MLP`.

        One call propagates only its own gradient: the chain rule runs on a fresh table of this
        call's gradients, and each node's entry, once complete, is added to its ``.grad``. So
        calling ``backward()`` twice on the same graph gives exactly twice the gradients of one
        call, on every node, intermediate ones included. (Propagating ``.grad`` itself, as micrograd
        does, would send an intermediate node's gradient from the first call down a second time.)

        The graph is sorted without recursion, so a chain of 100,000 operations is fine.
        """
        order = topological_order(self)
        # d(self)/d(node) for this call only. (Values hash by identity: Value defines no __eq__.)
        grad_of = dict.fromkeys(order, 0.0)
        grad_of[self] = 1.0
        for node in reversed(order):
            # Every node that uses this one came earlier in this loop, so node_grad is complete.
            node_grad = grad_of[node]
            node.grad += node_grad
            # The chain rule along each edge into this node (the two tuples have the same length).
            for parent, local_grad in zip(node._parents, node._local_grads, strict=False):
                grad_of[parent] += local_grad * node_grad


# ---- helpers: turning operands into Values, with errors that say what went wrong ----


def _real_number(x, where):
    """``x`` as a float if it is a real number (int, float, NumPy real scalar), else a TypeError."""
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(
        f"{where} must be a real number (int or float), not {type(x).__name__}: {reprlib.repr(x)}"
    )


def _as_value(x, op):
    """The operand ``x`` of ``op`` as a Value: a Value itself, or a number wrapped as a leaf."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(
        f"unsupported operand for Value {op}: {type(x).__name__} ({reprlib.repr(x)}); "
        "the other operand must be a Value or a real number (int or float)"
    )


def _exponent(n):
    """The exponent of ``**``: a plain real number, never a Value."""
    if isinstance(n, Value):
        raise TypeError(
            "Value ** Value is not supported: the exponent must be a plain number (int or float); "
            "for a positive base a, write (b * a.log()).exp() for a ** b"
        )
    if isinstance(n, numbers.Real):
        return n if type(n) in (int, float) else float(n)
    raise TypeError(
        f"the exponent of ** must be a real number (int or float), not {type(n).__name__}"
    )


def _power_rule(a, n):
    """d(a**n)/da = n * a**(n-1), including the cases at a = 0 that Python's ** refuses."""
    if n == 0:
        return 0.0  # a**0 is the constant 1
    if a == 0 and n < 1:
        return math.inf  # a vertical tangent, as for sqrt at 0
    return n * a ** (n - 1)

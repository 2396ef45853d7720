"""The Tensor: a NumPy array that remembers how it was computed, so it can be differentiated.

Every operation below computes its result on plain NumPy arrays and, right beside it, defines
``backward(g)``: given ``g``, the gradient of the final scalar with respect to the result, it returns
the gradient with respect to each input, written as the maths (the chain rule on arrays).

Three rules live in one place each, so that no operation has to repeat them:

* broadcasting: an input that was broadcast receives a gradient of the result's shape;
  :func:`unbroadcast` sums it back to the input's shape (called by :meth:`Tensor.backward`);
* accumulation: an input used several times receives the sum of its gradients;
* bookkeeping: only tensors that require a gradient get one, and nothing is recorded under
  :class:`no_grad`.
"""

import math
import numbers

import numpy as np

from .graph import topological_order

_grad_enabled = True


class no_grad:
    """Context manager (and decorator) in which operations are not recorded for backward.

    Use it for evaluation and for parameter updates: ``with no_grad(): accuracy = ...``.
    """

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, False

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, function):
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        without_grad.__name__ = function.__name__
        without_grad.__doc__ = function.__doc__
        return without_grad


def is_grad_enabled():
    """Whether operations are currently recorded for backward."""
    return _grad_enabled


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1; every copy
    contributed to the result, so the input's gradient is the sum over those axes.
    """
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    if grad.shape[leading:] == shape:  # only new leading axes (a bias added to a batch)
        return np.add.reduce(grad, axis=tuple(range(leading)))
    stretched = tuple(i + leading for i, n in enumerate(shape) if n == 1 and grad.shape[i + leading] != 1)
    return np.add.reduce(grad, axis=tuple(range(leading)) + stretched, keepdims=True).reshape(shape)


def _as_array(data, dtype=None):
    """Convert user data to a float64 (or float32) array, with a clear error for anything else."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None and np.dtype(dtype) not in (np.float64, np.float32):
        raise TypeError(f"a Tensor holds float64 or float32, not {np.dtype(dtype)}")
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"cannot make a Tensor from {type(data).__name__}: {error}") from None
    if dtype is None and array.dtype not in (np.float64, np.float32):
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"cannot make a Tensor from an array of dtype {array.dtype}: "
                "give numbers (bool, int or float)"
            )
        array = array.astype(np.float64)
    return array


def _normalize_axes(axis, ndim):
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimension(s)")
        normalized.append(a % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"repeated axis in {axis}")
    return tuple(sorted(normalized))


def _kept_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as length 1, so a reduction's gradient broadcasts back."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, shape):
    """A new array of ``shape`` holding ``g`` copied along its length-1 axes (a writable broadcast)."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


class Tensor:
    """An n-dimensional array of floats that records the operations applied to it.

    ``Tensor(data, requires_grad=False)`` copies ``data`` (an array, a nested list or a number) into
    a float64 array, or float32 if it already is one. After ``loss.backward()``, every leaf tensor
    (one made by the user, not computed) that requires a gradient and that ``loss`` depends on holds
    ``d loss / d tensor`` in ``.grad``, an array of its own shape and dtype. As in PyTorch, computed
    tensors pass their gradient on without keeping it, unless asked to by :meth:`retain_grad`.
    """

    __slots__ = ("data", "_grad", "requires_grad", "_parents", "_backward", "_op", "_upstream", "_retains_grad")
    # NumPy defers to our reflected operators, so ``array * tensor`` makes a Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        self._grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = ""
        self._upstream = None
        self._retains_grad = False

    @classmethod
    def _result(cls, data, parents, backward, op):
        """The output of an operation: recorded for backward only if some input requires grad."""
        out = cls.__new__(cls)
        out.data = data
        out._grad = None
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        out._op = op
        out._upstream = None
        out._retains_grad = False
        if _grad_enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    break
        return out

    def _lift(self, other):
        """``other`` as a Tensor; a number takes this tensor's dtype, so float32 stays float32."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number):
            return Tensor._result(np.array(other, dtype=self.data.dtype), (), None, "")
        return Tensor(other)

    # ----------------------------------------------------------------------------- attributes

    @property
    def grad(self):
        """``d output / d self`` after a backward reached this tensor; ``None`` before."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is None:
            self._grad = None
            return
        value = np.asarray(value, dtype=self.data.dtype)
        if value.shape != self.data.shape:
            raise ValueError(f"grad of shape {value.shape} does not match tensor of shape {self.shape}")
        self._grad = value

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self):
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, not shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying array (shared, not copied, as in PyTorch)."""
        return self.data

    def detach(self):
        """A tensor sharing this one's data but cut from the graph: nothing flows back through it."""
        return Tensor._result(self.data, (), None, "")

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", precision=4)
        if self._op and self.requires_grad:
            return f"Tensor({body}, grad_fn={self._op})"
        if self.requires_grad:
            return f"Tensor({body}, requires_grad=True)"
        return f"Tensor({body})"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all() on .data")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    # Comparisons give NumPy boolean arrays: masks for indexing, where() and masked_fill().
    # Tensors still hash by identity, as in PyTorch.
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self.data == _data_of(other)

    def __ne__(self, other):
        return self.data != _data_of(other)

    def __lt__(self, other):
        return self.data < _data_of(other)

    def __le__(self, other):
        return self.data <= _data_of(other)

    def __gt__(self, other):
        return self.data > _data_of(other)

    def __ge__(self, other):
        return self.data >= _data_of(other)

    # ----------------------------------------------------------------------------- backward

    def backward(self, grad=None):
        """Backpropagate: add ``d self / d t`` (times ``grad``) to ``t.grad`` for every leaf tensor
        ``t`` in the graph that requires a gradient (and every tensor that called ``retain_grad``).

        ``grad`` is the gradient of some final scalar with respect to ``self``; it may be left out
        when ``self`` has a single element (it is then 1). Gradients **accumulate**: a second
        backward adds to ``.grad`` rather than replacing it, so clear them between steps
        (``optimizer.zero_grad()`` or ``t.grad = None``). Each call propagates only its own gradient,
        so two calls on the same graph give exactly twice the gradients of one.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of its graph was "
                "created with requires_grad=True (or it was computed under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs grad=, the "
                    "gradient of the final scalar with respect to it (of the same shape); "
                    "or reduce it first, e.g. loss.sum().backward()"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(_data_of(grad), dtype=self.data.dtype)
            if grad.shape != self.data.shape:
                raise ValueError(f"backward(): grad of shape {grad.shape} does not match tensor of shape {self.shape}")

        # Each node's _upstream collects the gradient this pass sends it, from every child, before
        # the node passes it on: the reverse topological order guarantees all children came first.
        order = topological_order(self)
        self._upstream = grad
        try:
            for node in reversed(order):
                g = node._upstream
                if g is None:
                    continue
                node._upstream = None
                if node._backward is None:  # a leaf: keep the gradient, nothing to pass on
                    node._accumulate(g)
                    continue
                if node._retains_grad:
                    node._accumulate(g)
                parent_grads = node._backward(g)
                if len(parent_grads) != len(node._parents):
                    raise RuntimeError(
                        f"the backward of {node._op} returned {len(parent_grads)} gradient(s) "
                        f"for {len(node._parents)} input(s)"
                    )
                for parent, parent_grad in zip(node._parents, parent_grads):
                    if parent_grad is None or not parent.requires_grad:
                        continue
                    if parent_grad.shape != parent.data.shape:
                        parent_grad = unbroadcast(parent_grad, parent.data.shape)
                    if parent._upstream is None:
                        parent._upstream = parent_grad
                    else:
                        parent._upstream = parent._upstream + parent_grad
        except BaseException:
            for node in order:  # a failed pass must not leak into the next one
                node._upstream = None
            raise

    def retain_grad(self):
        """Keep this computed tensor's gradient in ``.grad`` during backward (to inspect it)."""
        self._retains_grad = True
        return self

    def _accumulate(self, g):
        """Add this pass's gradient to ``.grad``, in this tensor's dtype."""
        if self._grad is None:
            # An array of its own: the pass's arrays may be shared with other tensors.
            self._grad = np.array(g, dtype=self.data.dtype)
        else:
            self._grad = self._grad + g.astype(self.data.dtype, copy=False)

    # ----------------------------------------------------------------------------- arithmetic

    def _broadcasting(self, ufunc, other, op):
        """``ufunc(self, other)``, turning NumPy's broadcasting failure into an error naming both shapes."""
        try:
            return ufunc(self.data, other.data)
        except ValueError:
            raise ValueError(
                f"{op}: cannot broadcast shapes {self.shape} and {other.shape} "
                "(trailing dimensions must be equal or 1)"
            ) from None

    def __add__(self, other):
        other = self._lift(other)

        def backward(g):
            return g, g

        return Tensor._result(self._broadcasting(np.add, other, "add"), (self, other), backward, "add")

    def __radd__(self, other):
        return self._lift(other) + self

    def __sub__(self, other):
        other = self._lift(other)

        def backward(g):
            return g, (-g if other.requires_grad else None)

        return Tensor._result(self._broadcasting(np.subtract, other, "sub"), (self, other), backward, "sub")

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data

        def backward(g):
            return (g * b if self.requires_grad else None), (g * a if other.requires_grad else None)

        return Tensor._result(self._broadcasting(np.multiply, other, "mul"), (self, other), backward, "mul")

    def __rmul__(self, other):
        return self._lift(other) * self

    def __truediv__(self, other):
        other = self._lift(other)
        b = other.data
        out = self._broadcasting(np.true_divide, other, "div")

        def backward(g):
            # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2 = -out/b
            g_over_b = g / b
            return g_over_b, (-g_over_b * out if other.requires_grad else None)

        return Tensor._result(out, (self, other), backward, "div")

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __neg__(self):
        def backward(g):
            return (-g,)

        return Tensor._result(-self.data, (self,), backward, "neg")

    def __pow__(self, exponent):
        if not isinstance(exponent, numbers.Real):
            return self._pow_tensor(self._lift(exponent))
        a = self.data

        def backward(g):
            # d(a^p)/da = p * a^(p-1)
            return (g * exponent * a ** (exponent - 1),)

        return Tensor._result(a**exponent, (self,), backward, "pow")

    def _pow_tensor(self, exponent):
        a, p = self.data, exponent.data
        out = self._broadcasting(np.power, exponent, "pow")

        def backward(g):
            # d(a^p)/da = p * a^(p-1),  d(a^p)/dp = a^p * log(a)
            grad_a = g * p * a ** (p - 1) if self.requires_grad else None
            grad_p = g * out * np.log(a) if exponent.requires_grad else None
            return grad_a, grad_p

        return Tensor._result(out, (self, exponent), backward, "pow")

    def __rpow__(self, base):
        return self._lift(base) ** self

    def __matmul__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data
        try:
            out = a @ b
        except ValueError:
            raise _matmul_error(a.shape, b.shape) from None

        def backward(g):
            # Y = A B  =>  dA = G B^T,  dB = A^T G   (on the last two axes; batch axes broadcast).
            if a.ndim == 2 and b.ndim == 2:
                grad_a = g @ b.T if self.requires_grad else None
                grad_b = a.T @ g if other.requires_grad else None
                return grad_a, grad_b
            return _matmul_backward(g, a, b, self.requires_grad, other.requires_grad)

        return Tensor._result(out, (self, other), backward, "matmul")

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    # ----------------------------------------------------------------------------- elementwise

    def exp(self):
        out = np.exp(self.data)

        def backward(g):
            return (g * out,)  # d e^x = e^x

        return Tensor._result(out, (self,), backward, "exp")

    def log(self):
        x = self.data

        def backward(g):
            return (g / x,)  # d log x = 1/x

        return Tensor._result(np.log(x), (self,), backward, "log")

    def sqrt(self):
        out = np.sqrt(self.data)

        def backward(g):
            return (g / (2 * out),)  # d sqrt(x) = 1 / (2 sqrt(x))

        return Tensor._result(out, (self,), backward, "sqrt")

    def abs(self):
        x = self.data

        def backward(g):
            return (g * np.sign(x),)  # d|x| = sign(x), taken as 0 at 0

        return Tensor._result(np.abs(x), (self,), backward, "abs")

    def relu(self):
        x = self.data

        def backward(g):
            return (g * (x > 0),)  # 1 where x > 0, else 0 (0 at the kink)

        return Tensor._result(np.maximum(x, 0), (self,), backward, "relu")

    def sigmoid(self):
        # 1 / (1 + e^-x), written so that no exponential overflows for large |x|.
        out = np.exp(-np.logaddexp(0, -self.data))

        def backward(g):
            return (g * out * (1 - out),)  # d sigma = sigma (1 - sigma)

        return Tensor._result(out, (self,), backward, "sigmoid")

    def tanh(self):
        out = np.tanh(self.data)

        def backward(g):
            return (g * (1 - out * out),)  # d tanh = 1 - tanh^2

        return Tensor._result(out, (self,), backward, "tanh")

    def clip(self, low=None, high=None):
        """Limit values to ``[low, high]``; the gradient passes only where a value was inside."""
        x = self.data
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high

        def backward(g):
            return (g * inside,)

        return Tensor._result(np.clip(x, low, high), (self,), backward, "clip")

    def masked_fill(self, mask, value):
        """Replace the entries where ``mask`` is true by ``value``; they pass no gradient back."""
        mask = np.asarray(_data_of(mask), dtype=bool)
        try:
            out = np.where(mask, np.asarray(value, dtype=self.data.dtype), self.data)
        except ValueError:
            raise ValueError(f"masked_fill: cannot broadcast mask of shape {mask.shape} to tensor of shape {self.shape}") from None
        if out.shape != self.data.shape:
            raise ValueError(f"masked_fill: mask of shape {mask.shape} would enlarge tensor of shape {self.shape}")

        def backward(g):
            return (np.where(mask, 0, g),)

        return Tensor._result(out, (self,), backward, "masked_fill")

    # ----------------------------------------------------------------------------- reductions

    def sum(self, axis=None, keepdims=False):
        axes = _normalize_axes(axis, self.data.ndim)
        shape = self.data.shape
        kept = _kept_shape(shape, axes)

        def backward(g):
            # Every summed element contributed with weight 1: copy g back along the summed axes.
            return (_spread(g.reshape(kept), shape),)

        return Tensor._result(np.add.reduce(self.data, axis=axes, keepdims=keepdims), (self,), backward, "sum")

    def mean(self, axis=None, keepdims=False):
        axes = _normalize_axes(axis, self.data.ndim)
        shape = self.data.shape
        kept = _kept_shape(shape, axes)
        count = math.prod(shape[a] for a in axes)

        def backward(g):
            return (_spread(g.reshape(kept) / count, shape),)  # each element weighs 1/count

        out = np.add.reduce(self.data, axis=axes, keepdims=keepdims) / count
        return Tensor._result(out, (self,), backward, "mean")

    def max(self, axis=None, keepdims=False):
        """Largest value along ``axis``; its gradient is shared equally between tied maxima."""
        return self._extreme(np.max, axis, keepdims, "max")

    def min(self, axis=None, keepdims=False):
        """Smallest value along ``axis``; its gradient is shared equally between tied minima."""
        return self._extreme(np.min, axis, keepdims, "min")

    def _extreme(self, reduce, axis, keepdims, op):
        axes = _normalize_axes(axis, self.data.ndim)
        if self.data.size == 0:
            raise ValueError(f"{op}() of an empty tensor of shape {self.shape}")
        x = self.data
        kept = reduce(x, axis=axes, keepdims=True)

        def backward(g):
            winners = x == kept
            share = g.reshape(kept.shape) / winners.sum(axis=axes, keepdims=True, dtype=x.dtype)
            return (winners * share,)

        out = kept if keepdims else np.squeeze(kept, axis=axes)
        return Tensor._result(out, (self,), backward, op)

    def softmax(self, axis=-1):
        """``exp(x) / sum(exp(x))`` along ``axis``, computed after subtracting the maximum (no overflow)."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        out = e / e.sum(axis=axis, keepdims=True)

        def backward(g):
            # Jacobian diag(s) - s s^T applied to g:  s * (g - <g, s>)
            return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

        return Tensor._result(out, (self,), backward, "softmax")

    def log_softmax(self, axis=-1):
        """``x - log(sum(exp(x)))`` along ``axis``, stable for large inputs."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

        def backward(g):
            # d/dx_j of (x_i - logsumexp x) = [i == j] - softmax_j
            return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

        return Tensor._result(out, (self,), backward, "log_softmax")

    # ----------------------------------------------------------------------------- shape

    def reshape(self, *shape):
        """The same values in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``; one -1 allowed)."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} ({self.size} elements) into shape {shape}") from None
        original = self.data.shape

        def backward(g):
            return (g.reshape(original),)

        return Tensor._result(out, (self,), backward, "reshape")

    def transpose(self, *axes):
        """Permute the axes (``transpose(1, 0, 2)``); with none, reverse them (as NumPy)."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(reversed(range(self.data.ndim)))
        if sorted(a % max(self.data.ndim, 1) for a in axes) != list(range(self.data.ndim)):
            raise ValueError(f"transpose: {axes} is not a permutation of the axes of a tensor of shape {self.shape}")
        inverse = np.argsort([a % self.data.ndim for a in axes])

        def backward(g):
            return (g.transpose(inverse),)  # undo the permutation

        return Tensor._result(self.data.transpose(axes), (self,), backward, "transpose")

    @property
    def T(self):
        """The axes reversed (a matrix transposed)."""
        return self.transpose()

    def broadcast_to(self, shape):
        """A view of this tensor repeated to ``shape`` by NumPy's broadcasting rules."""
        shape = tuple(shape)
        try:
            out = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"cannot broadcast a tensor of shape {self.shape} to shape {shape}") from None

        def backward(g):
            return (g,)  # Tensor.backward sums it back to this tensor's shape

        return Tensor._result(out, (self,), backward, "broadcast_to")

    def __getitem__(self, index):
        """Indexing as NumPy: ints, slices, None, ..., integer arrays and boolean masks.

        The gradient lands on the selected entries; an entry selected twice (``x[[0, 0]]``)
        receives both contributions.
        """
        index = _index_of(index)
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(f"index out of range for a tensor of shape {self.shape}: {error}") from None
        x = self.data

        def backward(g):
            full = np.zeros_like(x)
            if _repeats_possible(index):
                np.add.at(full, index, g)
            else:
                full[index] = g
            return (full,)

        return Tensor._result(out, (self,), backward, "getitem")


def _data_of(x):
    return x.data if isinstance(x, Tensor) else x


def _index_of(index):
    """An index with any Tensor in it replaced by integer (or boolean) NumPy arrays."""
    if isinstance(index, tuple):
        return tuple(_index_of(i) for i in index)
    if isinstance(index, Tensor):
        return index.data.astype(np.intp)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _repeats_possible(index):
    """Whether an index may select an element more than once (it holds an integer array)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype != bool for p in parts)


def _matmul_error(left, right):
    """Say why ``numpy.matmul`` refused two shapes."""
    if not left or not right:
        return ValueError(f"matmul: both operands need at least one dimension, got shapes {left} and {right}")
    inner = right[-2] if len(right) > 1 else right[0]
    if left[-1] != inner:
        return ValueError(
            f"matmul: shapes {left} and {right} do not match: the last dimension of the left "
            f"({left[-1]}) must equal the {'second-to-last' if len(right) > 1 else 'only'} "
            f"dimension of the right ({inner})"
        )
    return ValueError(f"matmul: cannot broadcast shapes {left} and {right} (their batch dimensions differ)")


def _matmul_backward(g, a, b, need_a, need_b):
    """The gradients of ``a @ b`` for 1-D and batched operands (``numpy.matmul``'s rules).

    A 1-D left operand acts as a row (1, k), a 1-D right operand as a column (k, 1); the axis this
    adds is put back into ``g``, the 2-D rule applies, and batch axes are summed back.
    """
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape) if need_a else None
    grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape) if need_b else None
    return grad_a, grad_b


def tensor(data, requires_grad=False, dtype=None):
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def concat(tensors, axis=0):
    """Join tensors along an existing axis; each receives its slice of the gradient."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ValueError(f"concat along axis {axis}: shapes {[t.shape for t in tensors]} differ off that axis") from None
    ends = np.cumsum([t.data.shape[axis] for t in tensors])[:-1]

    def backward(g):
        return tuple(np.split(g, ends, axis=axis))

    return Tensor._result(out, tuple(tensors), backward, "concat")


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis; each receives its slice of the gradient."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    try:
        out = np.stack([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ValueError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}") from None

    def backward(g):
        return tuple(np.moveaxis(g, axis, 0))

    return Tensor._result(out, tuple(tensors), backward, "stack")


def where(condition, x, y):
    """``x`` where ``condition`` is true, else ``y`` (broadcast); each gets the gradient of its picks."""
    condition = np.asarray(_data_of(condition), dtype=bool)
    x = x if isinstance(x, Tensor) else Tensor(x)
    y = x._lift(y)
    try:
        out = np.where(condition, x.data, y.data)
    except ValueError:
        raise ValueError(f"where: cannot broadcast shapes {condition.shape}, {x.shape} and {y.shape}") from None

    def backward(g):
        return np.where(condition, g, 0), np.where(condition, 0, g)

    return Tensor._result(out, (x, y), backward, "where")

"""The Tensor: a NumPy array that remembers how it was computed, so it can be differentiated.

Every operation below is a pair. The forward computes the result on plain NumPy arrays and records
it with :meth:`Tensor._result`, naming its backward rule; the rule, defined right under it as
``_<op>_backward(out, g)``, receives the result ``out`` and ``g``, the gradient of the final scalar
with respect to ``out``, and returns the gradient with respect to each input in ``out._parents``,
written as the maths (the chain rule on arrays). What a rule needs beyond ``out.data`` and the
inputs' data (an axis, a mask) is kept in ``out._saved``.

Three rules live in one place each, so that no operation has to repeat them:

* broadcasting: an input that was broadcast receives a gradient of the result's shape;
  :func:`unbroadcast` sums it back to the input's shape (called by :meth:`Tensor.backward`);
* accumulation: an input used several times receives the sum of its gradients;
* bookkeeping: only tensors that require a gradient get one, and nothing is recorded under
  :class:`no_grad`.

(The rules are plain functions rather than closures made by each forward: a closure costs a
function object and a cell per captured variable, for every operation of every step, and that
allocation, and the garbage collector it wakes, was a third of the engine's overhead.)
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
    stretched = tuple(
        i + leading for i, n in enumerate(shape) if n == 1 and grad.shape[i + leading] != 1
    )
    summed = np.add.reduce(grad, axis=tuple(range(leading)) + stretched, keepdims=True)
    return summed.reshape(shape)


class Tensor:
    """An n-dimensional array of floats that records the operations applied to it.

    ``Tensor(data, requires_grad=False)`` copies ``data`` (an array, a nested list or a number)
    into a float64 array, or float32 if it already is one. After ``loss.backward()``, every leaf
    tensor (one made by the user, not computed) that requires a gradient and that ``loss`` depends
    on holds ``d loss / d tensor`` in ``.grad``, an array of its own shape and dtype. As in
    PyTorch, computed tensors pass their gradient on without keeping it, unless asked to by
    :meth:`retain_grad`.
    """

    __slots__ = (
        "data", "requires_grad", "_grad", "_parents", "_backward", "_saved", "_upstream", "_retains_grad"
    )  # fmt: skip
    # NumPy defers to our reflected operators, so ``array * tensor`` makes a Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        self.requires_grad = bool(requires_grad)
        self._grad = None
        self._parents = ()
        self._backward = None
        self._saved = None
        self._upstream = None
        self._retains_grad = False

    @staticmethod
    def _result(data, parents, backward, saved=None):
        """The output of an operation, recorded for backward if some input requires grad."""
        out = Tensor.__new__(Tensor)
        # NumPy gives a scalar, not a 0-d array, for full reductions and integer indexing.
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.requires_grad = False
        out._grad = None
        out._parents = ()
        out._backward = None
        out._saved = None
        out._upstream = None
        out._retains_grad = False
        if _grad_enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    out._saved = saved
                    break
        return out

    def _lift(self, other):
        """``other`` as a Tensor; a number takes this tensor's dtype, so float32 stays float32."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number):
            return Tensor._result(np.array(other, dtype=self.data.dtype), (), None)
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
            raise ValueError(
                f"grad of shape {value.shape} does not match tensor of shape {self.shape}"
            )
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

    @property
    def _op(self):
        """The name of the operation that made this tensor (``exp`` for ``_exp_backward``), or ""."""
        if self._backward is None:
            return ""
        return self._backward.__name__.removeprefix("_").removesuffix("_backward")

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
        return Tensor._result(self.data, (), None)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", precision=4)
        if self._backward is not None:
            return f"Tensor({body}, grad_fn={self._op})"
        if self.requires_grad:
            return f"Tensor({body}, requires_grad=True)"
        return f"Tensor({body})"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all() on .data"
            )
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
        """Backpropagate: add ``d self / d t`` (times ``grad``) to ``t.grad`` for every leaf
        tensor ``t`` of the graph that requires a gradient (and every one that called
        :meth:`retain_grad`).

        ``grad`` is the gradient of some final scalar with respect to ``self``; it may be left out
        when ``self`` has a single element (it is then 1). Gradients **accumulate**: a second
        backward adds to ``.grad`` rather than replacing it, so clear them between steps
        (``optimizer.zero_grad()`` or ``t.grad = None``). Each call propagates only its own
        gradient, so two calls on the same graph give exactly twice the gradients of one.
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
                raise ValueError(
                    f"backward(): grad of shape {grad.shape} does not match tensor of shape {self.shape}"
                )

        # Each node's _upstream collects the gradient this pass sends it, from every node that
        # used it, before the node passes it on: the reverse topological order puts them first.
        order = topological_order(self)
        self._upstream = grad
        try:
            for node in reversed(order):
                g = node._upstream
                if g is None:
                    continue
                node._upstream = None
                backward, parents = node._backward, node._parents
                if backward is None:  # a leaf: keep the gradient, nothing to pass on
                    node._accumulate(g)
                    continue
                if node._retains_grad:
                    node._accumulate(g)
                parent_grads = backward(node, g)
                if len(parent_grads) != len(parents):
                    raise RuntimeError(
                        f"the backward of {node._op} returned {len(parent_grads)} gradient(s) "
                        f"for {len(parents)} input(s)"
                    )
                for parent, parent_grad in zip(parents, parent_grads, strict=True):
                    if parent_grad is None or not parent.requires_grad:
                        continue
                    shape = parent.data.shape
                    if parent_grad.shape != shape:
                        parent_grad = unbroadcast(parent_grad, shape)
                    upstream = parent._upstream
                    parent._upstream = parent_grad if upstream is None else upstream + parent_grad
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
        """``ufunc(self, other)``; NumPy's broadcasting failure becomes an error naming both shapes."""
        try:
            return ufunc(self.data, other.data)
        except ValueError:
            raise ValueError(
                f"{op}: cannot broadcast shapes {self.shape} and {other.shape} "
                "(trailing dimensions must be equal or 1)"
            ) from None

    def __add__(self, other):
        other = self._lift(other)
        out = self._broadcasting(np.add, other, "add")
        return Tensor._result(out, (self, other), Tensor._add_backward)

    def _add_backward(out, g):
        return g, g  # d(a + b)/da = d(a + b)/db = 1

    def __sub__(self, other):
        other = self._lift(other)
        out = self._broadcasting(np.subtract, other, "sub")
        return Tensor._result(out, (self, other), Tensor._sub_backward)

    def _sub_backward(out, g):
        a, b = out._parents  # d(a - b)/da = 1, d(a - b)/db = -1
        return g, (-g if b.requires_grad else None)

    def __mul__(self, other):
        other = self._lift(other)
        out = self._broadcasting(np.multiply, other, "mul")
        return Tensor._result(out, (self, other), Tensor._mul_backward)

    def _mul_backward(out, g):
        a, b = out._parents  # d(ab)/da = b, d(ab)/db = a
        return (g * b.data if a.requires_grad else None), (g * a.data if b.requires_grad else None)

    def __truediv__(self, other):
        other = self._lift(other)
        out = self._broadcasting(np.true_divide, other, "div")
        return Tensor._result(out, (self, other), Tensor._div_backward)

    def _div_backward(out, g):
        a, b = out._parents  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
        g_over_b = g / b.data
        return g_over_b, (-g_over_b * out.data if b.requires_grad else None)

    def __neg__(self):
        return Tensor._result(-self.data, (self,), Tensor._neg_backward)

    def _neg_backward(out, g):
        return (-g,)

    def __pow__(self, exponent):
        if not isinstance(exponent, numbers.Real):
            exponent = self._lift(exponent)
            out = self._broadcasting(np.power, exponent, "pow")
            return Tensor._result(out, (self, exponent), Tensor._pow_backward)
        return Tensor._result(self.data**exponent, (self,), Tensor._power_backward, exponent)

    def _power_backward(out, g):
        (a,), p = out._parents, out._saved  # a number p: d(a^p)/da = p a^(p-1)
        return (g * p * a.data ** (p - 1),)

    def _pow_backward(out, g):
        a, p = out._parents  # a tensor p: d(a^p)/da = p a^(p-1), d(a^p)/dp = a^p log(a)
        grad_a = g * p.data * a.data ** (p.data - 1) if a.requires_grad else None
        grad_p = g * out.data * np.log(a.data) if p.requires_grad else None
        return grad_a, grad_p

    def __matmul__(self, other):
        other = self._lift(other)
        try:
            out = self.data @ other.data
        except ValueError:
            raise _matmul_error(self.shape, other.shape) from None
        return Tensor._result(out, (self, other), Tensor._matmul_backward)

    def _matmul_backward(out, g):
        a, b = out._parents  # Y = AB:  dA = G B^T,  dB = A^T G  (batch axes broadcast)
        if a.data.ndim == 2 and b.data.ndim == 2:
            grad_a = g @ b.data.T if a.requires_grad else None
            grad_b = a.data.T @ g if b.requires_grad else None
            return grad_a, grad_b
        return _batched_matmul_grads(g, a, b)

    # The reflected operators: a number or an array on the left.
    def __radd__(self, other):
        return self._lift(other) + self

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rmul__(self, other):
        return self._lift(other) * self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __rpow__(self, base):
        return self._lift(base) ** self

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    # ----------------------------------------------------------------------------- elementwise

    def exp(self):
        return Tensor._result(np.exp(self.data), (self,), Tensor._exp_backward)

    def _exp_backward(out, g):
        return (g * out.data,)  # d e^x = e^x

    def log(self):
        return Tensor._result(np.log(self.data), (self,), Tensor._log_backward)

    def _log_backward(out, g):
        (x,) = out._parents
        return (g / x.data,)  # d log x = 1/x

    def sqrt(self):
        return Tensor._result(np.sqrt(self.data), (self,), Tensor._sqrt_backward)

    def _sqrt_backward(out, g):
        return (g / (2 * out.data),)  # d sqrt(x) = 1 / (2 sqrt(x))

    def abs(self):
        return Tensor._result(np.abs(self.data), (self,), Tensor._abs_backward)

    def _abs_backward(out, g):
        (x,) = out._parents
        return (g * np.sign(x.data),)  # d|x| = sign(x), taken as 0 at 0

    def relu(self):
        return Tensor._result(np.maximum(self.data, 0), (self,), Tensor._relu_backward)

    def _relu_backward(out, g):
        (x,) = out._parents
        return (g * (x.data > 0),)  # 1 where x > 0, else 0 (0 at the kink)

    def sigmoid(self):
        # 1 / (1 + e^-x) = exp(-log(1 + e^-x)): no exponential overflows for large |x|.
        out = np.exp(-np.logaddexp(0, -self.data))
        return Tensor._result(out, (self,), Tensor._sigmoid_backward)

    def _sigmoid_backward(out, g):
        s = out.data
        return (g * s * (1 - s),)  # d sigma = sigma (1 - sigma)

    def tanh(self):
        return Tensor._result(np.tanh(self.data), (self,), Tensor._tanh_backward)

    def _tanh_backward(out, g):
        t = out.data
        return (g * (1 - t * t),)  # d tanh = 1 - tanh^2

    def clip(self, low=None, high=None):
        """Limit values to ``[low, high]``; the gradient passes only where a value was inside."""
        inside = np.ones(self.data.shape, dtype=bool)
        if low is not None:
            inside &= self.data >= low
        if high is not None:
            inside &= self.data <= high
        return Tensor._result(np.clip(self.data, low, high), (self,), Tensor._clip_backward, inside)

    def _clip_backward(out, g):
        return (g * out._saved,)

    def masked_fill(self, mask, value):
        """Replace the entries where ``mask`` is true by ``value``; they pass no gradient back."""
        mask = np.asarray(_data_of(mask), dtype=bool)
        try:
            out = np.where(mask, np.asarray(value, dtype=self.data.dtype), self.data)
        except ValueError:
            raise ValueError(
                f"masked_fill: cannot broadcast mask of shape {mask.shape} to tensor of shape {self.shape}"
            ) from None
        if out.shape != self.data.shape:
            raise ValueError(
                f"masked_fill: mask of shape {mask.shape} would enlarge tensor of shape {self.shape}"
            )
        return Tensor._result(out, (self,), Tensor._masked_fill_backward, mask)

    def _masked_fill_backward(out, g):
        return (np.where(out._saved, 0, g),)

    # ----------------------------------------------------------------------------- reductions

    def sum(self, axis=None, keepdims=False):
        axes = _normalize_axes(axis, self.data.ndim)
        out = np.add.reduce(self.data, axis=axes, keepdims=keepdims)
        return Tensor._result(out, (self,), Tensor._sum_backward, axes)

    def _sum_backward(out, g):
        # Every summed element contributed with weight 1: copy g back along the summed axes.
        (x,), axes = out._parents, out._saved
        return (_spread(g.reshape(_kept_shape(x.shape, axes)), x.shape),)

    def mean(self, axis=None, keepdims=False):
        axes = _normalize_axes(axis, self.data.ndim)
        count = math.prod(self.data.shape[a] for a in axes)
        out = np.add.reduce(self.data, axis=axes, keepdims=keepdims) / count
        return Tensor._result(out, (self,), Tensor._mean_backward, (axes, count))

    def _mean_backward(out, g):
        (x,), (axes, count) = out._parents, out._saved  # each element weighs 1/count
        return (_spread(g.reshape(_kept_shape(x.shape, axes)) / count, x.shape),)

    def max(self, axis=None, keepdims=False):
        """Largest value along ``axis``; its gradient is shared equally between tied maxima."""
        return self._extreme(np.max, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Smallest value along ``axis``; its gradient is shared equally between tied minima."""
        return self._extreme(np.min, axis, keepdims)

    def _extreme(self, reduce, axis, keepdims):
        axes = _normalize_axes(axis, self.data.ndim)
        if self.data.size == 0:
            raise ValueError(f"{reduce.__name__}() of an empty tensor of shape {self.shape}")
        kept = reduce(self.data, axis=axes, keepdims=True)
        out = kept if keepdims else np.squeeze(kept, axis=axes)
        return Tensor._result(out, (self,), Tensor._extreme_backward, (axes, kept))

    def _extreme_backward(out, g):
        (x,), (axes, kept) = out._parents, out._saved
        winners = x.data == kept
        share = g.reshape(kept.shape) / winners.sum(axis=axes, keepdims=True, dtype=x.dtype)
        return (winners * share,)

    def softmax(self, axis=-1):
        """``exp(x) / sum(exp(x))`` along ``axis``, computed after subtracting the maximum (no overflow)."""
        e = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        return Tensor._result(out, (self,), Tensor._softmax_backward, axis)

    def _softmax_backward(out, g):
        s, axis = out.data, out._saved  # the Jacobian diag(s) - s s^T applied to g
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)

    def log_softmax(self, axis=-1):
        """``x - log(sum(exp(x)))`` along ``axis``, stable for large inputs."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return Tensor._result(out, (self,), Tensor._log_softmax_backward, axis)

    def _log_softmax_backward(out, g):
        axis = out._saved  # d(x_i - logsumexp x)/dx_j = [i == j] - softmax_j
        return (g - np.exp(out.data) * g.sum(axis=axis, keepdims=True),)

    # ----------------------------------------------------------------------------- shape

    def reshape(self, *shape):
        """The same values in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``; one -1 allowed)."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape a tensor of shape {self.shape} ({self.size} elements) into shape {shape}"
            ) from None
        return Tensor._result(out, (self,), Tensor._reshape_backward)

    def _reshape_backward(out, g):
        (x,) = out._parents
        return (g.reshape(x.shape),)

    def transpose(self, *axes):
        """Permute the axes (``transpose(1, 0, 2)``); with none, reverse them (as NumPy)."""
        ndim = self.data.ndim
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(reversed(range(ndim)))
        if sorted(a % max(ndim, 1) for a in axes) != list(range(ndim)):
            raise ValueError(
                f"transpose: {axes} is not a permutation of the axes of a tensor of shape {self.shape}"
            )
        return Tensor._result(self.data.transpose(axes), (self,), Tensor._transpose_backward, axes)

    def _transpose_backward(out, g):
        return (g.transpose(np.argsort(out._saved)),)  # the inverse permutation

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
            raise ValueError(
                f"cannot broadcast a tensor of shape {self.shape} to shape {shape}"
            ) from None
        return Tensor._result(out, (self,), Tensor._broadcast_to_backward)

    def _broadcast_to_backward(out, g):
        return (g,)  # Tensor.backward sums it back to the input's shape

    def __getitem__(self, index):
        """Indexing as NumPy: ints, slices, None, ..., integer arrays and boolean masks.

        The gradient lands on the selected entries; an entry selected twice (``x[[0, 0]]``)
        receives both contributions.
        """
        index = _index_of(index)
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(
                f"index out of range for a tensor of shape {self.shape}: {error}"
            ) from None
        return Tensor._result(out, (self,), Tensor._getitem_backward, index)

    def _getitem_backward(out, g):
        (x,), index = out._parents, out._saved
        full = np.zeros_like(x.data)
        if _repeats_possible(index):
            np.add.at(full, index, g)  # adds once per occurrence of an index
        else:
            full[index] = g
        return (full,)


def tensor(data, requires_grad=False, dtype=None):
    """Shorthand for ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def concat(tensors, axis=0):
    """Join tensors along an existing axis; each receives its slice of the gradient."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ValueError(
            f"concat along axis {axis}: shapes {[t.shape for t in tensors]} differ off that axis"
        ) from None
    ends = np.cumsum([t.data.shape[axis] for t in tensors])[:-1]
    return Tensor._result(out, tensors, _concat_backward, (ends, axis))


def _concat_backward(out, g):
    ends, axis = out._saved
    return tuple(np.split(g, ends, axis=axis))


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis; each receives its slice of the gradient."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    try:
        out = np.stack([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ValueError(
            f"stack needs tensors of one shape, got {[t.shape for t in tensors]}"
        ) from None
    return Tensor._result(out, tensors, _stack_backward, axis)


def _stack_backward(out, g):
    return tuple(np.moveaxis(g, out._saved, 0))


def where(condition, x, y):
    """``x`` where ``condition`` is true, else ``y`` (broadcast); each gets the gradient of its picks."""
    condition = np.asarray(_data_of(condition), dtype=bool)
    x = x if isinstance(x, Tensor) else Tensor(x)
    y = x._lift(y)
    try:
        out = np.where(condition, x.data, y.data)
    except ValueError:
        raise ValueError(
            f"where: cannot broadcast shapes {condition.shape}, {x.shape} and {y.shape}"
        ) from None
    return Tensor._result(out, (x, y), _where_backward, condition)


def _where_backward(out, g):
    condition = out._saved
    return np.where(condition, g, 0), np.where(condition, 0, g)


# --------------------------------------------------------------------------------- helpers


def _data_of(x):
    return x.data if isinstance(x, Tensor) else x


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


def _index_of(index):
    """An index with any Tensor in it replaced by integer NumPy arrays, and lists by arrays."""
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
        return ValueError(
            f"matmul: both operands need at least one dimension, got shapes {left} and {right}"
        )
    inner = right[-2] if len(right) > 1 else right[0]
    if left[-1] != inner:
        return ValueError(
            f"matmul: shapes {left} and {right} do not match: the last dimension of the left "
            f"({left[-1]}) must equal the {'second-to-last' if len(right) > 1 else 'only'} "
            f"dimension of the right ({inner})"
        )
    return ValueError(
        f"matmul: cannot broadcast shapes {left} and {right} (their batch dimensions differ)"
    )


def _batched_matmul_grads(g, a, b):
    """The gradients of ``a @ b`` for 1-D and batched operands (``numpy.matmul``'s rules).

    A 1-D left operand acts as a row (1, k), a 1-D right operand as a column (k, 1): the axis this
    adds is put back into ``g``, the 2-D rule applies on the last two axes, and the axis is dropped
    again. An operand broadcast along batch axes gets a gradient with those axes, which
    ``Tensor.backward`` sums back to its shape like any broadcast.
    """
    a2 = a.data[np.newaxis, :] if a.data.ndim == 1 else a.data
    b2 = b.data[:, np.newaxis] if b.data.ndim == 1 else b.data
    if b.data.ndim == 1:
        g = np.expand_dims(g, -1)
    if a.data.ndim == 1:
        g = np.expand_dims(g, -2)
    grad_a = grad_b = None
    if a.requires_grad:
        grad_a = g @ np.swapaxes(b2, -1, -2)
        if a.data.ndim == 1:
            grad_a = grad_a[..., 0, :]
    if b.requires_grad:
        grad_b = np.swapaxes(a2, -1, -2) @ g
        if b.data.ndim == 1:
            grad_b = grad_b[..., 0]
    return grad_a, grad_b

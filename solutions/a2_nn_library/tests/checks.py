"""Checking a backward rule against finite differences, with a message a student can act on.

Shipped into every assignment as ``tests/checks.py``, and used by the grader. A rule is checked on
``L = sum(g * f(inputs))`` for a random upstream gradient ``g``: with an all-ones ``g`` a rule that
ignores its upstream gradient would pass. The expected gradient is the centred difference of the
*forward*, which the assignment gives complete, taken with the engine's own ``gradcheck`` (never a
task); summing a gradient back to its input's shape is the checker's own, as students write the
engine's (``unbroadcast``).
"""

import numpy as np

from mygrad.gradcheck import numerical_gradients, relative_error

RTOL, ATOL = 1e-5, 1e-7


def sum_to_shape(grad, shape):
    """Sum a gradient of a broadcast result back to an input's shape (the checker's own copy)."""
    grad = np.asarray(grad)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def summed_back(grad, shape):
    """``grad`` summed back to an input's ``shape`` when it has the shape of a result the input was
    broadcast into (``Tensor.backward`` does that for every rule); as it is otherwise."""
    if grad is None or np.shape(grad) == tuple(shape) or np.ndim(grad) < len(shape):
        return grad
    tail = np.shape(grad)[np.ndim(grad) - len(shape) :]
    if not all(n == 1 or n == m for n, m in zip(shape, tail, strict=True)):
        return grad
    return sum_to_shape(grad, shape)


def close(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL * 10, atol=ATOL * 10)


def diagnose(expected, got, got_with_double_upstream=None):
    """The likely mistake behind a wrong gradient, in a sentence (or "").

    ``got_with_double_upstream`` is what the rule gave for ``2 g``: a rule that uses ``g`` gives
    twice as much, one that ignores it gives the same.
    """
    expected, got = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        if got.size > expected.size and close(sum_to_shape(got, expected.shape), expected):
            return "the gradient was not summed over the axes the input was broadcast along"
        if got.T.shape == expected.shape and close(got.T, expected):
            return "the gradient is transposed: check the order of the factors (G @ B.T, A.T @ G)"
        return "the gradient must have the shape of the input it belongs to"
    if (
        got_with_double_upstream is not None
        and close(got_with_double_upstream, got)
        and np.any(got)
    ):
        return "the rule ignores its upstream gradient g: multiply by it (the chain rule)"
    if np.any(expected) and close(got, -expected):
        return "sign error"
    if np.any(expected) and (close(got, 2 * expected) or close(2 * got, expected)):
        return "off by a factor of two"
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and close(got, expected.T):
        return "the gradient is transposed: check the order of the factors (G @ B.T, A.T @ G)"
    if not np.any(got) and np.any(expected):
        return "the gradient is all zero"
    return ""


def compare(where, expected, got, got_with_double_upstream=None):
    """A message describing how ``got`` differs from ``expected``, or None when it does not.

    ``where`` names what is compared, as the message's subject: ``"mul: the gradient with respect
    to b"``.
    """
    if got is None:
        if not np.any(expected):
            return None
        return f"{where} is None, but this input needs one"
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        hint = diagnose(expected, got)
        return f"{where} has shape {got.shape}, expected {expected.shape}" + (
            f" ({hint})" if hint else ""
        )
    if expected.dtype.kind == "f" and got.dtype.kind in "biu":
        return (
            f"{where} has dtype {got.dtype}, expected floating-point numbers like the input's "
            f"({expected.dtype}): an integer or boolean array loses the fractions"
        )
    expected = expected.astype(np.float64)
    if not np.all(np.isfinite(got)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        return f"{where} is {got[index]} at element {index}, expected {expected[index]:.6g}"
    excess = np.abs(got - expected) - (ATOL + RTOL * np.maximum(np.abs(got), np.abs(expected)))
    if np.all(excess <= 0):
        return None
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(excess), expected.shape))
    hint = diagnose(expected, got, got_with_double_upstream)
    return (
        f"{where} is wrong{f' at element {worst}' if worst else ''}: "
        f"expected {expected[worst]:.6g}, got {got[worst]:.6g} "
        f"(relative error {relative_error(expected[worst], got[worst]):.1e})"
        + (f"; likely cause: {hint}" if hint else "")
    )


def check_rule(op, forward, rule, arrays, names=None, seed=0):
    """Check a backward ``rule(g)`` (gradients for each input) against the ``forward`` it belongs to.

    ``forward(*arrays)`` gives the result's values; ``rule(g)`` returns the gradients the backward
    rule sends to each input for an upstream gradient ``g`` of the result's shape (each may be of
    the result's shape when the input was broadcast; it is summed back here). Raises an
    ``AssertionError`` listing every wrong input.
    """
    names = names or [f"input {i}" for i in range(len(arrays))]
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    upstream = np.random.default_rng(seed).standard_normal(np.shape(forward(*arrays)))
    expected = numerical_gradients(forward, arrays, upstream)
    got = _as_tuple(rule(upstream), op)
    doubled = _as_tuple(rule(2 * upstream), op)
    if len(got) != len(arrays):
        raise AssertionError(
            f"{op}: the backward rule returned {len(got)} gradient(s) for {len(arrays)} input(s)"
        )
    failures = []
    for name, x, e, g, g2 in zip(names, arrays, expected, got, doubled, strict=True):
        g, g2 = summed_back(g, x.shape), summed_back(g2, x.shape)
        message = compare(f"{op}: the gradient with respect to {name}", e, g, g2)
        if message:
            failures.append(message)
    if failures:
        raise AssertionError("\n".join(failures))


def _as_tuple(grads, op):
    if not isinstance(grads, tuple):
        raise AssertionError(
            f"{op}: the backward rule must return a tuple, one gradient per input; got {type(grads).__name__}"
        )
    return grads


def check_op(op, make, *arrays, tensor, names=None, seed=0):
    """Check the backward rule that ``make`` (a function of Tensors) records on its result.

    ``tensor`` is the engine's Tensor class. The rule is called directly, ``out._backward(out, g)``,
    so the check needs no other rule of the engine.
    """
    tensors = [tensor(a, requires_grad=True) for a in arrays]
    out = make(*tensors)

    def forward(*xs):
        return make(*(tensor(x) for x in xs)).data

    names = names or ["a", "b", "c", "d"][: len(arrays)]
    check_rule(op, forward, lambda g: out._backward(out, g), arrays, names, seed)

"""Checking gradients against finite differences, with a report a student can act on.

A backward rule is checked on ``L = sum(u * f(x))`` for a random upstream gradient ``u``: an
all-ones ``u`` would let a rule that ignores its upstream gradient pass. The numerical gradient is
the centred difference ``(L(x + eps) - L(x - eps)) / (2 eps)`` in float64, whose error shrinks as
``eps**2``. Differences are reported with the relative error of CS231n,
``|a - n| / max(|a|, |n|)``; an element passes when ``|a - n| <= atol + rtol * max(|a|, |n|)``,
the ``atol`` keeping values that are both nearly zero from failing on rounding noise.
"""

from dataclasses import dataclass

import numpy as np

from .seeding import generator
from .tensor import Tensor, no_grad


@dataclass
class InputCheck:
    """How one input's gradient compares with the expected one."""

    name: str
    passed: bool
    max_relative_error: float = 0.0
    worst_index: tuple = ()
    expected_value: float = 0.0
    got_value: float = 0.0
    problem: str = ""  # set when the gradient could not be compared element by element

    def __str__(self):
        verdict = "ok" if self.passed else "WRONG"
        if self.problem:
            return f"{self.name}: {verdict}: {self.problem}"
        return (
            f"{self.name}: {verdict}: worst element {self.worst_index}: expected "
            f"{self.expected_value:.6g}, got {self.got_value:.6g}, "
            f"relative error {self.max_relative_error:.2e}"
        )


@dataclass
class GradCheckResult:
    """Per input, how its gradient compared; ``passed`` when every one did."""

    inputs: list

    @property
    def passed(self):
        return all(check.passed for check in self.inputs)

    def __bool__(self):
        return self.passed

    def __str__(self):
        return "\n".join(str(check) for check in self.inputs)


def relative_error(a, b):
    """Elementwise ``|a - b| / max(|a|, |b|)``, taken as 0 where both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, np.abs(a - b) / scale, 0.0)


def compare_gradient(name, expected, got, rtol=1e-5, atol=1e-7):
    """Compare one gradient with the expected one; report the worst element."""
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        if np.all(np.abs(expected) <= atol):
            return InputCheck(name, True)  # the output does not depend on this input
        return InputCheck(
            name, False, problem="no gradient (None): backward did not reach this input"
        )
    got = np.asarray(got)
    if got.shape != expected.shape:
        return InputCheck(
            name, False, problem=f"gradient of shape {got.shape}, expected shape {expected.shape}"
        )
    got = got.astype(np.float64)
    if expected.size == 0:
        return InputCheck(name, True)
    finite = np.isfinite(got)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return InputCheck(
            name,
            False,
            float("inf"),
            index,
            float(expected[index]),
            float(got[index]),
            problem=f"non-finite value {got[index]} at element {index}, expected {expected[index]:.6g}",
        )
    excess = np.abs(got - expected) - (atol + rtol * np.maximum(np.abs(got), np.abs(expected)))
    worst = np.unravel_index(np.argmax(excess), expected.shape)
    return InputCheck(
        name,
        bool(excess[worst] <= 0),
        float(relative_error(expected[worst], got[worst])),
        tuple(int(i) for i in worst),
        float(expected[worst]),
        float(got[worst]),
    )


def numerical_gradients(f, inputs, upstream, eps=1e-6):
    """Centred-difference gradients of ``sum(upstream * f(*inputs))`` with respect to each input.

    ``f`` takes and returns NumPy arrays; each input (an array, a list or a number) is varied on a
    float64 copy of its own, so the caller's arrays are never touched.
    """
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    grads = []
    for x in inputs:
        grad = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original + eps
            above = np.sum(upstream * f(*inputs))
            x[index] = original - eps
            below = np.sum(upstream * f(*inputs))
            x[index] = original
            grad[index] = (above - below) / (2 * eps)
        grads.append(grad)
    return grads


def gradcheck(fn, *inputs, names=None, eps=1e-6, rtol=1e-5, atol=1e-7, rng=0):
    """Check the gradients that ``fn``'s backward gives against finite differences.

    ``fn`` maps Tensors to a Tensor of any shape; every input (an array, a list or a Tensor) is
    checked, in float64, with a random upstream gradient drawn from ``rng``. Returns a
    :class:`GradCheckResult`; ``str()`` of it names, per input, the worst element, expected vs got
    and the relative error.
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    names = names or [f"input {i}" for i in range(len(arrays))]
    if len(names) != len(arrays):
        raise ValueError(f"gradcheck: {len(names)} names for {len(arrays)} inputs")

    def forward(*xs):
        with no_grad():
            return fn(*(Tensor(x) for x in xs)).data

    upstream = generator(rng).standard_normal(np.shape(forward(*arrays)))
    tensors = [Tensor(x, requires_grad=True) for x in arrays]
    fn(*tensors).backward(upstream)
    expected = numerical_gradients(forward, arrays, upstream, eps)
    return GradCheckResult(
        [
            compare_gradient(name, numeric, t.grad, rtol, atol)
            for name, numeric, t in zip(names, expected, tensors, strict=True)
        ]
    )

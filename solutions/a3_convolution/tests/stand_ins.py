"""The checkers' own versions of parts students write, so that each task is checked alone.

Shipped into the assignments that use them as ``tests/stand_ins.py`` (the visible tests swap them
in), and into the grader's child process (the probes do). It imports nothing but NumPy.
"""

import numpy as np


def sort_by_counting_uses(root):
    """A topological order of ``root``'s graph, ``root`` last, by counting uses (Kahn's algorithm):
    handed to ``backward()`` in place of the student's ``topological_order`` (Task 0.1). It is a
    valid order, but not the one a depth-first search gives."""
    uses, todo = {root: 0}, [root]  # how often each node is a parent in the graph
    while todo:
        for parent in todo.pop()._parents:
            if parent not in uses:
                uses[parent] = 0
                todo.append(parent)
            uses[parent] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node._parents:
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order[::-1]


class GradientDescent:
    """The plainest optimizer, ``p -= lr * grad``, in place of the student's (Task 2.2), so that a
    training loop is checked alone. It keeps a copy of the gradients it is given at every step."""

    def __init__(self, params, lr):
        self.params, self.lr, self.seen = list(params), lr, []

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.seen.append([None if p.grad is None else p.grad.copy() for p in self.params])
        for p in self.params:
            p.data -= self.lr * p.grad


def loop_add_windows(window_grads, shape, stride):
    """col2im one window at a time, in place of the student's ``_add_windows`` (Task 3.2): window
    ``(i, j)``'s gradient is added onto the pixels it was read from, ``(i*sh + a, j*sw + b)``."""
    _, _, h_out, w_out, kh, kw = window_grads.shape
    sh, sw = stride
    out = np.zeros(shape, dtype=window_grads.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += window_grads[:, :, i, j]
    return out

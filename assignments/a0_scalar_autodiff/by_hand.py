"""Task 0.5: backpropagation by hand, on paper, before your engine does it for you.

A neuron with a ReLU, its squared error against a target ``y``, and a weight penalty ``w * w``::

    x = 3        w = -2        b = 8        y = 5        (the leaves)

    p = w * x
    z = p + b
    h = relu(z)
    e = h - y
    s = e ** 2
    r = w * w
    L = s + r

Work out the value of every node (the forward pass, from the leaves down), then the gradient of
``L`` with respect to every node (the backward pass, from ``L`` back up to the leaves, one local
derivative at a time). Write each as a plain number: the tests check the numbers, not how you got
them, so do not compute them with ``mygrad``. Mind ``w``: it feeds two nodes, ``p`` and ``r``, and
``r`` uses it twice.

Once Tasks 0.2 to 0.4 pass, the notebook builds this graph with your ``Value`` and shows your
numbers beside your engine's.
"""

NODES = ("x", "w", "b", "y", "p", "z", "h", "e", "s", "r", "L")


def forward_pass():
    """The value of every node of :data:`NODES`, as a dict ``{"x": 3.0, ...}``."""
    # TODO Task 0.5 (forward_pass): the value of each node, worked out by hand
    raise NotImplementedError("Task 0.5: forward_pass")


def backward_pass():
    """The gradient of ``L`` with respect to every node of :data:`NODES`: ``{"L": 1.0, ...}``."""
    # TODO Task 0.5 (backward_pass): dL/d(node) for each node, worked out by hand
    raise NotImplementedError("Task 0.5: backward_pass")

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
    ### BEGIN SOLUTION
    return {
        "x": 3.0,
        "w": -2.0,
        "b": 8.0,
        "y": 5.0,
        "p": -6.0,
        "z": 2.0,
        "h": 2.0,
        "e": -3.0,
        "s": 9.0,
        "r": 4.0,
        "L": 13.0,
    }
    ### END SOLUTION


def backward_pass():
    """The gradient of ``L`` with respect to every node of :data:`NODES`: ``{"L": 1.0, ...}``."""
    # TODO Task 0.5 (backward_pass): dL/d(node) for each node, worked out by hand
    ### BEGIN SOLUTION
    return {
        "L": 1.0,
        "s": 1.0,
        "r": 1.0,
        "e": -6.0,
        "h": -6.0,
        "y": 6.0,
        "z": -6.0,
        "p": -6.0,
        "b": -6.0,
        "x": 12.0,
        "w": -22.0,
    }
    ### END SOLUTION

"""The order in which reverse mode visits a computation graph.

Both engines (:class:`~mygrad.Tensor` and :class:`~mygrad.Value`) record, on every
result, the tuple of inputs it was computed from in ``_parents``. Backpropagation must visit a node
only after every node that used it, so it walks a topological order of the graph in reverse.

The sort is an iterative depth-first search with an explicit stack: a recursive one (as in
micrograd) exhausts Python's recursion limit on a chain of a few thousand operations, and a long
training loop or an unrolled sequence model builds much longer chains than that.
"""


def topological_order(root):
    """Return every node reachable from ``root``, each one after all of its parents.

    ``root`` is last. A node reached along several paths (``a + a``, a diamond) appears once
    (nodes are told apart by identity: their hash must be ``object.__hash__``). Runs in time
    linear in the number of nodes and edges, without recursion.
    """
    # TODO Task 0.1 (topological_order): the topological sort of a graph
    raise NotImplementedError("Task 0.1: topological_order")

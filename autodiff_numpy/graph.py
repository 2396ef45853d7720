"""The order in which reverse mode visits a computation graph.

Both engines (:class:`~autodiff_numpy.Tensor` and :class:`~autodiff_numpy.Value`) record, on every
result, the tuple of inputs it was computed from in ``_parents``. Backpropagation must visit a node
only after every node that used it, so it walks a topological order of the graph in reverse.

The sort is an iterative depth-first search with an explicit stack: a recursive one (as in micrograd)
exhausts Python's recursion limit on a chain of a few thousand operations, and a long training loop
or an unrolled sequence model builds much longer chains than that.
"""


def topological_order(root):
    """Return every node reachable from ``root``, each one after all of its parents.

    ``root`` is last. A node reached along several paths (``a + a``, a diamond) appears once.
    Runs in time linear in the number of nodes and edges, without recursion.
    """
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        # Revisit this node once everything pushed after it (its parents) has been placed.
        stack.append((node, True))
        for parent in node._parents:
            if id(parent) not in visited:
                stack.append((parent, False))
    return order

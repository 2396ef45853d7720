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
    order = []
    visited = {root}
    # Each stack entry is a node and the iterator over its parents still to be explored.
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._parents)))
                break
        else:  # every parent is placed: the node can follow them
            stack.pop()
            order.append(node)
    return order

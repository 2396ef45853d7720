"""Pictures of computation graphs, for both engines.

:func:`to_dot` writes the graph that ends at a result as Graphviz DOT text; it needs nothing
installed. :func:`draw` turns that text into a ``graphviz.Source``, which a notebook shows as an
image and whose ``.render()`` writes a file; that needs the ``graphviz`` Python package and
Graphviz's ``dot`` program.

Each value is a box with its label (if it has one), its data and its gradient; each operation is an
oval feeding the value it produced, with an arrow from every input (twice for ``a + a``).

Only these attributes of a node are read, so a :class:`~mygrad.value.Value` and a
:class:`~mygrad.Tensor` draw alike: ``_parents`` (tuple of nodes), ``_op`` (the operation's
name, ``""`` for a leaf), ``data``, ``grad`` (``None`` before any backward) and, optionally,
``label``. A scalar is shown to 4 significant digits; an array of any other shape by its shape.
"""

from mygrad.graph import topological_order


def to_dot(root):
    """The Graphviz DOT text of the graph that ends at ``root``.

    The same graph always gives the same text: node ``v<i>`` is the ``i``-th node in the order
    :func:`~mygrad.graph.topological_order` visits them (inputs first, ``root`` last), and
    ``op<i>`` is the operation that produced ``v<i>``.
    """
    order = topological_order(root)
    index = {id(node): i for i, node in enumerate(order)}
    lines = ["digraph autodiff {", "  rankdir=LR;"]
    for i, node in enumerate(order):
        fields = [f"data {_describe(node.data)}", f"grad {_describe(node.grad)}"]
        label = getattr(node, "label", "")
        if label:
            fields.insert(0, str(label))
        record = " | ".join(_escape_record(field) for field in fields)
        lines.append(f'  v{i} [shape=record, label="{{ {record} }}"];')
        if node._parents:
            lines.append(f'  op{i} [shape=oval, label="{_escape_quoted(node._op)}"];')
            lines.extend(f"  v{index[id(parent)]} -> op{i};" for parent in node._parents)
            lines.append(f"  op{i} -> v{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(root, format="svg"):
    """The graph that ends at ``root`` as a ``graphviz.Source`` (shown inline by Jupyter).

    ``format`` is the file format that ``.render()`` and ``.pipe()`` produce ("svg", "png", "pdf").
    Raises ImportError, saying what to install, when the ``graphviz`` package is missing;
    :func:`to_dot` gives the DOT text without it.
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "draw() needs the graphviz Python package: pip install graphviz "
            "(rendering the picture also needs Graphviz's `dot` program, e.g. apt install graphviz "
            "or brew install graphviz). Without it, to_dot(root) gives the graph as DOT text."
        ) from error
    return graphviz.Source(to_dot(root), format=format)


def _describe(x):
    """A scalar to 4 significant digits; an array of any other shape by its shape; None as None."""
    if x is None:
        return "None"
    shape = getattr(x, "shape", ())  # a Python float has no shape: it is a scalar
    if shape != ():
        return f"shape {tuple(shape)}"
    return f"{float(x):.4g}"


def _escape_record(text):
    """Text safe inside one field of a Graphviz record label."""
    for special in '\\{}|<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\n", " ")


def _escape_quoted(text):
    """Text safe inside a double-quoted Graphviz string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")

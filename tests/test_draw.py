"""Graph drawing: the DOT text of small known graphs, and draw() with and without graphviz."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from autodiff_numpy.draw import draw, to_dot
from autodiff_numpy.graph import topological_order
from autodiff_numpy.value import Value

RECORD = re.compile(r'^  (v\d+) \[shape=record, label="\{ (.*) \}"\];$')
OPERATION = re.compile(r'^  (op\d+) \[shape=oval, label="(.*)"\];$')
EDGE = re.compile(r"^  (\w+) -> (\w+);$")


def parse(dot):
    """Records {id: fields}, operations {id: name} and edges [(from, to)] of to_dot's text."""
    records, operations, edges = {}, {}, []
    lines = dot.splitlines()
    assert lines[0] == "digraph autodiff {" and lines[-1] == "}"
    for line in lines[1:-1]:
        if m := RECORD.match(line):
            records[m[1]] = m[2].split(" | ")
        elif m := OPERATION.match(line):
            operations[m[1]] = m[2]
        elif m := EDGE.match(line):
            edges.append((m[1], m[2]))
        else:
            assert line == "  rankdir=LR;", f"unexpected line {line!r}"
    return records, operations, edges


def small_graph():
    """d = a*b + a with a = 2, b = -3, after backward: dd/da = b + 1 = -2, dd/db = a = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    d.backward()
    return d


def test_small_graph_records_operations_and_edges():
    records, operations, edges = parse(to_dot(small_graph()))
    by_label = {fields[0]: (node_id, fields[1:]) for node_id, fields in records.items()}
    assert sorted(by_label) == ["a", "b", "c", "d"]
    assert by_label["a"][1] == ["data 2", "grad -2"]
    assert by_label["b"][1] == ["data -3", "grad 2"]
    assert by_label["c"][1] == ["data -6", "grad 1"]
    assert by_label["d"][1] == ["data -4", "grad 1"]
    assert sorted(operations.values()) == ["*", "+"]
    op_of = {name: node_id for node_id, name in operations.items()}
    a, b, c, d = (by_label[x][0] for x in "abcd")
    times, plus = op_of["*"], op_of["+"]
    assert sorted(edges) == sorted(
        [(a, times), (b, times), (times, c), (c, plus), (a, plus), (plus, d)]
    )


def test_values_show_four_significant_digits_and_no_label_field_when_unlabelled():
    x = Value(1 / 3)
    y = x * 123456.0
    y.backward()
    records, _, _ = parse(to_dot(y))
    fields = sorted(records.values())
    assert ["data 0.3333", "grad 1.235e+05"] in fields  # x: dy/dx = 123456
    assert ["data 1.235e+05", "grad 0.3333"] in fields  # the constant: dy/dc = x
    assert ["data 4.115e+04", "grad 1"] in fields  # y
    assert len(fields) == 3


def test_a_plus_a_draws_two_edges_from_a():
    a = Value(1.5, label="a")
    s = a + a
    s.backward()
    records, operations, edges = parse(to_dot(s))
    assert len(records) == 2 and list(operations.values()) == ["+"]
    (a_id,) = [i for i, fields in records.items() if fields[0] == "a"]
    (op_id,) = operations
    assert edges.count((a_id, op_id)) == 2
    assert len(edges) == 3
    assert records[a_id] == ["a", "data 1.5", "grad 2"]


def test_a_leaf_alone_is_one_record_and_nothing_else():
    records, operations, edges = parse(to_dot(Value(7.0)))
    assert list(records.values()) == [["data 7", "grad 0"]]
    assert operations == {} and edges == []


def test_a_longer_graph_counts():
    # f = tanh(x * w + b) * 2; nodes x w b (x*w) (+b) tanh 2 f: 8 records, 4 operations;
    # edges: 2 into each binary op, 1 into tanh, 1 out of each op -> 2+2+1+2 + 4 = 11
    x, w, b = Value(0.5), Value(-1.0), Value(0.25)
    f = (x * w + b).tanh() * 2
    records, operations, edges = parse(to_dot(f))
    assert len(records) == 8
    assert sorted(operations.values()) == sorted(["*", "+", "tanh", "*"])
    assert len(edges) == 11
    # every operation has exactly one outgoing edge, into the record of the value it made
    for op_id in operations:
        out = [to for frm, to in edges if frm == op_id]
        assert len(out) == 1 and out[0] in records


def test_output_is_deterministic():
    first = to_dot(small_graph())
    assert to_dot(small_graph()) == first  # a new graph, built the same way
    graph = small_graph()
    assert to_dot(graph) == to_dot(graph)
    assert "0x" not in first  # no memory addresses


def test_labels_with_record_syntax_are_escaped():
    v = Value(1.0, label='a|b"{c}<d>')
    records, _, _ = parse(to_dot(v))
    ((fields),) = records.values()
    assert fields == [r"a\|b\"\{c\}\<d\>", "data 1", "grad 0"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_accepts_the_text():
    a = Value(2.0, label='tricky "label" {x|y}')
    f = (a**2).log() - a.exp() / 3
    f.backward()
    result = subprocess.run(["dot", "-Tsvg"], input=to_dot(f), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout and "tricky" in result.stdout


class ArrayNode:
    """The attributes to_dot reads on a Tensor: _parents, _op, data, grad, shape."""

    def __init__(self, data, grad=None, parents=(), op=""):
        self.data, self.grad, self._parents, self._op = data, grad, parents, op
        self.shape = data.shape


def test_array_nodes_show_their_shape_and_scalars_their_value():
    x = ArrayNode(np.ones((2, 3)))  # grad None: not reached by a backward
    w = ArrayNode(np.full((3,), 0.5), grad=np.ones(3))
    y = ArrayNode(np.ones((2, 3)) * 0.5, parents=(x, w), op="*")
    total = ArrayNode(np.array(3.0, dtype=np.float32), grad=np.array(1.0), parents=(y,), op="sum")
    records, operations, edges = parse(to_dot(total))
    fields = sorted(records.values())
    assert fields == sorted(
        [
            ["data shape (2, 3)", "grad None"],  # x
            ["data shape (3,)", "grad shape (3,)"],  # w
            ["data shape (2, 3)", "grad None"],  # y
            ["data 3", "grad 1"],  # total, a 0-d array
        ]
    )
    assert sorted(operations.values()) == ["*", "sum"]
    assert len(edges) == 5


def test_with_the_tensor_engine():
    tensor = pytest.importorskip("autodiff_numpy.tensor")
    x = tensor.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = (x * 2).sum()
    loss.backward()
    records, operations, edges = parse(to_dot(loss))
    fields = list(records.values())
    assert ["data shape (2, 3)", "grad shape (2, 3)"] in fields  # x, a leaf with a gradient
    assert sum(f[0] == "data 30" for f in fields) == 1  # the sum, a 0-d array
    # one record per node, one operation per computed node, and its in- and out-edges
    nodes = topological_order(loss)
    computed = [node for node in nodes if node._parents]
    assert len(records) == len(nodes) >= 3
    assert len(operations) == len(computed) >= 2
    assert len(edges) == sum(len(node._parents) + 1 for node in computed)


def test_draw_returns_a_graphviz_source_of_the_dot_text():
    graphviz = pytest.importorskip("graphviz")
    graph = small_graph()
    picture = draw(graph)
    assert isinstance(picture, graphviz.Source)
    assert picture.source == to_dot(graph)
    assert picture.format == "svg"
    assert draw(graph, format="png").format == "png"


def test_draw_without_graphviz_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(ImportError) as caught:
        draw(small_graph())
    message = str(caught.value)
    assert "pip install graphviz" in message
    assert "`dot`" in message
    assert "to_dot" in message

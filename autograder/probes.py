"""What the grader asks of an engine: run one piece of it on given arrays, return plain arrays.

A probe is a function ``probe(engine, arrays, **params)`` that returns a dict of arrays (``None``
for a gradient an input did not get). ``engine`` is the package under test: the student's
``mygrad`` in the child process, the reference ``autodiff_numpy`` in the grader. The same probe runs
on both, so the two answers are computed the same way and differ only by the engine.

Shipped into the child's folder with ``child.py``: it imports nothing but the standard library,
NumPy and its neighbour ``stand_ins.py``, and holds no answer (the inputs come from the grader,
and the expected results never leave it).
"""

import importlib
import importlib.util
import sys

import numpy as np

from .stand_ins import GradientDescent, loop_add_windows, sort_by_counting_uses


def functional(engine):
    """``engine.nn.functional``, imported only by the probes that need it: a task that does not use
    the layers is still graded when they do not import."""
    return _submodule(engine, "nn.functional")


def conv(engine):
    return _submodule(engine, "nn.conv")


def _submodule(engine, name):
    """``engine.<name>``, its packages imported first: a failed import of ``engine.nn`` leaves the
    submodules it did import in ``sys.modules``, and importing one of them by its full name would
    then succeed, so only the first case of a broken package would fail."""
    parts = f"{engine.__name__}.{name}".split(".")
    for i in range(2, len(parts) + 1):
        module = importlib.import_module(".".join(parts[:i]))
    return module


# The operations whose backward rules are graded: (engine, *tensors, *constants, **params) -> Tensor.
OPS = {
    "add": lambda e, a, b: a + b,
    "sub": lambda e, a, b: a - b,
    "neg": lambda e, a: -a,
    "mul": lambda e, a, b: a * b,
    "div": lambda e, a, b: a / b,
    "power": lambda e, a, exponent: a**exponent,
    "pow": lambda e, a, b: a**b,
    "matmul": lambda e, a, b: a @ b,
    "sum": lambda e, a, axis=None, keepdims=False: a.sum(axis=axis, keepdims=keepdims),
    "mean": lambda e, a, axis=None, keepdims=False: a.mean(axis=axis, keepdims=keepdims),
    "exp": lambda e, a: a.exp(),
    "log": lambda e, a: a.log(),
    "relu": lambda e, a: a.relu(),
    "sigmoid": lambda e, a: a.sigmoid(),
    "tanh": lambda e, a: a.tanh(),
    "reshape": lambda e, a, shape: a.reshape(*shape),
    "transpose": lambda e, a, axes=(): a.transpose(*axes),
    "linear": lambda e, x, w, b: functional(e).linear(x, w, b),
    "mse_loss": lambda e, p, t: functional(e).mse_loss(p, t, reduction="none"),
    "binary_cross_entropy": lambda e, p, t: functional(e).binary_cross_entropy(
        p, t, reduction="none"
    ),
    "conv2d": lambda e, x, w, b, stride=1, padding=0: conv(e).conv2d(x, w, b, stride, padding),
    "conv2d without bias": lambda e, x, w, stride=1, padding=0: conv(e).conv2d(
        x, w, None, stride, padding
    ),
    "max_pool2d": lambda e, x, kernel_size, stride=None: conv(e).max_pool2d(x, kernel_size, stride),
    "softmax": lambda e, z, axis=-1: z.softmax(axis=axis),
    "log_softmax": lambda e, z, axis=-1: z.log_softmax(axis=axis),
    "cross_entropy": lambda e, z, labels: functional(e).cross_entropy(z, labels, reduction="none"),
}


def _tuples(params):
    """JSON turns tuples into lists; an axis or a shape must be a tuple again."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def rule(engine, arrays, op, n_inputs, params=None):
    """Apply ``op`` to the inputs, then call the backward rule it recorded directly, with the
    upstream gradient ``g`` and with ``2 g``: only that rule runs, no other of the engine."""
    inputs = [engine.Tensor(arrays[f"input{i}"], requires_grad=True) for i in range(n_inputs)]
    constants = [arrays[name] for name in sorted(arrays) if name.startswith("constant")]
    out = OPS[op](engine, *inputs, *constants, **_tuples(params or {}))
    results = {}
    for label, g in (("grad", arrays["upstream"]), ("doubled", 2 * arrays["upstream"])):
        grads, parents = out._backward(out, g), len(out._parents)
        if not isinstance(grads, tuple) or len(grads) != parents:
            raise TypeError(
                f"the backward rule of {op} returned {_describe(grads)}; it must return a tuple "
                f"of {parents} gradient(s), one per input in out._parents"
            )
        results.update({f"{label}{i}": grads[i] for i in range(n_inputs)})  # not the constants'
    results["value"] = out.data
    return results


def conv_rule(engine, arrays, op, n_inputs, params=None):
    """:func:`rule` for a convolution, with the grader's own col2im in place of the engine's
    ``_add_windows`` (a task of its own), so that the convolution is graded alone."""
    module = conv(engine)
    own = module._add_windows
    module._add_windows = loop_add_windows
    try:
        return rule(engine, arrays, op, n_inputs, params)
    finally:
        module._add_windows = own


def add_windows(engine, arrays, shape, stride):
    return {"value": conv(engine)._add_windows(arrays["window_grads"], tuple(shape), tuple(stride))}


def optimizer(engine, arrays, kind, settings, lrs, missing=()):
    """Step ``SGD`` or ``Adam`` with the given gradients (``missing``: the ``[step, parameter]``
    pairs without one) and learning rates; the parameters after each step."""
    optim = _submodule(engine, "optim")
    n = len([name for name in arrays if name.startswith("start")])
    params = [engine.Tensor(arrays[f"start{i}"].copy(), requires_grad=True) for i in range(n)]
    stepper = getattr(optim, kind)(params, **settings)
    after = {}
    for k, lr in enumerate(lrs):
        stepper.lr = lr
        for i, p in enumerate(params):
            p.grad = None if [k, i] in missing else arrays[f"grad{k}_{i}"].copy()
        stepper.step()
        after.update({f"step{k}_{i}": p.data.copy() for i, p in enumerate(params)})
    return after


def layer_norm(engine, arrays, normalized_shape, eps):
    """layer_norm's result, and the gradients ``Tensor.backward`` finds through it."""
    x = engine.Tensor(arrays["x"], requires_grad=True)
    affine = [
        engine.Tensor(arrays[k], requires_grad=True) for k in ("weight", "bias") if k in arrays
    ]
    out = functional(engine).layer_norm(x, tuple(normalized_shape), *affine, eps=eps)
    out.backward(arrays["upstream"])
    names = ("grad_weight", "grad_bias")[: len(affine)]
    return {
        "value": out.data,
        "grad_x": x.grad,
        **{k: t.grad for k, t in zip(names, affine, strict=True)},
    }


def dropout(engine, arrays, p, seed):
    """dropout in training (twice with the same seed, and its gradient) and in evaluation."""
    F = functional(engine)
    x = engine.Tensor(arrays["x"], requires_grad=True)
    out = F.dropout(x, p=p, rng=seed)
    out.backward(arrays["upstream"])
    return {
        "value": out.data,
        "again": F.dropout(engine.Tensor(arrays["x"]), p=p, rng=seed).data,
        "evaluation": F.dropout(engine.Tensor(arrays["x"]), p=p, training=False).data,
        "grad": x.grad,
    }


def _module(path, engine, package="mygrad"):
    """The module at ``path``, importing ``package`` as ``engine`` (the reference, in the grader)."""
    spec = importlib.util.spec_from_file_location("graded_module", path)
    module = importlib.util.module_from_spec(spec)
    if engine.__name__ == package:
        spec.loader.exec_module(module)
        return module
    saved = sys.modules.get(package)
    sys.modules[package] = engine
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules[package]
        else:
            sys.modules[package] = saved
    return module


def _linear(engine, weight, bias):
    """A ``Linear`` layer of the engine, with the given weights."""
    layer = _submodule(engine, "nn").Linear(*weight.shape, rng=0)
    layer.weight.data[...], layer.bias.data[...] = weight, bias
    return layer


def training(engine, arrays, module, lr, batches):
    """One ``train_epoch`` of a linear model with the MSE loss and plain gradient descent over
    the given batches: the gradients at each step, the weights after, and the loss it returns."""
    train = _module(module, engine)
    model = _linear(engine, arrays["weight"], arrays["bias"])
    data = [(arrays[f"X{k}"], arrays[f"y{k}"]) for k in range(batches)]
    stepper = GradientDescent(model.parameters(), lr)
    loss = train.train_epoch(model, functional(engine).mse_loss, stepper, data)
    if len(stepper.seen) != batches:
        raise ValueError(
            f"train_epoch took {len(stepper.seen)} optimizer steps for {batches} batches"
        )
    seen = {f"grad{k}_{i}": g for k, step in enumerate(stepper.seen) for i, g in enumerate(step)}
    return {"loss": loss, "weight": model.weight.data, "bias": model.bias.data, **seen}


def prediction(engine, arrays, module):
    """``predict`` of a linear model with the given weights, in training mode before and after."""
    train = _module(module, engine)
    model = _linear(engine, arrays["weight"], arrays["bias"])
    model.train()
    classes = train.predict(model, arrays["X"])
    return {"classes": classes, "training mode after": model.training}


# -- the scalar engine of assignment 0 ---------------------------------------------------------------


class StandIn:
    """A graph node with nothing but ``_parents``, which counts down a budget of reads: a sort that
    explores shared nodes again on every path takes exponential time, and is stopped instead."""

    def __init__(self, index, parents, budget):
        self.index, self.parent_tuple, self.budget = index, parents, budget

    @property
    def _parents(self):
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise RuntimeError(
                "the sort read ._parents ten times more often than the graph has nodes and edges: "
                "visit each node once (keep a set of the nodes already seen)"
            )
        return self.parent_tuple


def _edges(arrays):
    """Each node's parents (indices of earlier nodes), from a flat list and its offsets."""
    flat, offsets = arrays["parents"].tolist(), arrays["offsets"].tolist()
    return [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def topological(engine, arrays):
    """``topological_order`` of a graph of stand-in nodes, as the nodes' indices."""
    graph = _submodule(engine, "graph")
    edges = _edges(arrays)
    budget = [10 * (len(edges) + sum(map(len, edges))) + 10]
    nodes = []
    for i, parents in enumerate(edges):
        nodes.append(StandIn(i, tuple(nodes[j] for j in parents), budget))
    order = list(graph.topological_order(nodes[-1]))
    if not all(isinstance(node, StandIn) for node in order):
        raise TypeError("topological_order must return the graph's nodes themselves")
    return {"order": np.array([node.index for node in order], dtype=np.int64)}


VALUE_OPS = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b,
    "a ** n": lambda a, n: a**n,
    "-a": lambda a: -a,
    "relu(a)": lambda a: a.relu(),
    "tanh(a)": lambda a: a.tanh(),
    "sigmoid(a)": lambda a: a.sigmoid(),
    "exp(a)": lambda a: a.exp(),
    "log(a)": lambda a: a.log(),
}
PARENTS = "parents (0, 1: the operands; -1: a plain number wrapped in a Value; -2: anything else)"


def value_op(engine, arrays, op, plain=()):
    """What one ``Value`` operation records: its result, its parents, its local derivatives."""
    numbers = arrays["operands"].tolist()
    args = [x if i in plain else engine.Value(x) for i, x in enumerate(numbers)]
    out = VALUE_OPS[op](*args)
    if not isinstance(out, engine.Value):
        raise TypeError(f"{op} returned {_describe(out)}, not a Value")
    for d in out._local_grads:
        if isinstance(d, engine.Value) or not isinstance(d, (int, float)):
            raise TypeError("_local_grads must hold plain numbers (record .data, not a Value)")

    def which(parent):
        for i, arg in enumerate(args):
            if parent is arg:
                return i
        wrapped = isinstance(parent, engine.Value) and parent.data in numbers
        return -1 if wrapped else -2

    return {
        "result": out.data,
        "local derivatives": np.array(out._local_grads, dtype=np.float64),
        PARENTS: np.array([which(parent) for parent in out._parents], dtype=np.int64),
    }


def value_backward(engine, arrays, calls):
    """``backward()``, called ``calls`` times on the last node of a graph of Values built by hand
    (each node's parents and local derivatives given); every node's ``grad``."""
    edges, local = _edges(arrays), arrays["local"].tolist()
    nodes, k = [], 0
    for parents in edges:
        grads = tuple(local[k : k + len(parents)])
        k += len(parents)
        nodes.append(
            engine.Value(
                1.0, _op="f", _parents=tuple(nodes[j] for j in parents), _local_grads=grads
            )
        )
    modules = [_submodule(engine, name) for name in ("value", "graph")]
    sorts = [module.topological_order for module in modules]
    for module in modules:
        module.topological_order = sort_by_counting_uses
    try:
        for _ in range(calls):
            nodes[-1].backward()
    finally:
        for module, sort in zip(modules, sorts, strict=True):
            module.topological_order = sort
    return {"grads": np.array([node.grad for node in nodes], dtype=np.float64)}


def by_hand(engine, arrays, module, nodes, function):
    """The numbers ``function`` (``forward_pass`` or ``backward_pass``) of ``by_hand.py`` gives, in
    the order of ``nodes``."""
    answer = getattr(_module(module, engine), function)()
    if not isinstance(answer, dict):
        raise TypeError(f"{function}() returned {_describe(answer)}, not a dict")
    missing = [node for node in nodes if node not in answer]
    if missing:
        raise KeyError(f"{function}() has no number for the nodes {missing}")
    name = "the value of {}" if function == "forward_pass" else "dL/d{}"
    return {name.format(node): float(answer[node]) for node in nodes}


def unbroadcast(engine, arrays, shape):
    return {"value": engine.unbroadcast(arrays["grad"], tuple(shape))}


def layers(engine, arrays):
    """Linear -> Sigmoid -> Linear -> ReLU as a Sequential, with the given weights; also ReLU and
    Sigmoid alone on the input."""
    nn = _submodule(engine, "nn")
    first, second = (
        _linear(engine, arrays["w1"], arrays["b1"]),
        _linear(engine, arrays["w2"], arrays["b2"]),
    )
    model = nn.Sequential(first, nn.Sigmoid(), second, nn.ReLU())
    x = engine.Tensor(arrays["x"])
    return {
        "sequential": model(x).data,
        "relu": nn.ReLU()(x).data,
        "sigmoid": nn.Sigmoid()(x).data,
    }


def report(engine, arrays, script, seed, epochs, lr):
    """Assignment 1's report numbers from its script, run on ``engine``: the gradients of the
    first layer at initialisation and the loss of each epoch."""
    module = _module(script, engine)
    X, y = module.make_moons(200, noise=0.1, rng=seed)
    model = module.build_model(seed)
    weight_grad, bias_grad = module.initial_gradients(model, X, y)
    losses = module.train(model, X, y, epochs, lr, seed)
    return {"weight_grad": weight_grad, "bias_grad": bias_grad, "losses": np.array(losses)}


def _describe(value):
    return f"a {type(value).__name__}" + (f" of {len(value)}" if isinstance(value, tuple) else "")

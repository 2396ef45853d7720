"""A multilayer perceptron built from scalar :class:`~mygrad.value.Value` objects.

Week 1's network: every weight is one ``Value``, and a neuron is written out as the sum it is,
``relu(w[0]*x[0] + w[1]*x[1] + ... + b)``. Slow next to the NumPy ``Tensor`` engine, but every
number in it can be printed, drawn and followed through ``backward()``.

Example::

    >>> model = MLP(2, [16, 16, 1], rng=0)   # 2 inputs, two ReLU layers of 16, one linear output
    >>> score = model([0.5, -1.0])            # a Value
    >>> score.backward()
    >>> len(model.parameters())
    337
"""

from mygrad.seeding import generator
from mygrad.value import Value


class Module:
    """What every part of the network shares: its parameters, and resetting their gradients."""

    def parameters(self):
        """Every trainable ``Value`` of this module, in a fixed order."""
        return []

    def zero_grad(self):
        """Set every parameter's ``grad`` to 0.0; ``backward()`` accumulates, so do it each step."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One unit: ``relu(w . x + b)``, or ``w . x + b`` when ``nonlinear=False``.

    The ``n_inputs`` weights and the bias are drawn from uniform(-1, 1) with
    :func:`mygrad.seeding.generator` ``(rng)``.
    """

    def __init__(self, n_inputs, nonlinear=True, rng=None):
        rng = generator(rng)
        *weights, bias = rng.uniform(-1.0, 1.0, size=n_inputs + 1).tolist()
        self.w = [Value(w, label=f"w{i}") for i, w in enumerate(weights)]
        self.b = Value(bias, label="b")
        self.nonlinear = nonlinear

    def __call__(self, x):
        """The neuron's output for one input ``x``, a sequence of numbers or Values."""
        if isinstance(x, Value):  # the output of a one-unit layer
            x = [x]
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}")
        activation = self.b
        for w_i, x_i in zip(self.w, x, strict=True):
            activation = activation + w_i * x_i
        return activation.relu() if self.nonlinear else activation

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        kind = "ReLU" if self.nonlinear else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``n_outputs`` neurons reading the same inputs; all drawn from one generator, so they differ.

    Calling it returns a list of ``n_outputs`` Values, or the Value itself when ``n_outputs == 1``.
    """

    def __init__(self, n_inputs, n_outputs, nonlinear=True, rng=None):
        rng = generator(rng)
        self.neurons = [Neuron(n_inputs, nonlinear=nonlinear, rng=rng) for _ in range(n_outputs)]

    def __call__(self, x):
        outputs = [neuron(x) for neuron in self.neurons]
        return outputs[0] if len(outputs) == 1 else outputs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self):
        first = self.neurons[0]
        kind = "ReLU" if first.nonlinear else "linear"
        return f"Layer({len(first.w)} -> {len(self.neurons)}, {kind})"


class MLP(Module):
    """A stack of layers: ReLU on every hidden layer, a linear last layer.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two ReLU layers of 16 units to one output
    score. All weights come from one generator, :func:`mygrad.seeding.generator` ``(rng)``,
    so the same seed gives the same network and no two layers share weights.
    """

    def __init__(self, n_inputs, layer_sizes, rng=None):
        rng = generator(rng)
        sizes = [n_inputs, *layer_sizes]
        last = len(layer_sizes) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlinear=i != last, rng=rng)
            for i in range(len(layer_sizes))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"

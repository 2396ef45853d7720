"""Layers: a linear map, activations, reshaping, dropout and layer normalisation."""

import numpy as np

from ..seeding import generator
from ..tensor import Tensor
from . import functional as F
from .module import Module, Parameter


class Linear(Module):
    """``y = x @ weight + bias``, with ``weight`` of shape ``(in_features, out_features)``.

    Note the orientation: PyTorch stores ``(out, in)`` and computes ``x @ W.T``; this course keeps
    ``W`` as ``(in, out)`` so the forward reads as the maths. Weights and bias start uniform in
    ``[-1/sqrt(in), 1/sqrt(in)]`` (PyTorch's default), drawn from ``rng``.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        draw = generator(rng)
        bound = 1 / np.sqrt(in_features)
        self.weight = Parameter(
            draw.uniform(-bound, bound, (in_features, out_features)), dtype=dtype
        )
        self.bias = (
            Parameter(draw.uniform(-bound, bound, out_features), dtype=dtype) if bias else None
        )

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        try:
            return F.linear(x, self.weight, self.bias)
        except ValueError:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) got input of shape {x.shape}: "
                f"its last dimension must be {self.in_features}"
            ) from None

    def extra_repr(self):
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class ReLU(Module):
    """``max(x, 0)`` elementwise."""

    def forward(self, x):
        return x.relu()


class Sigmoid(Module):
    """``1 / (1 + e^-x)`` elementwise."""

    def forward(self, x):
        return x.sigmoid()


class Tanh(Module):
    """``tanh(x)`` elementwise."""

    def forward(self, x):
        return x.tanh()


class Softmax(Module):
    """Softmax along ``axis``: each slice becomes a probability distribution."""

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return x.softmax(axis=self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Flatten(Module):
    """Reshape ``(N, d1, d2, ...)`` to ``(N, d1 * d2 * ...)``, keeping the batch axis."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class Dropout(Module):
    """Zero each entry with probability ``p`` while training (scaling the rest by ``1 / (1 - p)``);
    the identity in evaluation mode."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        # None keeps following the package's default generator (and so manual_seed).
        self.rng = None if rng is None else generator(rng)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class LayerNorm(Module):
    """Normalise each sample over its last axes, then scale by ``weight`` and shift by ``bias``."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.weight = Parameter(np.ones(self.normalized_shape)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape)) if elementwise_affine else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"

"""mygrad: a small, exact, readable reverse-mode automatic differentiation engine on NumPy.

``Tensor`` is the vectorised engine, ``Value`` the scalar one of the first week; ``nn`` builds
networks from tensors, ``optim`` trains them, ``data`` makes toy data sets, ``gradcheck`` compares
gradients with finite differences and ``plots`` draws training curves and decision boundaries.
"""

from .seeding import manual_seed
from .tensor import Tensor, concat, is_grad_enabled, no_grad, stack, tensor, unbroadcast, where
from .value import Value

__all__ = [
    "Tensor",
    "Value",
    "concat",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "stack",
    "tensor",
    "unbroadcast",
    "where",
]

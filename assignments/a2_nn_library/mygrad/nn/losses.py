"""Loss modules: ``loss_fn = MSELoss(); loss = loss_fn(prediction, target)``, as in PyTorch."""

from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss computed by one function of ``nn.functional``, reduced by ``reduction``."""

    function = None

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(f"reduction must be one of {F.REDUCTIONS}, not {reduction!r}")
        self.reduction = reduction

    def forward(self, prediction, target):
        return type(self).function(prediction, target, self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error."""

    function = F.mse_loss


class L1Loss(_Loss):
    """Mean absolute error."""

    function = F.l1_loss


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (e.g. after a Sigmoid), clamped like PyTorch's."""

    function = F.binary_cross_entropy


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores: a Sigmoid and BCELoss in one stable step."""

    function = F.binary_cross_entropy_with_logits


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits ``(N, C)`` against integer labels ``(N,)``."""

    function = F.cross_entropy


class HingeLoss(_Loss):
    """Max-margin loss ``max(0, 1 - y * score)`` for labels in {-1, +1}."""

    function = F.hinge_loss

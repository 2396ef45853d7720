"""Loss functions and other operations that are more than a composition of Tensor methods.

The squared-error and cross-entropy losses are single operations, each with its backward rule
beside it (written as in ``tensor.py``): composed from ``log`` and ``exp`` the cross-entropies would
overflow for large inputs, and the fused gradients (``2 (p - t)``, ``p - y``) are both exact and
cheaper than a chain of small operations. The other losses are compositions, so their gradients
come from the engine.
"""

import numpy as np

from ..seeding import generator
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")


def _target_like(prediction, target, loss):
    """The target as a Tensor of the prediction's shape; a different shape is an error, not a broadcast.

    Broadcasting a (N, 1) prediction against a (N,) target would silently compare every
    prediction with every target, which is never what a loss means.
    """
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=prediction.dtype))
    if target.shape != prediction.shape:
        raise ValueError(
            f"{loss}: prediction of shape {prediction.shape} and target of shape {target.shape} differ"
        )
    return target


def linear(x, weight, bias=None):
    """``x @ weight + bias``: the affine map of a ``Linear`` layer, as one operation.

    Its backward is the classic derivation: with ``G`` the upstream gradient,
    ``dx = G W^T``, ``dW = x^T G`` and ``db = the sum of G over the batch``.
    """
    try:
        out = x.data @ weight.data
    except ValueError:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: "
            f"its last dimension must be {weight.shape[0]}"
        ) from None
    if bias is None:
        return Tensor._result(out, (x, weight), _linear_backward)
    if out.dtype == bias.dtype:
        out += bias.data  # in place: out is a fresh array
    else:
        out = out + bias.data  # let NumPy promote, as x @ W + b would
    return Tensor._result(out, (x, weight, bias), _linear_backward)


def _linear_backward(out, g):
    x, weight = out._parents[:2]
    x2, g2 = x.data.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])  # batch axes as rows
    grad_x = g @ weight.data.T if x.requires_grad else None
    grad_w = x2.T @ g2 if weight.requires_grad else None
    if len(out._parents) == 2:
        return grad_x, grad_w
    bias = out._parents[2]
    return grad_x, grad_w, (np.add.reduce(g2, axis=0) if bias.requires_grad else None)


def mse_loss(prediction, target, reduction="mean"):
    """Mean squared error ``mean((prediction - target)^2)``."""
    target = _target_like(prediction, target, "mse_loss")
    difference = prediction.data - target.data
    losses = Tensor._result(
        difference * difference, (prediction, target), _mse_loss_backward, difference
    )
    return _reduce(losses, reduction)


def _mse_loss_backward(out, g):
    prediction, target = out._parents  # d(p - t)^2/dp = 2 (p - t) = -d(p - t)^2/dt
    grad = 2 * g * out._saved
    return grad, (-grad if target.requires_grad else None)


def l1_loss(prediction, target, reduction="mean"):
    """Mean absolute error ``mean(|prediction - target|)``."""
    return _reduce((prediction - _target_like(prediction, target, "l1_loss")).abs(), reduction)


def binary_cross_entropy(probability, target, reduction="mean"):
    """``-(y log p + (1 - y) log(1 - p))`` for probabilities ``p`` in [0, 1].

    As in PyTorch, each log is clamped at -100 so that a saturated ``p`` of exactly 0 or 1 gives a
    large finite loss rather than infinity, and the gradient's denominator is kept above 1e-12.
    """
    y = _target_like(probability, target, "binary_cross_entropy").data
    p = probability.data
    if not (0 <= p.min() and p.max() <= 1):  # also refuses NaN
        raise ValueError(
            "binary_cross_entropy: probabilities must lie in [0, 1]; "
            "use binary_cross_entropy_with_logits for scores"
        )
    with np.errstate(divide="ignore"):
        losses = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    return _reduce(
        Tensor._result(losses, (probability,), _binary_cross_entropy_backward, y), reduction
    )


def _binary_cross_entropy_backward(out, g):
    (probability,), y = out._parents, out._saved
    p = probability.data  # d/dp = (p - y) / (p (1 - p)), its denominator kept from 0
    return (g * (p - y) / np.maximum(p * (1 - p), 1e-12),)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Binary cross-entropy of ``sigmoid(logits)``, computed from the logits without overflow."""
    y = _target_like(logits, target, "binary_cross_entropy_with_logits").data
    z = logits.data
    # -(y log s(z) + (1 - y) log(1 - s(z))) = max(z, 0) - z y + log(1 + e^-|z|)
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(
        Tensor._result(losses, (logits,), _binary_cross_entropy_with_logits_backward, y), reduction
    )


def _binary_cross_entropy_with_logits_backward(out, g):
    (logits,), y = out._parents, out._saved
    return (g * (np.exp(-np.logaddexp(0, -logits.data)) - y),)  # sigmoid(z) - y


def _class_labels(labels, logits):
    """Integer class labels, one per row of ``logits``, checked against the number of classes."""
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise TypeError(
                "cross_entropy: labels must be integer class indices, got non-integer floats"
            )
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: labels must be integer class indices, not dtype {labels.dtype}"
        )
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(
            f"cross_entropy: logits must be (N, classes) and labels (N,); got logits of shape "
            f"{logits.shape} and labels of shape {labels.shape}"
        )
    classes = logits.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"cross_entropy: labels must lie in [0, {classes - 1}], "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def cross_entropy(logits, labels, reduction="mean"):
    """Softmax cross-entropy of ``logits`` (N, C) against integer ``labels`` (N,).

    Per row: ``logsumexp(z) - z[label]``; its gradient is ``softmax(z) - onehot(label)``.
    """
    labels = _class_labels(labels, logits)
    rows = np.arange(len(labels))
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probabilities = shifted - log_norm
    losses = -log_probabilities[rows, labels]
    return _reduce(
        Tensor._result(losses, (logits,), _cross_entropy_backward, (log_probabilities, labels)),
        reduction,
    )


def _cross_entropy_backward(out, g):
    log_probabilities, labels = out._saved  # d/dz = softmax(z) - onehot(label)
    grad = np.exp(log_probabilities)
    grad[np.arange(len(labels)), labels] -= 1
    return (grad * g[:, None],)


def hinge_loss(scores, target, reduction="mean"):
    """Max-margin loss ``max(0, 1 - y * score)`` for labels ``y`` in {-1, +1}."""
    y = _target_like(scores, target, "hinge_loss")
    if not np.all(np.abs(y.data) == 1):
        raise ValueError("hinge_loss: labels must be -1 or +1")
    return _reduce((1 - y * scores).relu(), reduction)


def dropout(x, p=0.5, training=True, rng=None):
    """Zero each entry with probability ``p`` and scale the rest by ``1 / (1 - p)`` (inverted dropout),
    so that the expected value is unchanged and evaluation needs no rescaling. The mask is drawn
    from ``rng`` (see :mod:`autodiff_numpy.seeding`)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0:
        return x
    keep = generator(rng).random(x.shape) >= p
    return x * (keep / (1 - p)).astype(x.dtype)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` axes to mean 0 and variance 1, then scale
    by ``weight`` and shift by ``bias`` (either may be left out).

    ``(x - mean) / sqrt(variance + eps)``, with the variance divided by the count (not count - 1),
    as PyTorch's LayerNorm.
    """
    axes = tuple(range(-len(normalized_shape), 0))
    if x.shape[x.ndim - len(normalized_shape) :] != tuple(normalized_shape):
        raise ValueError(
            f"layer_norm: input of shape {x.shape} does not end in normalized_shape {tuple(normalized_shape)}"
        )
    centred = x - x.mean(axis=axes, keepdims=True)
    variance = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / (variance + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out

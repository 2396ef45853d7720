"""Optimizers that update parameters from their gradients, and learning-rate schedules.

Updates follow PyTorch's definitions exactly, so a course can compare the two step for step. They
change ``p.data`` in place, so a model keeps pointing at its parameters.
"""

import numpy as np

from .tensor import Tensor


class Optimizer:
    """Holds the parameters to update and the learning rate; ``step()`` applies one update."""

    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        if lr < 0:
            raise ValueError(f"learning rate must be non-negative, got {lr}")
        self.lr = lr

    def zero_grad(self):
        """Forget the gradients of the last backward (they accumulate otherwise)."""
        for p in self.params:
            p.grad = None

    def step(self):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and L2 weight decay.

    ``g = grad + weight_decay * p``; with momentum ``v = momentum * v + g`` and the step uses ``v``;
    ``p -= lr * step``.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocities = [None] * len(self.params)

    def step(self):
        # TODO Task 2.2 (SGD.step): SGD with momentum and Adam
        raise NotImplementedError("Task 2.2: SGD.step")


class Adam(Optimizer):
    """Adam: steps by running averages of the gradient and of its square, corrected for their start at 0.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.steps = [0] * len(self.params)  # per parameter: one without a gradient is not stepped

    def step(self):
        # TODO Task 2.2 (Adam.step): SGD with momentum and Adam
        raise NotImplementedError("Task 2.2: Adam.step")


def clip_grad_norm(params, max_norm):
    """Scale all gradients together so that their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping (useful to log).
    """
    params = [params] if isinstance(params, Tensor) else list(params)
    grads = [p.grad for p in params if p.grad is not None]
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * scale
    return total


class LRScheduler:
    """Sets ``optimizer.lr`` from the number of ``step()`` calls (usually one per epoch)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def factor(self, epoch):
        raise NotImplementedError

    def step(self):
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.factor(self.epoch)

    def get_last_lr(self):
        return self.optimizer.lr


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        if step_size < 1:
            raise ValueError(f"step_size must be at least 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma

    def factor(self, epoch):
        return self.gamma ** (epoch // self.step_size)


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor going linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then staying at ``end_factor``."""

    def __init__(self, optimizer, start_factor=1 / 3, end_factor=1.0, total_iters=5):
        super().__init__(optimizer)
        if total_iters < 1:
            raise ValueError(f"total_iters must be at least 1, got {total_iters}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        optimizer.lr = self.base_lr * start_factor

    def factor(self, epoch):
        progress = min(epoch, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * progress

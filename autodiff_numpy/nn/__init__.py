"""Neural-network building blocks on Tensors (and, in ``scalar``, on Values), named as in PyTorch."""

from . import functional
from .conv import Conv2d, MaxPool2d, conv2d, max_pool2d
from .layers import Dropout, Flatten, LayerNorm, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss
from .module import Module, ModuleList, Parameter, Sequential

__all__ = [
    "BCELoss",
    "Conv2d",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "HingeLoss",
    "L1Loss",
    "LayerNorm",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "conv2d",
    "functional",
    "max_pool2d",
]

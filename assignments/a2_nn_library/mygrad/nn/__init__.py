"""Neural-network building blocks on Tensors, named as in PyTorch; ``Neuron``, ``Layer`` and ``MLP``
(from ``nn.scalar``) are the first week's networks of scalar ``Value``s."""

from . import functional
from .conv import Conv2d, MaxPool2d, conv2d, max_pool2d
from .layers import Dropout, Flatten, LayerNorm, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss
from .module import Module, ModuleList, Parameter, Sequential
from .scalar import MLP, Layer, Neuron

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
    "Layer",
    "Linear",
    "MLP",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "Neuron",
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

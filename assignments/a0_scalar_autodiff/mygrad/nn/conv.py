"""Convolution and max pooling on images of shape (N, C, H, W), vectorised with im2col.

A 2-D convolution slides each filter over the image and takes a dot product wherever it stops.
Written as loops that is six nested loops (image, filter, output row, output column, and the
window's channel, row and column), far too slow in Python. *im2col* ("image to columns") turns the
whole convolution into one matrix product:

1. pad the input with zeros (``padding`` pixels on every side);
2. gather every window the filter visits, across all input channels, and lay each one out as a row
   of a matrix ``cols`` of shape (N * H_out * W_out, C_in * kH * kW): one row per output pixel;
3. flatten each filter into a row of ``w_mat``, of shape (C_out, C_in * kH * kW); then
   ``cols @ w_mat.T`` holds every dot product at once: one row per output pixel, one column per
   output channel. Reordering its axes gives the output (N, C_out, H_out, W_out).

So a convolution is a Linear layer applied to every window, and its backward is the Linear
layer's: with ``G`` the upstream gradient laid out like that product, ``dW = G^T cols``,
``db = the sum of G's rows`` and ``dcols = G W``. The last step, *col2im*, sends each row of
``dcols`` back to the pixels its window was read from, adding where windows overlap (a pixel read
by several windows influenced several outputs, so its gradient is the sum of theirs).

Max pooling reads the same windows and keeps the largest value of each; its gradient goes only to
that largest value, and goes back through the same col2im.
"""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..seeding import generator
from ..tensor import Tensor
from .module import Module, Parameter


def _pair(value, name, minimum, op):
    """``value`` (an int, or a pair of ints: rows, columns) as a pair, at least ``minimum``."""

    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return pair


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _windows(x, kernel, stride):
    """Every kH x kW window visited by a kernel moved ``stride`` pixels at a time, without copying.

    Returns a view of shape (N, C, H_out, W_out, kH, kW): window (i, j) is
    ``x[:, :, i*sh : i*sh + kH, j*sw : j*sw + kW]``. ``sliding_window_view`` gives the windows at
    every position (stride 1) by reusing ``x``'s memory with extra strides; ``::sh, ::sw`` keeps the
    ones the stride visits.
    """
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def _add_windows(window_grads, shape, stride):
    """col2im, the reverse of :func:`_windows` for gradients: add each window's gradient back onto
    the pixels it was read from, in an array of ``shape`` (N, C, H, W).

    ``window_grads`` has shape (N, C, H_out, W_out, kH, kW). The entry at kernel offset (a, b) of
    window (i, j) came from pixel (i*sh + a, j*sw + b). For one offset, all windows land on
    distinct pixels, a strided slice, so one ``+=`` per offset adds them all; different offsets
    may land on the same pixel (overlapping windows) and accumulate over the loop. The loop runs
    kH * kW times, whatever the size of the image.
    """
    # TODO Task 3.2 (_add_windows): max_pool2d forward and backward, and col2im
    raise NotImplementedError("Task 3.2: _add_windows")


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (strictly, cross-correlation, as in PyTorch) with zero padding.

    ``x`` is (N, C_in, H, W), ``weight`` (C_out, C_in, kH, kW) (PyTorch's layout), ``bias``
    (C_out,) or None; ``stride`` and ``padding`` are an int or a pair (rows, columns). The output
    is (N, C_out, H_out, W_out) with ``H_out = (H + 2 * padding - kH) // stride + 1`` (rows that
    do not fill a last window are not used), and likewise for W_out.
    """
    # TODO Task 3.1 (conv2d): conv2d forward and backward (im2col)
    raise NotImplementedError("Task 3.1: conv2d")


def _conv2d_backward(out, g):
    # TODO Task 3.1 (_conv2d_backward): conv2d forward and backward (im2col)
    raise NotImplementedError("Task 3.1: _conv2d_backward")


def max_pool2d(x, kernel_size, stride=None):
    """The largest value of each ``kernel_size`` window of ``x`` (N, C, H, W), per channel.

    ``stride`` defaults to ``kernel_size`` (windows side by side); a smaller stride makes windows
    overlap. The output is (N, C, H_out, W_out) with ``H_out = (H - kH) // stride + 1``.

    The gradient of each output goes to the one input that was the window's maximum (nudging any
    other input does not change the output). When several entries tie for the maximum, the first
    in row-major order within the window gets it all, as in PyTorch: a choice, since the max is not
    differentiable at a tie. (``Tensor.max`` instead shares the gradient between ties.) With
    overlapping windows one input can win several windows, and receives the sum of their gradients.
    """
    # TODO Task 3.2 (max_pool2d): max_pool2d forward and backward, and col2im
    raise NotImplementedError("Task 3.2: max_pool2d")


def _max_pool2d_backward(out, g):
    # TODO Task 3.2 (_max_pool2d_backward): max_pool2d forward and backward, and col2im
    raise NotImplementedError("Task 3.2: _max_pool2d_backward")


class Conv2d(Module):
    """A convolution layer: ``conv2d(x, weight, bias, stride, padding)`` with learned filters.

    ``weight`` is (out_channels, in_channels, kH, kW) and ``bias`` (out_channels,), both uniform in
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` with ``fan_in = in_channels * kH * kW`` (PyTorch's
    default): each output is a sum of ``fan_in`` products, so this keeps its scale near that of
    the inputs whatever the layer's size. They are drawn from ``rng`` (weight first, then bias).
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        bias=True,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            _pair(value, name, 1, "Conv2d")  # a positive int
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1, "Conv2d")
        self.stride = _pair(stride, "stride", 1, "Conv2d")
        self.padding = _pair(padding, "padding", 0, "Conv2d")
        kh, kw = self.kernel_size
        draw = generator(rng)
        bound = 1 / np.sqrt(self.in_channels * kh * kw)
        shape = (self.out_channels, self.in_channels, kh, kw)
        self.weight = Parameter(draw.uniform(-bound, bound, shape), dtype=dtype)
        self.bias = None
        if bias:
            self.bias = Parameter(draw.uniform(-bound, bound, self.out_channels), dtype=dtype)

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Module):
    """Max pooling: the largest value of each ``kernel_size`` window (see :func:`max_pool2d`)."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", 1, "MaxPool2d")
        if stride is None:
            stride = self.kernel_size
        self.stride = _pair(stride, "stride", 1, "MaxPool2d")

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"

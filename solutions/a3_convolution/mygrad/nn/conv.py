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
    ### BEGIN SOLUTION
    _, _, h_out, w_out, kh, kw = window_grads.shape
    sh, sw = stride
    out = np.zeros(shape, dtype=window_grads.dtype)
    for a in range(kh):
        for b in range(kw):
            out[:, :, a : a + sh * h_out : sh, b : b + sw * w_out : sw] += window_grads[..., a, b]
    return out
    ### END SOLUTION


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (strictly, cross-correlation, as in PyTorch) with zero padding.

    ``x`` is (N, C_in, H, W), ``weight`` (C_out, C_in, kH, kW) (PyTorch's layout), ``bias``
    (C_out,) or None; ``stride`` and ``padding`` are an int or a pair (rows, columns). The output
    is (N, C_out, H_out, W_out) with ``H_out = (H + 2 * padding - kH) // stride + 1`` (rows that
    do not fill a last window are not used), and likewise for W_out.
    """
    # TODO Task 3.1 (conv2d): conv2d forward and backward (im2col)
    ### BEGIN SOLUTION
    x, weight = _tensor(x), _tensor(weight)
    bias = None if bias is None else _tensor(bias)
    stride = _pair(stride, "stride", 1, "conv2d")
    ph, pw = padding = _pair(padding, "padding", 0, "conv2d")
    if x.ndim != 4:
        raise ValueError(f"conv2d: input must be 4-D (N, C_in, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(
            f"conv2d: weight must be 4-D (C_out, C_in, kH, kW), got shape {weight.shape}"
        )
    n, c_in, h, w = x.shape
    c_out, weight_c_in, kh, kw = weight.shape
    if c_in != weight_c_in:
        raise ValueError(
            f"conv2d: input of shape {x.shape} has {c_in} channels but weight of shape "
            f"{weight.shape} expects {weight_c_in} (weight is (C_out, C_in, kH, kW))"
        )
    if kh < 1 or kw < 1:
        raise ValueError(f"conv2d: weight of shape {weight.shape} has an empty kernel")
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ValueError(
            f"conv2d: kernel {kh}x{kw} (weight of shape {weight.shape}) is larger than the padded "
            f"input {h + 2 * ph}x{w + 2 * pw} (input of shape {x.shape}, padding {padding})"
        )
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(
            f"conv2d: bias must have shape ({c_out},) for weight of shape {weight.shape}, "
            f"got bias of shape {bias.shape}"
        )

    padded = np.pad(x.data, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around each image
    windows = _windows(padded, (kh, kw), stride)  # (N, C_in, H_out, W_out, kH, kW), a view
    h_out, w_out = windows.shape[2:4]
    padded_shape = padded.shape
    # im2col: one row per output pixel (n, i, j), holding its window in every input channel.
    # This reshape is where the windows are copied (overlapping windows share pixels in the view).
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c_in * kh * kw)
    w_mat = weight.data.reshape(c_out, c_in * kh * kw)  # one row per filter
    rows = cols @ w_mat.T  # (N * H_out * W_out, C_out): every dot product at once
    if bias is not None:
        rows = rows + bias.data
    out = np.ascontiguousarray(rows.reshape(n, h_out, w_out, c_out).transpose(0, 3, 1, 2))
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._result(out, parents, _conv2d_backward, (cols, padded_shape, stride, padding))
    ### END SOLUTION


def _conv2d_backward(out, g):
    # TODO Task 3.1 (_conv2d_backward): conv2d forward and backward (im2col)
    ### BEGIN SOLUTION
    x, weight = out._parents[:2]
    cols, padded_shape, stride, (ph, pw) = out._saved
    n, c_out, h_out, w_out = out.shape
    c_in, kh, kw = weight.shape[1:]
    # Lay g out like `rows`. From rows = cols W^T + b:
    #   dW = G^T cols,   db = sum of G over its rows,   dcols = G W   (then col2im for dx).
    g_rows = g.transpose(0, 2, 3, 1).reshape(n * h_out * w_out, c_out)
    grad_w = (g_rows.T @ cols).reshape(weight.shape) if weight.requires_grad else None
    grad_x = None
    if x.requires_grad:
        grad_cols = (g_rows @ weight.data.reshape(c_out, -1)).reshape(n, h_out, w_out, c_in, kh, kw)
        grad_padded = _add_windows(grad_cols.transpose(0, 3, 1, 2, 4, 5), padded_shape, stride)
        # The padding zeros are constants, not inputs: keep the gradient of the image only.
        grad_x = grad_padded[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]]
    if len(out._parents) == 2:
        return grad_x, grad_w
    bias = out._parents[2]
    return grad_x, grad_w, (g_rows.sum(axis=0) if bias.requires_grad else None)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x = _tensor(x)
    kernel = _pair(kernel_size, "kernel_size", 1, "max_pool2d")
    stride = kernel if stride is None else _pair(stride, "stride", 1, "max_pool2d")
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: input must be 4-D (N, C, H, W), got shape {x.shape}")
    if kernel[0] > x.shape[2] or kernel[1] > x.shape[3]:
        raise ValueError(
            f"max_pool2d: kernel {kernel[0]}x{kernel[1]} is larger than the input's "
            f"{x.shape[2]}x{x.shape[3]} image (input of shape {x.shape})"
        )

    windows = _windows(x.data, kernel, stride)  # (N, C, H_out, W_out, kH, kW), a view
    window_shape = windows.shape
    flat = windows.reshape(*window_shape[:4], kernel[0] * kernel[1])  # each window as one row
    winner = flat.argmax(axis=-1)[..., None]  # argmax picks the first of tied maxima
    out = np.take_along_axis(flat, winner, axis=-1)[..., 0]
    return Tensor._result(out, (x,), _max_pool2d_backward, (winner, window_shape, stride))
    ### END SOLUTION


def _max_pool2d_backward(out, g):
    # TODO Task 3.2 (_max_pool2d_backward): max_pool2d forward and backward, and col2im
    ### BEGIN SOLUTION
    (x,), (winner, window_shape, stride) = out._parents, out._saved
    # Each window sends its gradient to its winner and zero elsewhere; col2im adds them up.
    grad_windows = np.zeros((*window_shape[:4], window_shape[4] * window_shape[5]), dtype=g.dtype)
    np.put_along_axis(grad_windows, winner, g[..., None], axis=-1)
    return (_add_windows(grad_windows.reshape(window_shape), x.shape, stride),)
    ### END SOLUTION


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

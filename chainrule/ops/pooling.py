"""Pooling over the last 1 or 2 (spatial) dimensions of (N, C, *spatial) input (resampling: ops/interpolate.py).

A window op first gathers its windows as rows: a (K, *lead, *out) array whose row k holds kernel offset k
of every window (one strided view of the padded input, one copy). A max or a mean is then a fast reduction
over axis 0, and a backward puts the rows back: a loop over the K kernel offsets adds each row into a
strided slice of the padded gradient, so overlapping windows accumulate (disjoint windows, as in the usual
MaxPool2d(2), are assigned instead). Adaptive pooling is a linear map along each spatial axis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.tensor import Tensor, _wrap

_SPATIAL_NAMES = {1: "(C, L) or 3D (N, C, L)", 2: "(C, H, W) or 4D (N, C, H, W)"}


# -- where the windows lie -------------------------------------------------------------------------------
class _Windows:
    """The windows of one pooling call on inputs whose last dimensions are `size`."""

    def __init__(self, size, kernel, stride, padding, dilation, ceil_mode):
        self.size, self.kernel, self.stride, self.padding, self.dilation = size, kernel, stride, padding, dilation
        self.output = tuple(_checks.output_size(n, k, s, (p, p), d, ceil_mode)
                            for n, k, s, p, d in zip(size, kernel, stride, padding, dilation, strict=True))
        # how far the windows reach into the padded input
        self.extent = tuple((o - 1) * s + (k - 1) * d + 1 for o, k, s, d in zip(self.output, kernel, stride,
                                                                                  dilation, strict=True))
        self.count = math.prod(kernel)
        # no element in two windows (MaxPool2d(2) and any stride >= kernel): backward assigns, needn't add
        self.disjoint = all(s >= (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation, strict=True))

    def rows(self, x: Any, fill: Any) -> Any:
        """(K, *lead, *out): row k holds the element at kernel offset k of every window (padding is `fill`)."""
        xp = backend.array_module(x)
        dims, lead = len(self.size), x.shape[:-len(self.size)]
        padded = self._pad(x, fill)
        strides = padded.strides[-dims:]
        view = xp.lib.stride_tricks.as_strided(
            padded, self.kernel + lead + self.output,
            tuple(t * d for t, d in zip(strides, self.dilation, strict=True)) + padded.strides[:-dims]
            + tuple(t * s for t, s in zip(strides, self.stride, strict=True)),
        )
        return xp.ascontiguousarray(view).reshape((self.count, *lead, *self.output))

    def scatter(self, rows: Any, shape: tuple) -> Any:
        """The transpose of `rows`: add row k back at kernel offset k of every window, into zeros of `shape`."""
        xp = backend.array_module(rows)
        padded_size = tuple(max(p + n, e) for n, p, e in zip(self.size, self.padding, self.extent, strict=True))
        padded = xp.zeros(shape[:-len(self.size)] + padded_size, rows.dtype)
        for index, offset in enumerate(itertools.product(*map(range, self.kernel))):
            region = (..., *(slice(j * d, j * d + (o - 1) * s + 1, s) for j, d, o, s in
                             zip(offset, self.dilation, self.output, self.stride, strict=True)))
            if self.disjoint:  # twice as fast as +=, which reads what it adds to
                padded[region] = rows[index]
            else:
                padded[region] += rows[index]
        return padded[(..., *(slice(p, p + n) for p, n in zip(self.padding, self.size, strict=True)))]

    def _pad(self, x: Any, fill: Any) -> Any:
        widths = [(p, max(e - p - n, 0)) for n, p, e in zip(self.size, self.padding, self.extent, strict=True)]
        if not any(before or after for before, after in widths):
            return x
        xp = backend.array_module(x)
        return xp.pad(x, [(0, 0)] * (x.ndim - len(widths)) + widths, mode="constant", constant_values=fill)

    def flat_indices(self, argmax: Any) -> Any:
        """PyTorch's return_indices: the position of each window's maximum in the flattened spatial input."""
        xp = backend.array_module(argmax)
        local, flat = argmax.astype(xp.int64), 0
        dims = len(self.size)
        for axis in range(dims):
            inner = math.prod(self.kernel[axis + 1:])
            offset = (local // inner) % self.kernel[axis]
            start = xp.arange(self.output[axis], dtype=xp.int64) * self.stride[axis] - self.padding[axis]
            start = start.reshape((-1,) + (1,) * (dims - 1 - axis))
            flat = flat * self.size[axis] + start + offset * self.dilation[axis]
        return flat


def _first_match(rows: Any, best: Any) -> Any:
    """The index of the first row equal to `best` at each position (ties go to the first, as in PyTorch)."""
    xp = backend.array_module(rows)
    missing = rows[0] != best
    index = missing.astype(xp.uint8 if len(rows) <= 256 else xp.int64)
    for row in rows[1:-1]:  # index = how many leading rows miss the maximum
        missing &= row != best
        index += missing
    return index


def _scatter_to_argmax(windows: _Windows, argmax: Any, grad: Any, shape: tuple) -> Any:
    """Each window's gradient goes to its argmax; windows that share an input element add up there."""
    xp = backend.array_module(grad)
    offsets = xp.arange(windows.count, dtype=argmax.dtype).reshape((windows.count,) + (1,) * argmax.ndim)
    return windows.scatter((argmax == offsets) * grad, shape)


def _gather_at_argmax(windows: _Windows, argmax: Any, x: Any) -> Any:
    xp = backend.array_module(x)
    return xp.take_along_axis(windows.rows(x, 0), argmax[None].astype(xp.intp), axis=0)[0]


# -- max pooling -----------------------------------------------------------------------------------------
class GatherAtArgmax(Function):
    """y = x at each window's recorded argmax; dy/dx = 1 there (summed over the windows that pick x)."""

    def __init__(self, windows, argmax, shape):
        self.windows, self.argmax, self.shape = windows, argmax, shape

    def forward(self, x):
        return _gather_at_argmax(self.windows, self.argmax, x)

    def backward(self, grad):
        return _scatter_to_argmax(self.windows, self.argmax, grad, self.shape)

    def vjp(self, grad):
        return ScatterToArgmax(self.windows, self.argmax, self.shape).apply(grad)


class MaxPool(GatherAtArgmax):
    """y = max over each window: the gather at the window's argmax, which forward finds first."""

    def __init__(self, windows):
        self.windows = windows

    def forward(self, x):
        self.shape = x.shape
        xp = backend.array_module(x)
        lowest = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        rows = self.windows.rows(x, lowest)
        out = rows.max(axis=0)
        self.argmax = _first_match(rows, out)
        return out


class ScatterToArgmax(Function):
    """The backward of max pooling as an op of its own (for double backward): its transpose is the gather."""

    def __init__(self, windows, argmax, shape):
        self.windows, self.argmax, self.shape = windows, argmax, shape

    def forward(self, grad):
        return _scatter_to_argmax(self.windows, self.argmax, grad, self.shape)

    def backward(self, grad):
        return _gather_at_argmax(self.windows, self.argmax, grad)

    def vjp(self, grad):
        return GatherAtArgmax(self.windows, self.argmax, self.shape).apply(grad)


# -- average pooling -------------------------------------------------------------------------------------
def _window_mean(windows: _Windows, divisor: Any, x: Any) -> Any:
    return windows.rows(x, 0).sum(axis=0) / divisor


def _spread(windows: _Windows, divisor: Any, grad: Any, shape: tuple) -> Any:
    """Each window's gradient / divisor goes to every element of the window."""
    share = grad / divisor
    xp = backend.array_module(share)
    return windows.scatter(xp.broadcast_to(share, (windows.count, *share.shape)), shape)


class AvgPool(Function):
    """y = sum of each window / divisor; dy/dx = sum of 1 / divisor over the windows that contain x."""

    def __init__(self, windows, divisor):
        self.windows, self.divisor = windows, divisor

    def forward(self, x):
        self.shape = x.shape
        return _window_mean(self.windows, self.divisor, x)

    def backward(self, grad):
        return _spread(self.windows, self.divisor, grad, self.shape)

    def vjp(self, grad):
        return AvgPoolTranspose(self.windows, self.divisor, self.shape).apply(grad)


class AvgPoolTranspose(Function):
    """The backward of average pooling as an op of its own (for double backward); its transpose is AvgPool."""

    def __init__(self, windows, divisor, shape):
        self.windows, self.divisor, self.shape = windows, divisor, shape

    def forward(self, grad):
        return _spread(self.windows, self.divisor, grad, self.shape)

    def backward(self, grad):
        return _window_mean(self.windows, self.divisor, grad)

    def vjp(self, grad):
        return AvgPool(self.windows, self.divisor).apply(grad)


def _divisor(windows: _Windows, count_include_pad: bool, divisor_override: int | None, xp: Any, dtype: Any) -> Any:
    """How many elements each window averages: PyTorch counts padding (if asked) but never past it."""
    if divisor_override is not None:
        return dtype.type(divisor_override)
    divisor = 1
    for axis, (n, o, k, s, p) in enumerate(zip(windows.size, windows.output, windows.kernel, windows.stride,
                                                windows.padding, strict=True)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        divisor = divisor * (end - start).reshape((-1,) + (1,) * (len(windows.size) - 1 - axis))
    return divisor.astype(dtype)


# -- adaptive pooling: a map along each spatial axis ------------------------------------------------------
def _along_axes(x: Any, matrices: Sequence[Any]) -> Any:
    """Apply matrix i (out_i, in_i) along spatial axis i of x (the last len(matrices) axes); x is an array, or
    a Tensor in a differentiable backward."""
    for axis, matrix in zip(range(-len(matrices), 0), matrices, strict=True):
        x = (x.swapaxes(axis, -1) @ matrix.T).swapaxes(axis, -1)
    return x


class AxisLinear(Function):
    """y = A_i x along each spatial axis i (adaptive average pooling: row o of A_i averages window o); dx = A_i^T grad.
    """

    def __init__(self, matrices):
        self.matrices = matrices

    def forward(self, x):
        return _along_axes(x, self.matrices)

    def backward(self, grad):
        return _along_axes(grad, [matrix.T for matrix in self.matrices])


# -- argument checks -----------------------------------------------------------------------------------
def _check_rank(input: Tensor, dims: int, op: str) -> None:
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}D {_SPATIAL_NAMES[dims]} input, got {input.ndim}D input "
                         f"of shape {input.shape}")


def _windows(input: Tensor, dims: int, op: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool) -> _Windows:
    _check_rank(input, dims, op)
    kernel = _checks.ints(kernel_size, dims, "kernel_size", op, 1, expand_single=True)
    if stride is None or stride == () or stride == []:
        stride = kernel
    else:
        stride = _checks.ints(stride, dims, "stride", op, 1, expand_single=True)
    padding = _checks.ints(padding, dims, "padding", op, 0, expand_single=True)
    dilation = _checks.ints(dilation, dims, "dilation", op, 1, expand_single=True)
    for k, p, d in zip(kernel, padding, dilation, strict=True):
        if p > ((k - 1) * d + 1) // 2:
            detail = f" and dilation={d}" if d != 1 else ""
            raise ValueError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                             f"kernel_size={k}{detail}")
    size = input.shape[-dims:]
    windows = _Windows(size, kernel, stride, padding, dilation, ceil_mode)
    if min(windows.output) <= 0:
        effective = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True))
        padded = tuple(n + 2 * p for n, p in zip(size, padding, strict=True))
        raise ValueError(f"{op}: the kernel (size {effective} with dilation) is larger than the padded input "
                         f"{padded} of input shape {input.shape}: output size would be {windows.output}; use a "
                         "smaller kernel_size or more padding")
    return windows


# -- public functions ----------------------------------------------------------------------------------
def _max_pool(input, dims, op, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if input.dtype.kind not in "fiu":
        raise TypeError(f"{op}: expected a floating-point or integer input, got {backend.dtype_name(input.dtype)}")
    windows = _windows(input, dims, op, kernel_size, stride, padding, dilation, ceil_mode)
    function = MaxPool(windows)
    out = function.apply(input)
    if not return_indices:
        return out
    return out, _wrap(windows.flat_indices(function.argmax), False, None)


def max_pool1d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over sliding windows of the last dimension of (N, C, L) or (C, L) input.

    Padding counts as -inf; the gradient goes to each window's first maximum. `return_indices` also
    returns the position of each maximum in L. Example: `max_pool1d(x, 2)` halves L.
    """
    return _max_pool(input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over sliding windows of the last two dimensions of (N, C, H, W) or (C, H, W) input.

    Padding counts as -inf; the gradient goes to each window's first maximum. `return_indices` also
    returns the position of each maximum as h * W + w. Example: `max_pool2d(x, 2)` halves H and W.
    """
    return _max_pool(input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(input, dims, op, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {backend.dtype_name(input.dtype)}")
    if divisor_override is not None and (not _checks.is_int(divisor_override) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    windows = _windows(input, dims, op, kernel_size, stride, padding, 1, ceil_mode)
    xp = backend.array_module(input._data)
    return AvgPool(windows, _divisor(windows, count_include_pad, divisor_override, xp, input.dtype)).apply(input)


def avg_pool1d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of the last dimension of (N, C, L) or (C, L) input.

    With count_include_pad the zero padding counts in the divisor (as PyTorch: never the part of a ceil-mode
    window past the padding). Example: `avg_pool1d(x, 3, stride=1, padding=1)` keeps L.
    """
    return _avg_pool(input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
               padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of the last two dimensions of (N, C, H, W) or (C, H, W) input.

    With count_include_pad the zero padding counts in the divisor; divisor_override replaces the divisor.
    Example: `avg_pool2d(x, 2)` halves H and W.
    """
    return _avg_pool(input, 2, "avg_pool2d", kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive_avg_pool(input: Tensor, output_size: Any, dims: int, op: str) -> Tensor:
    _check_rank(input, dims, op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {backend.dtype_name(input.dtype)}")
    sizes = tuple(output_size) if isinstance(output_size, Sequence) else (output_size,) * dims
    if len(sizes) != dims or not all(s is None or (_checks.is_int(s) and s >= 0)
                                     for s in sizes):
        raise ValueError(f"{op}: output_size must be a non-negative int or a tuple of {dims} (non-negative ints "
                         f"or None), got {output_size!r}")
    size = input.shape[-dims:]
    if 0 in size:
        raise ValueError(f"{op}: expected an input with non-zero spatial size, got input of shape {input.shape}")
    xp = backend.array_module(input._data)
    matrices = []
    for n, out in zip(size, sizes, strict=True):
        out = n if out is None else out
        index, position = xp.arange(out)[:, None], xp.arange(n)[None, :]
        start, end = index * n // out, ((index + 1) * n + out - 1) // out  # floor(o n / out), ceil((o+1) n / out)
        inside = (position >= start) & (position < end)
        matrices.append(inside.astype(input.dtype) / (end - start).astype(input.dtype))
    return AxisLinear(matrices).apply(input)


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Average (N, C, L) or (C, L) input down to length output_size, windows as PyTorch picks them.

    Window o covers [floor(o L / out), ceil((o + 1) L / out)). Example: `adaptive_avg_pool1d(x, 1)`.
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None] | None) -> Tensor:
    """Average (N, C, H, W) or (C, H, W) input down to output_size (an element None keeps that size).

    Window o along an axis of size n covers [floor(o n / out), ceil((o + 1) n / out)).
    Example: `adaptive_avg_pool2d(x, 1)` is global average pooling; `adaptive_avg_pool2d(x, (None, 4))`.
    """
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")

"""Convolutions (conv1d, conv2d, conv_transpose2d): one N-d implementation, one matrix product a call.

A zero-padded input (N, C, *spatial) is unfolded through a strided view into columns laid out
(C, *kernel, N, *out): row (c, k) holds, for every output position, the input under kernel offset k of
channel c. The convolution is then one product, batched over the groups,

    out (G, O/G, N*P) = weight (G, O/G, C/G*K) @ columns (G, C/G*K, N*P),

whose (O, N, *out) result is transposed once to (N, O, *out). Backward reads the same algebra the other way:
d weight = grad @ columns^T (the forward keeps its columns for it), and d input = col2im(weight^T @ grad),
computed one kernel offset at a time: weight_k^T @ grad added into the input positions offset k reads.
Where an image has a few hundred output positions or more, the columns are laid out (N, C*K, P) and each
image gets its own product, whose result is already (N, O, P) (`_per_image`).

A transposed convolution is the input gradient of a convolution: its forward is col2im(weight^T @ x) and its
backward a convolution, so both ops are built from the same four helpers. Their `vjp`s are written with the
ops themselves (d conv/dx is a transposed convolution, d conv/dW a convolution of the input with the
gradient), so gradients of any order exist, for every stride, padding, dilation and groups.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.indexing import getitem
from chainrule.ops.shape import pad, permute, reshape, transpose
from chainrule.tensor import Tensor

# Geometry of a convolution, each entry per spatial dimension: (stride, ((pad_before, pad_after), ...),
# dilation, groups). Padding is a pair because padding='same' with an even kernel pads one more after.


def _padded_shape(shape: tuple, padding: tuple) -> tuple:
    return shape[:2] + tuple(n + before + after for n, (before, after) in zip(shape[2:], padding, strict=True))


def _interior(shape: tuple, padding: tuple) -> tuple:
    """The index of the unpadded part of a padded (N, C, *spatial) array."""
    return (..., *(slice(before, before + n) for n, (before, _) in zip(shape[2:], padding, strict=True)))


# -- array helpers, shared by both ops ------------------------------------------------------------------
def _im2col(x: Any, kernel: tuple, out_size: tuple, geometry: tuple, batch_first: bool = False) -> Any:
    """Contiguous columns (C, *kernel, N, *out) of x (N, C, *spatial), zero-padded first when asked.

    batch_first lays them out (N, C, *kernel, *out) instead, for one product per image (`_per_image`).
    """
    stride, padding, dilation, _ = geometry
    xp = backend.array_module(x)
    if any(before or after for before, after in padding):
        padded = xp.zeros(_padded_shape(x.shape, padding), dtype=x.dtype)
        padded[_interior(x.shape, padding)] = x
        x = padded
    steps = x.strides[2:]
    kernel_strides = tuple(s * d for s, d in zip(steps, dilation, strict=True))
    out_strides = tuple(s * t for s, t in zip(steps, stride, strict=True))
    if batch_first:
        shape, strides = (*x.shape[:2], *kernel, *out_size), (*x.strides[:2], *kernel_strides, *out_strides)
    else:
        shape = (x.shape[1], *kernel, x.shape[0], *out_size)
        strides = (x.strides[1], *kernel_strides, x.strides[0], *out_strides)
    return xp.ascontiguousarray(xp.lib.stride_tricks.as_strided(x, shape, strides))


def _rows(a: Any, groups: int) -> Any:
    """(N, C, *spatial) -> contiguous (G, C/G, N*P): an array as the left operand of the product (one copy)."""
    xp = backend.array_module(a)
    return xp.ascontiguousarray(a.swapaxes(0, 1)).reshape(groups, a.shape[1] // groups, -1)


def _convolve(columns: Any, weight: Any, bias: Any, groups: int, batch: int, out_size: tuple) -> Any:
    """weight (O, C/G, *k) applied to the columns of an input: the output (N, O, *out), contiguous."""
    xp = backend.array_module(columns)
    matrix = weight.reshape(groups, weight.shape[0] // groups, -1)
    product = xp.matmul(matrix, columns.reshape(groups, matrix.shape[2], -1))
    if bias is not None:  # on the product's contiguous rows: much faster than broadcasting over (N, O, *out)
        product += bias.reshape(groups, -1, 1)
    result = xp.empty((batch, weight.shape[0], *out_size), dtype=product.dtype)
    result[...] = product.reshape(weight.shape[0], batch, *out_size).swapaxes(0, 1)
    return result


def _convolve_input_grad(grad_rows: Any, out_size: tuple, weight: Any, geometry: tuple, x_shape: tuple,
                         per_image: bool = False) -> Any:
    """d input of a convolution from its output gradient as rows (G, O/G, N*P): col2im(weight^T @ grad).

    One product per kernel offset, added into the input positions that offset reads (the loop is kernel-sized):
    the columns weight^T @ grad, kernel-size times the input, never exist. With per_image the rows are (N, O, P).
    """
    stride, padding, dilation, groups = geometry
    xp = backend.array_module(grad_rows)
    result = xp.zeros(_padded_shape(x_shape, padding), dtype=grad_rows.dtype)
    if per_image:
        target, part_shape = result, x_shape[:2]
    else:  # (C, N, *spatial): the products' order, so that slices add without a transpose
        target, part_shape = result.swapaxes(0, 1), (x_shape[1], x_shape[0])
    matrix = weight.reshape(groups, weight.shape[0] // groups, weight.shape[1], -1)  # (G, O/G, C/G, K)
    for index, offset in enumerate(itertools.product(*(range(k) for k in weight.shape[2:]))):
        part = xp.matmul(matrix[..., index].swapaxes(1, 2), grad_rows)  # (G, C/G, N*P) or (N, C, P)
        window = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                       for k, d, s, o in zip(offset, dilation, stride, out_size, strict=True))
        target[(slice(None), slice(None), *window)] += part.reshape(*part_shape, *out_size)
    return result[_interior(x_shape, padding)]


def _convolve_weight_grad(grad_rows: Any, columns: Any, weight_shape: tuple) -> Any:
    """d weight of a convolution: grad (G, O/G, N*P) @ columns^T, as (O, C/G, *k)."""
    xp = backend.array_module(grad_rows)
    columns = columns.reshape(grad_rows.shape[0], math.prod(weight_shape[1:]), grad_rows.shape[2])
    return xp.matmul(grad_rows, columns.swapaxes(1, 2)).reshape(weight_shape)


def _bias_grad(grad_rows: Any) -> Any:
    """Sum of the gradient per channel; a matrix-vector product sums far faster than a reduction."""
    xp = backend.array_module(grad_rows)
    return (grad_rows @ xp.ones(grad_rows.shape[2], dtype=grad_rows.dtype)).reshape(-1)


# -- the same products image by image, for large images --------------------------------------------------
def _per_image(out_size: tuple, geometry: tuple) -> bool:
    """Whether to run one product per image on columns (N, C*K, P), whose results are already (N, O, P).

    That saves the transposing copies of the output and of its gradient, which cost more than the products
    themselves when C*K is small, but many small products lose to one large one: the switch is at a few
    hundred output positions an image (benchmark CNN, fwd + bwd: 26x26 outputs 2.0 -> 1.0 ms; 11x11 9.4 -> 14 ms).
    """
    return geometry[3] == 1 and math.prod(out_size) >= 256


def _convolve_per_image(columns: Any, weight: Any, bias: Any, out_size: tuple) -> Any:
    """weight (O, C, *k) applied to columns (N, C, *k, *out) image by image: the output (N, O, *out)."""
    xp = backend.array_module(columns)
    batch, positions = columns.shape[0], math.prod(out_size)
    result = xp.matmul(weight.reshape(weight.shape[0], -1), columns.reshape(batch, -1, positions))
    if bias is not None:
        result += bias.reshape(-1, 1)
    return result.reshape(batch, weight.shape[0], *out_size)


def _per_image_grads(grad: Any, columns: Any, weight: Any, geometry: tuple, x_shape: tuple, needs: tuple) -> tuple:
    """(dx, dW, db) of `_convolve_per_image` for the flags in `needs`: the gradient (N, O, P) is the rows as is."""
    xp = backend.array_module(grad)
    batch, channels = grad.shape[:2]
    grad_rows = grad.reshape(batch, channels, -1)
    matrix = weight.reshape(channels, -1)
    grad_x = grad_w = grad_b = None
    if needs[0]:
        grad_x = _convolve_input_grad(grad_rows, grad.shape[2:], weight, geometry, x_shape, per_image=True)
    if needs[1]:
        grad_w = xp.matmul(grad_rows, columns.reshape(batch, matrix.shape[1], -1).swapaxes(1, 2)).sum(0)
        grad_w = grad_w.reshape(weight.shape)
    if needs[2]:
        grad_b = (grad_rows @ xp.ones(grad_rows.shape[2], dtype=grad.dtype)).sum(0)
    return grad_x, grad_w, grad_b


# -- the ops ---------------------------------------------------------------------------------------------
class ConvNd(Function):
    """y = conv(x, W) + b: dx = conv_transpose(grad, W), dW = grad @ columns^T, db = sum of grad per channel.

    The columns (kernel-size times the input) are kept for dW only when W requires grad.
    """

    saves_inputs = True

    def __init__(self, geometry: tuple, keep_columns: bool) -> None:
        self.geometry, self.keep_columns = geometry, keep_columns

    def forward(self, x, weight, bias=None):
        stride, padding, dilation, _ = self.geometry
        out_size = tuple(map(_checks.output_size, x.shape[2:], weight.shape[2:], stride, padding, dilation))
        self.per_image = _per_image(out_size, self.geometry)
        columns = _im2col(x, weight.shape[2:], out_size, self.geometry, batch_first=self.per_image)
        self.columns = columns if self.keep_columns else None
        if self.per_image:
            return _convolve_per_image(columns, weight, bias, out_size)
        return _convolve(columns, weight, bias, self.geometry[3], x.shape[0], out_size)

    def backward(self, grad):
        x, weight = self.inputs[0], self.inputs[1]
        parents = self.parents
        if self.per_image:
            needs = (parents[0] is not None, parents[1] is not None, len(parents) == 3 and parents[2] is not None)
            grads = _per_image_grads(grad, self.columns, weight, self.geometry, x.shape, needs)
            return grads if len(parents) == 3 else grads[:2]
        grad_rows = _rows(grad, self.geometry[3])
        grad_x = grad_w = None
        if parents[0] is not None:
            grad_x = _convolve_input_grad(grad_rows, grad.shape[2:], weight, self.geometry, x.shape)
        if parents[1] is not None:
            grad_w = _convolve_weight_grad(grad_rows, self.columns, weight.shape)
        if len(parents) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (_bias_grad(grad_rows) if parents[2] is not None else None)

    def vjp(self, grad):
        tensors, parents = self.input_tensors(), self.parents
        x, weight = tensors[0], tensors[1]
        grad_x = grad_w = None
        if parents[0] is not None:
            grad_x = _conv_transpose(grad, weight, None, self.geometry, x.shape[2:])
        if parents[1] is not None:
            grad_w = _weight_grad_as_conv(x, grad, self.geometry, weight.shape[2:])
        if len(tensors) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (grad.sum((0, *range(2, grad.ndim))) if parents[2] is not None else None)


class ConvTransposeNd(Function):
    """y = col2im(W^T @ x) + b, the input gradient of conv(., W) at x: dx = conv(grad, W), dW likewise.

    `out_size` is the result's spatial size (the convolution's input size), which fixes output_padding.
    """

    saves_inputs = True

    def __init__(self, geometry: tuple, out_size: tuple) -> None:
        self.geometry, self.out_size = geometry, out_size

    def forward(self, x, weight, bias=None):
        groups = self.geometry[3]
        shape = (x.shape[0], weight.shape[1] * groups, *self.out_size)
        result = _convolve_input_grad(_rows(x, groups), x.shape[2:], weight, self.geometry, shape)
        if bias is not None:
            result += bias.reshape(-1, *(1,) * len(self.out_size))
        return backend.array_module(x).ascontiguousarray(result)

    def backward(self, grad):
        x, weight = self.inputs[0], self.inputs[1]
        parents = self.parents
        grad_x = grad_w = None
        if parents[0] is not None or parents[1] is not None:
            columns = _im2col(grad, weight.shape[2:], x.shape[2:], self.geometry)
            if parents[0] is not None:
                grad_x = _convolve(columns, weight, None, self.geometry[3], x.shape[0], x.shape[2:])
            if parents[1] is not None:
                grad_w = _convolve_weight_grad(_rows(x, self.geometry[3]), columns, weight.shape)
        if len(parents) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (grad.sum(axis=(0, *range(2, grad.ndim))) if parents[2] is not None else None)

    def vjp(self, grad):
        tensors, parents = self.input_tensors(), self.parents
        x, weight = tensors[0], tensors[1]
        grad_x = grad_w = None
        if parents[0] is not None:
            grad_x = _conv(grad, weight, None, self.geometry)
            if grad_x.shape != x.shape:  # output_padding >= stride (allowed when dilation is larger) adds positions
                grad_x = getitem(grad_x, (..., *(slice(0, n) for n in x.shape[2:])))
        if parents[1] is not None:
            grad_w = _weight_grad_as_conv(grad, x, self.geometry, weight.shape[2:])
        if len(tensors) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (grad.sum((0, *range(2, grad.ndim))) if parents[2] is not None else None)


def _conv(x: Tensor, weight: Tensor, bias: Tensor | None, geometry: tuple) -> Tensor:
    function = ConvNd(geometry, weight.requires_grad)
    return function.apply(x, weight) if bias is None else function.apply(x, weight, bias)


def _conv_transpose(x: Tensor, weight: Tensor, bias: Tensor | None, geometry: tuple, out_size: tuple) -> Tensor:
    function = ConvTransposeNd(geometry, tuple(out_size))
    return function.apply(x, weight) if bias is None else function.apply(x, weight, bias)


def _weight_grad_as_conv(x: Tensor, grad: Tensor, geometry: tuple, kernel: tuple) -> Tensor:
    """dW[o, c, k] = sum over n, p of grad[n, o, p] * x_padded[n, c, p * stride + k * dilation], as a convolution.

    The batch becomes the channels: x_padded as (C/G, G*N, *spatial) convolved with grad as the kernel
    (O, N, *out), stride and dilation swapped, gives (C/G, O, *k') with k' >= k; cropped and transposed.
    """
    stride, padding, dilation, groups = geometry
    nd = x.ndim - 2
    widths = [width for pair in reversed(padding) for width in pair]
    if any(widths):
        x = pad(x, widths)
    n, channels, spatial = x.shape[0], x.shape[1], x.shape[2:]
    moved = permute(reshape(x, (n, groups, channels // groups, *spatial)), (2, 1, 0, *range(3, 3 + nd)))
    moved = reshape(moved, (channels // groups, groups * n, *spatial))
    result = _conv(moved, transpose(grad, 0, 1), None, (dilation, ((0, 0),) * nd, stride, groups))
    if result.shape[2:] != tuple(kernel):
        result = getitem(result, (..., *(slice(0, k) for k in kernel)))
    return transpose(result, 0, 1)


# -- the public functions: argument checks, then one op ---------------------------------------------------
_LAYOUTS = {1: ("(C, L)", "(N, C, L)", "kL"), 2: ("(C, H, W)", "(N, C, H, W)", "kH, kW")}


def _check_operands(op: str, nd: int, input: Any, weight: Any, bias: Any, groups: Any, transposed: bool) -> None:
    """Types, device and dtype, ranks, groups, channel counts and the bias' shape, in the user's terms."""
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    _checks.check_pair(input, weight, op)
    if bias is not None:
        _checks.check_pair(input, bias, op)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {backend.dtype_name(input.dtype)}; use .float()")
    unbatched, batched, kernel = _LAYOUTS[nd]
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op} expects a {nd + 1}-D {unbatched} or {nd + 2}-D {batched} input, got shape "
                         f"{input.shape}")
    if weight.ndim != nd + 2:
        layout = "in_channels, out_channels/groups" if transposed else "out_channels, in_channels/groups"
        raise ValueError(f"{op}: weight must be {nd + 2}-D ({layout}, {kernel}), got shape {weight.shape}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if weight.shape[0] % groups:
        which = "in_channels" if transposed else "out_channels"
        raise ValueError(f"{op}: {which} {weight.shape[0]} (weight shape {weight.shape}) must be divisible by "
                         f"groups {groups}")
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    channels = input.shape[input.ndim - nd - 1]
    if channels != expected:
        raise ValueError(f"{op}: expected {expected} input channels, got {channels} (input shape {input.shape}, "
                         f"weight shape {weight.shape})")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},) to match weight {weight.shape}, got "
                         f"{bias.shape}")


def _unbatched_call(input: Tensor, nd: int, run: Any) -> Tensor:
    """`run` on a batched input; an unbatched (C, *spatial) input gets a batch of one, removed again after."""
    if input.ndim == nd + 2:
        return run(input)
    result = run(reshape(input, (1, *input.shape)))
    return reshape(result, result.shape[1:])


def _convolution(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                 padding: Any, dilation: Any, groups: int) -> Tensor:
    _check_operands(op, nd, input, weight, bias, groups, transposed=False)
    stride = _checks.ints(stride, nd, "stride", op, 1)
    dilation = _checks.ints(dilation, nd, "dilation", op, 1)
    kernel = weight.shape[2:]
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions, got stride {stride}")
        # PyTorch's rule: d*(k-1) in total, the odd one after (so an even kernel pads one more at the end)
        totals = [d * (k - 1) if padding == "same" else 0 for k, d in zip(kernel, dilation, strict=True)]
        pairs = tuple((total // 2, total - total // 2) for total in totals)
    else:
        pairs = tuple((p, p) for p in _checks.ints(padding, nd, "padding", op, 0))
    padded = tuple(n + before + after for n, (before, after) in zip(input.shape[-nd:], pairs, strict=True))
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if any(k > n for k, n in zip(dilated, padded, strict=True)):
        raise ValueError(f"{op}: kernel size {dilated} (dilated) is larger than the padded input {padded} (input "
                         f"shape {input.shape}, weight shape {weight.shape})")
    geometry = (stride, pairs, dilation, groups)
    return _unbatched_call(input, nd, lambda batch: _conv(batch, weight, bias, geometry))


def _transposed_convolution(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                            padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    _check_operands(op, nd, input, weight, bias, groups, transposed=True)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of {nd} ints ('same' and 'valid' are for "
                         f"convolutions), got {padding!r}")
    stride = _checks.ints(stride, nd, "stride", op, 1)
    padding = _checks.ints(padding, nd, "padding", op, 0)
    output_padding = _checks.ints(output_padding, nd, "output_padding", op, 0)
    dilation = _checks.ints(dilation, nd, "dilation", op, 1)
    if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation, strict=True)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either stride {stride} or "
                         f"dilation {dilation}")
    out_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                     zip(input.shape[-nd:], stride, padding, dilation, weight.shape[2:], output_padding, strict=True))
    if any(n < 1 for n in out_size):
        raise ValueError(f"{op}: the output size {out_size} is not positive (input shape {input.shape}, weight "
                         f"shape {weight.shape}, stride {stride}, padding {padding}); reduce the padding")
    geometry = (stride, tuple((p, p) for p in padding), dilation, groups)
    return _unbatched_call(input, nd, lambda batch: _conv_transpose(batch, weight, bias, geometry, out_size))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
           padding: int | Sequence[int] | str = 0, dilation: int | Sequence[int] = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as PyTorch's) of (N, C, L) or (C, L) with weight (O, C/groups, kL).

    Example: `conv1d(cr.randn(8, 3, 50), cr.randn(16, 3, 5), padding="same").shape == (8, 16, 50)`.
    """
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
           padding: int | Sequence[int] | str = 0, dilation: int | Sequence[int] = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch's) of (N, C, H, W) or (C, H, W) with weight (O, C/groups, kH, kW).

    padding: ints, 'valid' (none) or 'same' (output size = input size; stride 1 only; where the dilated kernel
    is even, the extra row or column of zeros goes after, as in PyTorch).
    Example: `conv2d(cr.randn(64, 1, 28, 28), cr.randn(32, 1, 3, 3)).shape == (64, 32, 26, 26)`.
    """
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1,
                     padding: int | Sequence[int] = 0, output_padding: int | Sequence[int] = 0, groups: int = 1,
                     dilation: int | Sequence[int] = 1) -> Tensor:
    """Transposed 2-D convolution (conv2d's gradient with respect to its input), weight (C, O/groups, kH, kW).

    Output size per dimension: (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
    Example: `conv_transpose2d(cr.randn(8, 16, 7, 7), cr.randn(16, 8, 4, 4), stride=2, padding=1).shape
    == (8, 8, 14, 14)`.
    """
    return _transposed_convolution("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                                   groups, dilation)

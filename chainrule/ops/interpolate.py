"""Nearest resampling (interpolate, upsample) of the last 1 or 2 (spatial) dimensions of (N, C, *spatial) input.

Output index o along an axis reads input index floor(o * scale): a take along each spatial axis. Its
transpose adds every copy back into its source; both are ops, so gradients of any order exist.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops._checks import is_int
from chainrule.tensor import Tensor


def _take_along(x: Any, indices: Sequence[Any]) -> Any:
    """x at indices[i] along spatial axis i: nearest resampling."""
    xp = backend.array_module(x)
    for axis, index in zip(range(-len(indices), 0), indices, strict=True):
        x = xp.take(x, index, axis=axis)
    return x


def _sum_into_sources(grad: Any, indices: Sequence[Any], sizes: Sequence[int]) -> Any:
    """The transpose of `_take_along`: add each element back to the source it was read from.

    An index is non-decreasing, so source i was read by the outputs first[i] .. first[i] + count[i] - 1; a loop
    over the most reads of one source (about the scale factor) adds them up without scatter-add.
    """
    xp = backend.array_module(grad)
    for axis, index, size in zip(range(-len(indices), 0), indices, sizes, strict=True):
        sources = xp.arange(size)
        first = xp.searchsorted(index, sources)
        count = xp.searchsorted(index, sources, side="right") - first
        total_shape = list(grad.shape)
        total_shape[axis] = size
        total = xp.zeros(total_shape, grad.dtype)
        for read in range(int(count.max())):
            taken = xp.take(grad, xp.minimum(first + read, len(index) - 1), axis=axis)
            total += xp.where((count > read).reshape((size,) + (1,) * (-axis - 1)), taken, 0)
        grad = total
    return grad


class NearestResample(Function):
    """y = x at index_i along each spatial axis i; dy/dx sums the gradient of every copy into its source."""

    def __init__(self, indices, sizes):
        self.indices, self.sizes = indices, sizes

    def forward(self, x):
        return _take_along(x, self.indices)

    def backward(self, grad):
        return _sum_into_sources(grad, self.indices, self.sizes)

    def vjp(self, grad):
        return NearestResampleTranspose(self.indices, self.sizes).apply(grad)


class NearestResampleTranspose(Function):
    """The backward of nearest resampling as an op of its own (for double backward); its transpose is the take."""

    def __init__(self, indices, sizes):
        self.indices, self.sizes = indices, sizes

    def forward(self, grad):
        return _sum_into_sources(grad, self.indices, self.sizes)

    def backward(self, grad):
        return _take_along(grad, self.indices)

    def vjp(self, grad):
        return NearestResample(self.indices, self.sizes).apply(grad)


# -- public functions ----------------------------------------------------------------------------------
def _nearest_index(size: int, out: int, scale_factor: float | None, dtype: Any, xp: Any) -> Any:
    """PyTorch's (CPU) rule: source = min(floor(o * scale), size - 1), scale = 1 / scale_factor when given, else
    size / out, computed in the input's precision (float32 below float64) and rounded to float32 before the floor."""
    compute = xp.float64 if dtype == xp.float64 else xp.float32
    scale = compute(1.0 / scale_factor) if scale_factor else compute(size) / compute(out)
    index = xp.floor((xp.arange(out, dtype=compute) * scale).astype(xp.float32)).astype(xp.int64)
    return xp.minimum(index, size - 1)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of (N, C, L) or (N, C, H, W) input to `size` or by `scale_factor`.

    Only mode='nearest' exists: output index o reads input index floor(o * in / out) (with a scale_factor,
    floor(o / scale_factor), as PyTorch). Example: `interpolate(x, scale_factor=2)` doubles H and W.
    """
    if mode != "nearest":
        raise ValueError(f"interpolate: mode {mode!r} is not supported; chainrule supports mode='nearest'")
    if align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise ValueError("interpolate: anti-alias option is restricted to bilinear and bicubic modes")
    if input.ndim not in (3, 4):
        raise ValueError(f"interpolate: expected a 3D (N, C, L) or 4D (N, C, H, W) input, got {input.ndim}D input "
                         f"of shape {input.shape}; add a batch dimension with unsqueeze(0)")
    dims, spatial = input.ndim - 2, input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined" if size is not None
                         else "interpolate: either size or scale_factor should be defined")
    given, name = (size, "size") if size is not None else (scale_factor, "scale_factor")
    values = tuple(given) if isinstance(given, Sequence) else (given,) * dims
    if len(values) != dims:
        raise ValueError(f"interpolate: input and {name} must have the same number of spatial dimensions, got "
                         f"input of shape {input.shape} ({dims} spatial) and {name}={given!r}")
    if size is not None:
        if not all(map(is_int, values)):
            raise TypeError(f"interpolate: size must be an int or a tuple of {dims} ints, got {size!r}")
        out, factors = values, (None,) * dims
    else:
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0 for v in values):
            raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
        out = tuple(math.floor(n * float(f)) for n, f in zip(spatial, values, strict=True))
        factors = (None,) * dims if recompute_scale_factor else tuple(float(f) for f in values)
    if min(out) <= 0:
        raise ValueError(f"interpolate: output size must be positive, got {out} for input of shape {input.shape}")
    xp = backend.array_module(input._data)
    indices = [_nearest_index(n, o, f, input.dtype, xp) for n, o, f in zip(spatial, out, factors, strict=True)]
    return NearestResample(indices, spatial).apply(input)


def upsample(input: Tensor, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """The older name of `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)

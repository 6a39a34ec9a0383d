"""Ops that order values: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, quantile, nanquantile.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.

All of them work the same way: the order of the values, or the position of the wanted one in it, is found on
the arrays as integer indices (no gradient); the values are then the input's entries at those indices, an
integer-array getitem (`take_along`), whose backward scatters the gradient back to the selected positions at
any order of differentiation. quantile interpolates between two selected entries with constant weights.

Orders come from a stable sort with NaN after every number (first when descending), as PyTorch. Among equal
values, sort(stable=True) and mode follow PyTorch's definition (original order; mode's last occurrence);
where PyTorch leaves the choice open (topk, kthvalue, median, sort without stable, nanmedian of an all-NaN
slice), the earliest in the stable order is taken, which may differ from PyTorch's index but not its value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from chainrule import backend
from chainrule.ops import _checks
from chainrule.ops.scans import scan, take_along
from chainrule.tensor import Tensor, _wrap

__all__: list[str] = [
    "argsort", "kthvalue", "median", "mode", "msort", "nanmedian", "nanquantile", "quantile", "sort", "topk",
]


class SortResult(NamedTuple):
    """sort's sorted values and their indices in the input, as torch.return_types.sort."""

    values: Tensor
    indices: Tensor


class TopKResult(NamedTuple):
    """topk's values and their indices in the input, as torch.return_types.topk."""

    values: Tensor
    indices: Tensor


class KthValueResult(NamedTuple):
    """kthvalue's values and their indices in the input, as torch.return_types.kthvalue."""

    values: Tensor
    indices: Tensor


class MedianResult(NamedTuple):
    """median's (and nanmedian's) values and their indices along dim, as torch.return_types.median."""

    values: Tensor
    indices: Tensor


class ModeResult(NamedTuple):
    """mode's most frequent values and the index of their last occurrence, as torch.return_types.mode."""

    values: Tensor
    indices: Tensor


# -- helpers -------------------------------------------------------------------------------------------
def _order(array: Any, axis: int, descending: bool = False) -> Any:
    """Stable sorting indices (int64) along `axis`: NaN last ascending and first descending, as PyTorch.

    Descending sorts the reversed array ascending and reverses the result: equal values keep their order.
    """
    xp = backend.array_module(array)
    if not descending:
        return xp.argsort(array, axis=axis, kind="stable").astype(backend.int64, copy=False)
    reversed_order = xp.argsort(xp.flip(array, axis), axis=axis, kind="stable").astype(backend.int64, copy=False)
    return (array.shape[axis] - 1) - xp.flip(reversed_order, axis)


def _vector(input: Tensor, dim: Any, op: str) -> tuple[Tensor, int]:
    """The tensor to order (a 0-d input as one element) and the checked axis."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    axis = _checks.normalize_dim(dim, input.ndim, op)
    return (input.reshape(1) if input.ndim == 0 else input), axis


def _check_nonempty(x: Tensor, axis: int, op: str) -> None:
    if x.shape[axis] == 0:
        raise IndexError(f"{op}: dimension {axis} of the input (shape {x.shape}) is empty; it has no {op}")


def _check_k(k: Any, lowest: int, size: int, dim: Any, op: str) -> None:
    if not _checks.is_int(k):
        raise TypeError(f"{op}: k must be an int, got {type(k).__name__} {k!r}")
    if not lowest <= k <= size:
        raise RuntimeError(f"{op}: k={k} is out of range for dimension {dim} of size {size}; "
                           f"expected {lowest} to {size}")


def _kept_shape(shape: tuple, axis: int) -> tuple:
    return (*shape[:axis], 1, *shape[axis + 1:])


def _nan_count(array: Any, axis: int) -> Any:
    xp = backend.array_module(array)
    if array.dtype.kind != "f":
        return xp.zeros(_kept_shape(array.shape, axis), dtype=backend.int64)
    return xp.isnan(array).sum(axis=axis, keepdims=True)


def _at_positions(input: Tensor, x: Tensor, order: Any, positions: Any, axis: int, keepdim: bool,
                  result: type) -> Any:
    """(values, indices) of the entries at `positions` of the sorted `order` (an array whose `axis` has size 1)."""
    xp = backend.array_module(order)
    indices = xp.take_along_axis(order, positions.astype(backend.int64, copy=False), axis=axis)
    values = take_along(x, indices, axis)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    elif not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return result(values, _wrap(indices, False, None))


def _sorted(input: Tensor, dim: int, descending: bool, op: str) -> tuple[Tensor, Any]:
    """(values, indices) of `input` sorted along `dim`, shaped as the input."""
    x, axis = _vector(input, dim, op)
    indices = _order(x._data, axis, descending)
    values = take_along(x, indices, axis)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return values, indices


# -- sorting -------------------------------------------------------------------------------------------
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> SortResult:
    """Values sorted along `dim` and their indices; the gradient goes back to where each value came from.

    The sort is always stable (equal values keep their order); NaN counts as larger than every number.

    >>> chainrule.sort(chainrule.tensor([3.0, 1.0, 2.0]))
    SortResult(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    values, indices = _sorted(input, dim, descending, "sort")
    return SortResult(values, _wrap(indices, False, None))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort `input` along `dim` (int64, stable); no gradient."""
    x, axis = _vector(input, dim, "argsort")
    indices = _order(x._data, axis, descending)
    return _wrap(indices.reshape(()) if input.ndim == 0 else indices, False, None)


def msort(input: Tensor) -> Tensor:
    """`input` sorted along its first dimension (sort(input, 0).values)."""
    return _sorted(input, 0, False, "msort")[0]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:
    """The `k` largest (or smallest) values along `dim`, in order, and their indices.

    >>> chainrule.topk(chainrule.tensor([1.0, 4.0, 2.0]), 2)
    TopKResult(values=tensor([4., 2.]), indices=tensor([1, 2]))
    """
    x, axis = _vector(input, dim, "topk")
    _check_k(k, 0, x.shape[axis], dim, "topk")
    indices = _order(x._data, axis, descending=largest)[(slice(None),) * axis + (slice(0, k),)]
    values = take_along(x, indices, axis)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return TopKResult(values, _wrap(indices, False, None))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthValueResult:
    """The k-th smallest value along `dim` (k counts from 1) and its index."""
    x, axis = _vector(input, dim, "kthvalue")
    _check_nonempty(x, axis, "kthvalue")
    _check_k(k, 1, x.shape[axis], dim, "kthvalue")
    order = _order(x._data, axis)
    positions = backend.array_module(order).full(_kept_shape(x.shape, axis), k - 1, dtype=backend.int64)
    return _at_positions(input, x, order, positions, axis, keepdim, KthValueResult)


# -- medians and modes -----------------------------------------------------------------------------------
def _median_position(data: Any, axis: int, skip_nan: bool) -> Any:
    """Where the median sits in the sorted order: the lower of the two middle values; with NaN in a slice,
    the first NaN (median) or the median of the others (nanmedian, index 0 if all are NaN)."""
    xp = backend.array_module(data)
    size = data.shape[axis]
    nans = _nan_count(data, axis)
    if skip_nan:
        return xp.maximum(size - nans - 1, 0) // 2
    return xp.where(nans > 0, size - nans, (size - 1) // 2)


def _median(input: Tensor, dim: Any, keepdim: bool, op: str) -> Any:
    skip_nan = op == "nanmedian"
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:
            if input.dtype.kind != "f":
                raise RuntimeError(f"{op}: the tensor is empty (shape {input.shape}); it has no median")
            return _wrap(backend.array_module(input._data).full((), math.nan, dtype=input.dtype), False, None)
        order = _order(flat._data, 0)
        position = _median_position(flat._data, 0, skip_nan)
        return take_along(flat, order[position], 0).reshape(())
    x, axis = _vector(input, dim, op)
    _check_nonempty(x, axis, op)
    order = _order(x._data, axis)
    positions = _median_position(x._data, axis, skip_nan)
    return _at_positions(input, x, order, positions, axis, keepdim, MedianResult)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median (the lower of the two middle values, NaN if there is one), or with `dim` (values, indices).

    >>> chainrule.median(chainrule.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    """
    return _median(input, dim, keepdim, "median")


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """median ignoring NaN (NaN only where every value is), or with `dim` (values, indices)."""
    return _median(input, dim, keepdim, "nanmedian")


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:
    """The most frequent value along `dim` (the smallest of equally frequent ones) and the index of its last
    occurrence, as PyTorch; the gradient goes to that index."""
    x, axis = _vector(input, dim, "mode")
    _check_nonempty(x, axis, "mode")
    data = x._data
    xp = backend.array_module(data)
    size = data.shape[axis]
    order = _order(data, axis)
    ordered = xp.take_along_axis(data, order, axis=axis)
    previous = ordered[(slice(None),) * axis + (slice(0, size - 1),)]
    current = ordered[(slice(None),) * axis + (slice(1, size),)]
    starts = current != previous
    if data.dtype.kind == "f":
        starts &= ~(xp.isnan(current) & xp.isnan(previous))  # NaNs count as one value
    starts = xp.concatenate([xp.ones(_kept_shape(data.shape, axis), dtype=bool), starts], axis=axis)
    positions = xp.arange(size, dtype=backend.int64).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    run_start = scan(xp.maximum, xp.where(starts, positions, 0), axis)
    # counts grow along each run of equal values: the first maximum ends the run of the smallest mode value,
    # and the stable order puts its last occurrence there
    last = xp.argmax(positions - run_start, axis=axis, keepdims=True)
    return _at_positions(input, x, order, last, axis, keepdim, ModeResult)


# -- quantiles -------------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_levels(q: Any, input: Tensor, op: str) -> tuple[Any, bool]:
    """q as a 1-D array in the input's dtype, and whether it was a scalar (no q dimension in the result)."""
    xp = backend.array_module(input._data)
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}: q must be a scalar or a 1-D tensor, got shape {q.shape}")
        if q.dtype != input.dtype:
            raise TypeError(f"{op}: q has dtype {backend.dtype_name(q.dtype)} but the input has "
                            f"{backend.dtype_name(input.dtype)}; convert q with .to({backend.dtype_name(input.dtype)})")
        levels, scalar = q._data.reshape(-1), q.ndim == 0
    elif isinstance(q, int | float) and not isinstance(q, bool):
        levels, scalar = xp.asarray([q], dtype=input.dtype), True
    else:
        raise TypeError(f"{op}: q must be a float or a Tensor, got {type(q).__name__}")
    if levels.size and not bool(((levels >= 0) & (levels <= 1)).all()):
        raise ValueError(f"{op}: q values must be in the range [0, 1], got {q!r}")
    return levels, scalar


def _quantile(input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str, op: str) -> Tensor:
    _checks.check_float_input(input, op)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}")
    levels, scalar = _quantile_levels(q, input, op)
    if input._data.size == 0:
        raise RuntimeError(f"{op}: the input is empty (shape {input.shape}); it has no quantiles")
    if dim is None:
        x, axis = input.reshape(-1), 0
        shape = (1,) * input.ndim if keepdim else ()
    else:
        x, axis = _vector(input, dim, op)
        if input.ndim == 0:
            shape = ()
        else:
            shape = _kept_shape(input.shape, axis) if keepdim else input.shape[:axis] + input.shape[axis + 1:]
    data = x._data
    xp = backend.array_module(data)
    size = data.shape[axis]
    nans = _nan_count(data, axis)
    # ranks in the sorted order, one row per level: (levels, ...x's shape with axis as 1), in the input's dtype
    levels = levels.reshape((-1,) + (1,) * data.ndim)
    if op == "nanquantile":
        ranks = xp.maximum(levels * (size - nans - 1).astype(data.dtype), 0)
    else:
        ranks = xp.where(nans > 0, data.dtype.type(size - 1), levels * data.dtype.type(size - 1))
    below, above = xp.floor(ranks), xp.ceil(ranks)
    if interpolation == "nearest":
        below = above = xp.round(ranks)
    elif interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    order = _order(data, axis)[None]
    low = take_along(x, xp.take_along_axis(order, below.astype(backend.int64), axis=axis + 1), axis)
    result = low
    if interpolation in ("linear", "midpoint"):
        high = take_along(x, xp.take_along_axis(order, above.astype(backend.int64), axis=axis + 1), axis)
        weight = ranks - below if interpolation == "linear" else xp.full_like(ranks, 0.5)
        result = low + _wrap(weight, False, None) * (high - low)
    return result.reshape((levels.shape[0], *shape) if not scalar else shape)


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along `dim` (of all elements when None): q a float or a 1-D tensor in [0, 1], whose
    dimension comes first in the result. Between two sorted values, `interpolation` picks 'linear',
    'lower', 'higher', 'midpoint' or 'nearest'; the gradient flows to both with the interpolation weights.

    >>> chainrule.quantile(chainrule.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    """
    return _quantile(input, q, dim, keepdim, interpolation, "quantile")


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile ignoring NaN (NaN only where every value is)."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile")


METHODS: dict[str, Callable[..., Any]] = {
    "argsort": argsort, "kthvalue": kthvalue, "median": median, "mode": mode, "msort": msort,
    "nanmedian": nanmedian, "nanquantile": nanquantile, "quantile": quantile, "sort": sort, "topk": topk,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({"argsort"})

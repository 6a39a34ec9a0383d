"""Reductions and scans beyond sum/mean/max: prod, cumulative sums and products, cummax/cummin,
logcumsumexp, std_mean/var_mean, count_nonzero.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.

A scan's backward runs a scan the other way, from the end of the dimension: flips are negative-step slices
and shifts concatenate a constant edge (`_shifted`), so each derivative is written once for arrays and
Tensors. Products never divide by the input: prod and cumprod have exact gradients where it has zeros.
cummax/cummin select entries, so their values are an integer-array getitem of the input (`take_along`),
whose backward scatter-adds the gradient to the selected positions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.indexing import getitem
from chainrule.ops.reduction import mean, std, var
from chainrule.ops.shape import cast, cat
from chainrule.tensor import Tensor, _wrap

__all__: list[str] = [
    "count_nonzero", "cummax", "cummin", "cumprod", "cumsum", "logcumsumexp", "prod", "std_mean", "var_mean",
]


# -- helpers (scan and take_along serve sorting.py too) -----------------------------------------------
def _along(axis: int, part: slice) -> tuple:
    """An index applying `part` to dimension `axis` and taking all of the dimensions before it."""
    return (slice(None),) * axis + (part,)


def _flip(a: Any, axis: int) -> Any:
    """`a` reversed along `axis`: a negative-step slice, which arrays and Tensors both have."""
    return a[_along(axis, slice(None, None, -1))]


def _extended(a: Any, axis: int, count: int, fill: float, at_start: bool) -> Any:
    """`a` with `count` slices of `fill` put before it (at_start) or after it along `axis`."""
    edge_shape = (*a.shape[:axis], count, *a.shape[axis + 1:])
    if a.__class__ is Tensor:
        edge = _wrap(backend.array_module(a._data).full(edge_shape, fill, dtype=a.dtype), False, None)
        return cat([edge, a] if at_start else [a, edge], axis)
    xp = backend.array_module(a)
    edge = xp.full(edge_shape, fill, dtype=a.dtype)
    return xp.concatenate([edge, a] if at_start else [a, edge], axis=axis)


def _shifted(a: Any, axis: int, by: int, fill: float) -> Any:
    """`a` moved `by` places along `axis` (toward the end for by > 0, the start for by < 0), the places left
    empty set to `fill`: `_shifted([a, b, c], 0, 1, 1)` is [1, a, b]."""
    size = a.shape[axis]
    by = max(-size, min(size, by))
    kept = a[_along(axis, slice(0, size - by) if by >= 0 else slice(-by, size))]
    return _extended(kept, axis, abs(by), fill, at_start=by >= 0)


def _exp(a: Any) -> Any:
    """exp of an array or a Tensor (arrays have no .exp())."""
    return a.exp() if a.__class__ is Tensor else backend.array_module(a).exp(a)


def _reverse_linear_scan(coefficient: Any, value: Any, axis: int) -> Any:
    """s with s_i = value_i + coefficient_i * s_{i+1} along `axis` (s = 0 past the end), by doubling: after
    the step of span m, s_i = value_i + coefficient_i * s_{i+m}. log2(n) steps of products and sums, no
    division, so it stays exact (and differentiable) where the coefficients are 0."""
    size = value.shape[axis]
    span = 1
    while span < size:
        value = value + coefficient * _shifted(value, axis, -span, 0)
        if 2 * span < size:
            coefficient = coefficient * _shifted(coefficient, axis, -span, 0)
        span *= 2
    return value


def scan(combine: Callable[[Any, Any], Any], array: Any, axis: int) -> Any:
    """Inclusive scan of an associative ufunc (xp.maximum, xp.logaddexp) along `axis` of an array, by
    doubling: log2(n) vectorized steps (CuPy has ufunc.accumulate only for add and multiply)."""
    result = array.copy()
    size = array.shape[axis]
    span = 1
    while span < size:
        later = _along(axis, slice(span, None))
        result[later] = combine(result[later], result[_along(axis, slice(0, size - span))])
        span *= 2
    return result


def take_along(input: Tensor, indices: Any, axis: int) -> Tensor:
    """The entries of `input` at integer array `indices` along `axis`, as numpy.take_along_axis (`indices`
    may have extra leading dimensions, which broadcast): a getitem, so that the gradient scatter-adds back to
    the selected positions."""
    xp = backend.array_module(indices)
    lead = indices.ndim - input.ndim
    index = []
    for dim in range(input.ndim):
        if dim == axis:
            index.append(indices)
        else:
            shape = [1] * indices.ndim
            shape[lead + dim] = input.shape[dim]
            index.append(xp.arange(input.shape[dim]).reshape(shape))
    return getitem(input, tuple(index))


def _unreduced(grad: Any, ndim: int, axis: int | None, keepdim: bool) -> Any:
    """The gradient of a reduction reshaped so that it broadcasts against the input again."""
    if axis is None:
        return grad.reshape((1,) * ndim)
    if keepdim:
        return grad
    return grad.reshape((*grad.shape[:axis], 1, *grad.shape[axis:]))


# -- ops ---------------------------------------------------------------------------------------------
class Prod(Function):
    """d/dx_i prod(x) = prod_{j != i} x_j: the products before and after i, from two cumulative products.

    No division, so exact with zeros: one zero gets the product of the others, and with two every gradient is 0.
    """

    saves_inputs = True

    def __init__(self, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim

    def forward(self, x):
        return x.prod(axis=self.axis, keepdims=self.keepdim)

    def backward(self, grad):
        (x,) = self.inputs
        shape, axis = x.shape, self.axis
        if axis is None:
            x, axis = x.reshape(-1), 0
        before = _shifted(x.cumprod(axis), axis, 1, 1)
        after = _flip(_shifted(_flip(x, axis).cumprod(axis), axis, 1, 1), axis)
        return _unreduced(grad, len(shape), self.axis, self.keepdim) * (before * after).reshape(shape)


class CumSum(Function):
    """d/dx_i of sum_k g_k cumsum(x)_k = sum_{k >= i} g_k: the upstream gradient summed from the end."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return backend.array_module(x).cumsum(x, axis=self.axis)

    def backward(self, grad):
        return _flip(_flip(grad, self.axis).cumsum(self.axis), self.axis)


class CumProd(Function):
    """d/dx_i of sum_k g_k cumprod(x)_k = cumprod(x)_{i-1} s_i, with s_i = g_i + x_{i+1} s_{i+1}.

    The recurrence runs as a reverse scan without division, so the gradient is exact where x has zeros, and
    so are its own derivatives.
    """

    saves_inputs = True
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return backend.array_module(x).cumprod(x, axis=self.axis)

    def backward(self, grad):
        (x,) = self.inputs
        following = _reverse_linear_scan(_shifted(x, self.axis, -1, 0), grad, self.axis)
        return _shifted(self.output, self.axis, 1, 1) * following


class LogCumSumExp(Function):
    """d/dx_j of sum_k g_k logcumsumexp(x)_k = sum_{k >= j} g_k exp(x_j - out_k) = exp(x_j - out_j) s_j.

    s_j = g_j + exp(out_j - out_{j+1}) s_{j+1} runs as a reverse scan; out never decreases, so every weight
    is in [0, 1] and nothing overflows, however wide the range of x.
    """

    saves_inputs = True
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return scan(backend.array_module(x).logaddexp, x, self.axis)

    def backward(self, grad):
        (x,) = self.inputs
        out = self.output
        size = out.shape[self.axis]
        with backend._errstate(backend.array_module(grad)):  # -inf - (-inf): NaN, as PyTorch, without a warning
            gaps = out[_along(self.axis, slice(0, size - 1))] - out[_along(self.axis, slice(1, size))]
            decay = _extended(_exp(gaps), self.axis, 1, 0, at_start=False)  # exp(out_j - out_{j+1}), then 0
            return _exp(x - out) * _reverse_linear_scan(decay, grad, self.axis)


# -- public functions ------------------------------------------------------------------------------
class CumMaxResult(NamedTuple):
    """`cummax` and `cummin` return the running values and their indices, as torch.return_types.cummax."""

    values: Tensor
    indices: Tensor


def _check_tensor(input: Any, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")


def _integral_to_int64(input: Tensor, dtype: Any) -> Tensor:
    """`input` cast to `dtype`, or integer and bool tensors to int64 (sums and products of them, as PyTorch)."""
    target = backend.to_dtype(dtype) if dtype is not None else None
    if target is None and input.dtype.kind in "biu":
        target = backend.int64
    return cast(input, target) if target is not None and target != input.dtype else input


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of all elements, or along `dim`; the gradient is exact with zeros (no division by the input).

    >>> chainrule.tensor([[1.0, 2.0], [3.0, 0.0]]).prod(1)
    tensor([2., 0.])
    """
    _check_tensor(input, "prod")
    axis = None if dim is None else _checks.normalize_dim(dim, input.ndim, "prod")
    input = _integral_to_int64(input, dtype)
    if input.ndim == 0:
        axis = None
    return Prod(axis, keepdim and axis is not None).apply(input)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along `dim`; integer tensors sum in int64 unless `dtype` says otherwise.

    >>> chainrule.cumsum(chainrule.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 3., 6.])
    """
    _check_tensor(input, "cumsum")
    axis = _checks.normalize_dim(dim, input.ndim, "cumsum")
    input = _integral_to_int64(input, dtype)
    if input.ndim == 0:
        return CumSum(0).apply(input.reshape(1)).reshape(())
    return CumSum(axis).apply(input)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along `dim`, with a gradient that is exact where the input has zeros."""
    _check_tensor(input, "cumprod")
    axis = _checks.normalize_dim(dim, input.ndim, "cumprod")
    input = _integral_to_int64(input, dtype)
    if input.ndim == 0:
        return CumProd(0).apply(input.reshape(1)).reshape(())
    return CumProd(axis).apply(input)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along `dim`, stable for any range of values (a scan of logaddexp)."""
    _checks.check_float_input(input, "logcumsumexp")
    axis = _checks.normalize_dim(dim, input.ndim, "logcumsumexp")
    if input.ndim == 0:
        return LogCumSumExp(0).apply(input.reshape(1)).reshape(())
    return LogCumSumExp(axis).apply(input)


def _running_extreme(input: Tensor, dim: int, op: str) -> CumMaxResult:
    """cummax/cummin: the index of each running extreme is the last position so far that holds it (ties go
    to the later index, and a NaN, once seen, is the extreme from then on), as PyTorch."""
    _check_tensor(input, op)
    axis = _checks.normalize_dim(dim, input.ndim, op)
    vector = input.reshape(1) if input.ndim == 0 else input
    data = vector._data
    xp = backend.array_module(data)
    running = scan(xp.maximum if op == "cummax" else xp.minimum, data, axis)
    holds = data == running
    if data.dtype.kind == "f":
        holds |= xp.isnan(data)
    positions = xp.arange(data.shape[axis], dtype=backend.int64).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    indices = scan(xp.maximum, xp.where(holds, positions, 0), axis)
    values = take_along(vector, indices, axis)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return CumMaxResult(values, _wrap(indices, False, None))


def cummax(input: Tensor, dim: int) -> CumMaxResult:
    """Running maximum along `dim` and the index where each was found; the gradient goes to those indices.

    >>> chainrule.cummax(chainrule.tensor([1.0, 3.0, 2.0, 3.0]), 0).indices
    tensor([0, 1, 1, 3])
    """
    return _running_extreme(input, dim, "cummax")


def cummin(input: Tensor, dim: int) -> CumMaxResult:
    """Running minimum along `dim` and the index where each was found; the gradient goes to those indices."""
    return _running_extreme(input, dim, "cummin")


def _unbiased_as_first(dim: Any, unbiased: bool | None) -> tuple[Any, bool | None]:
    """PyTorch's `std_mean(x, True)`: a bool in place of dim is `unbiased`."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError("std_mean/var_mean: got a bool for dim and unbiased too; pass dim=... or unbiased=...")
        return None, dim
    return dim, unbiased


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over `dim`, std dividing by n - correction (correction=1 by default, as PyTorch)."""
    dim, unbiased = _unbiased_as_first(dim, unbiased)
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over `dim`, var dividing by n - correction (correction=1 by default, as PyTorch)."""
    dim, unbiased = _unbiased_as_first(dim, unbiased)
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """Number of nonzero elements (over `dim`, an int or a tuple of ints), as an int64 tensor; no gradient."""
    _check_tensor(input, "count_nonzero")
    axes = _checks.normalize_dims(dim, input.ndim, "count_nonzero")
    xp = backend.array_module(input._data)
    count = xp.count_nonzero(input._data, axis=axes if input.ndim else None)
    return _wrap(xp.asarray(count, dtype=backend.int64), False, None)


def _scan_in_place(input: Tensor, dim: int, dtype: Any, function: Callable[..., Tensor], what: str) -> Tensor:
    input._check_inplace(what)
    input._data[...] = function(input.detach(), dim, dtype=dtype)._data
    input._bump_version()
    return input


def cumsum_(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """cumsum along `dim`, written into `input` (outside autograd, as the other in-place methods)."""
    return _scan_in_place(input, dim, dtype, cumsum, "cumsum_()")


def cumprod_(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """cumprod along `dim`, written into `input` (outside autograd, as the other in-place methods)."""
    return _scan_in_place(input, dim, dtype, cumprod, "cumprod_()")


METHODS: dict[str, Callable[..., Any]] = {
    "count_nonzero": count_nonzero, "cummax": cummax, "cummin": cummin, "cumprod": cumprod, "cumprod_": cumprod_,
    "cumsum": cumsum, "cumsum_": cumsum_, "logcumsumexp": logcumsumexp, "prod": prod,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({"count_nonzero"})

"""Reductions: sum, mean, max/min, var/std, logsumexp, and the index/boolean reductions without gradient.

Every backward first puts the reduced axes back as size-1 dimensions (`_keep`), then broadcasts.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

from chainrule import backend
from chainrule.autograd.function import Function, broadcast_to, sum_to
from chainrule.backend import _errstate
from chainrule.ops import _checks, _numerics
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor, _wrap


def _keep(grad: Any, shape: tuple, axes: tuple | None, keepdim: bool) -> Any:
    """`grad` of a reduction, reshaped so that it broadcasts against the input again."""
    if keepdim or not shape:
        return grad
    if axes is None:
        return grad.reshape((1,) * len(shape))
    kept = list(grad.shape)
    for axis in axes:
        kept.insert(axis, 1)
    return grad.reshape(tuple(kept))


def _count(shape: tuple, axes: tuple | None) -> int:
    count = 1
    for axis, size in enumerate(shape):
        if axes is None or axis in axes:
            count *= size
    return count


class Sum(Function):
    """d/dx sum(x) = 1 for every summed element."""

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    def backward(self, grad):
        return broadcast_to(_keep(grad, self.shape, self.axes, self.keepdim), self.shape)


class Mean(Function):
    """d/dx mean(x) = 1 / n for every averaged element."""

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        self.shape = x.shape
        self.count = _count(x.shape, self.axes)
        return x.mean(axis=self.axes, keepdims=self.keepdim)

    def backward(self, grad):
        return broadcast_to(_keep(grad / self.count, self.shape, self.axes, self.keepdim), self.shape)


class SumTo(Function):
    """Sum over broadcast axes down to `shape`; its gradient broadcasts back."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return sum_to(x, self.shape)

    def backward(self, grad):
        return broadcast_to(grad, self.input_shape)


class Amax(Function):
    """d max(x) goes to the maximal elements, split evenly between ties (PyTorch's amax/max())."""

    def __init__(self, axes, keepdim, smallest=False):
        self.axes, self.keepdim, self.smallest = axes, keepdim, smallest

    def forward(self, x):
        reduce = x.min if self.smallest else x.max
        result = reduce(axis=self.axes, keepdims=True)
        mask = (x == result).astype(x.dtype)
        self.weights = backend.array_module(x).asarray(mask / mask.sum(axis=self.axes, keepdims=True))
        return result if self.keepdim else result.reshape(_reduced_shape(x.shape, self.axes))

    def backward(self, grad):
        return _keep(grad, self.weights.shape, self.axes, self.keepdim) * self.weights


class MaxDim(Function):
    """max(x, dim) values: the gradient goes to the selected index of each slice."""

    def __init__(self, axis, keepdim, smallest=False):
        self.axis, self.keepdim, self.smallest = axis, keepdim, smallest

    def forward(self, x):
        xp = backend.array_module(x)
        find = xp.argmin if self.smallest else xp.argmax
        self.indices = find(x, axis=self.axis, keepdims=True)
        values = xp.take_along_axis(x, self.indices, axis=self.axis)
        self.shape = x.shape
        return values if self.keepdim else values.squeeze(self.axis)

    def _one_hot(self, dtype):
        xp = backend.array_module(self.indices)
        positions = xp.arange(self.shape[self.axis]).reshape(
            (-1,) + (1,) * (len(self.shape) - self.axis - 1)
        )
        return (positions == self.indices).astype(dtype)

    def backward(self, grad):
        grad = grad if self.keepdim else grad.reshape(self.indices.shape)  # the reduced axis back, as size 1
        return grad * self._one_hot(grad.dtype)


class Var(Function):
    """d var(x)/dx = 2 (x - mean(x)) / (n - correction)."""

    saves_inputs = True

    def __init__(self, axes, correction, keepdim):
        self.axes, self.correction, self.keepdim = axes, correction, keepdim

    def forward(self, x):
        self.divisor = builtins.max(_count(x.shape, self.axes) - self.correction, 0)
        self.centered = x - x.mean(axis=self.axes, keepdims=True)
        squares = (self.centered * self.centered).sum(axis=self.axes, keepdims=self.keepdim)
        xp = backend.array_module(x)
        with _errstate(xp):
            return squares / self.divisor

    def _scale(self) -> float:
        return 2.0 / self.divisor if self.divisor else math.inf  # n <= correction: NaN gradients, as PyTorch

    def backward(self, grad):
        grad = _keep(grad, self.centered.shape, self.axes, self.keepdim)
        return grad * self.centered * self._scale()

    def vjp(self, grad):
        (x,) = self.input_tensors()
        grad = _keep(grad, x.shape, self.axes, self.keepdim)
        centered = x - x.mean(self.axes, keepdim=True)
        return grad * centered * self._scale()


class Std(Var):
    """d std(x)/dx = (x - mean(x)) / ((n - correction) std(x)), taken as 0 where std is 0 (as PyTorch)."""

    saves_output = True

    def forward(self, x):
        variance = super().forward(x)
        return backend.array_module(variance).sqrt(variance)

    def backward(self, grad):
        xp = backend.array_module(grad)
        kept = _keep(self.output, self.centered.shape, self.axes, self.keepdim)
        grad = _keep(grad, self.centered.shape, self.axes, self.keepdim)
        with _errstate(xp):
            result = grad * self.centered * (self._scale() / 2) / kept
        return xp.where(kept == 0, 0, result).astype(result.dtype, copy=False)

    def vjp(self, grad):
        (x,) = self.input_tensors()
        kept = _keep(self.output_tensor(), x.shape, self.axes, self.keepdim)
        zero = _wrap(kept._data == 0, False, None)
        safe = where(zero, 1.0, kept)  # no division by zero anywhere, so no NaN leaks into 2nd derivatives
        grad = _keep(grad, x.shape, self.axes, self.keepdim)
        centered = x - x.mean(self.axes, keepdim=True)
        return where(zero, 0.0, grad * centered * (self._scale() / 2) / safe)


class LogSumExp(Function):
    """d/dx log(sum(exp(x))) = softmax(x); computed after subtracting the max, so it never overflows."""

    saves_inputs = True
    saves_output = True

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        result = _numerics.logsumexp(x, self.axes)
        return result if self.keepdim else result.reshape(_reduced_shape(x.shape, self.axes))

    def backward(self, grad):
        x = self.inputs[0]
        xp = backend.array_module(x)
        kept = _keep(self.output, x.shape, self.axes, self.keepdim)
        return _keep(grad, x.shape, self.axes, self.keepdim) * xp.exp(x - kept)

    def vjp(self, grad):
        (x,) = self.input_tensors()
        kept = _keep(self.output_tensor(), x.shape, self.axes, self.keepdim)
        return _keep(grad, x.shape, self.axes, self.keepdim) * (x - kept).exp()


def _reduced_shape(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return ()
    return tuple(size for axis, size in enumerate(shape) if axis not in axes)


# -- public functions ------------------------------------------------------------------------------
class MaxResult(NamedTuple):
    """`max(x, dim)` returns the values and their indices, as PyTorch's `torch.return_types.max`."""

    values: Tensor
    indices: Tensor


def _axes(input: Tensor, dim: Any, op: str) -> tuple | None:
    axes = _checks.normalize_dims(dim, input.ndim, op)
    return None if input.ndim == 0 else axes


def _need_float(input: Tensor, op: str) -> None:
    if input._data.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; use .float()")


def sum(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Sum over `dim` (an int, a tuple of ints, or None for all dimensions)."""
    return Sum(_axes(input, dim, "sum"), keepdim).apply(input)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Average over `dim` (an int, a tuple of ints, or None for all dimensions)."""
    _need_float(input, "mean")
    return Mean(_axes(input, dim, "mean"), keepdim).apply(input)


def sum_to_size(input: Tensor, shape: tuple) -> Tensor:
    """Sum broadcast dimensions away so that the result has `shape` (which must broadcast to input's)."""
    shape = tuple(shape)
    if shape == input.shape:
        return input
    lead = input.ndim - len(shape)
    if lead < 0 or builtins.any(s not in (1, n) for s, n in zip(shape, input.shape[lead:], strict=True)):
        raise ValueError(f"sum_to_size: shape {shape} does not broadcast to the tensor's shape {input.shape}")
    return SumTo(shape).apply(input)


def _extreme(input: Tensor, dim: Any, keepdim: bool, smallest: bool) -> Any:
    op = "min" if smallest else "max"
    if input._data.size == 0:
        raise RuntimeError(f"{op}: the tensor is empty (shape {input.shape}); there is no {op}imum")
    if dim is None:
        return Amax(None, False, smallest).apply(input)
    axis = _checks.normalize_dim(dim, input.ndim, op)
    if input.ndim == 0:
        return MaxResult(input, _wrap(backend.array_module(input._data).zeros((), dtype=backend.int64), False, None))
    function = MaxDim(axis, keepdim, smallest)
    values = function.apply(input)
    indices = function.indices if keepdim else function.indices.squeeze(axis)
    return MaxResult(values, _wrap(indices.astype(backend.int64, copy=False), False, None))


def max(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The largest element, or with `dim` the pair (values, indices) along it."""
    return _extreme(input, dim, keepdim, smallest=False)


def min(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The smallest element, or with `dim` the pair (values, indices) along it."""
    return _extreme(input, dim, keepdim, smallest=True)


def amax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Largest values over `dim`; ties share the gradient evenly."""
    return Amax(_axes(input, dim, "amax"), keepdim).apply(input)


def amin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Smallest values over `dim`; ties share the gradient evenly."""
    return Amax(_axes(input, dim, "amin"), keepdim, smallest=True).apply(input)


def _correction(unbiased: bool | None, correction: int | None, op: str) -> int:
    if unbiased is not None and correction is not None:
        raise ValueError(f"{op}: pass either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """Variance over `dim`, dividing by n - correction (correction=1, Bessel's, by default as PyTorch)."""
    _need_float(input, "var")
    return Var(_axes(input, dim, "var"), _correction(unbiased, correction, "var"), keepdim).apply(input)


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """Standard deviation over `dim`: sqrt(var), with a zero gradient where it is 0."""
    _need_float(input, "std")
    return Std(_axes(input, dim, "std"), _correction(unbiased, correction, "std"), keepdim).apply(input)


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over `dim`, stable for large values."""
    _need_float(input, "logsumexp")
    return LogSumExp(_axes(input, dim, "logsumexp"), keepdim).apply(input)


def _arg(input: Tensor, dim: int | None, keepdim: bool, op: str) -> Tensor:
    xp = backend.array_module(input._data)
    if input._data.size == 0:
        raise RuntimeError(f"{op}: the tensor is empty (shape {input.shape})")
    find = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        index = find(input._data)
        result = index.reshape((1,) * input.ndim) if keepdim else xp.asarray(index)
    else:
        axis = _checks.normalize_dim(dim, input.ndim, op)
        result = find(input._data, axis=axis, keepdims=keepdim) if input.ndim else xp.asarray(0)
    return _wrap(xp.asarray(result, dtype=backend.int64), False, None)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when dim is None)."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when dim is None)."""
    return _arg(input, dim, keepdim, "argmin")


def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether any element (along `dim`) is true; no gradient."""
    xp = backend.array_module(input._data)
    return _wrap(xp.asarray(input._data.any(axis=_axes(input, dim, "any"), keepdims=keepdim)), False, None)


def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along `dim`) is true; no gradient."""
    xp = backend.array_module(input._data)
    return _wrap(xp.asarray(input._data.all(axis=_axes(input, dim, "all"), keepdims=keepdim)), False, None)

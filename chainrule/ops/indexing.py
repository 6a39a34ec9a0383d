"""Indexing ops: x[index], index_select, and IndexAdd, the scatter-add that is the backward of both.

Basic indexing (ints, slices, None, ...) returns a view of its input, as in PyTorch, so it shares its
version counter: an in-place change through either is seen by the graph. Integer-array indexing copies,
and its gradient accumulates over repeated indices.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.tensor import Tensor

_BASIC = (int, numpy.integer, slice, type(None), type(Ellipsis))


class GetItem(Function):
    """x[index]: the gradient is scattered back (accumulating over repeated integer indices)."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, grad):
        return _scatter(grad, self.index, self.shape)

    def vjp(self, grad):
        return IndexAdd(self.index, self.shape).apply(grad)


class IndexAdd(Function):
    """zeros(shape) with `grad` added at `index` — the backward of indexing, differentiable itself."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, grad):
        return _scatter(grad, self.index, self.shape)

    def backward(self, grad):
        return grad[self.index]


def _is_basic(index: Any) -> bool:
    if isinstance(index, tuple):
        return builtins.all(isinstance(part, _BASIC) for part in index)
    return isinstance(index, _BASIC)


def _scatter(values: Any, index: Any, shape: tuple) -> Any:
    xp = backend.array_module(values)
    result = xp.zeros(shape, dtype=values.dtype)
    if _is_basic(index) or (hasattr(index, "dtype") and index.dtype == bool):
        result[index] = values  # every position is selected at most once
    else:
        xp.add.at(result, index, values)
    return result

class IndexSelect(Function):
    """Take `indices` along `axis` (repeats allowed); the gradient adds back into those positions."""

    def __init__(self, axis, indices):
        self.axis, self.indices = axis, indices

    def forward(self, x):
        self.shape = x.shape
        return backend.array_module(x).take(x, self.indices, axis=self.axis)

    def _index(self):
        return (slice(None),) * self.axis + (self.indices,)

    def backward(self, grad):
        return _scatter(grad, self._index(), self.shape)

    def vjp(self, grad):
        return IndexAdd(self._index(), self.shape).apply(grad)



# -- public functions ------------------------------------------------------------------------------
def index_arrays(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays (lists become arrays so NumPy reads them as one index)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(index_arrays(part) for part in index)
    if isinstance(index, list) and builtins.any(isinstance(part, Tensor) for part in index):
        return [index_arrays(part) for part in index]
    return index


def split_index(index: Any) -> tuple[Any, Any] | None:
    """PyTorch's reading of an index that mixes integers with integer arrays or masks: the integers select
    first (a view), then the arrays index what is left — `x[0, :, idx]` of a (2, 3, 4) tensor is (3, 2), where
    NumPy, counting the 0 as an array, gives (2, 3). Returns (the basic part, the rest), or None when the index
    needs no split (no integer, or no array)."""
    if not isinstance(index, tuple) or _is_basic(index):
        return None
    if not builtins.any(isinstance(part, int | numpy.integer) and not isinstance(part, bool) for part in index):
        return None
    first, rest = [], []
    for part in index:
        if isinstance(part, int | numpy.integer) and not isinstance(part, bool):
            first.append(part)  # the dimension is gone after the first step
        elif part is None:
            first.append(None)
            rest.append(slice(None))
        elif part is Ellipsis or isinstance(part, slice):
            first.append(part)
            rest.append(part if part is Ellipsis else slice(None))
        else:  # an integer array or a mask, which spans as many dimensions as it has
            width = part.ndim if getattr(part, "dtype", None) is not None and part.dtype == bool else 1
            first.extend([slice(None)] * width)
            rest.append(part)
    return tuple(first), tuple(rest)


def getitem(input: Tensor, index: Any) -> Tensor:
    """input[index] with PyTorch's semantics: ints, slices, None, ..., integer arrays, boolean masks (integers
    mixed with arrays select first, see `split_index`)."""
    index = index_arrays(index)
    split = split_index(index)
    if split is not None:
        return getitem(getitem(input, split[0]), split[1])
    function = GetItem(index)
    function.is_view = _is_basic(index)
    try:
        return function.apply(input)
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {input.shape} with {index!r})") from None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries at integer `index` (1-D) along `dim`; repeated indices accumulate their gradients."""
    axis = _checks.normalize_dim(dim, input.ndim, "index_select")
    indices = index._data if isinstance(index, Tensor) else backend.array_module(input._data).asarray(index)
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        raise TypeError(
            f"index_select: index must be a 1-D integer tensor, got {indices.dtype} of shape {indices.shape}"
        )
    size = input.shape[axis]
    if indices.size and (int(indices.min()) < -size or int(indices.max()) >= size):
        raise IndexError(f"index_select: index out of range for dimension {dim} of size {size}")
    return IndexSelect(axis, indices).apply(input)

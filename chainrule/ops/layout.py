"""Ops that rearrange elements without arithmetic: flip, roll, rot90, tril/triu, diag/diagonal/diag_embed,
narrow, unbind, unflatten, repeat_interleave, meshgrid, tensor_split, movedim, swapdims, Tensor.unfold,
atleast_nd, block_diag, cartesian_prod.

Most are compositions of the shape and indexing ops (slicing, permute, reshape, expand, index_select, cat),
whose gradients are already exact: a slice scatters back, a permutation is undone, repeated indices add up.
Views stay views as in PyTorch (narrow, unbind, movedim, diagonal, unfold share their input's memory and
version counter); flip, roll and the rest copy. Two view ops need their own Function: `Diagonal` (and its
transpose `DiagonalScatter`, which is also diag_embed) and `Unfold` (and `UnfoldTranspose`).

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.
"""

from __future__ import annotations

import builtins
import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.elementwise import where
from chainrule.ops.indexing import IndexSelect, getitem
from chainrule.ops.scatter import _in_place
from chainrule.ops.shape import cast, cat, clone, expand, flatten, pad, permute, reshape, stack, transpose
from chainrule.tensor import Tensor, _wrap


def _as_strided(array: Any, shape: tuple, strides: tuple) -> Any:
    return backend.array_module(array).lib.stride_tricks.as_strided(array, shape, strides)


def _diagonal_view(array: Any, offset: int, axis1: int, axis2: int) -> Any:
    """The diagonal of `array` in the plane (axis1, axis2) as a writeable view, last (NumPy's and PyTorch's
    layout; NumPy's own .diagonal() is read-only)."""
    start1, start2 = (0, offset) if offset >= 0 else (-offset, 0)
    corner = array[tuple(slice(start1, None) if d == axis1 else slice(start2, None) if d == axis2 else slice(None)
                         for d in range(array.ndim))]
    length = builtins.max(0, builtins.min(corner.shape[axis1], corner.shape[axis2]))
    others = [d for d in range(array.ndim) if d not in (axis1, axis2)]
    shape = (*tuple(corner.shape[d] for d in others), length)
    strides = (*tuple(corner.strides[d] for d in others), corner.strides[axis1] + corner.strides[axis2])
    return _as_strided(corner, shape, strides)


def _diagonal_scatter(values: Any, shape: tuple, offset: int, axis1: int, axis2: int) -> Any:
    result = backend.array_module(values).zeros(shape, dtype=values.dtype)
    _diagonal_view(result, offset, axis1, axis2)[...] = values
    return result


class Diagonal(Function):
    """A view of the diagonal in the plane (dim1, dim2); the gradient is scattered onto the diagonal of zeros."""

    is_view = True

    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, x):
        self.shape = x.shape
        return _diagonal_view(x, self.offset, self.axis1, self.axis2)

    def backward(self, grad):
        return _diagonal_scatter(grad, self.shape, self.offset, self.axis1, self.axis2)

    def vjp(self, grad):
        return DiagonalScatter(self.shape, self.offset, self.axis1, self.axis2).apply(grad)


class DiagonalScatter(Function):
    """Zeros of `shape` with the input on the diagonal in the plane (dim1, dim2): diag_embed, and the transpose
    of Diagonal; the gradient is the diagonal of the upstream gradient."""

    def __init__(self, shape, offset, axis1, axis2):
        self.shape, self.offset, self.axis1, self.axis2 = shape, offset, axis1, axis2

    def forward(self, values):
        return _diagonal_scatter(values, self.shape, self.offset, self.axis1, self.axis2)

    def backward(self, grad):
        return grad.diagonal(self.offset, self.axis1, self.axis2)


def _windows(array: Any, axis: int, size: int, step: int) -> Any:
    """Tensor.unfold on an array: a view whose `axis` counts windows and whose new last axis runs through one."""
    count = (array.shape[axis] - size) // step + 1
    shape = (*array.shape[:axis], count, *array.shape[axis + 1:], size)
    strides = (*array.strides[:axis], array.strides[axis] * step, *array.strides[axis + 1:], array.strides[axis])
    return _as_strided(array, shape, strides)


def _sum_windows(grad: Any, shape: tuple, axis: int, size: int, step: int) -> Any:
    """The transpose of `_windows`: each window's entries added back where they came from (overlaps add up)."""
    xp = backend.array_module(grad)
    result = xp.zeros(shape, dtype=grad.dtype)
    count = grad.shape[axis]
    lead = (slice(None),) * axis
    if count <= size:  # loop over whichever is shorter: the windows, or the positions in a window
        for i in range(count):
            result[(*lead, slice(i * step, i * step + size))] += xp.moveaxis(grad[(*lead, i)], -1, axis)
    else:
        for k in range(size):
            result[(*lead, slice(k, k + step * (count - 1) + 1, step))] += grad[..., k]
    return result


class Unfold(Function):
    """Tensor.unfold: windows of `size` every `step` along `dim`, a view; the gradient adds each window back."""

    is_view = True

    def __init__(self, axis, size, step):
        self.axis, self.size, self.step = axis, size, step

    def forward(self, x):
        self.shape = x.shape
        return _windows(x, self.axis, self.size, self.step)

    def backward(self, grad):
        return _sum_windows(grad, self.shape, self.axis, self.size, self.step)

    def vjp(self, grad):
        return UnfoldTranspose(self.shape, self.axis, self.size, self.step).apply(grad)


class UnfoldTranspose(Function):
    """The windows of Tensor.unfold added back into a tensor of `shape`; its gradient is unfold's view again."""

    def __init__(self, shape, axis, size, step):
        self.shape, self.axis, self.size, self.step = shape, axis, size, step

    def forward(self, grad):
        return _sum_windows(grad, self.shape, self.axis, self.size, self.step)

    def backward(self, grad):
        return _windows(grad, self.axis, self.size, self.step)

    def vjp(self, grad):
        return Unfold(self.axis, self.size, self.step).apply(grad)


# -- helpers --------------------------------------------------------------------------------------
def _dims(dims: Any, ndim: int, op: str) -> tuple[int, ...]:
    """An int or a sequence of ints as distinct dims in [0, ndim), in the given order."""
    values = tuple(dims) if isinstance(dims, Sequence) else (dims,)
    axes = tuple(_checks.normalize_dim(d, ndim, op) for d in values)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dims {values} name the same dimension twice")
    return axes


def _along(axis: int, index: Any) -> tuple:
    return (slice(None),) * axis + (index,)


def _int(value: Any, name: str, op: str) -> int:
    if isinstance(value, Tensor):
        value = value.__index__()
    if not _checks.is_int(value):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def _zero_like(input: Tensor) -> Tensor:
    return _wrap(backend.array_module(input._data).zeros((), dtype=input.dtype), False, None)


# -- flips and rotations --------------------------------------------------------------------------
def flip(input: Tensor, dims: Any) -> Tensor:
    """A copy with the order of the entries reversed along each of `dims`; the gradient is flipped back."""
    axes = _dims(dims, input.ndim, "flip")
    if not input.ndim or not axes:
        return clone(input)
    reversal = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(input.ndim))
    return clone(getitem(input, reversal))


def _flip_method(input: Tensor, *dims: Any) -> Tensor:
    """Tensor.flip(*dims): dims as separate ints or one sequence."""
    return flip(input, dims[0] if len(dims) == 1 else dims)


def fliplr(input: Tensor) -> Tensor:
    """flip(input, (1,)): columns reversed, for tensors of at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must have at least 2 dimensions, got shape {input.shape}")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """flip(input, (0,)): rows reversed, for tensors of at least 1 dimension."""
    if input.ndim < 1:
        raise RuntimeError("flipud: input must have at least 1 dimension, got a 0-d tensor")
    return flip(input, (0,))


def _roll_one(input: Tensor, shift: int, axis: int) -> Tensor:
    size = input.shape[axis]
    shift = shift % size if size else 0
    if not shift:
        return input
    return cat([getitem(input, _along(axis, slice(size - shift, None))),
                getitem(input, _along(axis, slice(0, size - shift)))], axis)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Entries shifted cyclically by `shifts` along `dims` (of the flattened tensor when dims is None); the
    gradient is rolled back."""
    shift_list = tuple(shifts) if isinstance(shifts, Sequence) else (shifts,)
    shift_list = tuple(_int(s, "shifts", "roll") for s in shift_list)
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(f"roll: with dims=None, shifts must be a single int, got {shifts!r}")
        flat = flatten(input)
        rolled = _roll_one(flat, shift_list[0], 0)
        return clone(input) if rolled is flat else reshape(rolled, input.shape)
    dim_list = tuple(dims) if isinstance(dims, Sequence) else (dims,)
    if len(dim_list) != len(shift_list):
        raise RuntimeError(f"roll: shifts {shifts!r} and dims {dims!r} must have the same length")
    if input.ndim == 0:
        raise IndexError(f"roll: dims {dims!r} given for a 0-d tensor, which has no dimensions")
    result = input
    for shift, dim in zip(shift_list, dim_list, strict=True):
        result = _roll_one(result, shift, _checks.normalize_dim(dim, input.ndim, "roll"))
    return clone(result) if result is input else result


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotation by 90 degrees k times in the plane `dims`, from the first toward the second: flips and a
    transpose, as PyTorch's."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: dims must name 2 dimensions, got {dims}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: input must have at least 2 dimensions, got shape {input.shape}")
    first, second = _dims(dims, input.ndim, "rot90")
    k = _int(k, "k", "rot90") % 4
    if k == 1:
        return transpose(flip(input, (second,)), first, second)
    if k == 2:
        return flip(input, (first, second))
    if k == 3:
        return transpose(flip(input, (first,)), first, second)
    return clone(input)


# -- triangles and diagonals ----------------------------------------------------------------------
def _triangle(input: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions, got shape {input.shape}")
    diagonal = _int(diagonal, "diagonal", op)
    xp = backend.array_module(input._data)
    rows, columns = input.shape[-2:]
    keep = (xp.tril if lower else xp.triu)(xp.ones((rows, columns), dtype=bool), diagonal)
    return where(_checks.constant(keep), input, _zero_like(input))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (entries with column - row <= diagonal), zeros above;
    the gradient passes through the kept entries."""
    return _triangle(input, diagonal, True, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (entries with column - row >= diagonal), zeros below;
    the gradient passes through the kept entries."""
    return _triangle(input, diagonal, False, "triu")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal in the plane (dim1, dim2), above it for offset > 0, as the last dimension."""
    axis1 = _checks.normalize_dim(dim1, input.ndim, "diagonal")
    axis2 = _checks.normalize_dim(dim2, input.ndim, "diagonal")
    if axis1 == axis2:
        raise RuntimeError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    return Diagonal(_int(offset, "offset", "diagonal"), axis1, axis2).apply(input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices in the plane (dim1, dim2) of the result with the last dimension of input on their diagonal
    (above it for offset > 0), zeros elsewhere; the gradient is the diagonal of the upstream gradient."""
    if input.ndim == 0:
        raise IndexError("diag_embed: input must have at least 1 dimension, got a 0-d tensor")
    ndim = input.ndim + 1
    axis1 = _checks.normalize_dim(dim1, ndim, "diag_embed", input.ndim)
    axis2 = _checks.normalize_dim(dim2, ndim, "diag_embed", input.ndim)
    if axis1 == axis2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    offset = _int(offset, "offset", "diag_embed")
    size = input.shape[-1] + builtins.abs(offset)
    rest = iter(input.shape[:-1])
    shape = tuple(size if d in (axis1, axis2) else next(rest) for d in range(ndim))
    return DiagonalScatter(shape, offset, axis1, axis2).apply(input)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input put on the diagonal of a square matrix, or a copy of a 2-D input's diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return clone(Diagonal(_int(diagonal, "diagonal", "diag"), 0, 1).apply(input))
    raise RuntimeError(f"diag: input must have 1 or 2 dimensions, got shape {input.shape}")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on the diagonal of a square matrix (above it for offset > 0)."""
    return diag_embed(flatten(input), offset, 0, 1)


# -- slicing and splitting ------------------------------------------------------------------------
def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """A view of `length` entries along dim from `start` (negative counts from the end)."""
    if input.ndim == 0:
        raise RuntimeError("narrow: can't be applied to a 0-d tensor")
    axis = _checks.normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[axis]
    start, length = _int(start, "start", "narrow"), _int(length, "length", "narrow")
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dimension {axis} of size {size}")
    start = start + size if start < 0 else start
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size {size} of dimension {axis}")
    return getitem(input, _along(axis, slice(start, start + length)))


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along dim, as a tuple of views without that dimension."""
    if input.ndim == 0:
        raise IndexError("unbind: can't unbind a 0-d tensor, which has no dimensions")
    axis = _checks.normalize_dim(dim, input.ndim, "unbind")
    return tuple(getitem(input, _along(axis, i)) for i in range(input.shape[axis]))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension dim split into `sizes` (one of them may be -1)."""
    axis = _checks.normalize_dim(dim, input.ndim, "unflatten")
    sizes = _checks.parse_size((sizes,), "unflatten", allow_inferred=True)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = input.shape[axis] if input.ndim else 1
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if (-1 in sizes and (known == 0 or size % known)) or (-1 not in sizes and known != size):
        raise RuntimeError(f"unflatten: sizes {sizes} don't multiply up to the size {size} of dimension {axis}")
    sizes = tuple(size // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:axis] + sizes + input.shape[axis + 1:])


def _split_pieces(input: Tensor, axis: int, bounds: list[int | None]) -> tuple[Tensor, ...]:
    return tuple(getitem(input, _along(axis, slice(start, end))) for start, end in itertools.pairwise(bounds))


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views split along dim: into n nearly equal pieces (the first size % n one larger), or at the given
    indices (as Python slices: clamped, negative from the end)."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split: expected a tensor with at least 1 dimension, got a 0-d tensor")
    axis = _checks.normalize_dim(dim, input.ndim, "tensor_split")
    split = indices_or_sections
    if isinstance(split, Tensor):
        if split.dtype.kind not in "iu" or split.ndim > 1:
            raise RuntimeError(
                f"tensor_split: indices_or_sections must be an int, a 0-d or 1-D integer tensor or a sequence of "
                f"ints, got a {backend.dtype_name(split.dtype)} tensor of shape {split.shape}"
            )
        split = split.item() if split.ndim == 0 else split.tolist()
    if _checks.is_int(split):
        sections = int(split)
        if sections <= 0:
            raise RuntimeError(f"tensor_split: the number of sections must be positive, got {sections}")
        size = input.shape[axis]
        bounds = [i * (size // sections) + builtins.min(i, size % sections) for i in range(sections + 1)]
        return _split_pieces(input, axis, bounds)
    indices = [_int(i, "indices", "tensor_split") for i in split]
    return _split_pieces(input, axis, [0, *indices, None])


def _split_at(input: Tensor, sections: Any, axis: int, op: str) -> tuple[Tensor, ...]:
    if _checks.is_int(sections):
        size = input.shape[axis]
        if sections <= 0 or size % sections:
            raise RuntimeError(
                f"{op}: the size {size} of dimension {axis} is not divisible into {sections} equal sections; "
                "give indices to split at, or use tensor_split"
            )
    return tensor_split(input, sections, axis)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 1 (0 for 1-D tensors) into equal sections or at indices."""
    if input.ndim < 1:
        raise RuntimeError("hsplit: expected a tensor with at least 1 dimension, got a 0-d tensor")
    return _split_at(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit")


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 0 into equal sections or at indices (at least 2-D)."""
    if input.ndim < 2:
        raise RuntimeError(f"vsplit: expected a tensor with at least 2 dimensions, got shape {input.shape}")
    return _split_at(input, indices_or_sections, 0, "vsplit")


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 2 into equal sections or at indices (at least 3-D)."""
    if input.ndim < 3:
        raise RuntimeError(f"dsplit: expected a tensor with at least 3 dimensions, got shape {input.shape}")
    return _split_at(input, indices_or_sections, 2, "dsplit")


# -- repeats and grids ----------------------------------------------------------------------------
def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each entry repeated `repeats` times (an int, or one count per entry) along dim (of the flattened input
    when dim is None); the gradient sums over the copies. repeat_interleave(counts) alone gives the indices
    0, 0, 1, ... repeated by the counts."""
    if repeats is None:  # torch.repeat_interleave(repeats): the repeated indices
        if input.dtype.kind not in "iu" or input.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-d or 1-D integer tensor, got {input.shape}")
        xp = backend.array_module(input._data)
        return _wrap(xp.asarray(_repeated_indices(input._data, input.numel())), False, None)
    x = flatten(input) if dim is None else input
    axis = 0 if dim is None else _checks.normalize_dim(dim, input.ndim, "repeat_interleave")
    if x.ndim == 0:
        raise IndexError("repeat_interleave: dim given for a 0-d tensor, which has no dimensions")
    size = x.shape[axis]
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: repeats must be an integer tensor, got "
                            f"{backend.dtype_name(repeats.dtype)}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-d or 1-D, got shape {repeats.shape}")
        counts = repeats._data
    else:
        counts = [_int(repeats, "repeats", "repeat_interleave")]
    indices = _repeated_indices(counts, size)
    if output_size is not None and output_size != indices.size:
        raise RuntimeError(f"repeat_interleave: output_size is {output_size} but the repeats give {indices.size}")
    return IndexSelect(axis, backend.array_module(x._data).asarray(indices)).apply(x)


def _repeated_indices(counts: Any, size: int) -> numpy.ndarray:
    """0, ..., size - 1, each repeated by its count (one count may serve all), on the host: the output's size
    depends on the counts."""
    counts = numpy.asarray(counts.tolist() if hasattr(counts, "tolist") else counts, dtype=numpy.int64).reshape(-1)
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    if counts.size != size and counts.size != 1:
        raise RuntimeError(
            f"repeat_interleave: repeats must have one count per entry along dim ({size}), got {counts.size}"
        )
    return numpy.repeat(numpy.arange(size, dtype=numpy.int64), numpy.broadcast_to(counts, (size,)))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 0-d or 1-D tensors, as expanded views: indexing 'ij' (matrix, the default) or 'xy'
    (Cartesian: the first two dimensions swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], Sequence):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("meshgrid: pass indexing='ij' (the default, used now) or indexing='xy', as PyTorch asks",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise RuntimeError("meshgrid: expected a non-empty sequence of tensors")
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"meshgrid: expected Tensors, got {type(tensor).__name__} at position {i}")
        if tensor.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-d or 1-D tensors, got shape {tensor.shape} at position {i}")
        if tensor.dtype != tensors[0].dtype or tensor.device != tensors[0].device:
            raise RuntimeError(
                f"meshgrid: expected tensors of one dtype and device, got {backend.dtype_name(tensors[0].dtype)} on "
                f"{tensors[0].device} and {backend.dtype_name(tensor.dtype)} on {tensor.device}"
            )
    places = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        places[0], places[1] = 1, 0
    shape = [0] * len(tensors)
    for tensor, place in zip(tensors, places, strict=True):
        shape[place] = tensor.numel()
    grids = []
    for tensor, place in zip(tensors, places, strict=True):
        column = reshape(tensor, tuple(-1 if d == place else 1 for d in range(len(tensors))))
        grids.append(expand(column, tuple(shape)))
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All combinations of the entries of 1-D tensors, one per row (the last tensor varying fastest)."""
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor) or tensor.ndim != 1:
            shape = tensor.shape if isinstance(tensor, Tensor) else type(tensor).__name__
            raise RuntimeError(f"cartesian_prod: expected 1-D tensors, got {shape} at position {i}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([flatten(grid) for grid in meshgrid(*tensors, indexing="ij")], 1)


# -- dimensions -----------------------------------------------------------------------------------
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """A view with dimensions `source` moved to positions `destination`, the others keeping their order."""
    sources = _dims(source, input.ndim, "movedim")
    destinations = _dims(destination, input.ndim, "movedim")
    if len(sources) != len(destinations):
        raise RuntimeError(
            f"movedim: source {source!r} and destination {destination!r} must name as many dimensions"
        )
    if input.ndim == 0:
        return input
    order = [None] * input.ndim
    for src, dst in zip(sources, destinations, strict=True):
        order[dst] = src
    rest = iter(d for d in range(input.ndim) if d not in sources)
    return permute(input, [d if d is not None else next(rest) for d in order])


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """transpose(input, axis0, axis1): a view with two dimensions swapped."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose(input, dim0, dim1): a view with two dimensions swapped."""
    return transpose(input, dim0, dim1)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: a view of the windows of `size` entries every `step` along `dimension`, which then counts
    the windows, with a new last dimension running through each; the gradient adds the windows back."""
    size, step = _int(size, "size", "unfold"), _int(step, "step", "unfold")
    axis = _checks.normalize_dim(dimension, input.ndim, "unfold")
    length = input.shape[axis] if input.ndim else 1
    if step <= 0:
        raise RuntimeError(f"unfold: step must be positive, got {step}")
    if not 0 <= size <= length:
        raise RuntimeError(f"unfold: size {size} must be in [0, {length}], the size of dimension {axis}")
    if input.ndim == 0:
        return reshape(Unfold(0, size, step).apply(reshape(input, (1,))), (size,))
    return Unfold(axis, size, step).apply(input)


def _at_least(ndim: int, tensors: tuple, shape_of: Callable[[tuple], tuple]) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    results = tuple(t if t.ndim >= ndim else reshape(t, shape_of(t.shape)) for t in tensors)
    return results[0] if single else results


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,)); one tensor, or a tuple."""
    return _at_least(1, tensors, lambda shape: (1,))


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions (0-d: (1, 1), 1-D (n,): (1, n)); one tensor, or a tuple."""
    return _at_least(2, tensors, lambda shape: (1, *shape) if shape else (1, 1))


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions (0-d: (1, 1, 1), (n,): (1, n, 1), (m, n): (m, n, 1)); one
    tensor, or a tuple."""
    def shape_of(shape: tuple) -> tuple:
        return {0: (1, 1, 1), 1: (1, *shape, 1), 2: (*shape, 1)}[len(shape)]

    return _at_least(3, tensors, shape_of)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-D as a row, or 2-D) as blocks on the diagonal of one matrix, zeros elsewhere
    (dtypes promoted); each block's gradient is its block of the upstream gradient."""
    if not tensors:
        return _wrap(numpy.zeros((1, 0), dtype=backend.get_default_dtype()), False, None)
    blocks = []
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"block_diag: expected Tensors, got {type(tensor).__name__} at position {i}")
        if tensor.ndim > 2:
            raise RuntimeError(f"block_diag: blocks must have at most 2 dimensions, got shape {tensor.shape} at {i}")
        blocks.append(reshape(tensor, (1, 1) if tensor.ndim == 0 else (1, -1)) if tensor.ndim < 2 else tensor)
        if tensor.device != tensors[0].device:
            raise RuntimeError(f"block_diag: tensors on {tensors[0].device} and {tensor.device}; move one first")
    dtype = numpy.result_type(*(b.dtype for b in blocks))
    blocks = [b if b.dtype == dtype else cast(b, dtype) for b in blocks]
    width = builtins.sum(b.shape[1] for b in blocks)
    rows, start = [], 0
    for block in blocks:
        rows.append(pad(block, (start, width - start - block.shape[1])))
        start += block.shape[1]
    return cat(rows, 0)


__all__: list[str] = [
    "atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "diag", "diag_embed", "diagflat",
    "diagonal", "dsplit", "flip", "fliplr", "flipud", "hsplit", "meshgrid", "moveaxis", "movedim", "narrow",
    "repeat_interleave", "roll", "rot90", "swapaxes", "swapdims", "tensor_split", "tril", "triu", "unbind",
    "unflatten", "vsplit",
]


def _tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    """Tensor.tril_: tril written into the tensor's memory (outside autograd)."""
    return _in_place(input, "tril_()", lambda: tril(input, diagonal), ())


def _triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    """Tensor.triu_: triu written into the tensor's memory (outside autograd)."""
    return _in_place(input, "triu_()", lambda: triu(input, diagonal), ())


METHODS: dict[str, Callable[..., Any]] = {
    "diag": diag, "diag_embed": diag_embed, "diagflat": diagflat, "diagonal": diagonal, "dsplit": dsplit,
    "flip": _flip_method, "fliplr": fliplr, "flipud": flipud, "hsplit": hsplit, "moveaxis": moveaxis,
    "movedim": movedim, "narrow": narrow, "repeat_interleave": repeat_interleave, "roll": roll, "rot90": rot90,
    "swapdims": swapdims, "tensor_split": tensor_split, "tril": tril, "tril_": _tril_,
    "triu": triu, "triu_": _triu_, "unbind": unbind, "unflatten": unflatten, "unfold": unfold, "vsplit": vsplit,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset()

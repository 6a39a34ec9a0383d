"""Shape ops: reshape, permute, expand, repeat, cat/stack/split, pad, casts (indexing is in ops/indexing.py).

Reshape and permute return views of their input, as in PyTorch, so they share its version counter: an
in-place change through either is seen by the graph.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks
from chainrule.ops.indexing import IndexSelect, getitem
from chainrule.tensor import Tensor


class Reshape(Function):
    """Same elements, new shape; the gradient is reshaped back."""

    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, grad):
        return grad.reshape(self.input_shape)


class Permute(Function):
    """Reorder dimensions; the gradient is permuted back with the inverse order."""

    is_view = True

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return x.transpose(self.dims)

    def _inverse(self):
        return tuple(numpy.argsort(self.dims))

    def backward(self, grad):
        return grad.transpose(self._inverse())

    def vjp(self, grad):
        return grad.permute(self._inverse())


class Expand(Function):
    """Broadcast to a larger shape without copying; the gradient is summed back."""

    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return backend.array_module(x).broadcast_to(x, self.shape)

    def backward(self, grad):
        return sum_to(grad, self.input_shape)


class Repeat(Function):
    """Tile the tensor `repeats` times along each dimension; the gradient sums the copies."""

    def __init__(self, repeats):
        self.repeats = repeats

    def forward(self, x):
        self.original_shape = x.shape
        self.input_shape = (1,) * (len(self.repeats) - x.ndim) + x.shape
        return backend.array_module(x).tile(x.reshape(self.input_shape), self.repeats)

    def backward(self, grad):
        shape = []
        for count, size in zip(self.repeats, self.input_shape, strict=True):
            shape += [count, size]
        copies = tuple(range(0, 2 * len(self.repeats), 2))
        return grad.reshape(tuple(shape)).sum(axis=copies).reshape(self.original_shape)



class Concatenate(Function):
    """cat(tensors, dim): the gradient is split back into the pieces."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *arrays):
        self.sizes = [a.shape[self.axis] for a in arrays]
        return backend.array_module(arrays[0]).concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        pieces, start = [], 0
        for size in self.sizes:
            pieces.append(grad[(slice(None),) * self.axis + (slice(start, start + size),)])
            start += size
        return tuple(pieces)


class Stack(Function):
    """stack(tensors, dim): each input's gradient is its slice of the output gradient."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *arrays):
        self.count = len(arrays)
        return backend.array_module(arrays[0]).stack(arrays, axis=self.axis)

    def backward(self, grad):
        return tuple(grad[(slice(None),) * self.axis + (i,)] for i in range(self.count))


class ConstantPad(Function):
    """Pad with a constant; the gradient is the central (unpadded) part."""

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        return backend.array_module(x).pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, grad):
        return grad[tuple(slice(before, grad.shape[i] - after) for i, (before, after) in enumerate(self.widths))]


class Cast(Function):
    """Convert to another dtype; the gradient is converted back."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, grad):
        return grad.astype(self.input_dtype) if self.input_dtype.kind == "f" else None

    def vjp(self, grad):
        return grad.to(self.input_dtype) if self.input_dtype.kind == "f" else None


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.input_device = backend.device_of(x)
        return backend.move(x, self.device)

    def backward(self, grad):
        return backend.move(grad, self.input_device)

    def vjp(self, grad):
        return grad.to(self.input_device)


class Clone(Function):
    """A copy with its own memory; the gradient passes through unchanged."""

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad


# -- public functions ------------------------------------------------------------------------------
def _resolve_shape(shape: tuple, numel: int, input_shape: tuple, op: str) -> tuple:
    if -1 in shape:
        known = 1
        for size in shape:
            if size != -1:
                known *= size
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for input of shape {input_shape} ({numel} elements)")
        shape = tuple(numel // known if size == -1 else size for size in shape)
    count = 1
    for size in shape:
        count *= size
    if count != numel:
        raise RuntimeError(f"{op}: shape {shape} is invalid for input of shape {input_shape} ({numel} elements)")
    return shape


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Same elements in a new shape (one size may be -1 to infer it); a view when the memory allows."""
    shape = _resolve_shape(tuple(shape), input._data.size, input.shape, "reshape")
    if shape == input.shape:
        return input
    return Reshape(shape).apply(input)


def view(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Like reshape, but never copies: fails, as PyTorch's view, when the strides don't allow it."""
    shape = _resolve_shape(tuple(shape), input._data.size, input.shape, "view")
    if shape != input.shape and not _is_viewable(input._data, shape):
        raise RuntimeError(
            f"view: shape {shape} is not compatible with the memory layout of the input (shape {input.shape}, "
            "not contiguous); use .reshape(...) instead, which copies when needed"
        )
    return Reshape(shape).apply(input)


def _is_viewable(array: Any, shape: tuple) -> bool:
    if array.flags.c_contiguous:
        return True
    try:
        array.reshape(shape, copy=False)
    except (ValueError, TypeError):
        return False
    return True


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    start = _checks.normalize_dim(start_dim, input.ndim, "flatten")
    end = _checks.normalize_dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.shape
    merged = 1
    for size in shape[start:end + 1]:
        merged *= size
    return reshape(input, (*shape[:start], merged, *shape[end + 1:]))


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 dimensions (all of them, or those in `dim`, which are kept when not of size 1)."""
    dims = _checks.normalize_dims(dim, input.ndim, "squeeze")
    shape = tuple(size for i, size in enumerate(input.shape) if size != 1 or (dims is not None and i not in dims))
    return reshape(input, shape)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at `dim` (negative counts from the end of the result)."""
    axis = _checks.normalize_dim(dim, input.ndim + 1, "unsqueeze", input.ndim)
    return reshape(input, (*input.shape[:axis], 1, *input.shape[axis:]))


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reorder the dimensions: result dimension i is input dimension dims[i]."""
    if len(dims) != input.ndim:
        raise ValueError(f"permute: got {len(dims)} dims {tuple(dims)} for a tensor with {input.ndim} dimensions")
    axes = tuple(_checks.normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"permute: dims {tuple(dims)} repeat a dimension")
    if axes == tuple(range(input.ndim)):
        return input
    return Permute(axes).apply(input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    if input.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    a = _checks.normalize_dim(dim0, input.ndim, "transpose")
    b = _checks.normalize_dim(dim1, input.ndim, "transpose")
    dims = list(range(input.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return permute(input, dims)


def expand(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast size-1 dimensions (and new leading ones) to `shape`; -1 keeps a size."""
    shape = tuple(shape)
    lead = len(shape) - input.ndim
    if lead < 0:
        raise RuntimeError(f"expand: target shape {shape} has fewer dimensions than the tensor {input.shape}")
    resolved = []
    for i, size in enumerate(shape):
        current = input.shape[i - lead] if i >= lead else None
        if size == -1:
            if current is None:
                raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension (target {shape})")
            size = current
        elif current is not None and current not in (1, size):
            raise RuntimeError(
                f"expand: the size {current} of dimension {i - lead} can't become {size} (only size-1 "
                f"dimensions expand); tensor shape {input.shape}, target {shape}"
            )
        resolved.append(size)
    resolved = tuple(resolved)
    return input if resolved == input.shape else Expand(resolved).apply(input)


def repeat(input: Tensor, repeats: Sequence[int]) -> Tensor:
    """Tile along each dimension (PyTorch's `repeat`, NumPy's `tile`); may add leading dimensions."""
    repeats = tuple(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError(
            f"repeat: got {len(repeats)} repeat counts for a tensor with {input.ndim} dimensions; give at least "
            f"{input.ndim}"
        )
    return Repeat(repeats).apply(input)


def _same_kind(tensors: Sequence[Tensor], op: str) -> list[Tensor]:
    """The tensors on one device and in their promoted dtype (PyTorch's cat and stack promote)."""
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for tensor in tensors:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: expected a sequence of Tensors, got an element of type {type(tensor).__name__}")
    return _checks.promoted(tensors, op)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension; all other sizes must match."""
    tensors = list(tensors)
    tensors = _same_kind(tensors, "cat")
    axis = _checks.normalize_dim(dim, tensors[0].ndim, "cat")
    for i, tensor in enumerate(tensors):
        if tensor.ndim != tensors[0].ndim or tensor.shape[:axis] + tensor.shape[axis + 1:] != \
                tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]:
            raise RuntimeError(
                f"cat: sizes must match except in dimension {dim}: tensor 0 has shape {tensors[0].shape}, "
                f"tensor {i} has shape {tensor.shape}"
            )
    return Concatenate(axis).apply(*tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension."""
    tensors = list(tensors)
    tensors = _same_kind(tensors, "stack")
    for i, tensor in enumerate(tensors):
        if tensor.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: expects tensors of equal shape, tensor 0 has shape {tensors[0].shape}, "
                f"tensor {i} has shape {tensor.shape}"
            )
    axis = _checks.normalize_dim(dim, tensors[0].ndim + 1, "stack", tensors[0].ndim)
    return Stack(axis).apply(*tensors)


def split(input: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of size `split_size` (the last may be smaller), or of the listed sizes, along `dim`."""
    axis = _checks.normalize_dim(dim, input.ndim, "split")
    length = input.shape[axis]
    if isinstance(split_size_or_sections, int | numpy.integer):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != length or builtins.any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} must be non-negative and sum to the size {length} of dim {dim}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(input, (slice(None),) * axis + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of equal size (the last may be smaller), as PyTorch's chunk."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    axis = _checks.normalize_dim(dim, input.ndim, "chunk")
    return split(input, max(-(-input.shape[axis] // chunks), 1), axis)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last len(pad)//2 dimensions: pad = (last_left, last_right, second_last_left, ...).

    mode: 'constant' (with `value`), 'reflect', 'replicate' or 'circular', as PyTorch's F.pad.
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: needs an even number of sizes covering at most {input.ndim} dimensions, got {pad}"
        )
    if builtins.any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding (cropping) is not supported, got {pad}; slice the tensor instead")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return ConstantPad(tuple(widths), value).apply(input)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; use 'constant', 'reflect', 'replicate' or 'circular'")
    xp = backend.array_module(input._data)
    result = input
    for axis, (before, after) in enumerate(widths):
        if before or after:
            size = input.shape[axis]
            if mode == "reflect" and (before >= size or after >= size):
                raise ValueError(f"pad: reflect padding must be smaller than the dimension size {size}, got {pad}")
            indices = xp.pad(xp.arange(size), (before, after), mode=_PAD_MODES[mode])
            result = IndexSelect(axis, indices).apply(result)
    return result


def cast(input: Tensor, dtype: Any) -> Tensor:
    return Cast(backend.to_dtype(dtype)).apply(input)


def to_device(input: Tensor, device: Any) -> Tensor:
    return ToDevice(backend.to_device(device)).apply(input)


def clone(input: Tensor) -> Tensor:
    return Clone().apply(input)

"""Argument checks shared by the ops: operand conversion, device/dtype agreement, dims and sizes, the int
arguments of windowed ops (convolution, pooling) and the output size of their sliding windows.

They run at the public boundary so that a mistake is reported in the user's terms, never as a NumPy
traceback from inside an op.

Exception policy (one for all ops): where PyTorch raises, raise PyTorch's exception type (checked against
PyTorch 2.13), with our own message naming the shapes and the fix. So shape mismatches of operations
on tensors are RuntimeError, as in PyTorch: operands that don't broadcast (add, sub, mul, div, pow,
maximum, minimum, where), matrix products whose inner sizes differ or whose batches don't broadcast
(matmul), and `linear` / `nn.Linear` with an input, weight or bias of the wrong shape. A wrong type
(a list where a tensor is needed, an integer tensor where floating point is) is TypeError, a dim out of
range IndexError, an invalid argument value (a negative size, an unknown mode) ValueError.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.tensor import Tensor, _wrap

SCALAR_TYPES = (int, float, bool, numpy.number, numpy.bool_)


def check_pair(a: Tensor, b: Tensor, op: str) -> None:
    """Two tensor operands must live on one device and share a dtype; say which differ and how to fix it."""
    if (a._data.__class__ is not numpy.ndarray or b._data.__class__ is not numpy.ndarray) and a.device != b.device:
        raise RuntimeError(
            f"{op}: expected both tensors on the same device, got {a.device} and {b.device}; "
            f"move one with .to('{a.device}')"
        )
    if a._data.dtype is not b._data.dtype and a._data.dtype != b._data.dtype:
        # suggest converting toward floating point (integer data into a float layer is the usual mistake)
        target = b.dtype if a.dtype.kind != "f" and b.dtype.kind == "f" else a.dtype
        raise TypeError(
            f"{op}: expected tensors of the same dtype, got {backend.dtype_name(a.dtype)} and "
            f"{backend.dtype_name(b.dtype)}; convert one, e.g. .to({backend.dtype_name(target)})"
        )


def promote_types(a: numpy.dtype, b: numpy.dtype) -> numpy.dtype:
    """PyTorch's promote_types: an integer or bool with a float gives the float (NumPy would widen int64 +
    float32 to float64); otherwise NumPy's rule, which agrees (int32 + int64 = int64, bool + int8 = int8)."""
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return numpy.promote_types(a, b)


def _promote(a: numpy.dtype | None, b: numpy.dtype | None) -> numpy.dtype | None:
    return (b if a is None else a) if a is None or b is None else promote_types(a, b)


def _combine(higher: numpy.dtype | None, lower: numpy.dtype | None) -> numpy.dtype | None:
    """An operand of lower priority changes the dtype only if it is of a higher category (bool < int < float)."""
    if higher is not None and higher.kind == "f":
        return higher
    if higher is None or higher.kind == "b" or (lower is not None and lower.kind == "f"):
        return _promote(higher, lower)
    return higher


def result_type(*operands: Any) -> numpy.dtype:
    """PyTorch's torch.result_type: tensors with dimensions decide, then 0-d tensors, then Python numbers (a
    float is the default dtype); a lower group counts only when it is of a higher category. So an int64 tensor
    with 2.5 gives float32, a float32 tensor with a float64 0-d tensor float32, a bool tensor with 1 int64."""
    dimensioned = zero_dim = numbers = None
    for value in operands:
        if isinstance(value, Tensor):
            if value.ndim:
                dimensioned = _promote(dimensioned, value.dtype)
            else:
                zero_dim = _promote(zero_dim, value.dtype)
        elif isinstance(value, bool | numpy.bool_):
            numbers = _promote(numbers, backend.bool_)
        elif isinstance(value, int | numpy.integer):
            numbers = _promote(numbers, backend.int64)
        else:
            numbers = _promote(numbers, backend.get_default_dtype())
    return _combine(dimensioned, _combine(zero_dim, numbers))


def promoted(tensors: Sequence[Tensor], op: str) -> list[Tensor]:
    """The tensors on one device (a RuntimeError naming both otherwise), each cast to their `result_type` as
    PyTorch's binary ops, `where` and `cat` do; the cast is differentiable, so gradients come back in each
    input's own dtype."""
    first = tensors[0]
    dtype = first._data.dtype
    if all(tensor._data.dtype is dtype and tensor._data.__class__ is numpy.ndarray for tensor in tensors):
        return list(tensors)  # the common case: nothing to check or cast
    for tensor in tensors[1:]:
        if tensor.device != first.device:
            raise RuntimeError(
                f"{op}: expected all tensors on the same device, got {first.device} and {tensor.device}; "
                f"move one with .to('{first.device}')"
            )
    target = result_type(*tensors)
    return [tensor if tensor.dtype == target else tensor.to(target) for tensor in tensors]


def broadcast_error(op: str, a: Tensor, b: Tensor, error: Exception) -> Exception:
    """The error to raise when an op on `a` and `b` failed: a clear one if their shapes don't broadcast."""
    try:
        numpy.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return RuntimeError(
            f"{op}: shapes {a.shape} and {b.shape} do not broadcast: aligned from the last dimension, each pair "
            "of sizes must be equal or one of them 1; reshape or unsqueeze one operand"
        )
    return error


def as_operand(value: Any, like: Tensor, op: str) -> Tensor:
    """Turn a scalar, list or array operand into a tensor on `like`'s device (float data takes its dtype)."""
    if isinstance(value, Tensor):
        return value
    xp = backend.array_module(like._data)
    try:
        array = xp.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{op}: can't use {type(value).__name__} {value!r} as a tensor operand: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: unsupported operand of type {type(value).__name__} (dtype {array.dtype})")
    if like.dtype.kind == "f" and array.dtype.kind in "biuf":
        array = array.astype(like.dtype, copy=False)
    elif array.dtype.kind == "f" and array.dtype != backend.get_default_dtype():
        array = array.astype(backend.get_default_dtype())
    return _wrap(array, False, None)


def operand_array(target: Tensor, value: Any, op: str) -> Any:
    """The array (or scalar) to combine into `target` in place."""
    if isinstance(value, SCALAR_TYPES):
        return value
    if isinstance(value, Tensor):
        if value.device != target.device:
            raise RuntimeError(f"{op}: operand is on {value.device} but the tensor is on {target.device}")
        return value._data
    return as_operand(value, target, op)._data


def normalize_dim(dim: Any, ndim: int, op: str = "dim", tensor_ndim: int | None = None) -> int:
    """A dimension index in [0, ndim), accepting negative indices as Python does.

    `tensor_ndim` is the input's rank for the message when it differs from `ndim` (unsqueeze, stack).
    """
    if isinstance(dim, bool) or not isinstance(dim, int | numpy.integer):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        rank = ndim if tensor_ndim is None else tensor_ndim
        raise IndexError(
            f"{op}: dim {dim} is out of range for a tensor with {rank} dimension{'s' if rank != 1 else ''} "
            f"(expected {-bound} to {bound - 1})"
        )
    return int(dim) % bound


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """None (all dimensions) or a sorted tuple of distinct dims."""
    if dim is None:
        return None
    dims = (dim,) if not isinstance(dim, Sequence) else tuple(dim)
    result = tuple(sorted(normalize_dim(d, ndim, op) for d in dims))
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: dim {dim} names the same dimension twice")
    return result


def parse_size(args: tuple, op: str, allow_inferred: bool = False, allow_negative: bool = False) -> tuple:
    """Sizes given as `f(2, 3)` or `f((2, 3))`, validated to be integers."""
    if len(args) == 1 and isinstance(args[0], Sequence | Tensor):
        args = tuple(args[0])
    sizes = []
    for size in args:
        if isinstance(size, Tensor):
            size = size.__index__()
        if isinstance(size, bool) or not isinstance(size, int | numpy.integer):
            raise TypeError(f"{op}: sizes must be integers, got {args!r}")
        sizes.append(int(size))
    if not allow_negative:
        lowest = -1 if allow_inferred else 0
        if any(s < lowest for s in sizes):
            raise ValueError(f"{op}: sizes must be non-negative, got {tuple(sizes)}")
        if allow_inferred and sizes.count(-1) > 1:
            raise ValueError(f"{op}: only one dimension can be inferred (-1), got {tuple(sizes)}")
    return tuple(sizes)


def is_int(value: Any) -> bool:
    """An int or NumPy integer, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def ints(value: Any, count: int, name: str, op: str, lowest: int, expand_single: bool = False) -> tuple[int, ...]:
    """An int or a sequence of `count` ints, each at least `lowest`, as a tuple (a kernel size, stride, ...).

    expand_single also repeats a one-element sequence `count` times (pooling takes kernel_size=(2,) for 2-D).
    """
    values = (value,) * count if not isinstance(value, Sequence) else tuple(value)
    if expand_single and len(values) == 1:
        values *= count
    try:
        if len(values) != count or any(isinstance(v, bool) for v in values):
            raise TypeError
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {count} ints, got {value!r}") from None
    if any(v < lowest for v in values):
        raise ValueError(f"{op}: {name} must be {'positive' if lowest else 'non-negative'}, got {values}")
    return values


def output_size(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int,
                ceil_mode: bool = False) -> int:
    """How many windows slide over one dimension padded by (before, after), PyTorch's rule; in ceil mode a
    last, partial window counts if it starts inside the input or its left padding."""
    before, after = padding
    span = size + before + after - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1
    return out


def check_float_input(input: Any, op: str, name: str | None = None) -> None:
    """The input of an activation or other float-only op: a Tensor of a floating-point dtype.

    Ops with several tensor arguments (the losses) give the argument's `name`: the messages then name it
    and the input's shape.
    """
    if not isinstance(input, Tensor):
        if name is not None:
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(input).__name__}")
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        if name is not None:
            raise TypeError(
                f"{op}: {name} must be floating point, got a {backend.dtype_name(input.dtype)} tensor of shape "
                f"{input.shape}; convert it with .float()"
            )
        raise TypeError(
            f"{op}: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; convert it with .float()"
        )


def constant(array: Any) -> Tensor:
    """A mask or other array as a Tensor outside the graph (a 0-d comparison gives a NumPy scalar)."""
    return _wrap(backend.array_module(array).asarray(array), False, None)

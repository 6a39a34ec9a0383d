"""How the op families of PyTorch's wider surface read their arguments and write in place: tensors and Python
numbers promoted as torch.result_type, floating inputs in the default float dtype, shape errors in the user's
terms, NumPy's warnings for the inf/NaN PyTorch returns silently, and the in-place `_` forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.backend import _errstate
from chainrule.ops import _checks
from chainrule.tensor import Tensor, _wrap


def quiet(xp: Any) -> Any:
    """No NumPy warnings for the inf/NaN results PyTorch returns silently (overflow included)."""
    return _errstate(xp, divide="ignore", invalid="ignore", over="ignore")


result_dtype = _checks.result_type  # torch.result_type (shared with arithmetic, where and cat)


def tensor_input(input: Any, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    return input


def floating(input: Any, op: str) -> Tensor:
    """The input of a floating function: integer and bool tensors are converted to the default float dtype."""
    input = tensor_input(input, op)
    return input if input._data.dtype.kind == "f" else input.to(backend.get_default_dtype())


def operands(op: str, *values: Any, floating: bool = False) -> list[Tensor]:
    """Tensors and Python numbers as tensors of their common dtype (PyTorch's promotion) on one device.

    Numbers become constant 0-d tensors; `floating` makes an integer or bool result dtype the default float.
    """
    tensors = [value for value in values if isinstance(value, Tensor)]
    if not tensors:
        raise TypeError(f"{op}: expected at least one Tensor, got {', '.join(type(v).__name__ for v in values)}")
    like = tensors[0]
    values = [value if isinstance(value, (Tensor, *_checks.SCALAR_TYPES)) else _checks.as_operand(value, like, op)
              for value in values]
    dtype = result_dtype(*values)
    if floating and dtype.kind != "f":
        dtype = backend.get_default_dtype()
    xp = backend.array_module(like._data)
    result = []
    for value in values:
        if not isinstance(value, Tensor):
            result.append(_wrap(xp.asarray(value, dtype=dtype), False, None))
            continue
        if value.device != like.device:
            raise RuntimeError(
                f"{op}: expected all tensors on the same device, got {like.device} and {value.device}; "
                f"move one with .to('{like.device}')"
            )
        result.append(value if value._data.dtype == dtype else value.to(dtype))
    return result


def shapes_error(op: str, *shapes: tuple) -> RuntimeError | None:
    """The error for operands whose shapes don't broadcast (as PyTorch, a RuntimeError); None if they do."""
    try:
        numpy.broadcast_shapes(*shapes)
    except ValueError:
        return RuntimeError(
            f"{op}: shapes {', '.join(map(str, shapes))} do not broadcast: aligned from the last dimension, each "
            "set of sizes must be equal or one of them 1; reshape or unsqueeze an operand"
        )
    return None


def apply_reporting(function: Function, op: str, *inputs: Tensor) -> Tensor:
    """function.apply(*inputs), with shapes that don't broadcast reported in the user's terms."""
    try:
        return function.apply(*inputs)
    except ValueError as error:
        raise shapes_error(op, *(tensor.shape for tensor in inputs)) or error from None


def widened(function: Callable[[Any], Any], x: Any) -> Any:
    """function(x) computed in float32 for float16 x (the rational functions of erf overflow in float16)."""
    if x.dtype.itemsize >= 4:
        return function(x)
    return function(x.astype(backend.float32)).astype(x.dtype)



def write_into(target: Tensor, result: Tensor, what: str) -> None:
    """Copy `result` into `target`'s memory, as PyTorch's in-place ops: same shape, castable dtype."""
    if result.requires_grad:
        raise RuntimeError(
            f"{what}: an argument requires grad, and autograd does not record in-place changes; write the "
            "out-of-place form (x = x.op(...)) or run it inside `with chainrule.no_grad():`"
        )
    if result.shape != target.shape:
        raise RuntimeError(
            f"{what}: output with shape {target.shape} doesn't match the broadcast shape {result.shape}; "
            "use the out-of-place form"
        )
    if not numpy.can_cast(result.dtype, target.dtype, "same_kind"):
        raise RuntimeError(
            f"{what}: result type {backend.dtype_name(result.dtype)} can't be cast to the desired output type "
            f"{backend.dtype_name(target.dtype)}; use the out-of-place form, or convert the tensor first"
        )
    backend.array_module(target._data).copyto(target._data, result._data, casting="same_kind")
    target._bump_version()


def in_place(function: Callable[..., Tensor], name: str, what: str | None = None) -> Callable[..., Tensor]:
    """The in-place form `name` of `function`: the tensor's memory gets function(tensor, ...), outside autograd."""
    what = what or f"{name}()"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        self._check_inplace(what)
        write_into(self, function(self, *args, **kwargs), what)
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: the tensor becomes {function.__name__}(tensor, ...), outside autograd."
    return method

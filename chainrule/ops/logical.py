"""Ops without a gradient: finiteness tests, closeness, and the logical and bitwise ops with their operators
(`& | ^ ~ << >>` and their in-place forms) — bool or integer results, as PyTorch's.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS`, which tensor.py binds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from chainrule import backend
from chainrule.ops import _checks
from chainrule.ops._operands import in_place, operands, quiet, shapes_error, tensor_input
from chainrule.tensor import Tensor, _wrap


def _test(input: Any, op: str, floating: Callable[[Any, Any], Any], otherwise: bool) -> Tensor:
    """A bool test of each element: `floating(xp, array)` for floating tensors, `otherwise` for the rest."""
    input = tensor_input(input, op)
    xp = backend.array_module(input._data)
    if input._data.dtype.kind != "f":
        return _wrap(xp.full(input.shape, otherwise), False, None)
    return _checks.constant(floating(xp, input._data))


def isnan(input: Tensor) -> Tensor:
    """Whether each element is NaN (a bool tensor)."""
    return _test(input, "isnan", lambda xp, x: xp.isnan(x), False)


def isinf(input: Tensor) -> Tensor:
    """Whether each element is +inf or -inf (a bool tensor)."""
    return _test(input, "isinf", lambda xp, x: xp.isinf(x), False)


def isposinf(input: Tensor) -> Tensor:
    """Whether each element is +inf (a bool tensor)."""
    return _test(input, "isposinf", lambda xp, x: x == xp.inf, False)


def isneginf(input: Tensor) -> Tensor:
    """Whether each element is -inf (a bool tensor)."""
    return _test(input, "isneginf", lambda xp, x: x == -xp.inf, False)


def isfinite(input: Tensor) -> Tensor:
    """Whether each element is neither inf nor NaN (a bool tensor)."""
    return _test(input, "isfinite", lambda xp, x: xp.isfinite(x), True)


def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set: true for negative numbers and -0.0 (a bool tensor)."""
    input = tensor_input(input, "signbit")
    if input._data.dtype.kind == "b":
        return _wrap(backend.array_module(input._data).zeros(input.shape, dtype=bool), False, None)
    return _checks.constant(backend.array_module(input._data).signbit(input._data))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Whether |input - other| <= atol + rtol * |other| elementwise (equal infinities are close; NaN is close
    to NaN only with equal_nan), broadcasting. Both tensors must have one dtype, as in PyTorch."""
    input = tensor_input(input, "isclose")
    if not isinstance(other, Tensor):
        other = operands("isclose", input, other)[1]
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"isclose: expected tensors of one dtype, got {backend.dtype_name(input.dtype)} and "
            f"{backend.dtype_name(other.dtype)}; convert one with .to({backend.dtype_name(input.dtype)})"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"isclose: {name} must be greater than or equal to zero, got {value}")
    _checks.check_pair(input, other, "isclose")
    a, b = input._data, other._data
    xp = backend.array_module(a)
    error = shapes_error("isclose", a.shape, b.shape)
    if error is not None:
        raise error
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= xp.isnan(a) & xp.isnan(b)
    if rtol == 0 and atol == 0:
        return _checks.constant(close)
    if a.dtype.kind == "b":  # PyTorch measures bools as default floats
        a, b = a.astype(backend.get_default_dtype()), b.astype(backend.get_default_dtype())
    with quiet(xp):
        actual = xp.abs(a - b)
        scaled = b if b.dtype.kind == "f" else b.astype(backend.get_default_dtype())
        allowed = atol + xp.abs(rtol * scaled)
        close |= xp.isfinite(actual) & (actual <= allowed)
    return _checks.constant(close)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of input is close to other's (see isclose): a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _logical(ufunc: str, op: str, input: Any, other: Any) -> Tensor:
    """A logical ufunc of the truth values of two operands of any dtypes."""
    input = tensor_input(input, op)
    b = _checks.operand_array(input, other, op)  # checks the device of a tensor
    xp = backend.array_module(input._data)
    try:
        return _checks.constant(getattr(xp, ufunc)(input._data, b))
    except ValueError as error:
        raise shapes_error(op, input.shape, numpy.shape(b)) or error from None


def logical_and(input: Tensor, other: Any) -> Tensor:
    """Elementwise `input and other` of truth values (nonzero is true): a bool tensor."""
    return _logical("logical_and", "logical_and", input, other)


def logical_or(input: Tensor, other: Any) -> Tensor:
    """Elementwise `input or other` of truth values (nonzero is true): a bool tensor."""
    return _logical("logical_or", "logical_or", input, other)


def logical_xor(input: Tensor, other: Any) -> Tensor:
    """Elementwise exclusive or of truth values (nonzero is true): a bool tensor."""
    return _logical("logical_xor", "logical_xor", input, other)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise `not input` (nonzero is true): a bool tensor."""
    input = tensor_input(input, "logical_not")
    return _checks.constant(backend.array_module(input._data).logical_not(input._data))


def _bitwise_operands(op: str, symbol: str, *values: Any) -> list[Tensor]:
    """Integer or bool operands of one dtype; a float operand is a TypeError that names the logical op."""
    tensors = operands(op, *values)
    if tensors[0]._data.dtype.kind == "f":
        logical = op.replace("bitwise_", "logical_") if "shift" not in op else None
        hint = f"; for truth values use chainrule.{logical} or convert with .bool()" if logical else ""
        raise TypeError(
            f"{symbol} ({op}) is only defined for integer and bool tensors, got "
            f"{backend.dtype_name(tensors[0].dtype)}; convert with .long(){hint}"
        )
    return tensors


def _bitwise(ufunc: str, op: str, symbol: str, input: Any, other: Any) -> Tensor:
    a, b = _bitwise_operands(op, symbol, input, other)
    xp = backend.array_module(a._data)
    try:
        return _checks.constant(getattr(xp, ufunc)(a._data, b._data))
    except ValueError as error:
        raise shapes_error(op, a.shape, b.shape) or error from None


def bitwise_and(input: Any, other: Any) -> Tensor:
    """Elementwise bitwise and of integer tensors, logical and of bool ones: `input & other`."""
    return _bitwise("bitwise_and", "bitwise_and", "&", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    """Elementwise bitwise or of integer tensors, logical or of bool ones: `input | other`."""
    return _bitwise("bitwise_or", "bitwise_or", "|", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    """Elementwise bitwise exclusive or of integer tensors, logical xor of bool ones: `input ^ other`."""
    return _bitwise("bitwise_xor", "bitwise_xor", "^", input, other)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """input * 2 ** other in integer arithmetic (bits shifted out are lost): `input << other`."""
    return _bitwise("left_shift", "bitwise_left_shift", "<<", input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """floor(input / 2 ** other) in integer arithmetic: `input >> other`."""
    return _bitwise("right_shift", "bitwise_right_shift", ">>", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise not of an integer tensor (-x - 1), logical not of a bool one: `~input`."""
    (input,) = _bitwise_operands("bitwise_not", "~", tensor_input(input, "bitwise_not"))
    return _checks.constant(backend.array_module(input._data).invert(input._data))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "isnan": isnan, "isinf": isinf, "isposinf": isposinf, "isneginf": isneginf, "isfinite": isfinite,
    "signbit": signbit, "isclose": isclose, "allclose": allclose, "logical_and": logical_and,
    "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not, "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
}
# the tests, which have no in-place form in PyTorch
_NO_IN_PLACE = {"isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "isclose", "allclose"}

_OPERATORS: dict[str, Callable[..., Any]] = {
    "__and__": bitwise_and, "__rand__": lambda self, other: bitwise_and(other, self),
    "__or__": bitwise_or, "__ror__": lambda self, other: bitwise_or(other, self),
    "__xor__": bitwise_xor, "__rxor__": lambda self, other: bitwise_xor(other, self),
    "__lshift__": bitwise_left_shift, "__rlshift__": lambda self, other: bitwise_left_shift(other, self),
    "__rshift__": bitwise_right_shift, "__rrshift__": lambda self, other: bitwise_right_shift(other, self),
    "__invert__": bitwise_not,
}
_IN_PLACE_OPERATORS = {"__iand__": ("&=", bitwise_and), "__ior__": ("|=", bitwise_or),
                       "__ixor__": ("^=", bitwise_xor), "__ilshift__": ("<<=", bitwise_left_shift),
                       "__irshift__": (">>=", bitwise_right_shift)}

__all__: list[str] = sorted(_FUNCTIONS)

METHODS: dict[str, Callable[..., Any]] = {
    **_FUNCTIONS,
    **{f"{name}_": in_place(function, f"{name}_") for name, function in _FUNCTIONS.items()
       if name not in _NO_IN_PLACE},
    **_OPERATORS,
    **{name: in_place(function, name, symbol) for name, (symbol, function) in _IN_PLACE_OPERATORS.items()},
}

NOT_DIFFERENTIABLE: frozenset[str] = frozenset(_FUNCTIONS)

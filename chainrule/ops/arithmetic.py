"""Arithmetic: + - * / ** and negation, between tensors (broadcasting) or with a Python scalar.

A scalar operand gets its own op (AddScalar, MulScalar, ...) so it needs no tensor, no broadcasting
and no gradient of its own. `sum_to` undoes broadcasting in every backward.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.backend import _errstate
from chainrule.ops import _checks
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor, _wrap

_SCALARS = _checks.SCALAR_TYPES
_ndarray = numpy.ndarray


class Add(Function):
    """d(x + y)/dx = 1, d(x + y)/dy = 1."""

    def forward(self, x, y):
        self.shapes = (x.shape, y.shape)
        return x + y

    def backward(self, grad):
        x_shape, y_shape = self.shapes
        if x_shape == y_shape:
            return grad, grad
        return sum_to(grad, x_shape), sum_to(grad, y_shape)


class Sub(Function):
    """d(x - y)/dx = 1, d(x - y)/dy = -1."""

    def forward(self, x, y):
        self.shapes = (x.shape, y.shape)
        return x - y

    def backward(self, grad):
        grad_y = sum_to(-grad, self.shapes[1]) if self.parents[1] is not None else None
        return sum_to(grad, self.shapes[0]), grad_y


class Mul(Function):
    """d(x * y)/dx = y, d(x * y)/dy = x."""

    saves_inputs = True

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        x, y = self.inputs
        parents = self.parents
        grad_x = grad * y if parents[0] is not None else None
        grad_y = grad * x if parents[1] is not None else None
        if x.shape != y.shape:
            grad_x = None if grad_x is None else sum_to(grad_x, x.shape)
            grad_y = None if grad_y is None else sum_to(grad_y, y.shape)
        return grad_x, grad_y


class Div(Function):
    """d(x / y)/dx = 1 / y, d(x / y)/dy = -x / y^2."""

    saves_inputs = True

    def forward(self, x, y):
        return x / y

    def backward(self, grad):
        x, y = self.inputs
        grad_x = grad / y
        grad_y = sum_to(-grad_x * x / y, y.shape) if self.parents[1] is not None else None
        return sum_to(grad_x, x.shape), grad_y


class Pow(Function):
    """d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y log x (taken as 0 where x = 0 and y >= 0, and -inf where x = 0
    and y < 0, as PyTorch: inf * log 0)."""

    saves_inputs = True
    saves_output = True

    def forward(self, x, y):
        if x.dtype.kind == "f":
            with _errstate(backend.array_module(x)):  # 0 ** -1 is inf, as in PyTorch, without NumPy's warning
                return x**y
        return x**y

    def backward(self, grad):
        x, y = self.inputs
        xp = backend.array_module(x)
        grad_x = grad_y = None
        if self.parents[0] is not None:
            with _errstate(xp):
                grad_x = xp.where(y == 0, 0, grad * y * x ** (y - 1))  # d/dx x^0 = 0, even at x = 0
            grad_x = sum_to(grad_x, x.shape)
        if self.parents[1] is not None:
            no_gradient = (x == 0) & (y >= 0)
            with _errstate(xp):  # log 0 = -inf where y < 0 (the gradient is then -inf); log of x < 0 is NaN
                log_x = xp.log(xp.where(no_gradient, 1, x))
                grad_y = xp.where(no_gradient, 0, grad * self.output * log_x)
            grad_y = sum_to(grad_y, y.shape)
        return grad_x, grad_y

    def vjp(self, grad):
        x, y = self.input_tensors()
        zero_exponent = _wrap(self.inputs[1] == 0, False, None)
        grad_x = where(zero_exponent, 0.0, grad * y * x ** where(zero_exponent, 1.0, y - 1)).sum_to_size(x.shape)
        x_array, y_array = self.inputs
        no_gradient = _wrap((x_array == 0) & (y_array >= 0), False, None)
        with _errstate(backend.array_module(x_array)):
            log_x = where(no_gradient, 1.0, x).log()
            grad_y = where(no_gradient, 0.0, grad * self.output_tensor() * log_x)
        return grad_x, grad_y.sum_to_size(y.shape)


class Neg(Function):
    """d(-x)/dx = -1."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class AddScalar(Function):
    """d(x + c)/dx = 1."""

    def __init__(self, constant):
        self.constant = constant

    def forward(self, x):
        return x + self.constant

    def backward(self, grad):
        return grad


class RSubScalar(Function):
    """d(c - x)/dx = -1."""

    def __init__(self, constant):
        self.constant = constant

    def forward(self, x):
        return self.constant - x

    def backward(self, grad):
        return -grad


class MulScalar(Function):
    """d(c x)/dx = c."""

    def __init__(self, constant):
        self.constant = constant

    def forward(self, x):
        return x * self.constant

    def backward(self, grad):
        return grad * self.constant


class DivScalar(Function):
    """d(x / c)/dx = 1 / c."""

    def __init__(self, constant):
        self.constant = constant

    def forward(self, x):
        return x / self.constant

    def backward(self, grad):
        return grad / self.constant


class RDivScalar(Function):
    """d(c / x)/dx = -c / x^2 = -(c / x) / x."""

    saves_inputs = True
    saves_output = True

    def __init__(self, constant):
        self.constant = constant

    def forward(self, x):
        return self.constant / x

    def backward(self, grad):
        return -grad * self.output / self.inputs[0]


class PowScalar(Function):
    """d(x^p)/dx = p x^(p-1)."""

    saves_inputs = True

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        return x**self.exponent

    def backward(self, grad):
        x = self.inputs[0]
        if self.exponent == 2:
            return grad * 2 * x
        if self.exponent == 0:
            return grad * 0  # d/dx x^0 = 0, even at x = 0 where x^-1 is infinite
        return grad * self.exponent * x ** (self.exponent - 1)


class RPowScalar(Function):
    """d(c^x)/dx = c^x log c."""

    saves_output = True

    def __init__(self, base):
        self.base = base

    def forward(self, x):
        return self.base**x

    def backward(self, grad):
        return grad * self.output * math.log(self.base)


# -- public functions ------------------------------------------------------------------------------
def _scalar(value: Any) -> Any:
    """A Python number: NumPy scalars would otherwise promote float32 data to float64."""
    return value.item() if isinstance(value, numpy.generic) else value


def _float_for(x: Tensor, constant: Any) -> Tensor:
    """Integer data combined with a float scalar computes in the default float dtype, as in PyTorch."""
    if isinstance(constant, float) and x._data.dtype.kind != "f":
        return x.to(backend.get_default_dtype())
    return x


def _pair(input: Any, other: Any, op: str) -> tuple[Tensor, Tensor]:
    if not isinstance(input, Tensor):
        input = _checks.as_operand(input, other, op)
    elif not isinstance(other, Tensor):
        other = _checks.as_operand(other, input, op)
    input, other = _checks.promoted((input, other), op)
    return input, other


def _both_tensors(input: Any, other: Any) -> bool:
    """The common case, checked first and cheaply: two tensors of one dtype in NumPy arrays."""
    return (
        isinstance(other, Tensor)
        and isinstance(input, Tensor)
        and input._data.dtype is other._data.dtype
        and input._data.__class__ is _ndarray
        and other._data.__class__ is _ndarray
    )


def add(input: Any, other: Any) -> Tensor:
    """input + other, broadcasting."""
    if _both_tensors(input, other):
        try:
            return Add().apply(input, other)
        except ValueError as error:
            raise _checks.broadcast_error("add", input, other, error) from None
    if isinstance(input, Tensor) and isinstance(other, _SCALARS):
        other = _scalar(other)
        return AddScalar(other).apply(_float_for(input, other))
    if isinstance(other, Tensor) and isinstance(input, _SCALARS):
        input = _scalar(input)
        return AddScalar(input).apply(_float_for(other, input))
    input, other = _pair(input, other, "add")
    try:
        return Add().apply(input, other)
    except ValueError as error:
        raise _checks.broadcast_error("add", input, other, error) from None


def sub(input: Any, other: Any) -> Tensor:
    """input - other, broadcasting."""
    if _both_tensors(input, other):
        try:
            return Sub().apply(input, other)
        except ValueError as error:
            raise _checks.broadcast_error("sub", input, other, error) from None
    if isinstance(input, Tensor) and isinstance(other, _SCALARS):
        other = _scalar(other)
        return AddScalar(-other).apply(_float_for(input, other))
    if isinstance(other, Tensor) and isinstance(input, _SCALARS):
        input = _scalar(input)
        return RSubScalar(input).apply(_float_for(other, input))
    input, other = _pair(input, other, "sub")
    try:
        return Sub().apply(input, other)
    except ValueError as error:
        raise _checks.broadcast_error("sub", input, other, error) from None


def mul(input: Any, other: Any) -> Tensor:
    """input * other, broadcasting."""
    if _both_tensors(input, other):
        try:
            return Mul().apply(input, other)
        except ValueError as error:
            raise _checks.broadcast_error("mul", input, other, error) from None
    if isinstance(input, Tensor) and isinstance(other, _SCALARS):
        other = _scalar(other)
        return MulScalar(other).apply(_float_for(input, other))
    if isinstance(other, Tensor) and isinstance(input, _SCALARS):
        input = _scalar(input)
        return MulScalar(input).apply(_float_for(other, input))
    input, other = _pair(input, other, "mul")
    try:
        return Mul().apply(input, other)
    except ValueError as error:
        raise _checks.broadcast_error("mul", input, other, error) from None


def _true_float(x: Tensor) -> Tensor:
    return x if x._data.dtype.kind == "f" else x.to(backend.get_default_dtype())


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other (true division: integer tensors give the default float dtype); `rounding_mode` "floor"
    or "trunc" rounds the quotient (integers stay integers, and the gradient is 0, as in PyTorch)."""
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    if _both_tensors(input, other) and input._data.dtype.kind == "f":
        try:
            return Div().apply(input, other)
        except ValueError as error:
            raise _checks.broadcast_error("div", input, other, error) from None
    if isinstance(input, Tensor) and isinstance(other, _SCALARS):
        return DivScalar(_scalar(other)).apply(_true_float(input))
    if isinstance(other, Tensor) and isinstance(input, _SCALARS):
        return RDivScalar(_scalar(input)).apply(_true_float(other))
    input, other = _pair(input, other, "div")
    try:
        return Div().apply(_true_float(input), _true_float(other))
    except ValueError as error:
        raise _checks.broadcast_error("div", input, other, error) from None


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent, either of them a tensor."""
    if isinstance(input, Tensor) and isinstance(exponent, _SCALARS):
        exponent = _scalar(exponent)
        return PowScalar(exponent).apply(_float_for(input, exponent))
    if isinstance(exponent, Tensor) and isinstance(input, _SCALARS):
        input = _scalar(input)
        if input <= 0:
            raise ValueError(f"pow: a scalar base must be positive to differentiate c ** x, got {input}")
        return RPowScalar(input).apply(_true_float(exponent))
    input, exponent = _pair(input, exponent, "pow")
    try:
        return Pow().apply(input, exponent)
    except ValueError as error:
        raise _checks.broadcast_error("pow", input, exponent, error) from None


def neg(input: Tensor) -> Tensor:
    """-input."""
    return Neg().apply(input)


def _rounded_div(input: Any, other: Any, rounding_mode: str) -> Tensor:
    from chainrule.ops import pointwise  # builds on this module

    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f'div: rounding_mode must be None, "trunc" or "floor", got {rounding_mode!r}')
    if _checks.result_type(input, other).kind == "f":
        return (pointwise.floor if rounding_mode == "floor" else pointwise.trunc)(div(input, other))
    if rounding_mode == "floor":  # integers stay integers, with no gradient
        return pointwise.floor_divide(input, other)
    input, other = _pair(input, other, "div")
    a, b = input._data, other._data
    xp = backend.array_module(a)
    if xp.any(b == 0):
        raise RuntimeError("div: integer division by zero (rounding_mode='trunc'); divide floats instead")
    quotient = xp.floor_divide(a, b)
    # truncation rounds toward zero: one more than the floor where the division isn't exact and the signs differ
    quotient += (quotient * b != a) & ((a < 0) != (b < 0))
    return _checks.constant(quotient)

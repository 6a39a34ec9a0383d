"""Pointwise math PyTorch has beyond the basics: rounding, trigonometric and hyperbolic functions, the erf
family, logarithms and exponentials of other bases, remainders (the ops without a gradient: ops/logical.py).

Integer and bool inputs of the floating functions (tan, erf, atan2, ...) compute in the default float dtype,
and the binary ops combine a tensor with a Python number or a tensor of another dtype by PyTorch's promotion
rule (`_checks.result_type`), as PyTorch does. NumPy's warnings for the inf and NaN these functions return outside
their domains (log2(0), asin(2), fmod(x, 0)) are silenced: PyTorch returns the same values without a word.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds; the
in-place forms (`floor_`, `&=`, ...) write the result into the tensor's memory outside autograd, as
chainrule's other in-place methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks, _numerics
from chainrule.ops._operands import (
    apply_reporting,
    floating,
    in_place,
    operands,
    quiet,
    shapes_error,
    tensor_input,
    widened,
)
from chainrule.ops.elementwise import sign
from chainrule.tensor import Tensor, _wrap

_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


# -- floating unary functions --------------------------------------------------------------------------
class _Unary(Function):
    """A NumPy/CuPy ufunc of one input, named by `ufunc`."""

    ufunc = ""

    def forward(self, x):
        xp = backend.array_module(x)
        with quiet(xp):
            return getattr(xp, self.ufunc)(x)


class Tan(_Unary):
    """d/dx tan x = 1 + tan^2 x."""

    ufunc = "tan"
    saves_output = True

    def backward(self, grad):
        y = self.output
        return grad * (1 + y * y)


class Asin(_Unary):
    """d/dx asin x = 1 / sqrt(1 - x^2)."""

    ufunc = "arcsin"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (1 - x * x) ** -0.5


class Acos(_Unary):
    """d/dx acos x = -1 / sqrt(1 - x^2)."""

    ufunc = "arccos"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return -grad * (1 - x * x) ** -0.5


class Atan(_Unary):
    """d/dx atan x = 1 / (1 + x^2)."""

    ufunc = "arctan"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return grad / (1 + x * x)


class Sinh(_Unary):
    """d/dx sinh x = cosh x."""

    ufunc = "sinh"
    saves_inputs = True

    def backward(self, grad):
        xp = backend.array_module(grad)
        with quiet(xp):
            return grad * xp.cosh(self.inputs[0])

    def vjp(self, grad):
        return grad * cosh(self.input_tensors()[0])


class Cosh(_Unary):
    """d/dx cosh x = sinh x."""

    ufunc = "cosh"
    saves_inputs = True

    def backward(self, grad):
        xp = backend.array_module(grad)
        with quiet(xp):
            return grad * xp.sinh(self.inputs[0])

    def vjp(self, grad):
        return grad * sinh(self.input_tensors()[0])


class Asinh(_Unary):
    """d/dx asinh x = 1 / sqrt(x^2 + 1)."""

    ufunc = "arcsinh"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (x * x + 1) ** -0.5


class Acosh(_Unary):
    """d/dx acosh x = 1 / sqrt(x^2 - 1)."""

    ufunc = "arccosh"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (x * x - 1) ** -0.5


class Atanh(_Unary):
    """d/dx atanh x = 1 / (1 - x^2)."""

    ufunc = "arctanh"
    saves_inputs = True

    def backward(self, grad):
        x = self.inputs[0]
        return grad / (1 - x * x)


class Exp2(_Unary):
    """d/dx 2^x = 2^x log 2."""

    ufunc = "exp2"
    saves_output = True

    def backward(self, grad):
        return grad * self.output * _LN2


class Expm1(_Unary):
    """d/dx (e^x - 1) = e^x = expm1(x) + 1."""

    ufunc = "expm1"
    saves_output = True

    def backward(self, grad):
        return grad * (self.output + 1)


class Log2(_Unary):
    """d/dx log2 x = 1 / (x log 2)."""

    ufunc = "log2"
    saves_inputs = True

    def backward(self, grad):
        return grad / (self.inputs[0] * _LN2)


class Log10(_Unary):
    """d/dx log10 x = 1 / (x log 10)."""

    ufunc = "log10"
    saves_inputs = True

    def backward(self, grad):
        return grad / (self.inputs[0] * _LN10)


class Rsqrt(Function):
    """d/dx x^(-1/2) = -x^(-3/2) / 2 = -rsqrt(x)^3 / 2."""

    saves_output = True

    def forward(self, x):
        xp = backend.array_module(x)
        with quiet(xp):
            return 1 / xp.sqrt(x)

    def backward(self, grad):
        y = self.output
        return grad * (-0.5 * y * y * y)


class Erf(Function):
    """d/dx erf x = 2 / sqrt(pi) exp(-x^2)."""

    saves_inputs = True

    def forward(self, x):
        return widened(_numerics.erf, x)

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (2 / _SQRT_PI) * backend.array_module(x).exp(-(x * x))

    def vjp(self, grad):
        x = self.input_tensors()[0]
        return grad * (2 / _SQRT_PI) * (-(x * x)).exp()


class Erfc(Function):
    """d/dx erfc x = -2 / sqrt(pi) exp(-x^2)."""

    saves_inputs = True

    def forward(self, x):
        return widened(_numerics.erfc, x)

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (-2 / _SQRT_PI) * backend.array_module(x).exp(-(x * x))

    def vjp(self, grad):
        x = self.input_tensors()[0]
        return grad * (-2 / _SQRT_PI) * (-(x * x)).exp()


class Erfinv(Function):
    """d/dy erfinv y = sqrt(pi) / 2 exp(erfinv(y)^2)."""

    saves_output = True

    def forward(self, y):
        return _erfinv(y)

    def backward(self, grad):
        x = self.output
        xp = backend.array_module(x)
        with quiet(xp):
            return grad * (_SQRT_PI / 2) * xp.exp(x * x)

    def vjp(self, grad):
        x = self.output_tensor()
        return grad * (_SQRT_PI / 2) * (x * x).exp()


# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision: erfinv(y) =
# y p(w) with w = -log(1 - y^2), relative error 4e-7 for w up to 16; coefficients highest power first.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)  # w < 5, in w - 2.5
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)  # w >= 5, in sqrt(w) - 3
_HALLEY_STEPS = 3  # from Giles' start: within a few ulp for every double, 1 - 2^-53 included


def _erfinv(y: Any) -> Any:
    """erfinv(y) to float64 rounding (a few ulp), computed in float64 whatever the dtype of y.

    Giles' approximation is refined by Halley steps: on erf(x) = |y| for |y| <= 0.5, and on
    log erfc(x) = log(1 - |y|) beyond, where 1 - |y| is exact and erfc keeps its relative accuracy, so the
    tail is as accurate as the middle (steps on erf(x) - y there lose digits to erf's rounding near 1).
    erfinv(+-1) = +-inf, NaN outside [-1, 1].
    """
    xp = backend.array_module(y)
    flat = y.reshape(-1).astype(backend.float64)
    a = xp.abs(flat)
    with quiet(xp):
        w = -xp.log((1 - a) * (1 + a))
        start = xp.where(w < 5, _horner(_GILES_CENTRAL, w - 2.5), _horner(_GILES_TAIL, xp.sqrt(w) - 3))
        x = start * a

        central = xp.flatnonzero(a <= 0.5)
        x_central, a_central = x[central], a[central]
        tail = xp.flatnonzero((a > 0.5) & (a < 1))
        x_tail, log_complement = x[tail], xp.log(1 - a[tail])
        for _ in range(_HALLEY_STEPS):
            # f = erf(x) - a, f' = s, f'' = -2x s: Halley's step f / (f' - f f'' / 2f') = f / (s + x f)
            slope = (2 / _SQRT_PI) * xp.exp(-x_central * x_central)
            residual = _numerics.erf(x_central) - a_central
            x_central -= residual / (slope + x_central * residual)
            # g = log erfc(x) - log(1 - a), g' = -r with r = s / erfc(x), g'' = -r (r - 2x)
            complement = _numerics.erfc(x_tail)
            ratio = (2 / _SQRT_PI) * xp.exp(-x_tail * x_tail) / complement
            residual = xp.log(complement) - log_complement
            x_tail += residual / (ratio + residual * (ratio - 2 * x_tail) / 2)
        x[central] = x_central
        x[tail] = x_tail
    x = xp.where(a == 1, xp.inf, xp.where(a > 1, xp.nan, x))  # NaN stays NaN through every step
    return xp.copysign(x, flat).reshape(y.shape).astype(y.dtype, copy=False)


def _horner(coefficients: tuple, t: Any) -> Any:
    """The polynomial with these coefficients (highest power first) at t."""
    result = t * coefficients[0]
    result += coefficients[1]
    for coefficient in coefficients[2:]:
        result *= t
        result += coefficient
    return result


# -- rounding --------------------------------------------------------------------------------------
class _Rounding(_Unary):
    """Rounding to a grid: d/dx = 0 wherever the derivative exists, and PyTorch's 0 everywhere else."""

    def backward(self, grad):
        return backend.array_module(grad).zeros_like(grad)

    def vjp(self, grad):
        return grad * 0


class Floor(_Rounding):
    """floor x: a zero gradient."""

    ufunc = "floor"


class Ceil(_Rounding):
    """ceil x: a zero gradient."""

    ufunc = "ceil"


class Trunc(_Rounding):
    """trunc x: a zero gradient."""

    ufunc = "trunc"


class Round(_Rounding):
    """round x to `decimals` digits, half to even (PyTorch's arithmetic: x * 10^d rounded, / 10^d): a zero gradient."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def forward(self, x):
        xp = backend.array_module(x)
        if self.decimals == 0:
            return xp.rint(x)
        scale = xp.asarray(10.0 ** abs(self.decimals), dtype=x.dtype)
        with quiet(xp):
            if self.decimals > 0:
                return xp.rint(x * scale) / scale
            return xp.rint(x / scale) * scale


class Frac(Function):
    """frac x = x - trunc(x): d/dx = 1."""

    def forward(self, x):
        xp = backend.array_module(x)
        with quiet(xp):
            return x - xp.trunc(x)

    def backward(self, grad):
        return grad


# -- binary functions --------------------------------------------------------------------------------
class Fmod(Function):
    """fmod(x, y) = x - trunc(x / y) y, the sign of x: d/dx = 1, d/dy = -trunc(x / y)."""

    ufunc = "fmod"

    def forward(self, x, y):
        xp = backend.array_module(x)
        self.shapes = (x.shape, y.shape)
        with quiet(xp):
            if backend.GRAD_MODE.enabled and x.dtype.kind == "f":  # the quotient is locally constant
                self.quotient = self._quotient(xp, x, y)
            return getattr(xp, self.ufunc)(x, y)

    @staticmethod
    def _quotient(xp, x, y):
        return xp.trunc(x / y)

    def backward(self, grad):
        x_shape, y_shape = self.shapes
        grad_y = sum_to(-grad * self.quotient, y_shape) if self.parents[1] is not None else None
        return sum_to(grad, x_shape), grad_y


class Remainder(Fmod):
    """remainder(x, y) = x - floor(x / y) y, the sign of y (Python's %): d/dx = 1, d/dy = -floor(x / y)."""

    ufunc = "remainder"

    @staticmethod
    def _quotient(xp, x, y):
        return xp.floor_divide(x, y)


class Copysign(Function):
    """copysign(x, y) = |x| with the sign of y: d/dx = +-1 (0 at x = 0, as PyTorch), d/dy = 0."""

    def forward(self, x, y):
        xp = backend.array_module(x)
        self.shapes = (x.shape, y.shape)
        result = xp.copysign(x, y)
        if backend.GRAD_MODE.enabled:  # PyTorch's result / x, taken as 0 where x = 0
            with quiet(xp):
                self.factor = xp.where(x == 0, 0, result / x).astype(result.dtype, copy=False)
        return result

    def backward(self, grad):
        x_shape, y_shape = self.shapes
        grad_y = sum_to(grad * 0, y_shape) if self.parents[1] is not None else None
        return sum_to(grad * self.factor, x_shape), grad_y


class Atan2(Function):
    """atan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)."""

    saves_inputs = True

    def forward(self, y, x):
        xp = backend.array_module(y)
        return xp.arctan2(y, x)

    def backward(self, grad):
        y, x = self.inputs
        scale = grad / (x * x + y * y)
        grad_y = sum_to(scale * x, y.shape) if self.parents[0] is not None else None
        grad_x = sum_to(-scale * y, x.shape) if self.parents[1] is not None else None
        return grad_y, grad_x


class LogAddExp(Function):
    """log(e^x + e^y): d/dx = 1 / (1 + e^(y - x)), d/dy = 1 / (1 + e^(x - y)), each exact in its own tail."""

    saves_inputs = True

    def forward(self, x, y):
        xp = backend.array_module(x)
        with quiet(xp):
            return xp.logaddexp(x, y)

    def backward(self, grad):
        x, y = self.inputs
        xp = backend.array_module(x)
        grad_x = grad_y = None
        with quiet(xp):
            if self.parents[0] is not None:
                grad_x = sum_to(grad / (1 + xp.exp(y - x)), x.shape)
            if self.parents[1] is not None:
                grad_y = sum_to(grad / (1 + xp.exp(x - y)), y.shape)
        return grad_x, grad_y

    def vjp(self, grad):
        x, y = self.input_tensors()
        grad_x = (grad / (1 + (y - x).exp())).sum_to_size(x.shape) if self.parents[0] is not None else None
        grad_y = (grad / (1 + (x - y).exp())).sum_to_size(y.shape) if self.parents[1] is not None else None
        return grad_x, grad_y


class LogAddExp2(Function):
    """log2(2^x + 2^y): d/dx = 1 / (1 + 2^(y - x)), d/dy = 1 / (1 + 2^(x - y))."""

    saves_inputs = True

    def forward(self, x, y):
        xp = backend.array_module(x)
        with quiet(xp):
            return xp.logaddexp2(x, y)

    def backward(self, grad):
        x, y = self.inputs
        grad_x = grad_y = None
        with quiet(backend.array_module(grad)):  # 2^(y - x) = inf gives the right limit 0
            if self.parents[0] is not None:
                grad_x = sum_to(grad / (1 + 2 ** (y - x)), x.shape)
            if self.parents[1] is not None:
                grad_y = sum_to(grad / (1 + 2 ** (x - y)), y.shape)
        return grad_x, grad_y


class Lerp(Function):
    """lerp(a, b, w) = a + w (b - a): d/da = 1 - w, d/db = w, d/dw = b - a.

    Forward is PyTorch's: a + w (b - a) for |w| < 0.5, b - (b - a)(1 - w) otherwise, exact at w = 0 and 1.
    """

    saves_inputs = True

    def forward(self, start, end, weight):
        xp = backend.array_module(start)
        difference = end - start
        return xp.where(xp.abs(weight) < 0.5, start + weight * difference, end - difference * (1 - weight))

    def backward(self, grad):
        start, end, weight = self.inputs
        parents = self.parents
        grad_start = sum_to(grad * (1 - weight), start.shape) if parents[0] is not None else None
        grad_end = sum_to(grad * weight, end.shape) if parents[1] is not None else None
        grad_weight = sum_to(grad * (end - start), weight.shape) if parents[2] is not None else None
        return grad_start, grad_end, grad_weight


class NanToNum(Function):
    """NaN and +-inf replaced by finite numbers: d/dx = 1 where x is finite, 0 where it was replaced."""

    def __init__(self, nan: float, posinf: float | None, neginf: float | None) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        xp = backend.array_module(x)
        if backend.GRAD_MODE.enabled:
            self.finite = xp.isfinite(x)
        with quiet(xp):  # a replacement beyond the dtype's range becomes inf, as in PyTorch
            return xp.nan_to_num(x, copy=True, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, grad):
        return grad * self.finite


# -- public functions: floating unary ----------------------------------------------------------------
def tan(input: Tensor) -> Tensor:
    """Tangent, elementwise."""
    return Tan().apply(floating(input, "tan"))


def asin(input: Tensor) -> Tensor:
    """Arcsine, elementwise (NaN outside [-1, 1])."""
    return Asin().apply(floating(input, "asin"))


def acos(input: Tensor) -> Tensor:
    """Arccosine, elementwise (NaN outside [-1, 1])."""
    return Acos().apply(floating(input, "acos"))


def atan(input: Tensor) -> Tensor:
    """Arctangent, elementwise."""
    return Atan().apply(floating(input, "atan"))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine, elementwise."""
    return Sinh().apply(floating(input, "sinh"))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine, elementwise."""
    return Cosh().apply(floating(input, "cosh"))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine, elementwise."""
    return Asinh().apply(floating(input, "asinh"))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine, elementwise (NaN below 1)."""
    return Acosh().apply(floating(input, "acosh"))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent, elementwise (+-inf at +-1, NaN beyond)."""
    return Atanh().apply(floating(input, "atanh"))


def exp2(input: Tensor) -> Tensor:
    """2 ** input, elementwise."""
    return Exp2().apply(floating(input, "exp2"))


def expm1(input: Tensor) -> Tensor:
    """exp(input) - 1, exact to rounding near 0 where exp(x) - 1 cancels."""
    return Expm1().apply(floating(input, "expm1"))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return Log2().apply(floating(input, "log2"))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return Log10().apply(floating(input, "log10"))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input), elementwise (inf at 0, NaN below)."""
    return Rsqrt().apply(floating(input, "rsqrt"))


def erf(input: Tensor) -> Tensor:
    """The error function 2 / sqrt(pi) * integral of exp(-t^2) from 0 to x, elementwise."""
    return Erf().apply(floating(input, "erf"))


def erfc(input: Tensor) -> Tensor:
    """1 - erf(input), with its relative accuracy kept in the right tail (erfc(10) = 2.1e-45, not 0)."""
    return Erfc().apply(floating(input, "erfc"))


def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1), elementwise (+-inf at +-1, NaN outside)."""
    return Erfinv().apply(floating(input, "erfinv"))


# -- rounding --------------------------------------------------------------------------------------
def _rounding_input(input: Any, op: str) -> Tensor:
    input = tensor_input(input, op)
    if input._data.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for bool tensors; convert with .long() or .float() first")
    return input


def _copy(input: Tensor) -> Tensor:
    """Integers are already rounded: a copy, as PyTorch returns."""
    return _wrap(input._data.copy(), False, None)


def floor(input: Tensor) -> Tensor:
    """The largest integer <= input, elementwise (integer tensors are returned as a copy)."""
    input = _rounding_input(input, "floor")
    return Floor().apply(input) if input._data.dtype.kind == "f" else _copy(input)


def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= input, elementwise (integer tensors are returned as a copy)."""
    input = _rounding_input(input, "ceil")
    return Ceil().apply(input) if input._data.dtype.kind == "f" else _copy(input)


def trunc(input: Tensor) -> Tensor:
    """input rounded toward zero, elementwise (integer tensors are returned as a copy)."""
    input = _rounding_input(input, "trunc")
    return Trunc().apply(input) if input._data.dtype.kind == "f" else _copy(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """input rounded to `decimals` decimal digits (negative: to tens, hundreds, ...), halves to even.

    Example:
        >>> chainrule.round(chainrule.tensor([0.5, 1.5, 2.5, 1.234]), decimals=0)
        tensor([0., 2., 2., 1.])
    """
    input = _rounding_input(input, "round")
    if not _checks.is_int(decimals):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r}")
    if input._data.dtype.kind != "f":
        if decimals != 0:
            raise TypeError(
                f"round: decimals={decimals} needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; "
                "convert it with .float()"
            )
        return _copy(input)
    return Round(int(decimals)).apply(input)


def frac(input: Tensor) -> Tensor:
    """The fractional part input - trunc(input), with the sign of input."""
    input = tensor_input(input, "frac")
    if input._data.dtype.kind != "f":
        raise TypeError(
            f"frac: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; convert it with .float()"
        )
    return Frac().apply(input)


def sgn(input: Tensor) -> Tensor:
    """The sign of input: sign(input) for real tensors (bool tensors are returned as a copy, as PyTorch)."""
    input = tensor_input(input, "sgn")
    return _copy(input) if input._data.dtype.kind == "b" else sign(input)


# -- binary functions --------------------------------------------------------------------------------
def _check_integer_divisor(divisor: Tensor, op: str) -> None:
    if divisor._data.dtype.kind in "iub" and bool((divisor._data == 0).any()):
        raise RuntimeError(
            f"{op}: integer division by zero (PyTorch raises ZeroDivisionError); use floating-point tensors "
            "to get inf/NaN instead"
        )


def _remainder_operands(input: Any, other: Any, op: str) -> list[Tensor]:
    input, other = operands(op, input, other)
    if input._data.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for bool tensors; convert with .long() or .float() first")
    _check_integer_divisor(other, op)
    return [input, other]


def fmod(input: Tensor, other: Any) -> Tensor:
    """The C remainder input - trunc(input / other) * other, with the sign of input (broadcasting)."""
    tensor_input(input, "fmod")
    return apply_reporting(Fmod(), "fmod", *_remainder_operands(input, other, "fmod"))


def remainder(input: Any, other: Any) -> Tensor:
    """Python's modulus input - floor(input / other) * other, with the sign of other: `input % other`.

    Example:
        >>> chainrule.remainder(chainrule.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    return apply_reporting(Remainder(), "remainder", *_remainder_operands(input, other, "remainder"))


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other), elementwise: `input // other`. No gradient (PyTorch has none either)."""
    input, other = _remainder_operands(input, other, "floor_divide")
    xp = backend.array_module(input._data)
    try:
        with quiet(xp):
            return _checks.constant(xp.floor_divide(input._data, other._data))
    except ValueError as error:
        raise shapes_error("floor_divide", input.shape, other.shape) or error from None


def copysign(input: Tensor, other: Any) -> Tensor:
    """|input| with the sign of other (-0.0 counts as negative), broadcasting; floating result."""
    tensor_input(input, "copysign")
    return apply_reporting(Copysign(), "copysign", *operands("copysign", input, other, floating=True))


def atan2(input: Tensor, other: Any) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant, in [-pi, pi]."""
    tensor_input(input, "atan2")
    return apply_reporting(Atan2(), "atan2", *operands("atan2", input, other, floating=True))


arctan2 = atan2


def logaddexp(input: Tensor, other: Any) -> Tensor:
    """log(exp(input) + exp(other)), without overflow or underflow for arguments of any size."""
    tensor_input(input, "logaddexp")
    return apply_reporting(LogAddExp(), "logaddexp", *operands("logaddexp", input, other, floating=True))


def logaddexp2(input: Tensor, other: Any) -> Tensor:
    """log2(2 ** input + 2 ** other), without overflow or underflow for arguments of any size."""
    tensor_input(input, "logaddexp2")
    return apply_reporting(LogAddExp2(), "logaddexp2", *operands("logaddexp2", input, other, floating=True))


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:
    """Linear interpolation input + weight * (end - input); weight a number or a tensor (broadcasting).

    Example:
        >>> chainrule.lerp(chainrule.tensor([0.0, 10.0]), chainrule.tensor([1.0, 20.0]), 0.25)
        tensor([ 0.2500, 12.5000])
    """
    input = tensor_input(input, "lerp")
    if input._data.dtype.kind != "f":
        raise TypeError(f"lerp: needs floating-point tensors, got {backend.dtype_name(input.dtype)}; "
                        "convert with .float()")
    for name, value in (("end", end), ("weight", weight)):
        if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"lerp: expected {name} of dtype {backend.dtype_name(input.dtype)} like input, got "
                f"{backend.dtype_name(value.dtype)}; convert it with .to({backend.dtype_name(input.dtype)})"
            )
    return apply_reporting(Lerp(), "lerp", *operands("lerp", input, end, weight))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and
    smallest finite values); integer and bool tensors are returned as a copy."""
    input = tensor_input(input, "nan_to_num")
    if input._data.dtype.kind != "f":
        return _copy(input)
    return NanToNum(nan, posinf, neginf).apply(input)


# -- Tensor methods, operators and in-place forms ------------------------------------------------------
def fix(input: Tensor) -> Tensor:
    """Alias of trunc: input rounded toward zero."""
    return trunc(input)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "tan": tan, "asin": asin, "acos": acos, "atan": atan, "arcsin": arcsin, "arccos": arccos, "arctan": arctan,
    "sinh": sinh, "cosh": cosh, "asinh": asinh, "acosh": acosh, "atanh": atanh, "arcsinh": arcsinh,
    "arccosh": arccosh, "arctanh": arctanh, "exp2": exp2, "expm1": expm1, "log2": log2, "log10": log10,
    "rsqrt": rsqrt, "erf": erf, "erfc": erfc, "erfinv": erfinv, "floor": floor, "ceil": ceil, "trunc": trunc,
    "fix": fix, "round": round, "frac": frac, "sgn": sgn, "fmod": fmod, "remainder": remainder,
    "floor_divide": floor_divide, "copysign": copysign, "atan2": atan2, "arctan2": arctan2,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "lerp": lerp, "nan_to_num": nan_to_num,
}
# the functions with no in-place form in PyTorch
_NO_IN_PLACE = {"logaddexp", "logaddexp2"}

_OPERATORS: dict[str, Callable[..., Any]] = {
    "__floordiv__": floor_divide, "__rfloordiv__": lambda self, other: floor_divide(other, self),
    "__mod__": remainder, "__rmod__": lambda self, other: remainder(other, self),
}
_IN_PLACE_OPERATORS = {"__ifloordiv__": ("//=", floor_divide), "__imod__": ("%=", remainder)}

__all__: list[str] = sorted(_FUNCTIONS)

METHODS: dict[str, Callable[..., Any]] = {
    **_FUNCTIONS,
    **{f"{name}_": in_place(function, f"{name}_") for name, function in _FUNCTIONS.items()
       if name not in _NO_IN_PLACE},
    **_OPERATORS,
    **{name: in_place(function, name, symbol) for name, (symbol, function) in _IN_PLACE_OPERATORS.items()},
}

# Functions whose results carry no gradient (integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({"floor_divide"})

"""Pointwise math PyTorch has beyond the basics: rounding, trigonometric and hyperbolic functions, the erf
family, logarithms and exponentials of other bases, remainders, logical and bitwise ops, finiteness tests.

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

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.backend import _errstate
from chainrule.ops import _checks, _numerics
from chainrule.ops.elementwise import sign
from chainrule.tensor import Tensor, _wrap

_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _quiet(xp: Any) -> Any:
    """No NumPy warnings for the inf/NaN results PyTorch returns silently (overflow included)."""
    return _errstate(xp, divide="ignore", invalid="ignore", over="ignore")


# -- dtypes and operands -----------------------------------------------------------------------------
_result_dtype = _checks.result_type  # torch.result_type (shared with arithmetic, where and cat)


def _tensor_input(input: Any, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    return input


def _floating(input: Any, op: str) -> Tensor:
    """The input of a floating function: integer and bool tensors are converted to the default float dtype."""
    input = _tensor_input(input, op)
    return input if input._data.dtype.kind == "f" else input.to(backend.get_default_dtype())


def _operands(op: str, *values: Any, floating: bool = False) -> list[Tensor]:
    """Tensors and Python numbers as tensors of their common dtype (PyTorch's promotion) on one device.

    Numbers become constant 0-d tensors; `floating` makes an integer or bool result dtype the default float.
    """
    tensors = [value for value in values if isinstance(value, Tensor)]
    if not tensors:
        raise TypeError(f"{op}: expected at least one Tensor, got {', '.join(type(v).__name__ for v in values)}")
    like = tensors[0]
    values = [value if isinstance(value, (Tensor, *_checks.SCALAR_TYPES)) else _checks.as_operand(value, like, op)
              for value in values]
    dtype = _result_dtype(*values)
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


def _broadcast_error(op: str, *shapes: tuple) -> RuntimeError | None:
    """The error for operands whose shapes don't broadcast (as PyTorch, a RuntimeError); None if they do."""
    try:
        numpy.broadcast_shapes(*shapes)
    except ValueError:
        return RuntimeError(
            f"{op}: shapes {', '.join(map(str, shapes))} do not broadcast: aligned from the last dimension, each "
            "set of sizes must be equal or one of them 1; reshape or unsqueeze an operand"
        )
    return None


def _apply(function: Function, op: str, *inputs: Tensor) -> Tensor:
    """function.apply(*inputs), with shapes that don't broadcast reported in the user's terms."""
    try:
        return function.apply(*inputs)
    except ValueError as error:
        raise _broadcast_error(op, *(tensor.shape for tensor in inputs)) or error from None


def _widened(function: Callable[[Any], Any], x: Any) -> Any:
    """function(x) computed in float32 for float16 x (the rational functions of erf overflow in float16)."""
    if x.dtype.itemsize >= 4:
        return function(x)
    return function(x.astype(backend.float32)).astype(x.dtype)


# -- floating unary functions --------------------------------------------------------------------------
class _Unary(Function):
    """A NumPy/CuPy ufunc of one input, named by `ufunc`."""

    ufunc = ""

    def forward(self, x):
        xp = backend.array_module(x)
        with _quiet(xp):
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
        with _quiet(xp):
            return grad * xp.cosh(self.inputs[0])

    def vjp(self, grad):
        return grad * cosh(self.input_tensors()[0])


class Cosh(_Unary):
    """d/dx cosh x = sinh x."""

    ufunc = "cosh"
    saves_inputs = True

    def backward(self, grad):
        xp = backend.array_module(grad)
        with _quiet(xp):
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
        with _quiet(xp):
            return 1 / xp.sqrt(x)

    def backward(self, grad):
        y = self.output
        return grad * (-0.5 * y * y * y)


class Erf(Function):
    """d/dx erf x = 2 / sqrt(pi) exp(-x^2)."""

    saves_inputs = True

    def forward(self, x):
        return _widened(_numerics.erf, x)

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
        return _widened(_numerics.erfc, x)

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
        with _quiet(xp):
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
    with _quiet(xp):
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
        with _quiet(xp):
            if self.decimals > 0:
                return xp.rint(x * scale) / scale
            return xp.rint(x / scale) * scale


class Frac(Function):
    """frac x = x - trunc(x): d/dx = 1."""

    def forward(self, x):
        xp = backend.array_module(x)
        with _quiet(xp):
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
        with _quiet(xp):
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
            with _quiet(xp):
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
        with _quiet(xp):
            return xp.logaddexp(x, y)

    def backward(self, grad):
        x, y = self.inputs
        xp = backend.array_module(x)
        grad_x = grad_y = None
        with _quiet(xp):
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
        with _quiet(xp):
            return xp.logaddexp2(x, y)

    def backward(self, grad):
        x, y = self.inputs
        grad_x = grad_y = None
        with _quiet(backend.array_module(grad)):  # 2^(y - x) = inf gives the right limit 0
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
        with _quiet(xp):  # a replacement beyond the dtype's range becomes inf, as in PyTorch
            return xp.nan_to_num(x, copy=True, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, grad):
        return grad * self.finite


# -- public functions: floating unary ----------------------------------------------------------------
def tan(input: Tensor) -> Tensor:
    """Tangent, elementwise."""
    return Tan().apply(_floating(input, "tan"))


def asin(input: Tensor) -> Tensor:
    """Arcsine, elementwise (NaN outside [-1, 1])."""
    return Asin().apply(_floating(input, "asin"))


def acos(input: Tensor) -> Tensor:
    """Arccosine, elementwise (NaN outside [-1, 1])."""
    return Acos().apply(_floating(input, "acos"))


def atan(input: Tensor) -> Tensor:
    """Arctangent, elementwise."""
    return Atan().apply(_floating(input, "atan"))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine, elementwise."""
    return Sinh().apply(_floating(input, "sinh"))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine, elementwise."""
    return Cosh().apply(_floating(input, "cosh"))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine, elementwise."""
    return Asinh().apply(_floating(input, "asinh"))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine, elementwise (NaN below 1)."""
    return Acosh().apply(_floating(input, "acosh"))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent, elementwise (+-inf at +-1, NaN beyond)."""
    return Atanh().apply(_floating(input, "atanh"))


def exp2(input: Tensor) -> Tensor:
    """2 ** input, elementwise."""
    return Exp2().apply(_floating(input, "exp2"))


def expm1(input: Tensor) -> Tensor:
    """exp(input) - 1, exact to rounding near 0 where exp(x) - 1 cancels."""
    return Expm1().apply(_floating(input, "expm1"))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return Log2().apply(_floating(input, "log2"))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return Log10().apply(_floating(input, "log10"))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input), elementwise (inf at 0, NaN below)."""
    return Rsqrt().apply(_floating(input, "rsqrt"))


def erf(input: Tensor) -> Tensor:
    """The error function 2 / sqrt(pi) * integral of exp(-t^2) from 0 to x, elementwise."""
    return Erf().apply(_floating(input, "erf"))


def erfc(input: Tensor) -> Tensor:
    """1 - erf(input), with its relative accuracy kept in the right tail (erfc(10) = 2.1e-45, not 0)."""
    return Erfc().apply(_floating(input, "erfc"))


def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1), elementwise (+-inf at +-1, NaN outside)."""
    return Erfinv().apply(_floating(input, "erfinv"))


# -- rounding --------------------------------------------------------------------------------------
def _rounding_input(input: Any, op: str) -> Tensor:
    input = _tensor_input(input, op)
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
    input = _tensor_input(input, "frac")
    if input._data.dtype.kind != "f":
        raise TypeError(
            f"frac: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; convert it with .float()"
        )
    return Frac().apply(input)


def sgn(input: Tensor) -> Tensor:
    """The sign of input: sign(input) for real tensors (bool tensors are returned as a copy, as PyTorch)."""
    input = _tensor_input(input, "sgn")
    return _copy(input) if input._data.dtype.kind == "b" else sign(input)


# -- binary functions --------------------------------------------------------------------------------
def _check_integer_divisor(divisor: Tensor, op: str) -> None:
    if divisor._data.dtype.kind in "iub" and bool((divisor._data == 0).any()):
        raise RuntimeError(
            f"{op}: integer division by zero (PyTorch raises ZeroDivisionError); use floating-point tensors "
            "to get inf/NaN instead"
        )


def _remainder_operands(input: Any, other: Any, op: str) -> list[Tensor]:
    input, other = _operands(op, input, other)
    if input._data.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for bool tensors; convert with .long() or .float() first")
    _check_integer_divisor(other, op)
    return [input, other]


def fmod(input: Tensor, other: Any) -> Tensor:
    """The C remainder input - trunc(input / other) * other, with the sign of input (broadcasting)."""
    _tensor_input(input, "fmod")
    return _apply(Fmod(), "fmod", *_remainder_operands(input, other, "fmod"))


def remainder(input: Any, other: Any) -> Tensor:
    """Python's modulus input - floor(input / other) * other, with the sign of other: `input % other`.

    Example:
        >>> chainrule.remainder(chainrule.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    return _apply(Remainder(), "remainder", *_remainder_operands(input, other, "remainder"))


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other), elementwise: `input // other`. No gradient (PyTorch has none either)."""
    input, other = _remainder_operands(input, other, "floor_divide")
    xp = backend.array_module(input._data)
    try:
        with _quiet(xp):
            return _checks.constant(xp.floor_divide(input._data, other._data))
    except ValueError as error:
        raise _broadcast_error("floor_divide", input.shape, other.shape) or error from None


def copysign(input: Tensor, other: Any) -> Tensor:
    """|input| with the sign of other (-0.0 counts as negative), broadcasting; floating result."""
    _tensor_input(input, "copysign")
    return _apply(Copysign(), "copysign", *_operands("copysign", input, other, floating=True))


def atan2(input: Tensor, other: Any) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant, in [-pi, pi]."""
    _tensor_input(input, "atan2")
    return _apply(Atan2(), "atan2", *_operands("atan2", input, other, floating=True))


arctan2 = atan2


def logaddexp(input: Tensor, other: Any) -> Tensor:
    """log(exp(input) + exp(other)), without overflow or underflow for arguments of any size."""
    _tensor_input(input, "logaddexp")
    return _apply(LogAddExp(), "logaddexp", *_operands("logaddexp", input, other, floating=True))


def logaddexp2(input: Tensor, other: Any) -> Tensor:
    """log2(2 ** input + 2 ** other), without overflow or underflow for arguments of any size."""
    _tensor_input(input, "logaddexp2")
    return _apply(LogAddExp2(), "logaddexp2", *_operands("logaddexp2", input, other, floating=True))


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:
    """Linear interpolation input + weight * (end - input); weight a number or a tensor (broadcasting).

    Example:
        >>> chainrule.lerp(chainrule.tensor([0.0, 10.0]), chainrule.tensor([1.0, 20.0]), 0.25)
        tensor([ 0.2500, 12.5000])
    """
    input = _tensor_input(input, "lerp")
    if input._data.dtype.kind != "f":
        raise TypeError(f"lerp: needs floating-point tensors, got {backend.dtype_name(input.dtype)}; "
                        "convert with .float()")
    for name, value in (("end", end), ("weight", weight)):
        if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"lerp: expected {name} of dtype {backend.dtype_name(input.dtype)} like input, got "
                f"{backend.dtype_name(value.dtype)}; convert it with .to({backend.dtype_name(input.dtype)})"
            )
    return _apply(Lerp(), "lerp", *_operands("lerp", input, end, weight))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and
    smallest finite values); integer and bool tensors are returned as a copy."""
    input = _tensor_input(input, "nan_to_num")
    if input._data.dtype.kind != "f":
        return _copy(input)
    return NanToNum(nan, posinf, neginf).apply(input)


# -- no gradient: finiteness, closeness, logical and bitwise ops ----------------------------------------
def _test(input: Any, op: str, floating: Callable[[Any, Any], Any], otherwise: bool) -> Tensor:
    """A bool test of each element: `floating(xp, array)` for floating tensors, `otherwise` for the rest."""
    input = _tensor_input(input, op)
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
    input = _tensor_input(input, "signbit")
    if input._data.dtype.kind == "b":
        return _wrap(backend.array_module(input._data).zeros(input.shape, dtype=bool), False, None)
    return _checks.constant(backend.array_module(input._data).signbit(input._data))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Whether |input - other| <= atol + rtol * |other| elementwise (equal infinities are close; NaN is close
    to NaN only with equal_nan), broadcasting. Both tensors must have one dtype, as in PyTorch."""
    input = _tensor_input(input, "isclose")
    if not isinstance(other, Tensor):
        other = _operands("isclose", input, other)[1]
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
    error = _broadcast_error("isclose", a.shape, b.shape)
    if error is not None:
        raise error
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= xp.isnan(a) & xp.isnan(b)
    if rtol == 0 and atol == 0:
        return _checks.constant(close)
    if a.dtype.kind == "b":  # PyTorch measures bools as default floats
        a, b = a.astype(backend.get_default_dtype()), b.astype(backend.get_default_dtype())
    with _quiet(xp):
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
    input = _tensor_input(input, op)
    b = _checks.operand_array(input, other, op)  # checks the device of a tensor
    xp = backend.array_module(input._data)
    try:
        return _checks.constant(getattr(xp, ufunc)(input._data, b))
    except ValueError as error:
        raise _broadcast_error(op, input.shape, numpy.shape(b)) or error from None


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
    input = _tensor_input(input, "logical_not")
    return _checks.constant(backend.array_module(input._data).logical_not(input._data))


def _bitwise_operands(op: str, symbol: str, *values: Any) -> list[Tensor]:
    """Integer or bool operands of one dtype; a float operand is a TypeError that names the logical op."""
    tensors = _operands(op, *values)
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
        raise _broadcast_error(op, a.shape, b.shape) or error from None


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
    (input,) = _bitwise_operands("bitwise_not", "~", _tensor_input(input, "bitwise_not"))
    return _checks.constant(backend.array_module(input._data).invert(input._data))


# -- Tensor methods, operators and in-place forms ------------------------------------------------------
def _write_into(target: Tensor, result: Tensor, what: str) -> None:
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


def _in_place(function: Callable[..., Tensor], name: str, what: str | None = None) -> Callable[..., Tensor]:
    """The in-place form `name` of `function`: the tensor's memory gets function(tensor, ...), outside autograd."""
    what = what or f"{name}()"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        self._check_inplace(what)
        _write_into(self, function(self, *args, **kwargs), what)
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: the tensor becomes {function.__name__}(tensor, ...), outside autograd."
    return method


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
    "isnan": isnan, "isinf": isinf, "isposinf": isposinf, "isneginf": isneginf, "isfinite": isfinite,
    "signbit": signbit, "isclose": isclose, "allclose": allclose, "logical_and": logical_and,
    "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not, "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
}
# the functions with no in-place form in PyTorch
_NO_IN_PLACE = {"logaddexp", "logaddexp2", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit",
                "isclose", "allclose"}

_OPERATORS: dict[str, Callable[..., Any]] = {
    "__floordiv__": floor_divide, "__rfloordiv__": lambda self, other: floor_divide(other, self),
    "__mod__": remainder, "__rmod__": lambda self, other: remainder(other, self),
    "__and__": bitwise_and, "__rand__": lambda self, other: bitwise_and(other, self),
    "__or__": bitwise_or, "__ror__": lambda self, other: bitwise_or(other, self),
    "__xor__": bitwise_xor, "__rxor__": lambda self, other: bitwise_xor(other, self),
    "__lshift__": bitwise_left_shift, "__rlshift__": lambda self, other: bitwise_left_shift(other, self),
    "__rshift__": bitwise_right_shift, "__rrshift__": lambda self, other: bitwise_right_shift(other, self),
    "__invert__": bitwise_not,
}
_IN_PLACE_OPERATORS = {"__ifloordiv__": ("//=", floor_divide), "__imod__": ("%=", remainder),
                       "__iand__": ("&=", bitwise_and), "__ior__": ("|=", bitwise_or),
                       "__ixor__": ("^=", bitwise_xor), "__ilshift__": ("<<=", bitwise_left_shift),
                       "__irshift__": (">>=", bitwise_right_shift)}

__all__: list[str] = sorted(_FUNCTIONS)

METHODS: dict[str, Callable[..., Any]] = {
    **_FUNCTIONS,
    **{f"{name}_": _in_place(function, f"{name}_") for name, function in _FUNCTIONS.items()
       if name not in _NO_IN_PLACE},
    **_OPERATORS,
    **{name: _in_place(function, name, symbol) for name, (symbol, function) in _IN_PLACE_OPERATORS.items()},
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({
    "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "isclose", "allclose", "floor_divide",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
})

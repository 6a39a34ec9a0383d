"""Special and composite math: xlogy, hypot, logit, lgamma, digamma, polygamma, sinc, heaviside,
fmax/fmin, float_power, deg2rad/rad2deg, gcd/lcm, ldexp, nansum/nanmean, aminmax, diff, trace, cross, dist,
cov/corrcoef, bincount, histc, unique.

Most functions are compositions of differentiable ops (xlogy, sinc and fmax route through `where`; cov is a
matrix product), so their gradients, and gradients of those, come for free. The gamma family has its own ops:
lgamma by a Lanczos sum, digamma and polygamma by the recurrence psi(x) = psi(x + 1) - 1/x up to large x and
the asymptotic series there, with the reflection formula for negative x (NumPy has none of them and SciPy is
not a dependency). They compute in float64 and round back to the input's dtype.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks
from chainrule.ops._operands import floating as _floating
from chainrule.ops._operands import in_place as _in_place
from chainrule.ops._operands import operands as _operands
from chainrule.ops._operands import quiet as _quiet
from chainrule.ops._operands import tensor_input as _tensor_input
from chainrule.ops.elementwise import log, sin, where
from chainrule.ops.layout import diagonal
from chainrule.ops.logical import isnan
from chainrule.ops.products import cross as _linalg_cross
from chainrule.ops.products import vector_norm
from chainrule.ops.reduction import amax, amin
from chainrule.ops.shape import cat
from chainrule.tensor import Tensor


def _broadcast_shape(op: str, *tensors: Tensor) -> tuple:
    """The shape the operands broadcast to; a RuntimeError naming their shapes if they don't."""
    try:
        return numpy.broadcast_shapes(*(tensor.shape for tensor in tensors))
    except ValueError:
        shapes = " and ".join(str(tensor.shape) for tensor in tensors)
        raise RuntimeError(
            f"{op}: shapes {shapes} do not broadcast: aligned from the last dimension, each pair of sizes must be "
            "equal or one of them 1; reshape or unsqueeze an operand"
        ) from None


def _need_float(input: Tensor, op: str) -> None:
    if input._data.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; use .float()")


# -- the gamma family on arrays ----------------------------------------------------------------------------
# Godfrey's Lanczos coefficients for g = 607/128 (15 terms): Gamma(z + 1) to about 1e-15 relative for z >= -0.5
_LANCZOS_G = 607 / 128
_LANCZOS = (0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
            -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
            -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3,
            0.21743961811521264320e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4,
            -0.26190838401581408670e-4, 0.36899182659531622704e-5)
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B_2, B_4, ..., B_20 of the asymptotic series
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330)


def _lgamma(x: Any) -> Any:
    """log |Gamma(x)|: the Lanczos sum for x >= 0.5, the reflection log(pi / |sin(pi x)|) - lgamma(1 - x) below
    (inf at the poles 0, -1, -2, ..., as PyTorch)."""
    xp = backend.array_module(x)
    work = x.astype(xp.float64)
    with _quiet(xp):
        reflect = work < 0.5
        z = xp.where(reflect, -work, work - 1)  # lgamma(z + 1), z >= -0.5
        series = xp.full_like(z, _LANCZOS[0])
        for index, coefficient in enumerate(_LANCZOS[1:], start=1):
            series += coefficient / (z + index)
        # (z + 1/2) log t - t with t = z + 1/2 + g, written so that it stays finite for x up to the float limit
        result = (z + 0.5) * (xp.log(z + 0.5 + _LANCZOS_G) - 1) - _LANCZOS_G + _HALF_LOG_TWO_PI + xp.log(series)
        offset = work - xp.round(work)  # exact; sin(pi x) = +-sin(pi offset) without pi x's rounding
        reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * offset))) - result
        result = xp.where(reflect, reflected, result)
        result = xp.where(xp.isinf(work), xp.inf, result)
    return xp.asarray(result.astype(x.dtype, copy=False))


@functools.cache
def _cot_derivative(n: int) -> numpy.ndarray:
    """Coefficients (lowest power first) of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)):
    P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    coefficients = numpy.array([0.0, 1.0])
    for _ in range(n):
        coefficients = -numpy.polynomial.polynomial.polymul([1.0, 0.0, 1.0],
                                                            numpy.polynomial.polynomial.polyder(coefficients))
    return coefficients


def _horner(coefficients: Any, x: Any) -> Any:
    """sum_k coefficients[k] x^k (lowest power first)."""
    result = x * 0 + float(coefficients[-1])  # Python floats: the same code runs on CuPy arrays
    for coefficient in coefficients[-2::-1]:
        result = result * x + float(coefficient)
    return result


def _polygamma_series(n: int, y: Any) -> Any:
    """The asymptotic series of psi^(n)(y), to float64 accuracy for y >= 20 + n."""
    xp = backend.array_module(y)
    w = 1 / (y * y)
    if n == 0:  # psi(y) ~ log y - 1/(2y) - sum B_2k / (2k y^2k)
        coefficients = [0.0] + [b / (2 * k) for k, b in enumerate(_BERNOULLI, start=1)]
        return xp.log(y) - 0.5 / y - _horner(coefficients, w)
    # psi^(n)(y) ~ (-1)^(n+1) y^-n [(n-1)! + n!/(2y) + sum B_2k (2k+n-1)!/(2k)! y^-2k]
    coefficients = [0.0] + [b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
                            for k, b in enumerate(_BERNOULLI, start=1)]
    bracket = math.factorial(n - 1) + math.factorial(n) * 0.5 / y + _horner(coefficients, w)
    return (-1) ** (n + 1) * bracket / y**n


def _polygamma(n: int, x: Any) -> Any:
    """psi^(n)(x), the n-th derivative of digamma: up by psi^(n)(x) = psi^(n)(x + 1) + (-1)^(n+1) n! / x^(n+1)
    to 20 + n, then the asymptotic series; negative x by the reflection
    psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))."""
    xp = backend.array_module(x)
    work = x.astype(xp.float64)
    with _quiet(xp):
        reflect = work < 0
        y = xp.where(reflect, 1 - work, work)
        if n:
            y = y + 0.0  # -0 is 0 (digamma keeps its sign: psi(-0) = +inf, psi(+0) = -inf, as PyTorch)
        threshold = 20 + n
        steps = xp.zeros_like(y)
        for _ in range(threshold):
            low = y < threshold
            steps += xp.where(low, y ** -(n + 1), 0.0)
            y = xp.where(low, y + 1, y)
        result = _polygamma_series(n, y) + (-1) ** (n + 1) * math.factorial(n) * steps
        offset = work - xp.round(work)
        cot = 1 / xp.tan(math.pi * offset)
        reflected = (-1) ** n * result - math.pi ** (n + 1) * _horner(_cot_derivative(n), cot)
        pole = reflect & (offset == 0)
        reflected = xp.where(pole, xp.nan if n == 0 else (-1) ** (n + 1) * xp.inf, reflected)
        result = xp.where(reflect, reflected, result)
        if n:
            result = xp.where(xp.isposinf(work), 0.0, result)
    return xp.asarray(result.astype(x.dtype, copy=False))


class Lgamma(Function):
    """d/dx lgamma(x) = digamma(x)."""

    saves_inputs = True

    def forward(self, x):
        return _lgamma(x)

    def backward(self, grad):
        return grad * _polygamma(0, self.inputs[0])

    def vjp(self, grad):
        return grad * Polygamma(0).apply(self.input_tensors()[0])


class Polygamma(Function):
    """d/dx polygamma(n, x) = polygamma(n + 1, x); polygamma(0, x) is digamma(x)."""

    saves_inputs = True

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, x):
        return _polygamma(self.n, x)

    def backward(self, grad):
        return grad * _polygamma(self.n + 1, self.inputs[0])

    def vjp(self, grad):
        return grad * Polygamma(self.n + 1).apply(self.input_tensors()[0])


class Hypot(Function):
    """d/dx hypot(x, y) = x / hypot(x, y), d/dy hypot(x, y) = y / hypot(x, y)."""

    saves_inputs = True
    saves_output = True

    def forward(self, x, y):
        return backend.array_module(x).hypot(x, y)

    def backward(self, grad):
        x, y = self.inputs
        scaled = grad / self.output
        return sum_to(scaled * x, x.shape), sum_to(scaled * y, y.shape)


# -- elementwise functions ---------------------------------------------------------------------------------
def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(input)|; inf at 0, -1, -2, ... Integer tensors give the default float dtype."""
    return Lgamma().apply(_floating(input, "lgamma"))


def digamma(input: Tensor) -> Tensor:
    """psi(input) = d/dx lgamma(x); -inf at +0, +inf at -0 and NaN at the negative integers, as PyTorch."""
    return Polygamma(0).apply(_floating(input, "digamma"))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma at input (polygamma(0, x) is digamma(x))."""
    if not _checks.is_int(n) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got {n!r}); n must be an int >= 0")
    return Polygamma(int(n)).apply(_floating(input, "polygamma"))


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input is 0 (even where other is 0), NaN where other is NaN.

    d/dx = log(other) (0 where input is 0 and other <= 0, as PyTorch), d/dother = input / other.
    """
    x, y = _operands("xlogy", input, other, floating=True)
    _broadcast_shape("xlogy", x, y)
    xp = backend.array_module(x._data)
    # only where log(other) would be -inf, NaN or inf: elsewhere 0 * log(other) is already 0, with its derivative
    zero = _checks.constant((x._data == 0) & ((y._data <= 0) | xp.isposinf(y._data)))
    with _quiet(xp):
        return where(zero, 0.0, x * log(where(zero, 1.0, y)))


def hypot(input: Tensor, other: Any) -> Tensor:
    """sqrt(input^2 + other^2) without overflow or underflow (floating tensors)."""
    x, y = _operands("hypot", input, other)
    _need_float(x, "hypot")
    _broadcast_shape("hypot", x, y)
    return Hypot().apply(x, y)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), input clamped to [eps, 1 - eps] when eps is given; d/dp = 1 / (p (1 - p)) (0 where
    the clamp cuts)."""
    x = _floating(input, "logit")
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    with _quiet(backend.array_module(x._data)):
        return log(x / (1 - x))


def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0; d/dx = (cos(pi x) - sinc(x)) / x, 0 at 0 (as PyTorch)."""
    x = _floating(input, "sinc")
    zero = _checks.constant(x._data == 0)
    scaled = where(zero, 1.0, x * math.pi)
    return where(zero, 1.0, sin(scaled) / scaled)


def _nan_ignoring(op: str, input: Any, other: Any, wins: Callable[[Any, Any], Any]) -> Tensor:
    x, y = _operands(op, input, other)
    _broadcast_shape(op, x, y)
    xp = backend.array_module(x._data)
    take_x = _checks.constant(wins(x._data, y._data) | xp.isnan(y._data))
    return where(take_x, x, y)


def fmax(input: Tensor, other: Any) -> Tensor:
    """Elementwise maximum ignoring NaN (NaN only where both are); the gradient goes to the input taken,
    to `input` on ties (as PyTorch)."""
    return _nan_ignoring("fmax", input, other, lambda x, y: x >= y)


def fmin(input: Tensor, other: Any) -> Tensor:
    """Elementwise minimum ignoring NaN (NaN only where both are); the gradient goes to the input taken,
    to `input` on ties (as PyTorch)."""
    return _nan_ignoring("fmin", input, other, lambda x, y: x <= y)


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent in float64 whatever the dtypes (gradients come back in each input's dtype)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: expected at least one Tensor")
    base = input.to(backend.float64) if isinstance(input, Tensor) else float(input)
    power = exponent.to(backend.float64) if isinstance(exponent, Tensor) else float(exponent)
    if isinstance(base, Tensor) and isinstance(power, Tensor):
        _broadcast_shape("float_power", base, power)
    return base**power


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians: input * pi / 180."""
    return _floating(input, "deg2rad") * (math.pi / 180)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees: input * 180 / pi."""
    return _floating(input, "rad2deg") * (180 / math.pi)


def ldexp(input: Tensor, other: Any) -> Tensor:
    """input * 2 ** other, in floating point; d/dinput = 2^other, d/dother = log 2 input 2^other."""
    x, power = _operands("ldexp", input, other, floating=True)
    _broadcast_shape("ldexp", x, power)
    return x * 2.0**power


def heaviside(input: Tensor, values: Any) -> Tensor:
    """The step function: 0 where input < 0, `values` where input == 0, 1 where input > 0 (no gradient)."""
    x = _tensor_input(input, "heaviside")
    values = _checks.as_operand(values, x, "heaviside")
    if values.dtype != x.dtype:
        raise RuntimeError(
            f"heaviside: input and values must have the same dtype, got {backend.dtype_name(x.dtype)} and "
            f"{backend.dtype_name(values.dtype)}; convert one with .to()"
        )
    _broadcast_shape("heaviside", x, values)
    xp = backend.array_module(x._data)
    return _checks.constant(xp.where(x._data == 0, values._data, x._data > 0).astype(x.dtype))


def _integers(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    x, y = _operands(op, input, other)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{op}: needs integer tensors, got {backend.dtype_name(x.dtype)}; use .long()")
    _broadcast_shape(op, x, y)
    return x, y


def gcd(input: Tensor, other: Any) -> Tensor:
    """Elementwise greatest common divisor of integer tensors (non-negative; gcd(0, 0) = 0)."""
    x, y = _integers("gcd", input, other)
    return _checks.constant(backend.array_module(x._data).gcd(x._data, y._data))


def lcm(input: Tensor, other: Any) -> Tensor:
    """Elementwise least common multiple of integer tensors (non-negative; 0 if either is 0)."""
    x, y = _integers("lcm", input, other)
    return _checks.constant(backend.array_module(x._data).lcm(x._data, y._data))


# -- reductions and differences ----------------------------------------------------------------------------
class AminmaxResult(NamedTuple):
    """`aminmax(x)`: the smallest and largest values, as PyTorch's `torch.return_types.aminmax`."""

    min: Tensor
    max: Tensor


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """(amin, amax) over dim (all dimensions when None) in one call; gradients as amin's and amax's."""
    _tensor_input(input, "aminmax")
    if input.numel() == 0:
        raise RuntimeError("aminmax: cannot compute on an empty tensor (there is no minimum); check its shape "
                           f"{input.shape}")
    return AminmaxResult(amin(input, dim, keepdim), amax(input, dim, keepdim))


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over dim treating NaN as 0; the gradient is 1 where the element is not NaN, 0 where it is."""
    x = _tensor_input(input, "nansum")
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind == "f":
        x = where(isnan(x), 0.0, x)
    return x.sum(dim, keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over dim of the elements that are not NaN (NaN where all are); gradient 1/count off the NaNs."""
    x = _tensor_input(input, "nanmean") if dtype is None else _tensor_input(input, "nanmean").to(dtype)
    _need_float(x, "nanmean")
    present = _checks.constant(~backend.array_module(x._data).isnan(x._data)).to(x.dtype)
    with _quiet(backend.array_module(x._data)):
        return nansum(x, dim, keepdim) / present.sum(dim, keepdim)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along dim (out[i] = x[i + 1] - x[i], n times), after concatenating
    prepend and append along dim; bool tensors give x[i + 1] != x[i]."""
    _tensor_input(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff: expected a tensor with at least one dimension, got a 0-d tensor; "
                           "unsqueeze it first")
    if not _checks.is_int(n) or n < 0:
        raise RuntimeError(f"diff: order must be a non-negative int, got {n!r}")
    axis = _checks.normalize_dim(dim, input.ndim, "diff")
    pieces = [piece for piece in (prepend, input, append) if piece is not None]
    if len(pieces) > 1:
        pieces = [_checks.as_operand(piece, input, "diff") for piece in pieces]
        pieces = [piece.expand(*input.shape[:axis], -1, *input.shape[axis + 1:]) if piece.ndim == 0 else piece
                  for piece in pieces]
        input = cat(pieces, axis)
    before = (slice(None),) * axis
    for _ in range(int(n)):
        later, earlier = input[(*before, slice(1, None))], input[(*before, slice(None, -1))]
        input = later != earlier if input.dtype == backend.bool_ else later - earlier
    return input


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix; d/dA trace(A) = I."""
    _tensor_input(input, "trace")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix (2-D), got shape {tuple(input.shape)}; use "
                           "diagonal(x, dim1=-2, dim2=-1).sum(-1) for a batch")
    result = diagonal(input).sum()
    return result if result.dtype.kind != "i" or result.dtype == backend.int64 else result.to(backend.int64)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along dim; dim None is the first dimension of size 3 (torch.cross)."""
    _tensor_input(input, "cross")
    _tensor_input(other, "cross")
    if dim is None:
        shape = _broadcast_shape("cross", input, other)
        sizes = [axis for axis, size in enumerate(shape) if size == 3]
        if not sizes:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {tuple(shape)}; give dim")
        dim = sizes[0]
    return _linalg_cross(input, other, dim=dim)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast); gradient as vector_norm's (0 at a zero distance)."""
    x, y = _operands("dist", input, other)
    _need_float(x, "dist")
    _broadcast_shape("dist", x, y)
    return vector_norm(x - y, p)


def cov(input: Tensor, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the variables in input's rows (observations in columns), as numpy.cov: with weights
    w = fweights * aweights, sum_k w_k (x_k - avg)(y_k - avg)^T / (sum w - correction * sum w aweights / sum w).
    """
    x = _floating(input, "cov")
    if x.ndim > 2:
        raise RuntimeError(f"cov: expected input with at most 2 dimensions, got shape {tuple(x.shape)}")
    x = x.reshape(1, -1) if x.ndim < 2 else x
    observations = x.shape[1]
    if fweights is not None:
        _weights_check("fweights", fweights, observations, integral=True)
    if aweights is not None:
        _weights_check("aweights", aweights, observations, integral=False)
    weights = fweights if aweights is None else aweights if fweights is None else fweights * aweights
    if weights is None:
        average = x.mean(1, keepdim=True)
        normalizer: Any = observations - correction
    else:
        weights = weights.to(x.dtype)
        total = weights.sum()
        average = (x * weights).sum(1, keepdim=True) / total
        if correction == 0:
            normalizer = total
        elif aweights is None:
            normalizer = total - correction
        else:
            normalizer = total - correction * (weights * aweights.to(x.dtype)).sum() / total
    if not isinstance(normalizer, Tensor):
        normalizer = max(normalizer, 0)
    centered = x - average
    product = (centered if weights is None else centered * weights) @ centered.mT
    with _quiet(backend.array_module(x._data)):
        return (product / normalizer).squeeze()


def _weights_check(name: str, weights: Any, observations: int, integral: bool) -> None:
    if not isinstance(weights, Tensor):
        raise TypeError(f"cov: {name} must be a Tensor, got {type(weights).__name__}")
    if weights.ndim > 1 or weights.numel() != observations:
        raise RuntimeError(f"cov: expected {name} to be a 1-D tensor of {observations} elements (one per "
                           f"observation), got shape {tuple(weights.shape)}")
    kind = weights.dtype.kind
    if integral and kind not in "iu":
        raise TypeError(f"cov: fweights must be integral, got {backend.dtype_name(weights.dtype)}; use .long()")
    if not integral and kind != "f":
        raise TypeError(f"cov: aweights must be floating point, got {backend.dtype_name(weights.dtype)}")
    if bool((weights._data < 0).any()):
        raise RuntimeError(f"cov: {name} cannot be negative")


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in input's rows: cov(x) / (std_i std_j), in [-1, 1]."""
    covariance = cov(input)
    if covariance.ndim == 0:
        return covariance / covariance
    deviation = diagonal(covariance).sqrt()
    with _quiet(backend.array_module(covariance._data)):
        correlation = covariance / deviation.unsqueeze(1) / deviation.unsqueeze(0)
    return correlation.clamp(-1, 1)


# -- counting (no gradient) --------------------------------------------------------------------------------
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ..., max(input) occurs in a 1-D tensor of non-negative integers (or the sum
    of their weights); at least minlength bins."""
    x = _tensor_input(input, "bincount")
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise RuntimeError(f"bincount: expected a 1-D tensor of integers, got shape {tuple(x.shape)} and dtype "
                           f"{backend.dtype_name(x.dtype)}")
    if not _checks.is_int(minlength) or minlength < 0:
        raise RuntimeError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    xp = backend.array_module(x._data)
    if x.numel() and bool((x._data < 0).any()):
        raise RuntimeError("bincount: input must contain only non-negative integers")
    if weights is None:
        return _checks.constant(xp.bincount(x._data, minlength=minlength).astype(backend.int64))
    if not isinstance(weights, Tensor) or weights.shape != x.shape:
        raise RuntimeError(f"bincount: weights must be a tensor of the input's shape {tuple(x.shape)}")
    dtype = weights.dtype if weights.dtype.kind == "f" else backend.float64
    counts = xp.bincount(x._data, weights=weights._data.astype(xp.float64), minlength=minlength)
    return _checks.constant(counts.astype(dtype))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of the elements in `bins` equal-width bins over [min, max] (the data's range when min == max);
    elements outside are ignored, max falls in the last bin. No gradient."""
    x = _tensor_input(input, "histc")
    _need_float(x, "histc")
    if not _checks.is_int(bins) or bins <= 0:
        raise RuntimeError(f"histc: bins must be a positive int, got {bins!r}")
    xp = backend.array_module(x._data)
    low, high = float(min), float(max)
    if low > high:
        raise RuntimeError(f"histc: max must be larger than min, got min={min} and max={max}")
    if low == high and x.numel():
        low, high = float(x._data.min()), float(x._data.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"histc: range of [{low}, {high}] is not finite")
    values = x._data.reshape(-1)
    values = values[(values >= low) & (values <= high)]
    positions = ((values - low) * bins / (high - low)).astype(xp.int64)
    positions = xp.minimum(positions, bins - 1)
    return _checks.constant(xp.bincount(positions, minlength=bins).astype(x.dtype))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct elements (or slices along dim), in ascending order (also for sorted=False); optionally
    the index of each input element in them and their counts. No gradient."""
    x = _tensor_input(input, "unique")
    xp = backend.array_module(x._data)
    axis = None if dim is None else _checks.normalize_dim(dim, x.ndim, "unique")
    values, inverse, counts = xp.unique(x._data, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (x.shape[axis],)).astype(backend.int64)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """The input with each run of equal consecutive elements (or slices along dim) reduced to one; optionally
    the index of each input element in the result and the length of each run. No gradient."""
    x = _tensor_input(input, "unique_consecutive")
    xp = backend.array_module(x._data)
    if dim is None:
        rows = x._data.reshape(-1, 1)
    else:
        axis = _checks.normalize_dim(dim, x.ndim, "unique_consecutive")
        rows = xp.moveaxis(x._data, axis, 0).reshape(x.shape[axis], -1)
    starts = xp.ones(rows.shape[0], dtype=bool)
    if rows.shape[0] > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    if rows.shape[1] == 0:  # slices with no elements are all equal
        starts[1:] = False
    first = xp.flatnonzero(starts)
    counts = xp.diff(xp.append(first, rows.shape[0])).astype(backend.int64)
    inverse = (xp.cumsum(starts) - 1).astype(backend.int64)
    if dim is None:
        values = x._data.reshape(-1)[first]
        inverse = inverse.reshape(x.shape)
    else:
        values = xp.take(x._data, first, axis=axis)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_result(values: Any, inverse: Any, counts: Any, return_inverse: bool, return_counts: bool) -> Any:
    result = [_checks.constant(values)]
    if return_inverse:
        result.append(_checks.constant(inverse))
    if return_counts:
        result.append(_checks.constant(counts.astype(backend.int64)))
    return result[0] if len(result) == 1 else tuple(result)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "xlogy": xlogy, "hypot": hypot, "logit": logit, "sinc": sinc, "lgamma": lgamma, "digamma": digamma,
    "polygamma": polygamma, "fmax": fmax, "fmin": fmin, "float_power": float_power, "deg2rad": deg2rad,
    "rad2deg": rad2deg, "ldexp": ldexp, "heaviside": heaviside, "gcd": gcd, "lcm": lcm, "aminmax": aminmax,
    "nansum": nansum, "nanmean": nanmean, "diff": diff, "trace": trace, "cross": cross, "dist": dist, "cov": cov,
    "corrcoef": corrcoef, "bincount": bincount, "histc": histc, "unique": unique,
    "unique_consecutive": unique_consecutive,
}

__all__: list[str] = sorted(_FUNCTIONS)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """Tensor.polygamma(n): polygamma(n, self)."""
    return polygamma(n, self)


METHODS: dict[str, Callable[..., Any]] = {
    **_FUNCTIONS,
    "polygamma": _polygamma_method,
    **{f"{name}_": _in_place(_FUNCTIONS[name], f"{name}_") for name in (
        "xlogy", "hypot", "logit", "sinc", "lgamma", "digamma", "deg2rad", "rad2deg", "ldexp", "heaviside", "gcd",
        "lcm")},
    "polygamma_": _in_place(_polygamma_method, "polygamma_"),
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({
    "heaviside", "gcd", "lcm", "bincount", "histc", "unique", "unique_consecutive",
})

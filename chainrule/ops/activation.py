"""Activation functions with `torch.nn.functional`'s signatures: leaky_relu, elu, gelu, silu, softplus,
softmax and log_softmax. (relu, sigmoid and tanh live in elementwise.py.)

Each backward reuses what forward already had to compute (a mask, sigmoid(x) or Phi(x)) instead of
recomputing it. Forward and backward build their result in one fresh array updated in place; that array
is made with `out=xp.empty_like(x)` because a ufunc given a 0-d array returns a NumPy scalar, which cannot
take `out=`. Piecewise functions select with arithmetic (max/min, multiplying by a boolean mask) rather than
`where`: NumPy's `where` and `copyto(where=)` branch per element and run ~15x slower on the random sign
patterns of activations.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor, _wrap

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715  # the tanh approximation's coefficient (Hendrycks & Gimpel, 2016)


class LeakyRelu(Function):
    """d/dx leaky_relu(x) = 1 where x > 0, else negative_slope (so negative_slope at 0, as PyTorch)."""

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        xp = backend.array_module(x)
        self.positive = x > 0  # all backward needs: one byte an element
        result = xp.multiply(x, self.negative_slope, out=xp.empty_like(x))
        # x is the larger of (x, slope x) exactly where x > 0 if slope <= 1, and the smaller if slope > 1
        select = xp.maximum if self.negative_slope <= 1 else xp.minimum
        return select(x, result, out=result)

    def backward(self, grad):
        result = grad * ~self.positive
        result *= self.negative_slope
        result += grad * self.positive
        return result

    def vjp(self, grad):
        return where(_constant(self.positive), grad, grad * self.negative_slope)


class Elu(Function):
    """d/dx elu(x) = 1 where x > 0, else alpha exp(x) (so alpha at 0, as PyTorch)."""

    # The input, not the output: alpha exp(x) = elu(x) + alpha would cancel digits as exp(x) -> 0.
    saves_inputs = True

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        xp = backend.array_module(x)
        result = xp.minimum(x, 0, out=xp.empty_like(x))  # exp never overflows on the side it is not used
        xp.expm1(result, out=result)
        result *= self.alpha
        result += xp.maximum(x, 0)  # alpha (exp(min(x, 0)) - 1) + max(x, 0): one side is 0 everywhere
        return result

    def backward(self, grad):
        x = self.inputs[0]
        xp = backend.array_module(x)
        derivative = xp.minimum(x, 0, out=xp.empty_like(x))
        xp.exp(derivative, out=derivative)
        derivative *= self.alpha
        derivative *= x <= 0
        derivative += x > 0
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        # clamp keeps exp finite (and its gradient 0) where x > 0, so no inf * 0 reaches the second derivative
        return where(_constant(x.data > 0), grad, grad * (x.clamp(max=0).exp() * self.alpha))


class Gelu(Function):
    """d/dx x Phi(x) = Phi(x) + x phi(x), with Phi and phi the standard normal CDF and density."""

    saves_inputs = True

    def forward(self, x):
        self.cdf = _normal_cdf(x)  # kept: recomputing erfc costs a dozen array passes
        return x * self.cdf

    def backward(self, grad):
        x = self.inputs[0]
        derivative = _normal_pdf(x)
        derivative *= x
        derivative += self.cdf
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        return grad * (NormalCdf().apply(x) + x * ((x * x * -0.5).exp() * _INV_SQRT_2PI))


class GeluTanh(Function):
    """d/dx x (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3): (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u)."""

    saves_inputs = True

    def forward(self, x):
        xp = backend.array_module(x)
        inner = xp.multiply(x, x, out=xp.empty_like(x))
        inner *= _GELU_CUBIC
        inner += 1
        inner *= x
        inner *= _SQRT_2_OVER_PI
        self.tanh_inner = xp.tanh(inner, out=inner)
        result = self.tanh_inner + 1
        result *= x
        result *= 0.5
        return result

    def backward(self, grad):
        x, t = self.inputs[0], self.tanh_inner
        xp = backend.array_module(x)
        derivative = xp.multiply(x, x, out=xp.empty_like(x))  # becomes x (1 - t^2) u' / 2
        derivative *= 3 * _GELU_CUBIC
        derivative += 1
        derivative *= 0.5 * _SQRT_2_OVER_PI
        derivative *= x
        derivative *= 1 - t * t
        derivative += 0.5
        derivative += 0.5 * t
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        square = x * x
        t = ((square * _GELU_CUBIC + 1) * x * _SQRT_2_OVER_PI).tanh()
        slope = (square * (3 * _GELU_CUBIC) + 1) * (0.5 * _SQRT_2_OVER_PI)
        return grad * ((t + 1) * 0.5 + x * (1 - t * t) * slope)


class NormalCdf(Function):
    """d/dx Phi(x) = phi(x) = exp(-x^2 / 2) / sqrt(2 pi); GELU's differentiable backward is built on it."""

    saves_inputs = True

    def forward(self, x):
        return _normal_cdf(x)

    def backward(self, grad):
        derivative = _normal_pdf(self.inputs[0])
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        return grad * ((x * x * -0.5).exp() * _INV_SQRT_2PI)


class Silu(Function):
    """d/dx x s(x) = s (1 + x (1 - s)), s = sigmoid(x)."""

    saves_inputs = True

    def forward(self, x):
        self.sigmoid = _sigmoid(x)  # kept: backward needs it and x
        return x * self.sigmoid

    def backward(self, grad):
        x, s = self.inputs[0], self.sigmoid
        xp = backend.array_module(x)
        derivative = xp.subtract(1, s, out=xp.empty_like(s))
        derivative *= x
        derivative += 1
        derivative *= s
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        s = x.sigmoid()
        return grad * s * (1 + x * (1 - s))


class Softplus(Function):
    """d/dx log(1 + exp(beta x)) / beta = sigmoid(beta x); 1 where beta x > threshold (linear there)."""

    saves_inputs = True

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = backend.array_module(x)
        scaled = xp.multiply(x, self.beta, out=xp.empty_like(x))
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow whatever the threshold
        result = xp.abs(scaled, out=xp.empty_like(x))
        xp.negative(result, out=result)
        xp.exp(result, out=result)
        xp.log1p(result, out=result)
        result += xp.maximum(scaled, 0)
        result /= self.beta
        xp.copyto(result, x, where=scaled > self.threshold)  # a rare mask, which where= handles fast
        return result

    def backward(self, grad):
        x = self.inputs[0]
        xp = backend.array_module(x)
        scaled = xp.multiply(x, self.beta, out=xp.empty_like(x))
        derivative = _sigmoid(scaled)
        xp.copyto(derivative, 1, where=scaled > self.threshold)
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        scaled = x * self.beta
        linear = _constant(scaled.data > self.threshold)
        return where(linear, grad, grad * scaled.sigmoid())


class Softmax(Function):
    """d softmax(x)_i / dx_j = y_i (delta_ij - y_j), so the gradient is y (g - sum(g y)) along the axis."""

    saves_output = True

    def __init__(self, axis):
        self.axis = axis  # None for a 0-d input

    def forward(self, x):
        xp = backend.array_module(x)
        if x.size == 0:
            return xp.empty_like(x)
        result = _shifted(x, self.axis)
        xp.exp(result, out=result)
        result /= result.sum(axis=self.axis, keepdims=True)
        return result

    def backward(self, grad):
        y = self.output
        result = grad - (grad * y).sum(axis=self.axis, keepdims=True)
        result *= y
        return result

    def vjp(self, grad):
        y = self.output_tensor()
        return y * (grad - (grad * y).sum(self.axis, keepdim=True))


class LogSoftmax(Function):
    """d log_softmax(x)_i / dx_j = delta_ij - softmax(x)_j, so the gradient is g - exp(y) sum(g)."""

    saves_output = True

    def __init__(self, axis):
        self.axis = axis  # None for a 0-d input

    def forward(self, x):
        xp = backend.array_module(x)
        if x.size == 0:
            return xp.empty_like(x)
        result = _shifted(x, self.axis)
        result -= xp.log(xp.exp(result).sum(axis=self.axis, keepdims=True))
        return result

    def backward(self, grad):
        result = backend.array_module(grad).exp(self.output)
        result *= -grad.sum(axis=self.axis, keepdims=True)
        result += grad
        return result

    def vjp(self, grad):
        return grad - self.output_tensor().exp() * grad.sum(self.axis, keepdim=True)


# -- array helpers -----------------------------------------------------------------------------------
def _constant(array: Any) -> Tensor:
    """A mask or other array as a Tensor outside the graph (a 0-d comparison gives a NumPy scalar)."""
    return _wrap(backend.array_module(array).asarray(array), False, None)


def _shifted(x: Any, axis: int | None) -> Any:
    """x minus its maximum along `axis` (a fresh array): exp of it never overflows."""
    xp = backend.array_module(x)
    return xp.subtract(x, x.max(axis=axis, keepdims=True), out=xp.empty_like(x))


def _sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)) as a fresh array, written with exp(-|x|) <= 1: accurate to rounding even far in the
    tails (where the 0.5 + 0.5 tanh(x / 2) form rounds to 0) and never overflowing."""
    xp = backend.array_module(x)
    decay = xp.abs(x, out=xp.empty_like(x))
    xp.negative(decay, out=decay)
    xp.exp(decay, out=decay)
    denominator = decay + 1
    decay *= x < 0  # the numerator: exp(x) for x < 0, 1 elsewhere
    decay += x >= 0
    decay /= denominator
    return decay


def _normal_pdf(x: Any) -> Any:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), as a fresh array."""
    xp = backend.array_module(x)
    result = xp.multiply(x, x, out=xp.empty_like(x))
    result *= -0.5
    xp.exp(result, out=result)
    result *= _INV_SQRT_2PI
    return result


def _normal_cdf(x: Any) -> Any:
    """Phi(x) = erfc(-x / sqrt 2) / 2, as a fresh array.

    Written with erfc rather than PyTorch's (1 + erf(x / sqrt 2)) / 2 so that the left tail keeps its
    relative accuracy (Phi(-10) = 7.6e-24, where 1 + erf gives 0); the two differ by under 1e-16 absolute.
    """
    xp = backend.array_module(x)
    # float16 would overflow in the rational functions (y^8 at y = 4); they run in float32 and round back
    work = x.astype(xp.float32) if x.dtype.itemsize < 4 else x
    scaled = xp.multiply(work, -_SQRT_HALF, out=xp.empty_like(work))
    result = _erfc(scaled)
    result *= 0.5
    return result.astype(x.dtype, copy=False)


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in his
# CALERF (netlib specfun): relative error below 1e-16 in float64, and a few ulp when run in float32.
# NumPy has no erf and SciPy is not a dependency of chainrule. Coefficients are highest power first.
_ERF_NUMERATOR = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
                  3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DENOMINATOR = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
                    2.84423683343917062e03)
_ERFC_NUMERATOR = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
                   6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
                   1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_ERFC_DENOMINATOR = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                     1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                     3.43936767414372164e03, 1.23033935480374942e03)
_TAIL_NUMERATOR = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                   1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_TAIL_DENOMINATOR = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                     6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(numerator: tuple, denominator: tuple, t: Any) -> Any:
    """numerator(t) / denominator(t), both by Horner's rule, in place on two fresh arrays (t is 1-d)."""
    top = numerator[0] * t
    top += numerator[1]
    bottom = t + denominator[1]
    for a, b in zip(numerator[2:], denominator[2:], strict=True):
        top *= t
        top += a
        bottom *= t
        bottom += b
    top /= bottom
    return top


def _erfc(z: Any) -> Any:
    """erfc(z), elementwise, as a fresh array: each element takes the one of Cody's three ranges it is in.

    The ranges are gathered and scattered through index arrays: NumPy's boolean indexing is ~10x slower.
    """
    xp = backend.array_module(z)
    flat = z.reshape(-1)
    y = xp.abs(flat)
    result = xp.empty_like(flat)

    near = xp.flatnonzero(y <= 0.46875)  # erfc = 1 - erf, with erf(z) = z P(z^2) / Q(z^2)
    z_near = flat[near]
    piece = _ratio(_ERF_NUMERATOR, _ERF_DENOMINATOR, z_near * z_near)
    piece *= -z_near
    piece += 1
    result[near] = piece

    middle = xp.flatnonzero((y > 0.46875) & (y <= 4))  # erfc(y) = exp(-y^2) P(y) / Q(y)
    y_middle = y[middle]
    piece = _ratio(_ERFC_NUMERATOR, _ERFC_DENOMINATOR, y_middle)
    piece *= _exp_minus_square(y_middle)
    result[middle] = piece

    # erfc(y) = exp(-y^2) / y (1/sqrt(pi) - P(1/y^2) / (y^2 Q(1/y^2))); NaN lands here too
    far = xp.flatnonzero(~(y <= 4))
    y_far = xp.minimum(y[far], 30.0)  # erfc(30) underflows to 0 already; this keeps inf out of exp's split
    t = 1 / (y_far * y_far)
    piece = _ratio(_TAIL_NUMERATOR, _TAIL_DENOMINATOR, t)
    piece *= -t
    piece += _INV_SQRT_PI
    piece *= _exp_minus_square(y_far)
    piece /= y_far
    result[far] = piece

    negative = xp.flatnonzero((flat < 0) & (y > 0.46875))  # erfc(-y) = 2 - erfc(y)
    result[negative] = 2 - result[negative]
    return result.reshape(z.shape)


def _exp_minus_square(y: Any) -> Any:
    """exp(-y^2) for a 1-d y, as exp(-h^2) exp(-(y^2 - h^2)) with h = y rounded down to 1/16: h^2 is exact, so
    the rounding error of y^2 is not magnified by exp (Cody's split)."""
    xp = backend.array_module(y)
    head = y * 16
    xp.trunc(head, out=head)
    head /= 16
    rest = y - head
    rest *= y + head
    xp.negative(rest, out=rest)
    xp.exp(rest, out=rest)
    head *= head
    xp.negative(head, out=head)
    xp.exp(head, out=head)
    head *= rest
    return head


# -- public functions --------------------------------------------------------------------------------
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere.

    `inplace=True` is accepted for PyTorch compatibility but computes out of place (autograd here does not
    record in-place ops): use the returned tensor.

    Example: `leaky_relu(chainrule.tensor([-2.0, 3.0]), 0.1)` gives `[-0.2, 3.0]`.
    """
    _check_input(input, "leaky_relu")
    _check_number(negative_slope, "negative_slope", "leaky_relu")
    return LeakyRelu(negative_slope).apply(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha * (exp(x) - 1) elsewhere. `inplace=True` computes out of place (see leaky_relu)."""
    _check_input(input, "elu")
    _check_number(alpha, "alpha", "elu")
    return Elu(alpha).apply(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF; `approximate='tanh'` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) instead.

    Example: `gelu(x)`, `gelu(x, approximate="tanh")`.
    """
    _check_input(input, "gelu")
    if approximate == "none":
        return Gelu().apply(input)
    if approximate == "tanh":
        return GeluTanh().apply(input)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish). `inplace=True` computes out of place (see leaky_relu)."""
    _check_input(input, "silu")
    return Silu().apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, a smooth relu; x itself where beta * x > threshold, as PyTorch."""
    _check_input(input, "softplus")
    _check_number(beta, "beta", "softplus")
    _check_number(threshold, "threshold", "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the result is log(1 + exp(beta * x)) / beta)")
    return Softplus(beta, threshold).apply(input)


def softmax(input: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed after subtracting the maximum so it never overflows.

    `dtype` casts the input first (as PyTorch). With `dim=None`, PyTorch's legacy rule picks the dimension
    (0 for 0-, 1- and 3-d inputs, 1 otherwise), silently: pass `dim` to say what you mean.

    Example: `softmax(logits, dim=-1)`.
    """
    input, axis = _softmax_arguments(input, dim, dtype, "softmax")
    return Softmax(axis).apply(input)


def log_softmax(input: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))): finite where softmax
    underflows to 0. `dim=None` and `dtype` as in softmax.

    Example: `log_softmax(logits, dim=1)`.
    """
    input, axis = _softmax_arguments(input, dim, dtype, "log_softmax")
    return LogSoftmax(axis).apply(input)


def _softmax_arguments(input: Any, dim: Any, dtype: Any, op: str) -> tuple[Tensor, int | None]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if dtype is not None:
        input = input.to(backend.to_dtype(dtype))
    _check_input(input, op)
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    axis = _checks.normalize_dim(dim, input.ndim, op)
    return input, (axis if input.ndim else None)


def _check_input(input: Any, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if input.data.dtype.kind != "f":
        raise TypeError(
            f"{op}: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}; convert it with .float()"
        )


def _check_number(value: Any, name: str, op: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{op}: {name} must be a real number, got {type(value).__name__} {value!r}")

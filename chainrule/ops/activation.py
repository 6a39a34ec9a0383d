"""Activation functions with `torch.nn.functional`'s signatures: leaky_relu, elu, gelu, silu, softplus,
softmax and log_softmax. (relu, sigmoid and tanh live in elementwise.py; the numerical kernels they share —
stable sigmoid, softplus, the max shift, erf and the normal CDF — in _numerics.py.)

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
from chainrule.ops import _checks, _numerics
from chainrule.ops._checks import check_float_input as _check_input
from chainrule.ops._checks import constant as _constant
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
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
        self.cdf = _numerics.normal_cdf(x)  # kept: recomputing erfc costs a dozen array passes
        return x * self.cdf

    def backward(self, grad):
        x = self.inputs[0]
        derivative = _numerics.normal_pdf(x)
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
        return _numerics.normal_cdf(x)

    def backward(self, grad):
        derivative = _numerics.normal_pdf(self.inputs[0])
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        return grad * ((x * x * -0.5).exp() * _INV_SQRT_2PI)


class Silu(Function):
    """d/dx x s(x) = s (1 + x (1 - s)), s = sigmoid(x)."""

    saves_inputs = True

    def forward(self, x):
        self.sigmoid = _numerics.sigmoid(x)  # kept: backward needs it and x
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
        result = _numerics.softplus(scaled)  # no overflow whatever the threshold
        result /= self.beta
        xp.copyto(result, x, where=scaled > self.threshold)  # a rare mask, which where= handles fast
        return result

    def backward(self, grad):
        x = self.inputs[0]
        xp = backend.array_module(x)
        scaled = xp.multiply(x, self.beta, out=xp.empty_like(x))
        derivative = _numerics.sigmoid(scaled)
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
        return _numerics.softmax(x, self.axis)

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
        return _numerics.log_softmax(x, self.axis)

    def backward(self, grad):
        result = backend.array_module(grad).exp(self.output)
        result *= -grad.sum(axis=self.axis, keepdims=True)
        result += grad
        return result

    def vjp(self, grad):
        return grad - self.output_tensor().exp() * grad.sum(self.axis, keepdim=True)


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


def _check_number(value: Any, name: str, op: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{op}: {name} must be a real number, got {type(value).__name__} {value!r}")

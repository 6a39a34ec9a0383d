"""Activation functions with `torch.nn.functional`'s signatures: the relu family (leaky_relu, elu, celu, selu,
rrelu in evaluation mode, prelu), the smooth ones (gelu, silu, mish, softplus, logsigmoid, softsign,
tanhshrink), the piecewise linear ones (hardtanh, relu6, hardsigmoid, hardswish, hardshrink, softshrink,
threshold), glu, softmax / softmin / log_softmax, and normalize. (relu, sigmoid and tanh live in
elementwise.py; the numerical kernels they share — stable sigmoid, softplus, the max shift, erf and the normal
CDF — in _numerics.py.)

Each backward reuses what forward already had to compute (a mask, sigmoid(x) or Phi(x)) instead of
recomputing it; the piecewise linear ones keep only a boolean mask of where the slope is 1, and so need no
second rule for create_graph. Functions that are a few existing ops (mish, logsigmoid, softsign, tanhshrink,
softmin, glu, prelu, normalize) are written as those ops, whose gradients are checked already. Forward and
backward build their result in one fresh array updated in place; that array is made with
`out=xp.empty_like(x)` because a ufunc given a 0-d array returns a NumPy scalar, which cannot take `out=`.
Piecewise functions select with arithmetic (max/min, multiplying by a boolean mask) rather than `where`:
NumPy's `where` and `copyto(where=)` branch per element and run ~15x slower on the random sign patterns of
activations.

`inplace=True` writes the result into the input where autograd records nothing, and computes out of place
where it records (see `_result`).
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
from chainrule.ops.elementwise import relu as _relu
from chainrule.ops.elementwise import where
from chainrule.ops.shape import split
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
    """d/dx elu(x) = scale where x > 0, else scale alpha input_scale exp(input_scale x) (so that at 0, as PyTorch).

    PyTorch's one kernel for elu, celu and selu: scale x where x > 0, scale alpha (exp(input_scale x) - 1)
    elsewhere. elu has scale = input_scale = 1, celu input_scale = 1 / alpha, selu fixed alpha and scale.
    """

    # The input, not the output: alpha exp(x) = elu(x) + alpha would cancel digits as exp(x) -> 0.
    saves_inputs = True

    def __init__(self, alpha, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale

    def forward(self, x):
        xp = backend.array_module(x)
        result = xp.minimum(x, 0, out=xp.empty_like(x))  # exp never overflows on the side it is not used
        result *= self.input_scale
        xp.expm1(result, out=result)
        result *= self.alpha
        result += xp.maximum(x, 0)  # alpha (exp(min(x, 0)) - 1) + max(x, 0): one side is 0 everywhere
        result *= self.scale
        return result

    def backward(self, grad):
        x = self.inputs[0]
        xp = backend.array_module(x)
        derivative = xp.minimum(x, 0, out=xp.empty_like(x))
        derivative *= self.input_scale
        xp.exp(derivative, out=derivative)
        derivative *= self.alpha * self.input_scale
        derivative *= x <= 0
        derivative += x > 0
        derivative *= self.scale
        derivative *= grad
        return derivative

    def vjp(self, grad):
        (x,) = self.input_tensors()
        # clamp keeps exp finite (and its gradient 0) where x > 0, so no inf * 0 reaches the second derivative
        negative = (x.clamp(max=0) * self.input_scale).exp() * (self.alpha * self.input_scale)
        return where(_constant(x._data > 0), grad, grad * negative) * self.scale


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
        linear = _constant(scaled._data > self.threshold)
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


class Hardtanh(Function):
    """d/dx hardtanh(x) = 1 where min_val < x < max_val, else 0 (0 at both bounds, as PyTorch)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        self.inside = ~((x <= self.low) | (x >= self.high))  # written as PyTorch's test, so NaN passes the gradient
        return backend.array_module(x).clip(x, self.low, self.high)

    def backward(self, grad):
        return grad * self.inside


class Hardsigmoid(Function):
    """d/dx relu6(x + 3) / 6 = 1/6 where -3 < x < 3, else 0 (0 at both kinks, as PyTorch)."""

    def forward(self, x):
        xp = backend.array_module(x)
        self.inside = (x > -3) & (x < 3)
        result = xp.add(x, 3, out=xp.empty_like(x))
        xp.clip(result, 0, 6, out=result)
        result /= 6
        return result

    def backward(self, grad):
        return grad * self.inside / 6


class Hardswish(Function):
    """d/dx x relu6(x + 3) / 6 = (2x + 3) / 6 where -3 < x < 3, 1 where x >= 3, 0 where x <= -3 (PyTorch's
    values at the kinks: 0 at -3, 1 at 3)."""

    saves_inputs = True

    def forward(self, x):
        xp = backend.array_module(x)
        self.inside, self.above = (x > -3) & (x < 3), x >= 3
        result = xp.add(x, 3, out=xp.empty_like(x))
        xp.clip(result, 0, 6, out=result)
        result *= x
        result /= 6
        return result

    def backward(self, grad):
        x = self.inputs[0]
        return grad * ((x / 3 + 0.5) * self.inside + self.above)


class Hardshrink(Function):
    """d/dx hardshrink(x) = 1 where |x| > lambd, else 0 (0 at +-lambd, as PyTorch)."""

    def __init__(self, lambd):
        self.lambd = lambd

    def forward(self, x):
        self.outside = ~((x >= -self.lambd) & (x <= self.lambd))
        return x * self.outside

    def backward(self, grad):
        return grad * self.outside


class Softshrink(Hardshrink):
    """d/dx softshrink(x) = 1 where |x| > lambd, else 0: x - clamp(x, -lambd, lambd) has Hardshrink's slopes."""

    def forward(self, x):
        self.outside = ~((x >= -self.lambd) & (x <= self.lambd))
        return x - backend.array_module(x).clip(x, -self.lambd, self.lambd)  # exactly 0 inside, x -+ lambd out


class Threshold(Function):
    """d/dx threshold(x) = 1 where x > threshold, else 0 (the constant `value` is taken there)."""

    def __init__(self, threshold, value):
        self.threshold, self.value = threshold, value

    def forward(self, x):
        self.above = ~(x <= self.threshold)  # PyTorch's test: NaN stays NaN
        return backend.array_module(x).where(self.above, x, self.value)

    def backward(self, grad):
        return grad * self.above


# -- public functions --------------------------------------------------------------------------------
def _result(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    """`result`, or with inplace=True `input` holding it, as PyTorch's in-place activations, wherever autograd
    records nothing (the input needs no gradient, or grad mode is off).

    Where autograd records, the result stays out of place and the input unchanged: PyTorch rewrites the input's
    history there, which this engine does not do (views taken earlier would keep the old one, and so a wrong
    gradient). Code that uses the returned tensor, as `x = relu(x, inplace=True)` does, runs the same either way.
    """
    if not inplace or (input.requires_grad and backend.GRAD_MODE.enabled):
        return result
    input._data[...] = result._data
    input._bump_version()  # nodes that saved this memory now refuse backward, as in PyTorch
    return input


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) (chainrule.relu) with `torch.nn.functional.relu`'s `inplace` (see `_result`)."""
    return _result(input, _relu(input), inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere.

    `inplace=True` writes the result into `input` where autograd records nothing; where it records, the
    result is computed out of place and the input left unchanged: use the returned tensor (see `_result`).

    Example: `leaky_relu(chainrule.tensor([-2.0, 3.0]), 0.1)` gives `[-0.2, 3.0]`.
    """
    _check_input(input, "leaky_relu")
    _check_number(negative_slope, "negative_slope", "leaky_relu")
    return _result(input, LeakyRelu(negative_slope).apply(input), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha * (exp(x) - 1) elsewhere. `inplace` as in leaky_relu."""
    _check_input(input, "elu")
    _check_number(alpha, "alpha", "elu")
    return _result(input, Elu(alpha).apply(input), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha * (exp(x / alpha) - 1) elsewhere: elu with slope 1 on both sides of 0.
    `inplace` as in leaky_relu."""
    _check_input(input, "celu")
    _check_number(alpha, "alpha", "celu")
    if alpha == 0:
        raise RuntimeError("celu: alpha must be nonzero (the negative side is alpha * (exp(x / alpha) - 1)), got 0")
    return _result(input, Elu(alpha, 1.0, 1.0 / alpha).apply(input), inplace)


# Klambauer et al. (2017), "Self-Normalizing Neural Networks": the fixed point of mean 0 and variance 1
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with alpha = 1.6733 and scale = 1.0507 (self-normalizing). `inplace` as in
    leaky_relu."""
    _check_input(input, "selu")
    return _result(input, Elu(_SELU_ALPHA, _SELU_SCALE).apply(input), inplace)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky relu in evaluation mode: leaky_relu with the mean slope (lower + upper) / 2.

    `training=True` (a random slope per element, drawn from U(lower, upper)) is not implemented.
    """
    _check_input(input, "rrelu")
    _check_number(lower, "lower", "rrelu")
    _check_number(upper, "upper", "rrelu")
    if lower > upper:
        raise RuntimeError(f"rrelu: lower must not exceed upper, got lower={lower} and upper={upper}; swap them")
    if training:
        raise NotImplementedError(
            "rrelu: training=True (a random slope per element) is not implemented; pass training=False for "
            "the mean slope (lower + upper) / 2, or use leaky_relu"
        )
    return _result(input, LeakyRelu((lower + upper) / 2).apply(input), inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere, with one learned slope or one per channel (dimension 1).

    d/dx = 1 where x > 0, else the slope (so the slope at 0, as PyTorch); d/dweight = x where x <= 0.
    Example: `prelu(x, chainrule.full((x.shape[1],), 0.25))`.
    """
    _check_input(input, "prelu")
    _check_input(weight, "prelu", "weight")
    _checks.check_pair(input, weight, "prelu")
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: weight must be 0-d or 1-d (one slope, or one per channel), got shape {weight.shape}"
        )
    channels = input.shape[1] if input.ndim >= 2 else 1
    count = weight.numel()
    if count == 1:
        slopes = weight.reshape(())
    elif count == channels:
        slopes = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    else:
        raise RuntimeError(
            f"prelu: weight has {count} slopes but the input of shape {input.shape} has {channels} channel"
            f"{'s' if channels != 1 else ''} (dimension 1; 1 below 2 dimensions); give 1 slope or {channels}"
        )
    return where(_constant(input._data > 0), input, slopes * input)


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
    """x * sigmoid(x) (also called swish). `inplace` as in leaky_relu."""
    _check_input(input, "silu")
    return _result(input, Silu().apply(input), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), with softplus from _numerics (no overflow, exact in both tails); the gradient
    tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2) is the chain rule through the three ops. `inplace` as in leaky_relu."""
    _check_input(input, "mish")
    return _result(input, input * Softplus(1.0, math.inf).apply(input).tanh(), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, a smooth relu; x itself where beta * x > threshold, as PyTorch."""
    _check_input(input, "softplus")
    _check_number(beta, "beta", "softplus")
    _check_number(threshold, "threshold", "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the result is log(1 + exp(beta * x)) / beta)")
    return Softplus(beta, threshold).apply(input)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite and exact to rounding in both tails; d/dx = sigmoid(-x)."""
    _check_input(input, "logsigmoid")
    return -Softplus(1.0, math.inf).apply(-input)  # no threshold: softplus(-x) is exact for every x


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2."""
    _check_input(input, "softsign")
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x) (PyTorch's formula); d/dx = tanh(x)^2."""
    _check_input(input, "tanhshrink")
    return input - input.tanh()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val], with gradient 0 at both bounds (PyTorch's). `inplace` as in leaky_relu."""
    return _hardtanh(input, min_val, max_val, inplace, "hardtanh")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6). `inplace` as in leaky_relu."""
    return _hardtanh(input, 0.0, 6.0, inplace, "relu6")


def _hardtanh(input: Tensor, min_val: Any, max_val: Any, inplace: bool, op: str) -> Tensor:
    _check_input(input, op)
    _check_number(min_val, "min_val", op)
    _check_number(max_val, "max_val", op)
    if min_val > max_val:
        raise ValueError(f"{op}: min_val cannot be greater than max_val, got min_val={min_val} and max_val={max_val}")
    return _result(input, Hardtanh(min_val, max_val).apply(input), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between. `inplace` as in leaky_relu."""
    _check_input(input, "hardsigmoid")
    return _result(input, Hardsigmoid().apply(input), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6 (MobileNetV3): 0 below -3, x above 3. `inplace` as in leaky_relu."""
    _check_input(input, "hardswish")
    return _result(input, Hardswish().apply(input), inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    _check_input(input, "hardshrink")
    _check_number(lambd, "lambd", "hardshrink")
    return Hardshrink(lambd).apply(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 elsewhere (lambd >= 0)."""
    _check_input(input, "softshrink")
    _check_number(lambd, "lambd", "softshrink")
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambd must be non-negative, got {lambd}")
    return Softshrink(lambd).apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, `value` elsewhere. `inplace` as in leaky_relu.

    Example: `threshold(x, 0.1, 20.0)`.
    """
    _check_input(input, "threshold")
    _check_number(threshold, "threshold", "threshold")
    _check_number(value, "value", "threshold")
    return _result(input, Threshold(threshold, value).apply(input), inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), where a and b are the first and second halves of `input` along `dim`.

    Example: `glu(cr.randn(4, 10)).shape == (4, 5)`.
    """
    _check_input(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu: needs a tensor with a dimension to split in halves, got a 0-d tensor; reshape it")
    axis = _checks.normalize_dim(dim, input.ndim, "glu")
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(
            f"glu: dimension {dim} of the input of shape {input.shape} has odd size {size}; glu splits it into two "
            "halves (a * sigmoid(b)), so it needs an even size: pad or slice that dimension"
        )
    first, second = split(input, [size // 2, size // 2], axis)
    return first * second.sigmoid()


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed after subtracting the maximum so it never overflows.

    `dtype` casts the input first (as PyTorch). With `dim=None`, PyTorch's legacy rule picks the dimension
    (0 for 0-, 1- and 3-d inputs, 1 otherwise), silently: pass `dim` to say what you mean. `_stacklevel` (an
    int, for PyTorch's warning) is ignored; a dtype in its place is taken as `dtype`, as torch.softmax(x, dim,
    dtype) and Tensor.softmax(dim, dtype) have it third.

    Example: `softmax(logits, dim=-1)`.
    """
    input, axis = _softmax_arguments(input, dim, _stacklevel, dtype, "softmax")
    return Softmax(axis).apply(input)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along `dim`: weights that favour the smallest entries. `dim=None`, `dtype` as in softmax."""
    input, axis = _softmax_arguments(input, dim, _stacklevel, dtype, "softmin")
    return Softmax(axis).apply(-input)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))): finite where softmax
    underflows to 0. `dim=None` and `dtype` as in softmax.

    Example: `log_softmax(logits, dim=1)`.
    """
    input, axis = _softmax_arguments(input, dim, _stacklevel, dtype, "log_softmax")
    return LogSoftmax(axis).apply(input)


def normalize(input: Tensor, p: float = 2.0, dim: int | tuple[int, ...] = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along `dim`: unit p-norm slices, those of norm below eps divided by eps instead.

    The gradient goes through the norm (d||x||_p/dx = sign(x) |x|^(p-1) / ||x||_p^(p-1)) for any p > 0 and
    p = inf; where the norm is below eps the denominator is the constant eps. Example: `normalize(x, dim=-1)`.
    """
    _check_input(input, "normalize")
    _check_number(p, "p", "normalize")
    _check_number(eps, "eps", "normalize")
    if not (p > 0):
        raise ValueError(f"normalize: p must be positive (a p-norm) or inf, got {p}")
    axes = _checks.normalize_dims(dim, input.ndim, "normalize")
    return input / _norm_at_least(input, p, axes, eps)


def _norm_at_least(input: Tensor, p: float, axes: tuple[int, ...] | None, eps: float) -> Tensor:
    """max(||x||_p, eps) along `axes`, kept as size 1, with a gradient that is 0 (not NaN) where the norm < eps.

    The p-th root of the sum of |x|^p has an infinite slope at 0: it is taken only of the slices whose norm
    reaches eps (the others get 1 there, and eps in the result), so that no inf * 0 reaches the gradient.
    """
    axes = axes if input.ndim else None  # a 0-d input's dim 0 (or -1) is the whole tensor
    magnitude = input.abs()
    if p == math.inf:
        return magnitude.amax(axes, keepdim=True).clamp(min=eps)
    if p == 1:
        return magnitude.sum(axes, keepdim=True).clamp(min=eps)
    if p == 2:
        power = input * input
    elif p < 1:  # |x|^p has an infinite slope at 0 too: zeros contribute 0, with a zero gradient (as PyTorch)
        nonzero = _constant(input._data != 0)
        power = where(nonzero, where(nonzero, magnitude, 1.0) ** p, 0.0)
    else:
        power = magnitude ** p
    total = power.sum(axes, keepdim=True)
    large = _constant(total._data ** (1.0 / p) >= eps)
    root = where(large, total, 1.0) ** (1.0 / p) if p != 2 else where(large, total, 1.0).sqrt()
    return where(large, root, eps)


def _softmax_arguments(input: Any, dim: Any, stacklevel: Any, dtype: Any, op: str) -> tuple[Tensor, int | None]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if not _checks.is_int(stacklevel) and dtype is None:  # softmax(x, dim, dtype): torch.softmax's order
        dtype = stacklevel
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


# chainrule.<name> where PyTorch has torch.<name> (the others are nn.functional's only)
__all__ = ["celu", "hardshrink", "log_softmax", "prelu", "rrelu", "selu", "softmax", "threshold"]
# the Tensor methods PyTorch has (relu, sigmoid and tanh are written in tensor.py)
METHODS = {"hardshrink": hardshrink, "log_softmax": log_softmax, "prelu": prelu, "softmax": softmax}
NOT_DIFFERENTIABLE: frozenset[str] = frozenset()

"""Elementwise functions. Each derivative is written from the saved output where that suffices."""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks, _numerics
from chainrule.tensor import Tensor, _wrap


class Exp(Function):
    """d/dx exp(x) = exp(x)."""

    saves_output = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).exp(x)

    def backward(self, grad):
        return grad * self.output


class Log(Function):
    """d/dx log(x) = 1 / x."""

    saves_inputs = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).log(x)

    def backward(self, grad):
        return grad / self.inputs[0]


class Log1p(Function):
    """d/dx log(1 + x) = 1 / (1 + x)."""

    saves_inputs = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).log1p(x)

    def backward(self, grad):
        return grad / (1 + self.inputs[0])


class Sqrt(Function):
    """d/dx sqrt(x) = 1 / (2 sqrt(x))."""

    saves_output = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).sqrt(x)

    def backward(self, grad):
        return grad / (2 * self.output)


class Abs(Function):
    """d/dx |x| = sign(x) (0 at 0, as PyTorch)."""

    saves_inputs = True

    def forward(self, x):
        return backend.array_module(x).abs(x)

    def backward(self, grad):
        return grad * backend.array_module(grad).sign(self.inputs[0])

    def vjp(self, grad):
        return grad * self.input_tensors()[0].sign()


class Sign(Function):
    """sign(x), whose derivative is 0 wherever it exists."""

    def forward(self, x):
        self.shape = x.shape
        return backend.array_module(x).sign(x)

    def backward(self, grad):
        return backend.array_module(grad).zeros_like(grad)

    def vjp(self, grad):
        return grad * 0


class Sin(Function):
    """d/dx sin(x) = cos(x)."""

    saves_inputs = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).sin(x)

    def backward(self, grad):
        return grad * backend.array_module(grad).cos(self.inputs[0])

    def vjp(self, grad):
        return grad * self.input_tensors()[0].cos()


class Cos(Function):
    """d/dx cos(x) = -sin(x)."""

    saves_inputs = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).cos(x)

    def backward(self, grad):
        return -grad * backend.array_module(grad).sin(self.inputs[0])

    def vjp(self, grad):
        return -grad * self.input_tensors()[0].sin()


class Tanh(Function):
    """d/dx tanh(x) = 1 - tanh(x)^2."""

    saves_output = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return backend.array_module(x).tanh(x)

    def backward(self, grad):
        y = self.output
        return grad * (1 - y * y)


class Sigmoid(Function):
    """d/dx sigmoid(x) = s (1 - s); s = 1 / (1 + exp(-x)) from `_numerics`, accurate in both tails."""

    saves_output = True

    def forward(self, x):
        if x.dtype.kind != "f":  # an integer or bool tensor gives the default float dtype, as in PyTorch
            x = x.astype(backend.get_default_dtype())
        return _numerics.sigmoid(x)

    def backward(self, grad):
        y = self.output
        return grad * y * (1 - y)


class Relu(Function):
    """d/dx relu(x) = 1 where x > 0, else 0.

    Keeps the mask x > 0 (one byte an element), not the output: a large activation's four bytes are then
    freed as soon as the next op is done with it (a pooling layer keeps only its argmax), which lowers the
    memory a training step holds at its peak.
    """

    def forward(self, x):
        if backend.GRAD_MODE.enabled:  # under no_grad nothing will read it: inference pays no extra pass
            self.mask = x > 0
        return backend.array_module(x).maximum(x, 0)

    def backward(self, grad):
        return grad * self.mask


class Clamp(Function):
    """d/dx clamp(x, lo, hi) = 1 where lo <= x <= hi, else 0 (PyTorch's convention at the bounds)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        xp = backend.array_module(x)
        self.mask = xp.ones(x.shape, dtype=bool)
        if self.low is not None:
            self.mask &= x >= self.low
        if self.high is not None:
            self.mask &= x <= self.high
        return xp.clip(x, self.low, self.high)

    def backward(self, grad):
        return grad * self.mask


class Maximum(Function):
    """d max(x, y) goes to the larger input; ties split it evenly between both (as PyTorch)."""

    saves_inputs = True
    _compare = "greater"

    def forward(self, x, y):
        xp = backend.array_module(x)
        return xp.maximum(x, y) if self._compare == "greater" else xp.minimum(x, y)

    def _weights(self, xp):
        x, y = self.inputs
        wins = getattr(xp, self._compare)(x, y)
        ties = x == y
        return xp.where(wins, 1.0, xp.where(ties, 0.5, 0.0)).astype(x.dtype)

    def backward(self, grad):
        x, y = self.inputs
        weight_x = self._weights(backend.array_module(x))
        return sum_to(grad * weight_x, x.shape), sum_to(grad * (1 - weight_x), y.shape)

    def vjp(self, grad):
        x, y = self.inputs
        weight_x = _wrap(self._weights(backend.array_module(x)), False, None)
        return (grad * weight_x).sum_to_size(x.shape), (grad * (1 - weight_x)).sum_to_size(y.shape)


class Minimum(Maximum):
    """d min(x, y) goes to the smaller input; ties split it evenly between both (as PyTorch)."""

    _compare = "less"


class Where(Function):
    """where(c, x, y): the gradient goes to x where c holds, to y elsewhere."""

    def forward(self, condition, x, y):
        self.condition, self.shapes = condition, (x.shape, y.shape)
        return backend.array_module(x).where(condition, x, y)

    def backward(self, grad):
        xp = backend.array_module(grad)
        zero = xp.zeros((), dtype=grad.dtype)
        grad_x = sum_to(xp.where(self.condition, grad, zero), self.shapes[0])
        grad_y = sum_to(xp.where(self.condition, zero, grad), self.shapes[1])
        return None, grad_x, grad_y

    def vjp(self, grad):
        condition = _wrap(self.condition, False, None)
        grad_x = where(condition, grad, 0.0).sum_to_size(self.shapes[0])
        return None, grad_x, where(condition, 0.0, grad).sum_to_size(self.shapes[1])


# -- public functions ------------------------------------------------------------------------------
def exp(input: Tensor) -> Tensor:
    return Exp().apply(input)


def log(input: Tensor) -> Tensor:
    return Log().apply(input)


def log1p(input: Tensor) -> Tensor:
    return Log1p().apply(input)


def sqrt(input: Tensor) -> Tensor:
    return Sqrt().apply(input)


def abs(input: Tensor) -> Tensor:
    return Abs().apply(input)


def sign(input: Tensor) -> Tensor:
    return Sign().apply(input)


def sin(input: Tensor) -> Tensor:
    return Sin().apply(input)


def cos(input: Tensor) -> Tensor:
    return Cos().apply(input)


def tanh(input: Tensor) -> Tensor:
    return Tanh().apply(input)


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid().apply(input)


def relu(input: Tensor) -> Tensor:
    return Relu().apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; either bound may be None."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, _checks.as_operand(min, input, "clamp"))
        if max is not None:
            result = minimum(result, _checks.as_operand(max, input, "clamp"))
        return result
    return Clamp(min, max).apply(input)


clip = clamp


def maximum(input: Tensor, other: Any) -> Tensor:
    """Elementwise larger of two tensors (broadcasting)."""
    other = _checks.as_operand(other, input, "maximum")
    input, other = _checks.promoted((input, other), "maximum")
    try:
        return Maximum().apply(input, other)
    except ValueError as error:
        raise _checks.broadcast_error("maximum", input, other, error) from None


def minimum(input: Tensor, other: Any) -> Tensor:
    """Elementwise smaller of two tensors (broadcasting)."""
    other = _checks.as_operand(other, input, "minimum")
    input, other = _checks.promoted((input, other), "minimum")
    try:
        return Minimum().apply(input, other)
    except ValueError as error:
        raise _checks.broadcast_error("minimum", input, other, error) from None


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """Elements of `input` where `condition` is true, of `other` elsewhere (scalars allowed); with only
    `condition`, the indices of its nonzero entries: nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from chainrule.ops.scatter import nonzero  # scatter imports this module

        return nonzero(condition, as_tuple=True)
    reference = input if isinstance(input, Tensor) else other
    if not isinstance(reference, Tensor):
        raise TypeError("where: at least one of input and other must be a Tensor")
    input = _checks.as_operand(input, reference, "where")
    other = _checks.as_operand(other, reference, "where")
    input, other = _checks.promoted((input, other), "where")
    condition = _checks.as_operand(condition, reference, "where") if not isinstance(condition, Tensor) \
        else condition
    if condition.dtype != backend.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {backend.dtype_name(condition.dtype)}")
    if condition.device != reference.device:
        raise RuntimeError(f"where: condition is on {condition.device} but the values are on {reference.device}")
    try:
        return Where().apply(condition, input, other)
    except ValueError as error:
        raise _checks.broadcast_error("where", input, other, error) from None


def compare(ufunc_name: str, input: Any, other: Any) -> Tensor:
    """Elementwise comparison (==, <, ...): a bool tensor, outside autograd."""
    if not isinstance(input, Tensor):
        input, other = other, input
        ufunc_name = {"less": "greater", "greater": "less", "less_equal": "greater_equal",
                      "greater_equal": "less_equal"}.get(ufunc_name, ufunc_name)
    xp = backend.array_module(input._data)
    if isinstance(other, Tensor):
        if other.device != input.device:
            raise RuntimeError(f"comparison: tensors on {input.device} and {other.device}; move one first")
        other = other._data
    elif not isinstance(other, _checks.SCALAR_TYPES):
        other = _checks.as_operand(other, input, "comparison")._data
    return _wrap(xp.asarray(getattr(xp, ufunc_name)(input._data, other)), False, None)

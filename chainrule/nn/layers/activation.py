"""Activation layers: thin Modules forwarding to one function of chainrule.ops.activation (PReLU, the one
with a parameter, holds its learned slopes).

Arguments are checked when the layer is built, so a wrong one fails where it is written rather than at the
first batch. `inplace=True` is accepted wherever PyTorch accepts it: the result is written into the input where
autograd records nothing (inference, or an input that needs no gradient), and computed out of place, leaving
the input unchanged, where it records (see `chainrule.ops.activation._result`). Use the returned tensor.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

from chainrule import ops
from chainrule.creation import empty
from chainrule.nn import init as _init
from chainrule.nn.module import Module, Parameter
from chainrule.ops import activation
from chainrule.tensor import Tensor


def _check_number(value: Any, name: str, layer: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{layer}: {name} must be a real number, got {type(value).__name__} {value!r}")


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0), elementwise. Example: `nn.Sequential(nn.Linear(4, 8), nn.ReLU())`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x where x > 0, negative_slope * x elsewhere."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        _check_number(negative_slope, "negative_slope", "LeakyReLU")
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        _check_number(alpha, "alpha", "ELU")
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x) (Phi the standard normal CDF), or its tanh approximation with approximate='tanh'."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return activation.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x), also called swish."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return ops.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return ops.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        _check_number(beta, "beta", "Softplus")
        _check_number(threshold, "threshold", "Softplus")
        if beta == 0:
            raise ValueError("Softplus: beta must be nonzero (the result is log(1 + exp(beta * x)) / beta)")
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return activation.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _check_dim(dim: Any, layer: str) -> None:
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
        raise TypeError(f"{layer}: dim must be an int or None, got {type(dim).__name__} {dim!r}")


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`, so that each slice sums to 1.

    `dim=None` follows PyTorch's legacy rule (0 for 0-, 1- and 3-d inputs, 1 otherwise); pass `dim`.
    Example: `nn.Softmax(dim=-1)(logits)`.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        _check_dim(dim, "Softmax")
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return activation.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along `dim`, computed stably; `dim=None` as in Softmax."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        _check_dim(dim, "LogSoftmax")
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return activation.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along `dim`: each slice sums to 1, the smallest entries weigh most; `dim=None` as in Softmax."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        _check_dim(dim, "Softmin")
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return activation.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class CELU(Module):
    """x where x > 0, alpha * (exp(x / alpha) - 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        _check_number(alpha, "alpha", "CELU")
        if alpha == 0:
            raise ValueError("CELU: alpha must be nonzero (the negative side is alpha * (exp(x / alpha) - 1))")
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """1.0507 * elu(x, alpha=1.6733): keeps activations near mean 0 and variance 1 (self-normalizing nets)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class PReLU(Module):
    """x where x > 0, a * x elsewhere, with learned slopes a: one, or one per channel (dimension 1 of the input).

    Example: `nn.PReLU(num_parameters=16)` after a Conv2d with 16 output channels.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        _check_number(init, "init", "PReLU")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope set to `init` (PyTorch's default 0.25)."""
        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return activation.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (gradient 0 outside and at the bounds).

    `min_value` and `max_value` are PyTorch's deprecated names for min_val and max_val: they warn and win.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("Hardtanh: keyword argument `min_value` is deprecated; use `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("Hardtanh: keyword argument `max_value` is deprecated; use `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        _check_number(min_val, "min_val", type(self).__name__)
        _check_number(max_val, "max_val", type(self).__name__)
        if min_val >= max_val:
            raise ValueError(
                f"{type(self).__name__}: max_val must be greater than min_val, got min_val={min_val} and "
                f"max_val={max_val}"
            )
        self.min_val, self.max_val = min_val, max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): Hardtanh(0, 6), as in PyTorch (a subclass of it)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input: Tensor) -> Tensor:
        return activation.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """x * relu6(x + 3) / 6 (MobileNetV3's cheap swish)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.hardswish(input, self.inplace)


class Mish(Module):
    """x * tanh(softplus(x))."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LogSigmoid(Module):
    """log(sigmoid(x)), finite in both tails."""

    def forward(self, input: Tensor) -> Tensor:
        return activation.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        return activation.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return activation.tanhshrink(input)


class Hardshrink(Module):
    """x where |x| > lambd, 0 elsewhere."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        _check_number(lambd, "lambd", "Hardshrink")
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return activation.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 elsewhere."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        _check_number(lambd, "lambd", "Softshrink")
        if lambd < 0:
            raise ValueError(f"Softshrink: lambd must be non-negative, got {lambd}")
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return activation.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Threshold(Module):
    """x where x > threshold, `value` elsewhere. Example: `nn.Threshold(0.1, 20.0)`."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        _check_number(threshold, "threshold", "Threshold")
        _check_number(value, "value", "Threshold")
        self.threshold, self.value = threshold, value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return activation.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit: a * sigmoid(b), a and b the halves of the input along `dim` (whose size must be even)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"GLU: dim must be an int, got {type(dim).__name__} {dim!r}")
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return activation.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

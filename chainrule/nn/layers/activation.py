"""Activation layers: thin Modules without parameters, each forwarding to one function of chainrule.ops.

Arguments are checked when the layer is built, so a wrong one fails where it is written rather than at the
first batch. `inplace=True` is accepted wherever PyTorch accepts it, for compatibility, but the result is
computed out of place: autograd here does not record in-place ops. Use the returned tensor, as with
`inplace=False`; the input is left unchanged.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

from chainrule import ops
from chainrule.nn.module import Module
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
        return ops.relu(input)

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
        return activation.leaky_relu(input, self.negative_slope)

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
        return activation.elu(input, self.alpha)

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
        return activation.silu(input)

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

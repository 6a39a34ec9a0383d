"""Dropout: random zeroing during training, identity in evaluation."""

from __future__ import annotations

from chainrule.nn.module import Module
from chainrule.ops.dropout import dropout, dropout2d
from chainrule.tensor import Tensor


class _DropoutNd(Module):
    """Shared by Dropout and Dropout2d: the probability, the (accepted, out-of-place) inplace flag, the repr."""

    _function = staticmethod(dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training mode, scaling the rest by 1/(1-p)."""


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability p in training mode, scaling the
    rest by 1/(1-p). Example: `nn.Sequential(nn.Conv2d(3, 16, 3), nn.Dropout2d(0.1))`."""

    _function = staticmethod(dropout2d)

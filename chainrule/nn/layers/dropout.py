"""Dropout: random zeroing during training, identity in evaluation."""

from __future__ import annotations

from chainrule.nn.module import Module
from chainrule.ops.dropout import dropout
from chainrule.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability p in training mode, scaling the rest by 1/(1-p)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"

"""Embedding: a lookup table of learned vectors indexed by integers."""

from __future__ import annotations

from typing import Any

from chainrule.creation import empty
from chainrule.nn import init
from chainrule.nn.module import Module, Parameter
from chainrule.ops.embedding import embedding
from chainrule.tensor import Tensor


class Embedding(Module):
    """`num_embeddings` vectors of size `embedding_dim`, initialised N(0, 1); row `padding_idx` stays 0.

    Example: `Embedding(1000, 64)(cr.tensor([[1, 2, 3]])).shape == (1, 3, 64)`.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                 f"{num_embeddings}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0
            self.weight._bump_version()

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"

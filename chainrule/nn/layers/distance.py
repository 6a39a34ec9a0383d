"""Distances between pairs of vectors as modules: CosineSimilarity and PairwiseDistance (torch.nn's)."""

from __future__ import annotations

from chainrule.nn.module import Module
from chainrule.ops.products import cosine_similarity, pairwise_distance
from chainrule.tensor import Tensor


class CosineSimilarity(Module):
    """x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along `dim`: `CosineSimilarity(dim=1)(a, b)`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 - x2 + eps‖_p along the last dimension: `PairwiseDistance(p=2.0)(a, b)`."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

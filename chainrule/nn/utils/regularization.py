"""L1 and L2 penalties over parameters, built from chainrule ops so that they add to a loss and backpropagate.

Adding `(weight_decay / 2) * l2_penalty(model.parameters())` to the loss gives the same gradient as an
optimizer's `weight_decay` (SGD, Adam: the gradient of (wd/2) * sum(p^2) is wd * p); AdamW's decoupled decay
is different. Penalising only weights, not biases, is a matter of which parameters you pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from chainrule.tensor import Tensor


def _sum_over(parameters: Tensor | Iterable[Tensor], term, what: str) -> Tensor:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    total = None
    for p in parameters:
        if not isinstance(p, Tensor):
            raise TypeError(f"{what} expects Tensors (e.g. model.parameters()), got {type(p).__name__}")
        total = term(p) if total is None else total + term(p)
    if total is None:
        raise ValueError(f"{what} got no parameters; pass e.g. model.parameters()")
    return total


def l1_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """sum over parameters of sum(|p|), a 0-d Tensor whose gradient is sign(p); it encourages sparsity.

        >>> loss = criterion(model(x), y) + 1e-4 * l1_penalty(model.parameters())
    """
    return _sum_over(parameters, lambda p: p.abs().sum(), "l1_penalty")


def l2_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """sum over parameters of sum(p^2), a 0-d Tensor whose gradient is 2p.

        >>> loss = criterion(model(x), y) + (weight_decay / 2) * l2_penalty(model.parameters())
    """
    return _sum_over(parameters, lambda p: (p * p).sum(), "l2_penalty")

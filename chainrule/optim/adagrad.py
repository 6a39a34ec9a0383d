"""Adagrad: per-coordinate step sizes that shrink with the sum of the squared gradients seen so far."""

from __future__ import annotations

from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization"), as PyTorch's `torch.optim.Adagrad`.

    Algorithm (γ lr, η lr_decay, λ weight_decay, ε eps; s starts at initial_accumulator_value; t counts
    this parameter's steps)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ
        γ_t ← γ / (1 + (t - 1) η)
        s ← s + g²
        θ ← θ - γ_t g / (√s + ε)

    Example:
        >>> optimizer = Adagrad(model.parameters(), lr=1e-2)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "eps": eps, "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        weight_decay = group["weight_decay"]
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        t = state["step"]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]
        s += grad * grad
        param -= lr_t * (grad / (xp.sqrt(s) + group["eps"]))

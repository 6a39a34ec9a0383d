"""Adamax: Adam with the infinity norm of past gradients in place of their RMS."""

from __future__ import annotations

from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization", section 7), as PyTorch's
    `torch.optim.Adamax`.

    Algorithm (γ lr, β1 β2 betas, ε eps, λ weight_decay; m and u start at 0, t counts steps from 1)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ
        m ← β1 m + (1 - β1) g
        u ← max(β2 u, |g| + ε)
        θ ← θ - γ / (1 - β1^t) · m / u

    Example:
        >>> optimizer = Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_inf"] = xp.zeros_like(param)
        state["step"] += 1

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        m, u = state["exp_avg"], state["exp_inf"]
        m *= beta1
        m += (1 - beta1) * grad
        u *= beta2
        xp.maximum(u, xp.abs(grad) + eps, out=u)
        param -= lr / (1 - beta1 ** state["step"]) * (m / u)

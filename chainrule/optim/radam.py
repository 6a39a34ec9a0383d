"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is bounded."""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond"), as PyTorch's
    `torch.optim.RAdam` (L2 weight decay).

    Algorithm (γ lr, β1 β2 betas, ε eps, λ weight_decay; m and v start at 0, t counts steps from 1)::

        g ← ∇f(θ);  if maximize: g ← -g;  if λ ≠ 0: g ← g + λ θ
        m ← β1 m + (1 - β1) g;   v ← β2 v + (1 - β2) g²
        m̂ ← m / (1 - β1^t)
        ρ∞ ← 2 / (1 - β2) - 1;   ρ ← ρ∞ - 2 t β2^t / (1 - β2^t)
        if ρ > 5:  r ← √((ρ - 4)(ρ - 2) ρ∞ / ((ρ∞ - 4)(ρ∞ - 2) ρ));   θ ← θ - γ m̂ r √(1 - β2^t) / (√v + ε)
        else:      θ ← θ - γ m̂

    Example:
        >>> optimizer = RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
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
            state["exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        step = state["step"]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        corrected = m / (1 - beta1**step)
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * beta2**step / (1 - beta2**step)
        if rho > 5:
            rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            param -= lr * rect * math.sqrt(1 - beta2**step) * corrected / (xp.sqrt(v) + eps)
        else:
            param -= lr * corrected

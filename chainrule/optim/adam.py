"""Adam: gradient steps scaled by running estimates of the gradient's first and second moments."""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014, "Adam: A Method for Stochastic Optimization"), as PyTorch's `torch.optim.Adam`.

    Algorithm (γ lr, β1 β2 betas, ε eps, λ weight_decay; m, v start at 0; t counts this parameter's steps)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ          (decoupled_weight_decay: θ ← θ (1 - γ λ) instead, see AdamW)
        m ← β1 m + (1 - β1) g
        v ← β2 v + (1 - β2) g²
        if amsgrad:   v_max ← max(v_max, v);  v ← v_max          (Reddi et al., 2018)
        θ ← θ - γ / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε)

    The last line is the paper's θ ← θ - γ m̂ / (√v̂ + ε) with the bias corrections m̂ = m / (1 - β1^t),
    v̂ = v / (1 - β2^t) folded into scalars.

    Example:
        >>> optimizer = Adam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
            "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = state["step"]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        work = self._scratch(param)  # each line below is one in-place pass, no temporaries
        m *= beta1
        xp.multiply(grad, 1 - beta1, out=work)
        m += work  # m = β1 m + (1 - β1) g
        v *= beta2
        xp.multiply(grad, grad, out=work)
        work *= 1 - beta2
        v += work  # v = β2 v + (1 - β2) g²
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        xp.sqrt(v, out=work)
        work *= 1 / math.sqrt(bias_correction2)
        work += eps  # √v / √(1 - β2^t) + ε
        xp.divide(m, work, out=work)
        work *= -lr / bias_correction1
        param += work  # θ = θ - γ / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε)

"""NAdam: Adam with Nesterov momentum, its momentum coefficient warmed up over the first steps."""

from __future__ import annotations

from typing import Any

import numpy

from chainrule import backend
from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"), as PyTorch's `torch.optim.NAdam`.

    Algorithm (γ lr, β1 β2 betas, ε eps, λ weight_decay, ψ momentum_decay; m, v start at 0, Π at 1)::

        g ← ∇f(θ);  if maximize: g ← -g
        if decoupled_weight_decay: θ ← θ (1 - γ λ)   elif λ ≠ 0: g ← g + λ θ
        μ_t ← β1 (1 - ½ 0.96^(t ψ));   μ_{t+1} ← β1 (1 - ½ 0.96^((t+1) ψ));   Π ← Π μ_t
        m ← β1 m + (1 - β1) g;   v ← β2 v + (1 - β2) g²;   d ← √(v / (1 - β2^t)) + ε
        θ ← θ - γ (1 - μ_t) / (1 - Π) · g / d - γ μ_{t+1} / (1 - Π μ_{t+1}) · m / d

    Example:
        >>> optimizer = NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3, *,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, psi = group["weight_decay"], group["momentum_decay"]
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        step = state["step"]

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # PyTorch keeps Π as a 0-d tensor of its scalar dtype (float32 unless float64 is the default): the same
        # rounding here gives its trajectories to the last digit
        if backend.get_default_dtype() == backend.float64:
            mu_product = state["mu_product"] * mu
        else:  # a float32 tensor times a Python number: both in float32
            mu_product = float(numpy.float32(state["mu_product"]) * numpy.float32(mu))
        state["mu_product"] = mu_product
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denom = xp.sqrt(v / (1 - beta2**step)) + eps
        param -= lr * (1.0 - mu) / (1.0 - mu_product) * (grad / denom)
        param -= lr * mu_next / (1.0 - mu_product * mu_next) * (m / denom)

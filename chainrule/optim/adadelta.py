"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""

from __future__ import annotations

from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method"), as PyTorch's
    `torch.optim.Adadelta` (the optimizer of PyTorch's MNIST example).

    Algorithm (γ lr, ρ rho, ε eps, λ weight_decay; v and u start at 0)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ
        v ← ρ v + (1 - ρ) g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρ u + (1 - ρ) Δ²
        θ ← θ - γ Δ

    Example:
        >>> optimizer = Adadelta(model.parameters(), lr=1.0)
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_hyperparameters(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_hyperparameters(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        lr, rho, eps, weight_decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            state["acc_delta"] = xp.zeros_like(param)
        state["step"] += 1

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= lr * delta

"""RMSprop: gradient steps divided by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any

from chainrule.backend import array_module
from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning"; centered variant from Graves,
    2013, "Generating Sequences With Recurrent Neural Networks"), as PyTorch's `torch.optim.RMSprop`.

    Algorithm (γ lr, α alpha, ε eps, λ weight_decay, μ momentum; v, g_avg, b start at 0)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ
        v ← α v + (1 - α) g²
        if centered:  g_avg ← α g_avg + (1 - α) g;   d ← √(v - g_avg²) + ε
        else:         d ← √v + ε
        if μ > 0:     b ← μ b + g / d;   θ ← θ - γ b
        else:         θ ← θ - γ g / d

    Example:
        >>> optimizer = RMSprop(model.parameters(), lr=1e-2, momentum=0.9, centered=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
            "centered": centered, "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = array_module(param)
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1

        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * grad
            d = xp.sqrt(v - g_avg * g_avg) + eps
        else:
            d = xp.sqrt(v) + eps
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += grad / d
            param -= lr * b
        else:
            param -= lr * (grad / d)

"""Stochastic gradient descent, with optional (Nesterov) momentum and weight decay."""

from __future__ import annotations

from typing import Any

from chainrule.optim.optimizer import Optimizer, ParamsT, check_hyperparameters


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as PyTorch's `torch.optim.SGD`.

    Algorithm (γ lr, λ weight_decay, μ momentum, τ dampening; Sutskever et al. 2013 for momentum)::

        g ← ∇f(θ)
        if maximize:  g ← -g
        if λ ≠ 0:     g ← g + λ θ
        if μ ≠ 0:
            b ← g                      on the first step
            b ← μ b + (1 - τ) g        afterwards
            g ← g + μ b  if nesterov,  else  g ← b
        θ ← θ - γ g

    Example:
        >>> optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
            "nesterov": nesterov, "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= lr * grad

"""AdamW: Adam with weight decay applied to the weights directly instead of through the gradient."""

from __future__ import annotations

from chainrule.optim.adam import Adam
from chainrule.optim.optimizer import ParamsT


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"), as `torch.optim.AdamW`.

    Adam's update (see `Adam`), where weight decay shrinks the weights before the step rather than being
    added to the gradient, so it is not rescaled by the adaptive denominator::

        θ ← θ (1 - γ λ)
        ... Adam's moments and step on the undecayed gradient g

    It is `Adam(..., decoupled_weight_decay=True)` with a default weight_decay of 1e-2.

    Example:
        >>> optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )

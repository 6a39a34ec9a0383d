"""Loss modules: each stores its options (class weights as buffers, as PyTorch) and calls one functional.

Example:
    >>> criterion = CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = criterion(model(images), labels)
"""

from __future__ import annotations

from chainrule.nn.module import Module
from chainrule.ops import loss as F
from chainrule.tensor import Tensor


def _changed(module: Module, **defaults: object) -> str:
    """The options that differ from their defaults, as `name=value` (so a default loss prints as PyTorch's)."""
    return ", ".join(f"{name}={getattr(module, name)!r}" for name, default in defaults.items()
                     if getattr(module, name) != default)


class _Loss(Module):
    """Holds `reduction`, the option every loss has."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def extra_repr(self) -> str:
        return _changed(self, reduction="mean")


class CrossEntropyLoss(_Loss):
    """Log-softmax and negative log-likelihood in one stable step; see `cross_entropy`."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)

    def extra_repr(self) -> str:
        return _changed(self, ignore_index=-100, reduction="mean", label_smoothing=0.0)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities at class indices; see `nll_loss`."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)

    def extra_repr(self) -> str:
        return _changed(self, ignore_index=-100, reduction="mean")


class MSELoss(_Loss):
    """Mean squared error; see `mse_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error; see `l1_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below `beta`, absolute error above; see `smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)

    def extra_repr(self) -> str:
        return _changed(self, reduction="mean", beta=1.0)


class HuberLoss(_Loss):
    """Squared error below `delta`, delta-scaled absolute error above; see `huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self) -> str:
        return _changed(self, reduction="mean", delta=1.0)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities; see `binary_cross_entropy`."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy fused, stable for any logit; see `binary_cross_entropy_with_logits`."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None
                 ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class KLDivLoss(_Loss):
    """KL divergence of the target from log-probabilities; see `kl_div` ('batchmean' is the true KL)."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self) -> str:
        return _changed(self, reduction="mean", log_target=False)

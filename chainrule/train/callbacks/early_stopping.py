"""EarlyStopping: stop when a monitored value has stopped improving (Keras semantics)."""

from __future__ import annotations

import math
from typing import Any, Literal

from chainrule.tensor import Tensor
from chainrule.train.callbacks.base import Callback

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1")


Mode = Literal["auto", "min", "max"]  # auto: "max" for accuracy-like names, "min" otherwise


def resolve_mode(mode: Mode, monitor: str, owner: str) -> str:
    """'min' or 'max' for `monitor`; 'auto' is 'max' when the name contains acc, auc, precision, recall or f1."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if any(word in monitor for word in _HIGHER_IS_BETTER) else "min"
    return mode


def improved(value: float, best: float, mode: str, min_delta: float = 0.0) -> bool:
    """Whether `value` beats `best` by more than `min_delta`, lower being better for 'min', higher for 'max'."""
    return value < best - min_delta if mode == "min" else value > best + min_delta


class EarlyStopping(Callback):
    """Stop training once `monitor` has not improved by more than `min_delta` for `patience` epochs.

    Args:
        mode: 'min', 'max', or 'auto' ('max' when the name contains acc, auc, precision, recall or f1).
        restore_best_weights: on stopping, copy the model's parameters from its best epoch back.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[EarlyStopping("val_loss", patience=3)])
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0, mode: Mode = "auto",
                 restore_best_weights: bool = False) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.mode = resolve_mode(mode, monitor, "EarlyStopping")
        self.restore_best_weights = restore_best_weights
        self.on_fit_start(None)

    def on_fit_start(self, trainer: Any) -> None:
        self.wait = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: dict[str, Any] | None = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping: monitor {self.monitor!r} is not in the epoch logs; available keys: "
                f"{sorted(key for key in logs if '/' not in key)} (and per-layer diagnostics such as grad_norm/...)"
            )
        value = logs[self.monitor]
        self.wait += 1
        if improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = {key: tensor._data.copy() for key, tensor in trainer.model.state_dict().items()}
            return
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True
            trainer.stop_reason = (
                f"EarlyStopping: {self.monitor} did not improve for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch})"
            )
            if self.restore_best_weights and self.best_weights is not None:
                trainer.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                "best_weights": self.best_weights, "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.wait, self.best, self.best_epoch = state["wait"], state["best"], state["best_epoch"]
        self.stopped_epoch = state["stopped_epoch"]
        weights = state["best_weights"]
        self.best_weights = None if weights is None else {
            key: value._data if isinstance(value, Tensor) else value for key, value in weights.items()
        }

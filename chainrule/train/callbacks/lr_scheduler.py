"""LearningRateScheduler: set the learning rate at the start of each epoch from a function of the epoch."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from chainrule.train.callbacks.base import Callback


class LearningRateScheduler(Callback):
    """Set every parameter group's lr to `schedule(epoch, lr)` at each epoch start (Keras semantics).

    `epoch` counts from 1 and `lr` is the first group's current learning rate; the schedule must return a
    finite number >= 0. A resumed fit that continues in the middle of an epoch keeps that epoch's lr from
    the checkpoint instead of applying the schedule twice. `verbose` prints each new learning rate.

        >>> halve_after_10 = lambda epoch, lr: lr if epoch <= 10 else lr * 0.5
        >>> trainer = Trainer(model, loss, optimizer, callbacks=[LearningRateScheduler(halve_after_10)])
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: bool = False) -> None:
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: schedule must be a function (epoch, lr) -> new lr, "
                f"got {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_start(self, trainer: Any, epoch: int) -> None:
        if trainer.batch > 0:  # resumed mid-epoch: the checkpoint restored this epoch's lr already
            return
        groups = trainer.optimizer.param_groups
        lr = self.schedule(epoch, groups[0]["lr"])
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"LearningRateScheduler: schedule returned {lr!r} for epoch {epoch}; "
                "it must return a finite number >= 0"
            )
        for group in groups:
            group["lr"] = float(lr)
        if self.verbose:
            print(f"Epoch {epoch}: LearningRateScheduler set the learning rate to {float(lr):g}")

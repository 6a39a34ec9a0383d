"""LearningRateScheduler: the one mechanism that changes the learning rate during a fit.

`Trainer(scheduler=...)` is shorthand for it. It drives either a `chainrule.optim.lr_scheduler` scheduler
(PyTorch's, stepped at each epoch's end: a `ReduceLROnPlateau` with that epoch's `monitor` value) or a Keras
function `schedule(epoch, lr) -> lr`, applied at each epoch's start.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from chainrule.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from chainrule.train.callbacks.base import Callback


class LearningRateScheduler(Callback):
    """Change every parameter group's lr as `schedule` says: a scheduler object or a function of the epoch.

    Args:
        schedule: an `LRScheduler` built on the trainer's optimizer — stepped once at each epoch's end, a
            `ReduceLROnPlateau` with the epoch's `monitor` log — or a function `(epoch, lr) -> new lr`, called
            at each epoch's start with the epoch (from 1) and the first group's lr (Keras semantics); it must
            return a finite number >= 0.
        monitor: the epoch log a `ReduceLROnPlateau` watches.
        verbose: print each new learning rate a function sets.

    A resumed fit continues in the middle of an epoch with that epoch's lr from the checkpoint, never applying
    the schedule twice; a scheduler object's own state is saved with the callback's.

        >>> halve_after_10 = lambda epoch, lr: lr if epoch <= 10 else lr * 0.5
        >>> trainer = Trainer(model, loss, optimizer, callbacks=[LearningRateScheduler(halve_after_10)])
        >>> trainer = Trainer(model, loss, optimizer, scheduler=StepLR(optimizer, step_size=10))  # the same way
    """

    def __init__(self, schedule: LRScheduler | Callable[[int, float], float], monitor: str = "val_loss",
                 verbose: bool = False) -> None:
        if not (isinstance(schedule, LRScheduler) or callable(schedule)):
            raise TypeError(
                "LearningRateScheduler: schedule must be a learning-rate scheduler (chainrule.optim.lr_scheduler) "
                f"or a function (epoch, lr) -> new lr, got {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.monitor = monitor
        self.verbose = verbose

    def on_epoch_start(self, trainer: Any, epoch: int) -> None:
        if isinstance(self.schedule, LRScheduler) or trainer.batch > 0:  # resumed mid-epoch: its lr is restored
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

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if not isinstance(self.schedule, LRScheduler):
            return
        if isinstance(self.schedule, ReduceLROnPlateau):
            if self.monitor not in logs:
                raise ValueError(f"LearningRateScheduler: ReduceLROnPlateau monitors {self.monitor!r}, which is not "
                                 f"in the epoch logs (keys: {sorted(logs)}); pass validation data to fit()")
            self.schedule.step(logs[self.monitor])
        else:
            self.schedule.step()

    def state_dict(self) -> dict[str, Any]:
        return self.schedule.state_dict() if isinstance(self.schedule, LRScheduler) else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if isinstance(self.schedule, LRScheduler):
            self.schedule.load_state_dict(state)

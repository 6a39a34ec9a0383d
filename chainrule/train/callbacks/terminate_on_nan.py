"""TerminateOnNaN: stop training as soon as a batch loss is NaN or infinite, and print where."""

from __future__ import annotations

import math
from typing import Any

from chainrule.train.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stop at the first batch whose loss is not finite, before its optimizer step, and print where.

    The Trainer stops on a non-finite loss by itself too (and names the op in `trainer.stop_reason`); this
    callback adds Keras's printed line, which a log file can be searched for.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[TerminateOnNaN()])
    """

    def on_after_backward(self, trainer: Any, batch: tuple[Any, Any]) -> None:
        loss = trainer.last_loss
        if not math.isfinite(loss):
            message = f"TerminateOnNaN: loss is {loss} at epoch {trainer.epoch}, batch {trainer.batch + 1}; stopping"
            print(message)
            trainer.stop_reason = message
            trainer.stop_training = True

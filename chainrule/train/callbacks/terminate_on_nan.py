"""TerminateOnNaN: stop training as soon as a batch loss is NaN or infinite."""

from __future__ import annotations

import math
from typing import Any

from chainrule.train.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stop at the first batch whose loss is not finite, print where, and record it in `trainer.stop_reason`.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[TerminateOnNaN()])
    """

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        loss = logs["loss"]
        if not math.isfinite(loss):
            message = f"TerminateOnNaN: loss is {loss} at epoch {trainer.epoch}, batch {batch}; stopping"
            print(message)
            trainer.stop_reason = message
            trainer.stop_training = True

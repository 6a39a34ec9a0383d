"""The Callback base class: hooks named after the events of `Trainer.fit`, each a no-op until overridden."""

from __future__ import annotations

from typing import Any


class Callback:
    """Plug a feature into `Trainer.fit` by overriding the hooks it needs; all of them do nothing here.

    Epochs and batches are counted from 1. `logs` is a dict of plain floats: per batch `loss` and
    `batch_size`; per epoch the row `History` records. The trainer's `epoch`, `epochs` (the last epoch of
    the fit in progress), `batch` (batches of this epoch done: in `on_epoch_start` 0, or k when a resumed
    run continues after batch k), `batches_per_epoch` and `global_step` tell where training is. Set
    `trainer.stop_training = True` to stop after the current batch or epoch, and `trainer.stop_reason` to
    say why. Reset state in `on_fit_start` so one instance can be reused; return in `state_dict()` what a
    resumed run must remember; set `priority` to run before or after others (see below). A custom callback:

        class PrintBestLoss(Callback):
            def on_fit_start(self, trainer):
                self.best = float("inf")

            def on_epoch_end(self, trainer, epoch, logs):
                if logs["loss"] < self.best:
                    self.best = logs["loss"]
                    print(f"epoch {epoch}: new best loss {self.best:.4f}")

        trainer = Trainer(model, loss, optimizer, callbacks=[PrintBestLoss()])
    """

    # At every event callbacks run by descending priority, ties in the order given: those that change the
    # training state (the default: early stopping, lr schedules, yours), then WRITER callbacks that record or
    # show it (CSV, TensorBoard, progress), then CHECKPOINT (ModelCheckpoint), which saves every callback's
    # state after the event.
    STATE, WRITER, CHECKPOINT = 200, 100, 0
    priority: int = STATE

    def on_fit_start(self, trainer: Any) -> None:
        pass

    def on_epoch_start(self, trainer: Any, epoch: int) -> None:
        pass

    def on_after_backward(self, trainer: Any, batch: tuple[Any, Any]) -> None:
        """Between backward and the optimizer step, with the gradients as backward left them (before
        clipping): `batch` is `(inputs, targets)`, the parameters' `.grad` are set. Setting
        `trainer.stop_training` here stops before the step, leaving the weights as they were."""

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        pass

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        pass

    def on_fit_end(self, trainer: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """What this callback must remember across a resume (plain values and arrays); saved in checkpoints."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()`; called after `on_fit_start` when a fit resumes from a checkpoint."""

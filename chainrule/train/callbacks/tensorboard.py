"""TensorBoardLogger: write the epoch logs (and optionally the batch loss) as TensorBoard scalars."""

from __future__ import annotations

import numbers
import os
import uuid
from typing import Any

from chainrule.train.callbacks.base import Callback

# Keys with a tag of their own; every other key is `train/<key>`, or `validation/<key>` without its `val_`.
_TAGS = {"lr": "lr", "samples_per_second": "throughput/samples_per_second", "seconds": "time/epoch_seconds"}


class TensorBoardLogger(Callback):
    """Log every numeric epoch value to TensorBoard with the epoch as step, and `batch/loss` every N steps.

    Tags: `train/loss`, `train/accuracy`, ..., `validation/loss`, `validation/accuracy`, ..., `lr`,
    `throughput/samples_per_second`, `time/epoch_seconds`; with `every_n_steps > 0` also `batch/loss`
    against the global step. Events are flushed at each epoch end. A resumed fit appends a new event file
    to `log_dir`, which TensorBoard reads as one run.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[TensorBoardLogger("runs/exp1")])
        $ tensorboard --logdir runs
    """

    priority = Callback.WRITER

    def __init__(self, log_dir: str | os.PathLike[str], every_n_steps: int = 0) -> None:
        if not isinstance(every_n_steps, int) or isinstance(every_n_steps, bool) or every_n_steps < 0:
            raise ValueError(
                f"TensorBoardLogger: every_n_steps must be an integer >= 0 (0 logs no batches), got {every_n_steps!r}"
            )
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("TensorBoardLogger needs tensorboardX: pip install 'chainrule[tensorboard]'") from None
        self._summary_writer = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.every_n_steps = every_n_steps
        self.writer: Any = None

    def on_fit_start(self, trainer: Any) -> None:
        self._close()
        # tensorboardX names event files by the second and opens them with "wb": without a unique suffix a
        # second fit (or a resume) within the same second would overwrite the first file.
        self.writer = self._summary_writer(self.log_dir, filename_suffix=f".{uuid.uuid4().hex[:8]}")

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        if self.every_n_steps and trainer.global_step % self.every_n_steps == 0:
            self.writer.add_scalar("batch/loss", logs["loss"], trainer.global_step)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        for key, value in logs.items():
            if key != "epoch" and isinstance(value, numbers.Real) and not isinstance(value, bool):
                self.writer.add_scalar(_tag(key), float(value), epoch)
        self.writer.flush()

    def on_fit_end(self, trainer: Any) -> None:
        self._close()

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _tag(key: str) -> str:
    if key in _TAGS:
        return _TAGS[key]
    if "/" in key:  # GradientMonitor's columns: grad_norm/<weight>, dead/<module>, ...
        return "diagnostics/" + key
    if key.startswith("val_"):
        return "validation/" + key.removeprefix("val_")
    return "train/" + key

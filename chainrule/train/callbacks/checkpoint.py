"""ModelCheckpoint: keep the best model's weights and the last full training state on disk."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from chainrule.backend import array_module
from chainrule.io import save
from chainrule.train.callbacks.base import Callback
from chainrule.train.callbacks.early_stopping import Mode, improved, resolve_mode


def _finite(array: Any) -> bool:
    return bool(array_module(array).isfinite(array).all())


class ModelCheckpoint(Callback):
    """Write `best.safetensors` (model weights at the best `monitor` value) and `last.safetensors` (the full
    training state: resume with `trainer.fit(..., resume_from=directory / "last.safetensors")`).

    Args:
        directory: where the two files go (created if needed).
        monitor, mode: the epoch log that decides "best", and whether lower or higher is better ('auto':
            higher for accuracy, precision, recall, f1, auc).
        save_best, save_last: which of the two files to keep.
        every_n_steps: also write `last.safetensors` every this many optimizer steps (0: only at epoch ends),
            so a killed run loses at most that many steps.

    `best.safetensors` is a plain state dict, readable by `chainrule.load` and by PyTorch's
    `safetensors.torch.load_file`. Nothing is written while the loss or a weight is NaN or infinite, so the
    files keep the last good state when training diverges. Both files are written atomically.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[ModelCheckpoint("run/checkpoints", every_n_steps=100)])
    """

    priority = Callback.CHECKPOINT  # last at every event: the saved state includes every callback's handling of it

    def __init__(self, directory: str | os.PathLike = "checkpoints", monitor: str = "val_loss", mode: Mode = "auto",
                 save_best: bool = True, save_last: bool = True, every_n_steps: int = 0) -> None:
        if not isinstance(every_n_steps, int) or every_n_steps < 0:
            raise ValueError(f"ModelCheckpoint: every_n_steps must be an integer >= 0, got {every_n_steps!r}")
        if not (save_best or save_last):
            raise ValueError("ModelCheckpoint: save_best and save_last are both False, so nothing would be saved")
        self.directory = Path(directory)
        self.monitor = monitor
        self.mode = resolve_mode(mode, monitor, "ModelCheckpoint")
        self.save_best = save_best
        self.save_last = save_last
        self.every_n_steps = every_n_steps
        self.best_path = self.directory / "best.safetensors"
        self.last_path = self.directory / "last.safetensors"
        self.on_fit_start(None)

    def on_fit_start(self, trainer: Any) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.skipped: list[str] = []

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        if self.save_last and self.every_n_steps and trainer.global_step % self.every_n_steps == 0:
            self._save_last(trainer, logs["loss"], f"step {trainer.global_step}")

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self.save_best:
            if self.monitor not in logs:
                raise ValueError(
                    f"ModelCheckpoint: monitor {self.monitor!r} is not in the epoch logs (keys: {sorted(logs)}); "
                    "pass validation data to fit(), or monitor a training key such as 'loss'"
                )
            value = logs[self.monitor]
            better = math.isfinite(value) and improved(value, self.best, self.mode)
            if better and self._healthy(trainer, logs["loss"], f"epoch {epoch}"):
                self.best, self.best_epoch = value, epoch
                self.directory.mkdir(parents=True, exist_ok=True)
                save(trainer.model.state_dict(), self.best_path,
                     metadata={"epoch": str(epoch), "monitor": self.monitor, "value": repr(value)})
        if self.save_last:
            self._save_last(trainer, logs["loss"], f"epoch {epoch}")

    def _save_last(self, trainer: Any, loss: float, when: str) -> None:
        if self._healthy(trainer, loss, when):
            trainer.save_checkpoint(self.last_path)

    def _healthy(self, trainer: Any, loss: float, when: str) -> bool:
        """False (and a note in `skipped`) when the loss or any weight is NaN/inf: keep the last good files."""
        if math.isfinite(loss) and all(_finite(p._data) for p in trainer.model.parameters()):
            return True
        self.skipped.append(when)
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]

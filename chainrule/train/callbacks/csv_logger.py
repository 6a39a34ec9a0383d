"""CSVLogger: keep a CSV file of the training history up to date, rewritten atomically after every epoch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chainrule.train.callbacks.base import Callback


class CSVLogger(Callback):
    """Write the trainer's whole History to `filename` at each epoch end: one row per epoch, one column per key.

    The file always holds every epoch of this Trainer, those before a resume included, so a resumed run
    neither loses nor repeats rows. Each write goes to a temporary file beside it that then replaces it, so
    a crash leaves the previous complete file, never a half-written one. Columns are every key in
    first-seen order; a cell is empty where an epoch lacks its key. Missing parent directories are created.

        >>> trainer = Trainer(model, loss, optimizer, callbacks=[CSVLogger("runs/exp1/history.csv")])
    """

    priority = Callback.WRITER

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",") -> None:
        if not isinstance(separator, str) or len(separator) != 1 or separator in "\"\r\n":
            raise ValueError(
                f"CSVLogger: separator must be a single character other than a quote or a line break, "
                f"got {separator!r}"
            )
        self.filename = Path(filename)
        self.separator = separator

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        trainer.history.to_csv(self.filename, self.separator)

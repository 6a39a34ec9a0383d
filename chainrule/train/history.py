"""History: the per-epoch logs of a training run, one dict per epoch, readable by key and savable as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainrule.io import write_atomically


class History:
    """Per-epoch dicts (`epoch`, `loss`, metrics, `val_*`, `lr`, `seconds`, ...) in training order.

    `history[3]` is the fourth epoch's dict; `history["val_loss"]` is that key over all epochs (None where an
    epoch lacks it); `history.findings` what gradient diagnostics found (kind, layers, evidence, epoch, fix).
    Example:

        >>> history = trainer.fit((x, y), epochs=10, validation_split=0.2)
        >>> history.best("val_loss")["epoch"]
    """

    def __init__(self, epochs: list[dict[str, Any]] | None = None) -> None:
        self.epochs: list[dict[str, Any]] = list(epochs or [])
        # what gradient diagnostics found, as `Finding.to_dict()`s (set by the Trainer at the end of each fit)
        self.findings: list[dict[str, Any]] = []

    def append(self, logs: dict[str, Any]) -> None:
        self.epochs.append(logs)

    def keys(self) -> list[str]:
        """Every key any epoch has, in first-seen order."""
        keys: dict[str, None] = {}
        for logs in self.epochs:
            keys.update(dict.fromkeys(logs))
        return list(keys)

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, int):
            return self.epochs[key]
        if key not in self.keys():
            raise KeyError(f"History has no key {key!r}; available keys: {self.keys()}")
        return [logs.get(key) for logs in self.epochs]

    def __len__(self) -> int:
        return len(self.epochs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.epochs)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, keys={self.keys()})"

    def best(self, key: str, mode: str = "min") -> dict[str, Any]:
        """The epoch dict with the lowest (`mode='min'`) or highest (`'max'`) finite value of `key`."""
        if mode not in ("min", "max"):
            raise ValueError(f"History.best: mode must be 'min' or 'max', got {mode!r}")
        candidates = [logs for logs in self.epochs
                      if isinstance(logs.get(key), int | float) and math.isfinite(logs[key])]
        if not candidates:
            raise ValueError(f"History.best: no epoch has a finite {key!r}; available keys: {self.keys()}")
        choose = min if mode == "min" else max
        return choose(candidates, key=lambda logs: logs[key])

    def to_csv(self, path: str | Path, separator: str = ",") -> None:
        """One row per epoch, one column per key (empty where an epoch lacks it), written atomically: the text
        is formatted in full first, so a failure leaves the previous file as it was."""
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=self.keys(), restval="", delimiter=separator)
        writer.writeheader()
        writer.writerows(self.epochs)
        write_atomically(path, text.getvalue().encode("utf-8"))

    def to_json(self, path: str | Path) -> None:
        """A JSON list of the per-epoch dicts, written atomically."""
        write_atomically(path, json.dumps(self.epochs, indent=1).encode("utf-8"))

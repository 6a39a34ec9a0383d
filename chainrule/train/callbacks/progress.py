"""ProgressBar: a live tqdm bar per epoch on a terminal, one plain line per epoch anywhere else (CI, log files)."""

from __future__ import annotations

import numbers
import sys
import time
from typing import Any, TextIO

from chainrule.train.callbacks.base import Callback

_REFRESH_SECONDS = 0.1  # how often the running loss and metrics are recomputed for the bar
_SHOWN_APART = ("lr", "samples_per_second", "seconds")  # formatted on their own, after loss and metrics


class ProgressBar(Callback):
    """Show training progress: a tqdm bar per epoch when `file` is a terminal, else one line per epoch.

    The bar (`Epoch 3/20`, one step per batch) shows the running mean loss, the running metrics and
    samples/s, then the epoch's final values, val_* included, and stays on screen. Off a terminal each
    epoch prints `Epoch 3/20  loss 0.4123  accuracy 0.8750  val_loss 0.5012  lr 0.001  1203 samples/s  0.8 s`
    with no carriage returns. The trainer's `stop_reason`, if any, is printed at the end of the fit.

    Args:
        file: where to write; `sys.stderr` (looked up at the start of each fit) by default.
        force: True draws the bar even off a terminal, False never draws it; None decides by `file.isatty()`.

        >>> trainer = Trainer(model, loss, optimizer, metrics=[Accuracy()], callbacks=[ProgressBar()])
    """

    priority = Callback.WRITER

    def __init__(self, file: TextIO | None = None, force: bool | None = None) -> None:
        try:
            from tqdm import tqdm
        except ImportError:
            raise ImportError("ProgressBar needs tqdm: pip install 'chainrule[progress]'") from None
        self._tqdm = tqdm
        self.file = file
        self.force = force
        self._output: TextIO | None = None
        self._draw_bar = False
        self._bar: Any = None

    def on_fit_start(self, trainer: Any) -> None:
        self._close_bar()
        self._output = self.file if self.file is not None else sys.stderr
        self._draw_bar = self.force if self.force is not None else _is_terminal(self._output)

    def on_epoch_start(self, trainer: Any, epoch: int) -> None:
        if not self._draw_bar:
            return
        self._close_bar()
        self._last_refresh = time.monotonic()
        self._bar = self._tqdm(total=trainer.batches_per_epoch, initial=trainer.batch, desc=_title(trainer, epoch),
                               file=self._output, leave=True, unit="batch", mininterval=_REFRESH_SECONDS)

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        if self._bar is None:
            return
        now = time.monotonic()
        # The running values are read only as often as the bar redraws, so a batch costs a clock read.
        if now - self._last_refresh >= _REFRESH_SECONDS:
            self._last_refresh = now
            self._bar.set_postfix(self._running_values(trainer), refresh=False)
        self._bar.update(1)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.set_postfix(dict(_epoch_items(logs)), refresh=False)
            self._close_bar()  # closing redraws the bar once more, with the final values, and leaves it
        elif not self._draw_bar:
            print(_epoch_line(_title(trainer, epoch), logs), file=self._output, flush=True)

    def on_fit_end(self, trainer: Any) -> None:
        self._close_bar()  # also after an exception: the trainer calls this hook in a `finally`
        if trainer.stop_reason:
            print(trainer.stop_reason, file=self._output, flush=True)

    def _running_values(self, trainer: Any) -> dict[str, str]:
        """The epoch so far, as the trainer keeps it (a resumed epoch included): loss, metrics, samples/s."""
        values = {"loss": _format(trainer.running_loss)}
        for metric in trainer.metrics:
            try:
                value = metric.compute()
            except RuntimeError:  # no samples yet
                continue
            if _is_number(value):
                values[metric.name.lower()] = _format(value)
        elapsed = trainer.epoch_seconds()
        if elapsed > 0:
            values["samples/s"] = f"{trainer.epoch_samples / elapsed:.0f}"
        return values

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _title(trainer: Any, epoch: int) -> str:
    return f"Epoch {epoch}/{trainer.epochs}"


def _epoch_items(logs: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, text) pairs: loss, metrics and val_* in log order, then lr and samples/s; non-numbers and the
    per-layer diagnostics (`grad_norm/...`, `dead/...`: history.csv and the report have them) left out."""
    items = [(key, _format(value)) for key, value in logs.items()
             if key not in ("epoch", *_SHOWN_APART) and "/" not in key and _is_number(value)]
    if _is_number(logs.get("lr")):
        items.append(("lr", f"{logs['lr']:g}"))
    if _is_number(logs.get("samples_per_second")):
        items.append(("samples/s", f"{logs['samples_per_second']:.0f}"))
    return items


def _epoch_line(title: str, logs: dict[str, Any]) -> str:
    parts = [title]
    for name, text in _epoch_items(logs):
        parts.append(f"{text} samples/s" if name == "samples/s" else f"{name} {text}")
    if _is_number(logs.get("seconds")):
        seconds = logs["seconds"]
        parts.append(f"{seconds:.1f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms")
    return "  ".join(parts)


def _format(value: float) -> str:
    """Four decimals, or e-notation for tiny values (as Keras prints its logs)."""
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_terminal(file: Any) -> bool:
    isatty = getattr(file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False

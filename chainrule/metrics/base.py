"""The Metric base class and the conversions every metric shares: inputs to host NumPy, state to plain
Python values, a one-shot helper for the functional forms."""

from __future__ import annotations

from typing import Any

import numpy

from chainrule.backend import array_module
from chainrule.tensor import Tensor


def _to_numpy(values: Any) -> numpy.ndarray:
    """The host NumPy array behind a Tensor, a CuPy array, a NumPy array or a nested list."""
    if isinstance(values, Tensor):
        values = values._data
    if array_module(values) is not numpy or hasattr(values, "__cuda_array_interface__"):
        values = values.get()  # CuPy: copy to host
    return numpy.asarray(values)


def _check_lengths(predictions: numpy.ndarray, targets: numpy.ndarray, owner: str) -> None:
    if len(predictions) != len(targets):
        raise ValueError(
            f"{owner}: predictions have {len(predictions)} samples but targets have {len(targets)}; "
            f"pass one prediction per target"
        )


def _to_python(value: Any) -> Any:
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    if isinstance(value, numpy.generic):
        return value.item()
    return value


class Metric:
    """A value accumulated over batches: `update(predictions, targets)` per batch, `compute()` at the end.

    A subclass lists its running totals in `_state_names`, sets them in `reset()`, and reads them in
    `compute()`; the base class turns them into a checkpointable `state_dict()` and back.
    """

    _state_names: tuple[str, ...] = ()

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.reset()

    def update(self, predictions: Any, targets: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update(); Metric is a base class")

    def compute(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define compute(); Metric is a base class")

    def reset(self) -> None:
        """Forget every batch seen so far."""
        self.num_updates = 0

    def state_dict(self) -> dict[str, Any]:
        """The running totals as plain Python numbers and lists (what a checkpoint saves)."""
        names = ("num_updates", *self._state_names)
        return {name: _to_python(getattr(self, name)) for name in names}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore totals from `state_dict()`, so streaming continues where the checkpoint left off."""
        names = ("num_updates", *self._state_names)
        missing = [name for name in names if name not in state]
        if missing:
            raise KeyError(f"{self!r}: state_dict is missing {missing}; expected keys {list(names)}")
        for name in names:
            current = getattr(self, name)
            if isinstance(current, numpy.ndarray):
                value = numpy.asarray(state[name], dtype=current.dtype)
            else:
                value = type(current)(state[name])
            setattr(self, name, value)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _check_ready(self, num_samples: int) -> None:
        if self.num_updates == 0:
            raise RuntimeError(f"{self.name}: compute() called before any update()")
        if num_samples == 0:
            raise RuntimeError(f"{self.name}: compute() has no samples; every update() so far had an empty batch")


def _one_shot(metric: Metric, predictions: Any, targets: Any) -> Any:
    metric.update(predictions, targets)
    return metric.compute()

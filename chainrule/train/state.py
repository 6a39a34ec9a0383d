"""TrainerState: where a fit stands — its counters and the running totals of the epoch in progress.

The Trainer owns one and serialises it into checkpoints through `state_dict()`; nothing else reads the
Trainer's private fields to save or restore a run.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any


@dataclasses.dataclass
class TrainerState:
    """The counters of a fit (epochs and batches from 1) and the epoch in progress's running totals.

    `epoch` is the epoch in progress, or the last one run; `batch` the batches of that epoch done;
    `fit_start_epoch` the epoch the current fit() started after; `running` the epoch's loss sum, samples,
    seconds and learning rate so far — what a mid-epoch resume needs to finish the epoch's logs exactly.
    """

    epoch: int = 0
    batch: int = 0
    global_step: int = 0
    fit_start_epoch: int = 0
    in_epoch: bool = False
    stop_training: bool = False
    stop_reason: str | None = None
    running: dict[str, float] = dataclasses.field(default_factory=dict)
    _clock: float = dataclasses.field(default_factory=time.perf_counter, repr=False)

    def start_epoch(self) -> None:
        self.epoch += 1
        self.batch = 0
        self.in_epoch = True
        self.running = {"loss_sum": 0.0, "samples": 0, "seconds": 0.0, "lr": 0.0}

    def start_clock(self) -> None:
        """Count the epoch's seconds from now on, on top of those a resumed checkpoint brought."""
        self._clock = time.perf_counter() - self.running.get("seconds", 0.0)

    def epoch_seconds(self) -> float:
        return time.perf_counter() - self._clock

    def add_batch(self, loss: float, size: int) -> None:
        self.batch += 1
        self.global_step += 1
        self.running["loss_sum"] += loss * size
        self.running["samples"] += size

    @property
    def running_loss(self) -> float:
        samples = self.running.get("samples", 0)
        return self.running["loss_sum"] / samples if samples else math.nan

    def state_dict(self) -> dict[str, Any]:
        """The fields as plain values (the epoch's seconds brought up to now while it runs)."""
        state = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                 if not field.name.startswith("_")}
        state["running"] = dict(self.running)
        if self.in_epoch:
            state["running"]["seconds"] = self.epoch_seconds()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for field in dataclasses.fields(self):
            if not field.name.startswith("_"):
                setattr(self, field.name, state[field.name])
        self.running = dict(state["running"])

"""Training checkpoints: the whole state of a `Trainer` to and from one safetensors file, written atomically.

A checkpoint holds the model, the optimizer, the scheduler, the history, the trainer's counters and the
epoch in progress (running loss and metric totals), every callback's `state_dict()`, the CPU random state
and the training DataLoader's position. Restoring all of it is what makes `fit(resume_from=...)` end with
the same weights and history as a run that was never interrupted.
"""

from __future__ import annotations

import os
from typing import Any

from chainrule import backend
from chainrule.io import load, save
from chainrule.train.history import History

FORMAT = "chainrule.train_state"
VERSION = 1
_TRAINER_KEYS = ("epoch", "batch", "global_step", "fit_start_epoch", "in_epoch", "stop_training", "stop_reason",
                 "running")


def train_state(trainer: Any) -> dict[str, Any]:
    """The trainer's state as a nested dict of tensors and plain values (tensors share memory: save or copy)."""
    running = dict(trainer._running)
    if trainer._in_epoch:
        running["seconds"] = trainer.epoch_seconds()
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
        "trainer": {
            "epoch": trainer.epoch, "batch": trainer.batch, "global_step": trainer.global_step,
            "fit_start_epoch": trainer._fit_start_epoch, "in_epoch": trainer._in_epoch,
            "stop_training": trainer.stop_training, "stop_reason": trainer.stop_reason, "running": running,
        },
        "metrics": [metric.state_dict() for metric in trainer.metrics],
        "history": trainer.history.epochs,
        "callbacks": [{"type": type(callback).__name__, "state": callback.state_dict()}
                      for callback in trainer.callbacks],
        "random": {"cpu": backend.get_rng_state()},
        "loader": None if trainer.train_loader is None else trainer.train_loader.state_dict(),
    }


def restore_train_state(trainer: Any, state: dict[str, Any]) -> None:
    """Put `state` (from `train_state`) back into `trainer`, checking first that it fits this trainer."""
    _check_compatible(trainer, state)
    trainer.model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    if trainer.scheduler is not None:
        trainer.scheduler.load_state_dict(state["scheduler"])
    counters = state["trainer"]
    trainer.epoch, trainer.batch = counters["epoch"], counters["batch"]
    trainer.global_step = counters["global_step"]
    trainer._fit_start_epoch = counters["fit_start_epoch"]
    trainer._in_epoch = counters["in_epoch"]
    trainer.stop_training, trainer.stop_reason = counters["stop_training"], counters["stop_reason"]
    trainer._running = dict(counters["running"])
    for metric, metric_state in zip(trainer.metrics, state["metrics"], strict=True):
        metric.load_state_dict(metric_state)
    trainer.history = History(state["history"])
    for callback, saved in zip(trainer.callbacks, state["callbacks"], strict=True):
        callback.load_state_dict(saved["state"])
    backend.set_rng_state(state["random"]["cpu"])
    if trainer.train_loader is not None and state["loader"] is not None:
        trainer.train_loader.load_state_dict(state["loader"])


def _check_compatible(trainer: Any, state: dict[str, Any]) -> None:
    """Refuse a checkpoint of a different setup before changing anything, naming every difference."""
    problems = []
    if (state["scheduler"] is None) != (trainer.scheduler is None):
        has = "has" if state["scheduler"] is not None else "has no"
        problems.append(f"the checkpoint {has} scheduler state but the trainer's scheduler is {trainer.scheduler!r}")
    if len(state["metrics"]) != len(trainer.metrics):
        problems.append(f"the checkpoint has {len(state['metrics'])} metrics, the trainer {len(trainer.metrics)}")
    saved = [entry["type"] for entry in state["callbacks"]]
    current = [type(callback).__name__ for callback in trainer.callbacks]
    if saved != current:
        problems.append(f"the checkpoint's callbacks are {saved}, the trainer's {current} (same kinds, same order)")
    loader, saved_loader = trainer.train_loader, state["loader"]
    if loader is not None and saved_loader is not None and saved_loader["dataset_length"] != len(loader.dataset):
        problems.append(f"the checkpoint was trained on {saved_loader['dataset_length']} samples, this fit's training "
                        f"data has {len(loader.dataset)}")
    if problems:
        raise ValueError("can't resume from this checkpoint: " + "; ".join(problems)
                         + "; build the Trainer and its data as the checkpointed run did")


def save_train_state(trainer: Any, path: str | os.PathLike) -> None:
    """Write `train_state(trainer)` to `path` atomically (the previous file survives a crash mid-write)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save(train_state(trainer), path)


def load_train_state(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by `save_train_state`, with an error that says what a wrong file is."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"training checkpoint not found: {os.fspath(path)!r}")
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        if isinstance(state, dict) and state and "format" not in state:
            raise ValueError(
                f"{os.fspath(path)!r} holds model weights, not a training checkpoint; load them with "
                "model.load_state_dict(chainrule.load(path)), or resume from a checkpoint written by "
                "Trainer.save_checkpoint / ModelCheckpoint (last.safetensors)"
            )
        raise ValueError(f"{os.fspath(path)!r} is not a chainrule training checkpoint")
    if state.get("version") != VERSION:
        raise ValueError(f"{os.fspath(path)!r} is a training checkpoint of version {state.get('version')}; "
                         f"this chainrule reads version {VERSION}")
    missing = [key for key in _TRAINER_KEYS if key not in state["trainer"]]
    if missing:
        raise ValueError(f"{os.fspath(path)!r}: the checkpoint's trainer state lacks {missing}")
    return state

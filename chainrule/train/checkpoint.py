"""Training checkpoints: the whole state of a `Trainer` to and from one safetensors file, written atomically.

A checkpoint holds the model, the optimizer, the scheduler, the history, the trainer's counters and the
epoch in progress (running loss and metric totals), every callback's `state_dict()`, the CPU random state
and the training DataLoader's position. Restoring all of it is what makes `fit(resume_from=...)` end with
the same weights and history as a run that was never interrupted.
"""

from __future__ import annotations

import os
from typing import Any

import numpy

from chainrule import backend
from chainrule.io import CheckpointError, load, save
from chainrule.tensor import Tensor
from chainrule.train.history import History

FORMAT = "chainrule.train_state"
VERSION = 1
_STATE_KEYS = ("model", "optimizer", "scheduler", "trainer", "metrics", "history", "callbacks", "random", "loader")
_TRAINER_KEYS = ("epoch", "batch", "global_step", "fit_start_epoch", "in_epoch", "stop_training", "stop_reason",
                 "running")
_RUNNING_KEYS = ("loss_sum", "samples", "seconds", "lr")  # an epoch in progress needs them (TrainerState)
_LOADER_KEYS = ("epoch", "batches_yielded", "generator_state", "dataset_length")  # DataLoader.state_dict


def train_state(trainer: Any) -> dict[str, Any]:
    """The trainer's state as a nested dict of tensors and plain values (tensors share memory: save or copy)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
        "trainer": trainer.state.state_dict(),
        "metrics": [metric.state_dict() for metric in trainer.metrics],
        "history": trainer.history.epochs,
        "callbacks": [{"type": type(callback).__name__, "state": callback.state_dict()}
                      for callback in trainer.callbacks],
        "random": {"cpu": backend.get_rng_state()},
        "loader": None if trainer.train_loader is None else trainer.train_loader.state_dict(),
        # optional: a checkpoint from before diagnostics, or with them off, lacks it
        "diagnostics": None if trainer.monitor is None else trainer.monitor.state_dict(),
    }


def restore_train_state(trainer: Any, state: dict[str, Any]) -> None:
    """Put `state` (from `train_state`) back into `trainer`, checking first that it fits this trainer."""
    _check_compatible(trainer, state)
    trainer.model.load_state_dict(state["model"])
    _restore("optimizer", trainer.optimizer, state["optimizer"])
    if trainer.scheduler is not None:
        _restore("scheduler", trainer.scheduler, state["scheduler"])
    trainer.state.load_state_dict(state["trainer"])
    for index, (metric, metric_state) in enumerate(zip(trainer.metrics, state["metrics"], strict=True)):
        _restore(f"metrics[{index}] ({metric.name})", metric, metric_state)
    trainer.history = History(state["history"])
    for index, (callback, saved) in enumerate(zip(trainer.callbacks, state["callbacks"], strict=True)):
        _restore(f"callbacks[{index}] ({type(callback).__name__})", callback, saved["state"])
    if trainer.monitor is not None and state.get("diagnostics") is not None:
        _restore("diagnostics", trainer.monitor, state["diagnostics"])
    backend.set_rng_state(state["random"]["cpu"])
    if trainer.train_loader is not None and state["loader"] is not None:
        trainer.train_loader.load_state_dict(state["loader"])


def _restore(part: str, owner: Any, state: Any) -> None:
    """`owner.load_state_dict(state)`; a state the owner can't take (a key another version or a damaged file
    lacks) is a CheckpointError naming the part, not a bare KeyError from inside the owner."""
    try:
        owner.load_state_dict(state)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise CheckpointError(f"the checkpoint's {part} state doesn't fit this trainer's ({type(error).__name__}: "
                              f"{error}); resume with the chainrule version and setup that wrote it") from None


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
    """Read a checkpoint written by `save_train_state`, checking every field `train_state` writes.

    A damaged file, or one whose fields are not what a Trainer writes, raises `CheckpointError` (a
    ValueError) naming the file and the field, e.g. `last.safetensors: corrupt training checkpoint:
    trainer.epoch should be an integer >= 0, got 'abc'`; a missing file raises FileNotFoundError.
    """
    name = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"training checkpoint not found: {name!r}")
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        if isinstance(state, dict) and state and "format" not in state:
            raise CheckpointError(
                f"{name!r} holds model weights, not a training checkpoint; load them with "
                "model.load_state_dict(chainrule.load(path)), or resume from a checkpoint written by "
                "Trainer.save_checkpoint / ModelCheckpoint (last.safetensors)"
            )
        raise CheckpointError(f"{name!r} is not a chainrule training checkpoint")
    if state.get("version") != VERSION:
        raise CheckpointError(f"{name!r} is a training checkpoint of version {state.get('version')!r:.40}; this "
                              f"chainrule reads version {VERSION}")
    try:
        _check_train_state(state)
    except _BadField as error:
        raise CheckpointError(f"{name}: corrupt training checkpoint: {error}") from None
    return state


# -- what train_state writes, field by field -------------------------------------------------------------
class _BadField(Exception):
    """A field of a loaded checkpoint that train_state would not have written ("trainer.epoch should be ...")."""


def _require(valid: bool, field: str, expected: str, value: Any) -> None:
    if not valid:
        raise _BadField(f"{field} should be {expected}, got {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, dict | list | Tensor):
        return f"a {type(value).__name__}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _is_number(value: Any) -> bool:
    return isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)
                                        and -2**63 <= value < 2**63)


def _check_dict(value: Any, field: str, keys: tuple[str, ...] = ()) -> None:
    """`value` is a dict with str keys that has `keys`."""
    _require(isinstance(value, dict) and all(isinstance(key, str) for key in value), field,
             "a dict with str keys", value)
    missing = [key for key in keys if key not in value]
    if missing:
        raise _BadField(f"{field} lacks {missing}")


def _check_list(value: Any, field: str) -> None:
    _require(isinstance(value, list), field, "a list", value)


def _check_train_state(state: dict[str, Any]) -> None:
    _check_dict(state, "the checkpoint", _STATE_KEYS)
    _check_dict(state["model"], "model")
    for key, value in state["model"].items():
        _require(isinstance(value, Tensor), f"model[{key!r}]", "a tensor", value)
    _check_optimizer(state["optimizer"])
    if state["scheduler"] is not None:
        _check_dict(state["scheduler"], "scheduler")
    _check_trainer(state["trainer"])
    _check_list(state["metrics"], "metrics")
    for index, metric in enumerate(state["metrics"]):
        _check_dict(metric, f"metrics[{index}]", ("num_updates",))
        _require(_is_count(metric["num_updates"]), f"metrics[{index}].num_updates", "an integer >= 0",
                 metric["num_updates"])
        for key, value in metric.items():
            _require(_is_numbers(value), f"metrics[{index}].{key}", "a number or a list of numbers", value)
    _check_list(state["history"], "history")
    for index, logs in enumerate(state["history"]):
        _check_dict(logs, f"history[{index}]")
    _check_list(state["callbacks"], "callbacks")
    for index, entry in enumerate(state["callbacks"]):
        _check_dict(entry, f"callbacks[{index}]", ("type", "state"))
        _require(isinstance(entry["type"], str), f"callbacks[{index}].type", "a class name", entry["type"])
        _check_dict(entry["state"], f"callbacks[{index}].state")
    _check_dict(state["random"], "random", ("cpu",))
    _check_generator_state(state["random"]["cpu"], "random.cpu")
    loader = state["loader"]
    if loader is not None:
        _check_dict(loader, "loader", _LOADER_KEYS)
        for key in ("epoch", "batches_yielded", "dataset_length"):
            _require(_is_count(loader[key]), f"loader.{key}", "an integer >= 0", loader[key])
        _check_generator_state(loader["generator_state"], "loader.generator_state")


def _check_optimizer(optimizer: Any) -> None:
    _check_dict(optimizer, "optimizer", ("state", "param_groups"))
    _check_list(optimizer["param_groups"], "optimizer.param_groups")
    indices = set()
    for number, group in enumerate(optimizer["param_groups"]):
        field = f"optimizer.param_groups[{number}]"
        _check_dict(group, field, ("params",))
        _require(isinstance(group["params"], list) and all(_is_count(index) for index in group["params"]),
                 f"{field}.params", "a list of parameter indices", group["params"])
        indices.update(group["params"])
    state = optimizer["state"]
    _require(isinstance(state, dict), "optimizer.state", "a dict", state)
    for index, values in state.items():
        _require(index in indices, f"optimizer.state key {index!r}", "the index of a parameter in param_groups",
                 index)
        _check_dict(values, f"optimizer.state[{index}]")
        for key, value in values.items():
            _require(isinstance(value, Tensor) or _is_number(value), f"optimizer.state[{index}].{key}",
                     "a tensor or a number", value)


def _check_trainer(counters: Any) -> None:
    _check_dict(counters, "trainer", _TRAINER_KEYS)
    for key in ("epoch", "batch", "global_step", "fit_start_epoch"):
        _require(_is_count(counters[key]), f"trainer.{key}", "an integer >= 0", counters[key])
    for key in ("in_epoch", "stop_training"):
        _require(isinstance(counters[key], bool), f"trainer.{key}", "True or False", counters[key])
    reason = counters["stop_reason"]
    _require(reason is None or isinstance(reason, str), "trainer.stop_reason", "a string or None", reason)
    running = counters["running"]
    _check_dict(running, "trainer.running", _RUNNING_KEYS if counters["in_epoch"] else ())
    for key, value in running.items():
        _require(_is_number(value), f"trainer.running.{key}", "a number", value)


def _is_numbers(value: Any) -> bool:
    """A number, or a (nested) list of numbers: what Metric.state_dict writes."""
    if isinstance(value, list):
        return all(_is_numbers(item) for item in value)
    return _is_number(value)


def _check_generator_state(state: Any, field: str) -> None:
    """A NumPy bit generator's `state`, checked by giving it to a fresh generator of that kind."""
    _check_dict(state, field, ("bit_generator",))
    kind = getattr(numpy.random, str(state["bit_generator"]), None)
    _require(isinstance(kind, type) and issubclass(kind, numpy.random.BitGenerator), f"{field}.bit_generator",
             "the name of a NumPy bit generator", state["bit_generator"])
    try:
        kind().state = state
    except Exception as error:  # NumPy's setter is the judge; it raises ValueError, TypeError, OverflowError...
        raise _BadField(f"{field} is not a valid {state['bit_generator']} state ({error})") from None

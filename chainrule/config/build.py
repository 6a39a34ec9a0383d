"""Build the objects a resolved config describes: model, loss, metrics, optimizer and scheduler, callbacks.

Each builder checks the config first (so a hand-written dict gets the same messages as a file), and
reports an error raised by a class's own `__init__` as a ConfigError under the key path that gave it.
The caller seeds the generators (`chainrule.manual_seed(config["seed"])`) before `build_model`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy

from chainrule import metrics as metric_classes
from chainrule import nn
from chainrule.config import arguments as registry
from chainrule.config.defaults import CLASSIFICATION_METRICS, metric_name
from chainrule.config.errors import ConfigError, KeyPath, where
from chainrule.config.schema import resolved_config
from chainrule.creation import as_tensor
from chainrule.metrics import Metric
from chainrule.optim import Optimizer
from chainrule.run import RunDirectory

_TUPLE_LAYERS = (*registry.RECURRENT_LAYERS, "LSTMCell")  # forward returns (output, state)


class RecurrentSequential(nn.Sequential):
    """A Sequential that passes on only the output of layers returning (output, hidden state) — RNN, LSTM,
    GRU, LSTMCell — and, after the layers named in `last_step`, only the last time step.

    The state_dict keys are a plain Sequential's (`0.weight_ih_l0`, `1.weight`, ...). Example:
    `RecurrentSequential(LSTM(1, 32, batch_first=True), Linear(32, 1), last_step={"0"})` maps (N, L, 1)
    inputs to (N, 1).
    """

    def __init__(self, *modules: nn.Module, last_step: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__(*modules)
        self.last_step = frozenset(last_step)

    def forward(self, input: Any) -> Any:
        for name, module in self._modules.items():
            input = module(input)
            if isinstance(input, tuple):
                input = input[0]  # the hidden state stays behind
            if name in self.last_step:
                batch_is_first = getattr(module, "batch_first", False) and input.ndim == 3
                input = input[:, -1] if batch_is_first else input[-1]
        return input

    def extra_repr(self) -> str:
        return f"last_step={sorted(self.last_step)}" if self.last_step else ""


def build_model(config: Mapping[str, Any]) -> nn.Module:
    """The [model] layers as a `chainrule.nn.Sequential` (a RecurrentSequential with recurrent layers).

        >>> model = build_model(load_config("examples/configs/mlp.toml"))
    """
    layers = resolved_config(config, require_model=True)["model"]["layers"]
    modules, last_step = [], set()
    for index, entry in enumerate(layers):
        name = entry["type"]
        layer_arguments = {key: value for key, value in entry.items() if key not in ("type", "output")}
        modules.append(_construct(registry.layer_classes()[name], layer_arguments, ("model", "layers", index), name))
        if entry.get("output") == "last":
            last_step.add(str(index))
    if any(entry["type"] in _TUPLE_LAYERS for entry in layers):
        return RecurrentSequential(*modules, last_step=last_step)
    return nn.Sequential(*modules)


def build_loss(config: Mapping[str, Any]) -> nn.Module:
    """The [training] loss: `"MSELoss"` or `{ type = "CrossEntropyLoss", label_smoothing = 0.1 }`."""
    entry = resolved_config(config)["training"]["loss"]
    name = entry if isinstance(entry, str) else entry["type"]
    loss_arguments = {} if isinstance(entry, str) else {key: value for key, value in entry.items() if key != "type"}
    return _construct(registry.loss_classes()[name], loss_arguments, ("training", "loss"), name)


def build_metrics(config: Mapping[str, Any], num_classes: int | None) -> list[Metric]:
    """The [training] metrics, each named as it is logged ('accuracy', 'f1', 'mae', ...).

    `num_classes` (see `num_classes(train)`) is None for float targets, where only mae, mse, rmse and r2
    apply. Example: `build_metrics(config, num_classes(train))`.
    """
    metrics = []
    for index, entry in enumerate(resolved_config(config)["training"]["metrics"]):
        kind, options = (entry, {}) if isinstance(entry, str) else (entry["type"], entry)
        path = ("training", "metrics", index)
        if kind in CLASSIFICATION_METRICS and num_classes is None:
            raise ConfigError(f"{where(path)}: {kind} needs integer class labels, but the training targets are "
                              "floats (a regression task); use mae, mse, rmse or r2")
        metrics.append(_metric(kind, options, metric_name(entry), num_classes, path))
    return metrics


def _metric(kind: str, options: dict[str, Any], name: str, num_classes: int | None, path: KeyPath) -> Metric:
    threshold = options.get("threshold", 0.5)
    if kind == "accuracy":
        return metric_classes.Accuracy(threshold=threshold, name=name)
    if kind == "top_k_accuracy":
        k = options.get("k", 5)
        if k > num_classes:
            raise ConfigError(f"{where(path)}: k = {k} is more than the {num_classes} classes; choose k < "
                              f"{num_classes} (k = {num_classes} is always right)")
        return metric_classes.Accuracy(top_k=k, name=name)
    if kind in ("precision", "recall", "f1"):
        cls = {"precision": metric_classes.Precision, "recall": metric_classes.Recall,
               "f1": metric_classes.F1Score}[kind]
        arguments = {"num_classes": num_classes, "average": options.get("average", "macro"), "threshold": threshold,
                     "name": name}
        return _construct(cls, arguments, path, kind)
    regression = {"mae": metric_classes.MeanAbsoluteError, "mse": metric_classes.MeanSquaredError,
                  "rmse": metric_classes.RootMeanSquaredError, "r2": metric_classes.R2Score}
    return regression[kind](name=name)


def build_optimizer(config: Mapping[str, Any], model: nn.Module) -> tuple[Optimizer, Any]:
    """The [optimizer] over `model`'s parameters, and its scheduler (or None).

        >>> optimizer, scheduler = build_optimizer(config, model)
    """
    section = resolved_config(config)["optimizer"]
    name = section["type"]
    optimizer_arguments = {key: value for key, value in section.items() if key not in ("type", "scheduler")}
    if isinstance(optimizer_arguments.get("betas"), list):
        optimizer_arguments["betas"] = tuple(optimizer_arguments["betas"])
    optimizer = _construct(registry.optimizer_classes()[name], optimizer_arguments, ("optimizer",), name,
                           model.parameters())
    if "scheduler" not in section:
        return optimizer, None
    entry = section["scheduler"]
    scheduler_arguments = {key: value for key, value in entry.items() if key != "type"}
    scheduler = _construct(registry.scheduler_classes()[entry["type"]], scheduler_arguments,
                           ("optimizer", "scheduler"), entry["type"], optimizer)
    return optimizer, scheduler


def build_callbacks(config: Mapping[str, Any], run_dir: RunDirectory | str | os.PathLike) -> list[Any]:
    """The [callbacks], in the order they run: TerminateOnNaN, EarlyStopping, ModelCheckpoint, CSVLogger,
    TensorBoardLogger, then ProgressBar last (so it prints what the others logged). Files go where the run
    folder's `RunDirectory` says.

        >>> callbacks = build_callbacks(config, RunDirectory(f"runs/{config['name']}"))
    """
    section = resolved_config(config)["callbacks"]
    if not isinstance(run_dir, RunDirectory):
        run_dir = RunDirectory(run_dir)
    callbacks = []
    # Imported here: the logging callbacks pull in optional libraries (tqdm, tensorboardX).
    if section["terminate_on_nan"]:
        from chainrule.train.callbacks.terminate_on_nan import TerminateOnNaN
        callbacks.append(TerminateOnNaN())
    if section["early_stopping"]:
        from chainrule.train.callbacks.early_stopping import EarlyStopping
        callbacks.append(_construct(EarlyStopping, section["early_stopping"], ("callbacks", "early_stopping"), None))
    if section["model_checkpoint"]:
        from chainrule.train.callbacks.checkpoint import ModelCheckpoint
        callbacks.append(_construct(ModelCheckpoint, {"directory": run_dir.checkpoints,
                                                      **section["model_checkpoint"]},
                                    ("callbacks", "model_checkpoint"), None))
    if section["csv_logger"]:
        from chainrule.train.callbacks.csv_logger import CSVLogger
        callbacks.append(CSVLogger(run_dir.history))
    if section["tensorboard"]:
        from chainrule.train.callbacks.tensorboard import TensorBoardLogger
        callbacks.append(_construct(TensorBoardLogger, {"log_dir": run_dir.tensorboard, **section["tensorboard"]},
                                    ("callbacks", "tensorboard"), None))
    if section["progress_bar"]:
        from chainrule.train.callbacks.progress import ProgressBar
        callbacks.append(ProgressBar())
    return callbacks


def _construct(cls: Callable[..., Any], arguments: dict[str, Any], path: KeyPath, label: str | None,
               *leading: Any) -> Any:
    """`cls(*leading, **arguments)`, with TOML arrays turned into Tensors where the class takes a Tensor
    (a loss's class `weight`); an error from `__init__` becomes a ConfigError naming the key path."""
    try:
        arguments = {key: _tensor_if_wanted(cls, key, value) for key, value in arguments.items()}
        return cls(*leading, **arguments)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{where(path, label)}: {error}") from error


def _tensor_if_wanted(cls: Callable[..., Any], key: str, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    if "Tensor" in registry.annotation_text(cls, key):
        return as_tensor(numpy.asarray(value, dtype=numpy.float32))
    return value


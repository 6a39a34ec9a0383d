"""Build what a resolved config describes: data splits, model, loss, metrics, optimizer and scheduler, callbacks,
and the Trainer.

Each builder checks the config first (so a hand-written dict gets the same messages as a file), and reports
an error raised by a class's own `__init__` as a ConfigError under the key path that gave it. The caller
seeds the generators (`chainrule.manual_seed(config["seed"])`) before `build_model`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy

from chainrule import nn
from chainrule.config import registry
from chainrule.config.errors import ConfigError, KeyPath, where
from chainrule.config.schema import resolved_config
from chainrule.creation import as_tensor
from chainrule.data import Dataset, TensorDataset
from chainrule.data.split import train_validation_test_split
from chainrule.metrics import Metric
from chainrule.optim import Optimizer
from chainrule.run import RunDirectory
from chainrule.train import Trainer

_TUPLE_LAYERS = (*registry.RECURRENT_LAYERS, "LSTMCell")  # forward returns (output, state)


def build_data(config: Mapping[str, Any]) -> tuple[Dataset, Dataset | None, Dataset | None]:
    """(train, validation, test): `test_split` of the data held out, then `validation_split` of the rest.

    Class labels are split stratified, other targets at random (`chainrule.data.hold_out`), seeded from
    `config["seed"]`, so the same config always gives the same split. A fraction of 0 gives None.

        >>> train, validation, test = build_data(load_config())
    """
    config = resolved_config(config)
    data = config["data"]
    dataset = _load(data)
    fractions = {key: data[key] for key in registry.signature(train_validation_test_split, registry.SPLIT_GIVEN)[0]}
    try:
        return train_validation_test_split(dataset, seed=config["seed"], **fractions)
    except ValueError as error:  # it names the fraction: too small to hold out a sample, or too big to keep one
        raise ConfigError(f"[data] {error}, so change it (0 holds out nothing)") from error


def _load(data: dict[str, Any]) -> TensorDataset:
    """The whole dataset of the [data] source; a loader's error is a ConfigError naming the key."""
    source = next(key for key in registry.SOURCE_KEYS if key in data)
    try:
        if source == "dataset":
            return registry.DATASETS[data["dataset"]](**data["options"])
        files = data[source] if isinstance(data[source], list) else [data[source]]
        arguments = {key: data[key] for key in registry.SOURCE_KEYS[source] if key in data}
        return registry.LOADERS[source](*files, **arguments)
    except (ValueError, TypeError, KeyError, FileNotFoundError) as error:  # TypeError: a csv delimiter of 2
        key = ("data", "options") if source == "dataset" else ("data", source)
        label = data["dataset"] if source == "dataset" else None
        message = error.args[0] if error.args else str(error)
        raise ConfigError(f"{where(key, label)}: {message}") from error


def build_model(config: Mapping[str, Any]) -> nn.Module:
    """The [model] layers as a `chainrule.nn.Sequential` (a RecurrentSequential with recurrent layers).

        >>> model = build_model(load_config("examples/configs/mlp.toml"))
    """
    layers = resolved_config(config, require_model=True)["model"]["layers"]
    modules, last_step = [], set()
    for index, entry in enumerate(layers):
        arguments = {key: value for key, value in entry.items() if key not in ("type", "output")}
        path = ("model", "layers", index)
        modules.append(_construct(registry.LAYERS[entry["type"]], arguments, path, entry["type"]))
        if entry.get("output") == "last":
            last_step.add(str(index))
    if any(entry["type"] in _TUPLE_LAYERS for entry in layers):
        return nn.RecurrentSequential(*modules, last_step=last_step)
    return nn.Sequential(*modules)


def build_loss(config: Mapping[str, Any]) -> nn.Module:
    """The [training] loss: `"MSELoss"` or `{ type = "CrossEntropyLoss", label_smoothing = 0.1 }`."""
    name, arguments = _type_and_arguments(resolved_config(config)["training"]["loss"])
    return _construct(registry.LOSSES[name], arguments, ("training", "loss"), name)


def build_metrics(config: Mapping[str, Any], num_classes: int | None) -> list[Metric]:
    """The [training] metrics, each named as it is logged ('accuracy', 'f1', 'mae', ...).

    `num_classes` (`chainrule.data.num_classes(train)`) is None for float targets, where only mae, mse, rmse
    and r2 apply. Example: `build_metrics(config, num_classes(train))`.
    """
    metrics = []
    for index, entry in enumerate(resolved_config(config)["training"]["metrics"]):
        kind, options = _type_and_arguments(entry)
        path = ("training", "metrics", index)
        if kind not in registry.REGRESSION_METRICS and num_classes is None:
            raise ConfigError(f"{where(path)}: {kind} needs integer class labels, but the training targets are "
                              "floats (a regression task); use mae, mse, rmse or r2")
        function = registry.METRICS[kind]
        options = {**registry.defaults(function, registry.METRIC_GIVEN), **options, "name": registry.metric_name(entry)}
        top_k = options.get("k", options.get("top_k", 1))
        if num_classes is not None and top_k > num_classes:
            raise ConfigError(f"{where(path)}: k = {top_k} is more than the {num_classes} classes; choose k < "
                              f"{num_classes} (k = {num_classes} is always right)")
        if "num_classes" in registry.signature(function)[0]:
            options["num_classes"] = num_classes
        metrics.append(_construct(function, options, path, kind))
    return metrics


def build_optimizer(config: Mapping[str, Any], model: nn.Module) -> tuple[Optimizer, Any]:
    """The [optimizer] over `model`'s parameters, and its scheduler (or None).

        >>> optimizer, scheduler = build_optimizer(config, model)
    """
    section = dict(resolved_config(config)["optimizer"])
    scheduler = section.pop("scheduler", None)
    name, arguments = _type_and_arguments(section)
    optimizer = _construct(registry.OPTIMIZERS[name], arguments, ("optimizer",), name, model.parameters())
    if scheduler is None:
        return optimizer, None
    name, arguments = _type_and_arguments(scheduler)
    return optimizer, _construct(registry.SCHEDULERS[name], arguments, ("optimizer", "scheduler"), name, optimizer)


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
    for key, (cls, run_files) in registry.CALLBACKS.items():
        if section[key] is not False:
            arguments = {} if section[key] is True else dict(section[key])
            arguments.update({name: getattr(run_dir, attribute) for name, attribute in run_files.items()})
            callbacks.append(_construct(cls, arguments, ("callbacks", key), None))
    return callbacks


def build_trainer(config: Mapping[str, Any], model: nn.Module, loss: nn.Module, optimizer: Optimizer,
                  metrics: Iterable[Metric] = (), callbacks: Iterable[Any] = (), scheduler: Any = None) -> Trainer:
    """A Trainer on the config's device with its [training] options: every argument of Trainer that TOML can
    write (clip_grad_norm, l1, l2, diagnostics); one Trainer rejects is reported under [training].

        >>> trainer = build_trainer(config, model, build_loss(config), optimizer, metrics, callbacks, scheduler)
    """
    config = resolved_config(config)
    options = {key: config["training"][key] for key in registry.signature(Trainer, registry.TRAINER_GIVEN)[0]
               if key in config["training"]}
    return _construct(Trainer, {**options, "device": config["device"]}, ("training",), None, model, loss, optimizer,
                      metrics, callbacks, scheduler)


def _type_and_arguments(entry: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """("CrossEntropyLoss", {}) of a bare name; (type, the other keys) of a table."""
    if isinstance(entry, str):
        return entry, {}
    return entry["type"], {key: value for key, value in entry.items() if key != "type"}


def _construct(cls: Callable[..., Any], arguments: dict[str, Any], path: KeyPath, label: str | None,
               *leading: Any) -> Any:
    """`cls(*leading, **arguments)`, with TOML arrays made the Tensor or tuple the type hint asks for (a loss's
    class `weight`, Adam's `betas`); an error from `__init__` becomes a ConfigError naming the key path."""
    parameters = registry.signature(cls)[0]
    try:
        for key, value in arguments.items():
            hint = parameters[key].hint if key in parameters else ""
            if isinstance(value, list) and "Tensor" in hint:
                arguments[key] = as_tensor(numpy.asarray(value, dtype=numpy.float32))
            elif isinstance(value, list) and hint.startswith("tuple"):
                arguments[key] = tuple(value)
        return cls(*leading, **arguments)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{where(path, label)}: {error}") from error

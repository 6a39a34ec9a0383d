"""One resolver per section: check the section's table, record problems, return it with defaults filled in."""

from __future__ import annotations

import os
from typing import Any

from chainrule.config import arguments as registry
from chainrule.config.defaults import (
    AVERAGES,
    CALLBACK_SWITCHES,
    CALLBACK_TABLES,
    DATA_SOURCES,
    DEFAULT_CONFIG,
    FILE_KEYS,
    FILE_SOURCES,
    METRIC_OPTIONS,
    MONITOR_MODES,
    SECTION_KEYS,
    SOURCE_KEYS,
    TRAINING_KEYS,
    metric_name,
)
from chainrule.config.errors import KeyPath, Problems, check_kind, show
from chainrule.config.fields import check_keys, choice, fraction, integer, number, read

_EXAMPLE_LAYER = '{ type = "Linear", in_features = 64, out_features = 10 }'
_FILE_PAIRS = {"npy": "[x, y]", "idx": "[images, labels]"}  # sources that read two files


# -- [data] -----------------------------------------------------------------------------------------
def resolve_data(table: dict[str, Any], folder: str, problems: Problems) -> dict[str, Any]:
    """One data source (the digits when none is given) and its keys, then the splits and batching."""
    path = ("data",)
    check_keys(problems, path, table, SECTION_KEYS["data"])
    sources = [key for key in DATA_SOURCES if key in table]
    if len(sources) > 1:
        problems.add(path, f"give exactly one data source, got {' and '.join(sources)}; keep one of them")
    source = sources[0] if sources else "dataset"
    if source == "dataset":
        resolved = _built_in_dataset(table, problems)
    else:
        resolved = _data_files(table, source, folder, problems)
    if len(sources) <= 1:
        reads = f"the built-in dataset '{resolved['dataset']}'" if source == "dataset" else source
        for other, keys in SOURCE_KEYS.items():
            for key in keys:
                if other != source and key in table:
                    problems.add((*path, key), f"only used with {other}; this [data] reads {reads}")
        for key in FILE_KEYS:
            if source == "dataset" and key in table:
                problems.add((*path, key), f"only used with a data file ({', '.join(FILE_SOURCES)}); this [data] "
                                           f"reads {reads}")
    defaults = DEFAULT_CONFIG["data"]
    resolved["test_split"] = fraction(problems, path, table, "test_split", defaults["test_split"])
    resolved["validation_split"] = fraction(problems, path, table, "validation_split", defaults["validation_split"])
    resolved["batch_size"] = integer(problems, path, table, "batch_size", defaults["batch_size"], minimum=1)
    resolved["shuffle"] = read(problems, path, table, "shuffle", defaults["shuffle"], "boolean")
    return resolved


def _built_in_dataset(table: dict[str, Any], problems: Problems) -> dict[str, Any]:
    name = table.get("dataset", DEFAULT_CONFIG["data"]["dataset"])
    options = read(problems, ("data",), table, "options", {}, "table")
    if registry.check_choice(problems, ("data", "dataset"), name, registry.BUILT_IN_DATASETS, "built-in dataset"):
        registry.check_arguments(problems, ("data", "options"), name, registry.dataset_function(name), options)
    return {"dataset": name, "options": options}


def _data_files(table: dict[str, Any], source: str, folder: str, problems: Problems) -> dict[str, Any]:
    """The source's file (or pair of files) made absolute and checked to exist, and the source's keys."""
    path = ("data", source)
    given = table[source]
    if source in _FILE_PAIRS:
        if not (isinstance(given, list) and len(given) == 2 and all(isinstance(item, str) for item in given)):
            problems.add(path, f"expected an array of two file paths {_FILE_PAIRS[source]}, got {show(given)}")
            resolved = {source: given}
        else:
            resolved = {source: [_existing_file(problems, (*path, i), item, folder) for i, item in enumerate(given)]}
    elif check_kind(problems, path, given, "string"):
        resolved = {source: _existing_file(problems, path, given, folder)}
    else:
        resolved = {source: given}
    for key, default in SOURCE_KEYS[source].items():
        if key == "label_column":
            resolved[key] = read(problems, ("data",), table, key, default, "string", "integer")
        elif key == "header":  # absent: the loader detects a header row (TOML has no null to write)
            header = read(problems, ("data",), table, key, default, "boolean")
            if header is not None:
                resolved[key] = header
        else:
            resolved[key] = read(problems, ("data",), table, key, default, "string")
    resolved["allow_nonfinite"] = read(problems, ("data",), table, "allow_nonfinite", FILE_KEYS["allow_nonfinite"],
                                       "boolean")
    if source == "csv" and len(resolved["delimiter"]) != 1:
        problems.add(("data", "delimiter"), f"expected a single character, got {show(resolved['delimiter'])}")
    return resolved


def _existing_file(problems: Problems, path: KeyPath, given: str, folder: str) -> str:
    """`given` relative to `folder`, made absolute; a problem names both when the file isn't there."""
    full = os.path.abspath(os.path.join(folder, os.path.expanduser(given)))
    if not os.path.isfile(full):
        problems.add(path, f"file '{given}' not found (looked in {full})")
    return full


# -- [model] ----------------------------------------------------------------------------------------
def resolve_model(table: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """`layers`: tables naming a chainrule.nn class in `type`, the rest its keyword arguments."""
    path = ("model", "layers")
    check_keys(problems, ("model",), table, SECTION_KEYS["model"])
    if "layers" not in table:
        problems.add(path, f"missing; list the model's layers, e.g. layers = [{_EXAMPLE_LAYER}]")
        return {"layers": []}
    layers = read(problems, ("model",), table, "layers", [], "array")
    if not layers and isinstance(table["layers"], list):
        problems.add(path, f"empty; a model needs at least one layer, e.g. layers = [{_EXAMPLE_LAYER}]")
    return {"layers": [_layer(problems, (*path, index), entry) for index, entry in enumerate(layers)]}


def _layer(problems: Problems, path: KeyPath, entry: Any) -> Any:
    if not check_kind(problems, path, entry, "table"):
        return entry
    if "type" not in entry:
        problems.add(path, f"missing type; name a class of chainrule.nn, e.g. {_EXAMPLE_LAYER}")
        return entry
    name = entry["type"]
    layer_arguments = {key: value for key, value in entry.items() if key not in ("type", "output")}
    if not registry.check_choice(problems, path, name, registry.layer_classes(), "layer type"):
        return entry
    resolved = {"type": name, **layer_arguments}
    if name in registry.RECURRENT_LAYERS:
        resolved["output"] = entry.get("output", "sequence")
        if resolved["output"] not in ("sequence", "last"):
            problems.add(path, f'expected "sequence" (every step) or "last" (the last step), got '
                               f'{show(resolved["output"])}', name, "output")
    elif "output" in entry:
        problems.add(path, "unknown argument 'output'; only RNN, LSTM and GRU take it (which part of their "
                           "result the next layer gets)", name)
    registry.check_arguments(problems, path, name, registry.layer_classes()[name], layer_arguments)
    return resolved


# -- [optimizer] ------------------------------------------------------------------------------------
def resolve_optimizer(table: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """`type`, `lr` and the optimizer's other keyword arguments, and an optional `scheduler` table."""
    path = ("optimizer",)
    defaults = DEFAULT_CONFIG["optimizer"]
    name = table.get("type", defaults["type"])
    optimizer_arguments = {"lr": defaults["lr"]}
    optimizer_arguments.update({key: value for key, value in table.items() if key not in ("type", "scheduler")})
    if registry.check_choice(problems, (*path, "type"), name, registry.optimizer_classes(), "optimizer"):
        registry.check_arguments(problems, path, name, registry.optimizer_classes()[name], optimizer_arguments,
                                 skip=1, owner_in_path=False)
    resolved = {"type": name, **optimizer_arguments}
    if "scheduler" in table:
        resolved["scheduler"] = _scheduler(problems, table["scheduler"])
    return resolved


def _scheduler(problems: Problems, entry: Any) -> Any:
    path = ("optimizer", "scheduler")
    if not check_kind(problems, path, entry, "table"):
        return entry
    if "type" not in entry:
        problems.add(path, 'missing type; e.g. scheduler = { type = "StepLR", step_size = 10, gamma = 0.5 }')
        return entry
    name = entry["type"]
    scheduler_arguments = {key: value for key, value in entry.items() if key != "type"}
    if name in registry.UNCONFIGURABLE_SCHEDULERS:
        problems.add(path, f"{name} takes Python functions or other schedulers, which a TOML file can't give; "
                           f"use one of: {', '.join(registry.scheduler_classes())}")
    elif registry.check_choice(problems, path, name, registry.scheduler_classes(), "scheduler"):
        registry.check_arguments(problems, path, name, registry.scheduler_classes()[name], scheduler_arguments,
                                 skip=1)
    return {"type": name, **scheduler_arguments}


# -- [training] -------------------------------------------------------------------------------------
def resolve_training(table: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """epochs, the loss (a name or a table), the metrics, optional clip_grad_norm, l1 and l2 penalties."""
    path = ("training",)
    defaults = DEFAULT_CONFIG["training"]
    check_keys(problems, path, table, TRAINING_KEYS)
    resolved = {
        "epochs": integer(problems, path, table, "epochs", defaults["epochs"], minimum=1),
        "loss": _loss(problems, table.get("loss", defaults["loss"])),
        "metrics": _metrics(problems, table.get("metrics", defaults["metrics"])),
    }
    clip_grad_norm = number(problems, path, table, "clip_grad_norm", None, positive=True)
    if clip_grad_norm is not None:
        resolved["clip_grad_norm"] = clip_grad_norm
    resolved["l1"] = number(problems, path, table, "l1", defaults["l1"])
    resolved["l2"] = number(problems, path, table, "l2", defaults["l2"])
    return resolved


def _loss(problems: Problems, entry: Any) -> Any:
    """"CrossEntropyLoss", or { type = "CrossEntropyLoss", label_smoothing = 0.1 }."""
    path = ("training", "loss")
    if not check_kind(problems, path, entry, "string", "table"):
        return entry
    name = entry if isinstance(entry, str) else entry.get("type")
    if name is None:
        problems.add(path, 'missing type; e.g. loss = { type = "CrossEntropyLoss", label_smoothing = 0.1 }')
        return entry
    loss_arguments = {} if isinstance(entry, str) else {key: value for key, value in entry.items() if key != "type"}
    if registry.check_choice(problems, path, name, registry.loss_classes(), "loss"):
        registry.check_arguments(problems, path, name, registry.loss_classes()[name], loss_arguments)
        reduction = loss_arguments.get("reduction", "mean")
        if reduction not in ("mean", "sum"):
            problems.add(path, f'expected "mean" or "sum" (training minimises one number), got {show(reduction)}',
                         name, "reduction")
    return entry


def _metrics(problems: Problems, entries: Any) -> list[Any]:
    path = ("training", "metrics")
    if not check_kind(problems, path, entries, "array"):
        return []
    resolved = [_metric(problems, (*path, index), entry) for index, entry in enumerate(entries)]
    seen = set()
    for index, entry in enumerate(resolved):
        if _well_formed_metric(entry):
            name = metric_name(entry)
            if name in seen:
                problems.add((*path, index), f"'{name}' is listed twice; it is logged under one name, keep one")
            seen.add(name)
    return resolved


def _well_formed_metric(entry: Any) -> bool:
    kind = entry if isinstance(entry, str) else entry.get("type") if isinstance(entry, dict) else None
    return kind in METRIC_OPTIONS


def _metric(problems: Problems, path: KeyPath, entry: Any) -> Any:
    """A metric name, or a table { type = "f1", average = "weighted" } resolved with its defaults."""
    if not check_kind(problems, path, entry, "string", "table"):
        return entry
    kind = entry if isinstance(entry, str) else entry.get("type")
    if kind is None:
        problems.add(path, 'missing type; e.g. { type = "f1", average = "weighted" }')
        return entry
    if kind == "confusion_matrix":
        problems.add(path, "confusion_matrix is a matrix, not a number an epoch can log; leave it out")
        return entry
    if not registry.check_choice(problems, path, kind, METRIC_OPTIONS, "metric"):
        return entry
    if isinstance(entry, str):
        return entry
    options = {key: value for key, value in entry.items() if key != "type"}
    check_keys(problems, path, options, tuple(METRIC_OPTIONS[kind]))
    resolved = {"type": kind}
    for key, default in METRIC_OPTIONS[kind].items():
        if key == "k":
            resolved[key] = integer(problems, path, options, key, default, minimum=1)
        elif key == "average":
            resolved[key] = choice(problems, path, options, key, default, AVERAGES)
        else:
            resolved[key] = read(problems, path, options, key, default, "float")
    return resolved


# -- [callbacks] ------------------------------------------------------------------------------------
def resolve_callbacks(table: dict[str, Any], has_validation: bool, problems: Problems) -> dict[str, Any]:
    """Switches (true/false) and tables (true = defaults, false = off), in the order they are built."""
    path = ("callbacks",)
    check_keys(problems, path, table, SECTION_KEYS["callbacks"])
    defaults = DEFAULT_CONFIG["callbacks"]
    resolved = {}
    for key in ("terminate_on_nan", "early_stopping", "model_checkpoint", "csv_logger", "tensorboard",
                "progress_bar"):
        if key in CALLBACK_SWITCHES:
            resolved[key] = read(problems, path, table, key, defaults[key], "boolean")
        else:
            resolved[key] = _callback_table(problems, key, table.get(key, bool(defaults[key])), has_validation)
    return resolved


def _callback_table(problems: Problems, key: str, value: Any, has_validation: bool) -> dict[str, Any] | bool:
    path = ("callbacks", key)
    if value is False or not check_kind(problems, path, value, "boolean", "table"):
        return False
    given = {} if value is True else value
    check_keys(problems, path, given, tuple(CALLBACK_TABLES[key]))
    resolved = {}
    for option, default in CALLBACK_TABLES[key].items():
        if option == "monitor":
            default = default if has_validation else "loss"  # val_loss needs a validation set
            resolved[option] = read(problems, path, given, option, default, "string")
        elif option == "mode":
            resolved[option] = choice(problems, path, given, option, default, MONITOR_MODES)
        elif option in ("patience", "every_n_steps"):
            resolved[option] = integer(problems, path, given, option, default, minimum=0)
        elif option == "min_delta":
            resolved[option] = number(problems, path, given, option, default)
        else:
            resolved[option] = read(problems, path, given, option, default, "boolean")
    return resolved

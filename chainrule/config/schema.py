"""`resolve`: check a parsed config and fill in its defaults, recording every problem with its key path.

A section left out is DEFAULT_CONFIG's. Within a section, the config's own keys (OWN_KEYS) take
DEFAULT_CONFIG's values, and the arguments of what it names (a layer, the optimizer, a callback, a metric, a
dataset) take their class's defaults: `early_stopping = true` is `EarlyStopping()`. Problems are recorded,
not raised, so one pass reports all of them. The resolved config is plain TOML data (data paths absolute,
nothing None), so writing it back out reproduces the run.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from typing import Any

from chainrule.backend import Device
from chainrule.config import registry
from chainrule.config.errors import SECTIONS, KeyPath, Problems, check_kind, literal, show, suggest, where

# What `chainrule train` runs without a file: an MLP on scikit-learn's 8x8 digits that reaches about 98% test
# accuracy in under a second of training on a CPU. A user's file must give [model].
DEFAULT_CONFIG: dict[str, Any] = {
    "name": "default",
    "seed": 0,
    "device": "cpu",
    "data": {
        "dataset": "digits", "options": {}, "test_split": 0.2, "validation_split": 0.1, "batch_size": 32,
        "shuffle": True,
    },
    "model": {
        "layers": [
            {"type": "Linear", "in_features": 64, "out_features": 128},
            {"type": "ReLU"},
            {"type": "Dropout", "p": 0.2},
            {"type": "Linear", "in_features": 128, "out_features": 10},
        ],
    },
    "optimizer": {"type": "Adam", "lr": 0.002},  # Adam's own default lr is 0.001
    "training": {"epochs": 40, "loss": "CrossEntropyLoss", "metrics": ["accuracy"], "l1": 0.0, "l2": 0.0},
    "callbacks": {"terminate_on_nan": True, "early_stopping": False, "model_checkpoint": True, "csv_logger": True,
                  "tensorboard": False, "progress_bar": True},
}

# The config's own keys ("" is the top level) and the TOML kinds each takes. Their defaults are DEFAULT_CONFIG's;
# clip_grad_norm, which it lacks, is left out unless given. [data] also takes one data source, `dataset` or a
# file, and that source's keys (registry.SOURCE_KEYS).
OWN_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "": {"name": ("string",), "seed": ("integer",), "device": ("string",)},
    "data": {"test_split": ("float",), "validation_split": ("float",), "batch_size": ("integer",),
             "shuffle": ("boolean",)},
    "model": {"layers": ("array",)},
    "optimizer": {"type": ("string",), "scheduler": ("table",)},
    "training": {"epochs": ("integer",), "loss": ("string", "table"), "metrics": ("array",),
                 "clip_grad_norm": ("float",), "l1": ("float",), "l2": ("float",)},
    "callbacks": {key: ("boolean", "table") for key in registry.CALLBACKS},  # true: the class's defaults
}


def _is_device(value: str) -> bool:
    try:
        Device(value)
    except ValueError:
        return False
    return True


# What the value of an own key must be beyond its kind, and the problem when it isn't.
_RULES = {
    "name": (lambda value: value not in ("", ".", "..") and "/" not in value and "\\" not in value,
             "expected a folder name for runs/<name>/ (no '/' or '\\'), got {}"),
    "seed": (lambda value: value >= 0, "expected an integer >= 0, got {}"),
    "device": (_is_device, 'unknown device {}; expected "cpu", "cuda" or "cuda:N"'),
    "test_split": (lambda value: 0 <= value < 1, "expected a fraction in [0, 1), got {}; 0 holds out nothing"),
    "batch_size": (lambda value: value >= 1, "expected an integer >= 1, got {}"),
    "clip_grad_norm": (lambda value: value > 0, "expected a number > 0, got {}"),
    "l1": (lambda value: value >= 0, "expected a number >= 0, got {}"),
}
_RULES.update(validation_split=_RULES["test_split"], epochs=_RULES["batch_size"], l2=_RULES["l1"])
_DATA_KEYS = (*registry.SOURCE_KEYS, *dict.fromkeys(key for keys in registry.SOURCE_KEYS.values() for key in keys),
              *OWN_KEYS["data"])
_EXAMPLE_LAYER = '{ type = "Linear", in_features = 64, out_features = 10 }'


def resolve(raw: Mapping[str, Any], folder: str, default_name: str, problems: Problems,
            require_model: bool = True) -> dict[str, Any]:
    """`raw` (a parsed config) resolved, its problems recorded; relative data paths start at `folder`."""
    raw = copy.deepcopy(dict(raw))
    for key, value in raw.items():
        if isinstance(value, dict) and key not in SECTIONS and key not in OWN_KEYS[""]:
            hint = suggest(key, SECTIONS, "[{}]") or ";"
            problems.add_line((key,), f"[{key}]: unknown section{hint} Sections: {', '.join(SECTIONS)}")
    _check_keys(problems, (), [key for key, value in raw.items() if not isinstance(value, dict)], OWN_KEYS[""])
    resolved = _own_keys(problems, (), raw, {**DEFAULT_CONFIG, "name": default_name})
    tables = {}
    for section in SECTIONS:
        table = raw.get(section, copy.deepcopy(DEFAULT_CONFIG[section]) if section != "model" else {})
        tables[section] = table if check_kind(problems, (section,), table, "table") else {}
    resolved["data"] = _data(problems, tables["data"], folder)
    if isinstance(raw.get("model"), dict):
        resolved["model"] = _model(problems, tables["model"])
    elif require_model and "model" not in raw:
        problems.add_line(("model",), f"[model]: missing section; a config must define the model, e.g. [model] "
                                      f"layers = [{_EXAMPLE_LAYER}]")
    resolved["optimizer"] = _optimizer(problems, tables["optimizer"])
    resolved["training"] = _training(problems, tables["training"])
    resolved["callbacks"] = _callbacks(problems, tables["callbacks"], resolved["data"]["validation_split"] > 0)
    if not problems:  # the checks across sections assume every section is well formed
        _check_across_sections(problems, resolved)
    return resolved


def resolved_config(config: Mapping[str, Any], require_model: bool = False) -> dict[str, Any]:
    """`config` checked and resolved (relative paths from the current folder); ConfigError on a problem."""
    problems = Problems()
    resolved = resolve(config, os.getcwd(), config.get("name", "default"), problems, require_model)
    problems.raise_if_any()
    return resolved


def _own_keys(problems: Problems, path: KeyPath, table: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict:
    """The own keys of the section at `path`, each checked against its kinds and rule; the default where a key
    is left out or wrong (so later checks see a well-formed value), and nothing where there is none."""
    resolved = {}
    for key, kinds in OWN_KEYS[path[0] if path else ""].items():
        value = table.get(key)
        test, problem = _RULES.get(key, (None, ""))
        if key in table and not check_kind(problems, (*path, key), value, *kinds):
            value = None
        elif key in table and test is not None and not test(value):
            problems.add((*path, key), problem.format(literal(value)))
            value = None
        if value is None:
            value = copy.deepcopy(defaults.get(key))
        if value is not None:
            resolved[key] = value
    return resolved


def _check_keys(problems: Problems, path: KeyPath, keys: Iterable[str], allowed: Iterable[str]) -> None:
    """Record each key that isn't `allowed`, with the closest allowed key or the section it belongs in."""
    allowed = tuple(allowed)
    for key in keys:
        if key in allowed:
            continue
        homes = [section for section in SECTIONS if (section,) != path
                 and (key in OWN_KEYS[section] or (section == "data" and key in _DATA_KEYS))]
        hint = suggest(key, allowed) or (f"; it belongs in [{homes[0]}]" if homes else
                                         f"; {where(path) if path else 'the top level'} takes: {', '.join(allowed)}")
        problems.add((*path, key), f"unknown key{hint}")


def _named(problems: Problems, path: KeyPath, entry: Any, choices: Mapping[str, Any], what: str, example: str,
           *kinds: str) -> tuple[str | None, dict[str, Any]]:
    """(type, arguments) of `{ type = "Linear", in_features = 4, ... }` or, where `kinds` has "string", of a bare
    name; the type is one of `choices`, or None (a problem recorded)."""
    if not check_kind(problems, path, entry, *kinds):
        return None, {}
    if isinstance(entry, dict) and "type" not in entry:
        problems.add(path, f"missing type; {example}")
        return None, {}
    name, arguments = (entry, {}) if isinstance(entry, str) else (entry["type"], dict(entry))
    arguments.pop("type", None)
    return (name if registry.check_choice(problems, path, name, choices, what) else None), arguments


# -- [data] ---------------------------------------------------------------------------------------------------
def _data(problems: Problems, table: dict[str, Any], folder: str) -> dict[str, Any]:
    """One data source (the digits when none is given) with its keys, then the splits and batching."""
    path = ("data",)
    _check_keys(problems, path, table, _DATA_KEYS)
    sources = [key for key in registry.SOURCE_KEYS if key in table]
    if len(sources) > 1:
        problems.add(path, f"give exactly one data source, got {' and '.join(sources)}; keep one of them")
    source = sources[0] if sources else "dataset"
    if source == "dataset":
        name, options = table.get("dataset", DEFAULT_CONFIG["data"]["dataset"]), table.get("options", {})
        if registry.check_choice(problems, (*path, "dataset"), name, registry.DATASETS, "built-in dataset") and \
                check_kind(problems, (*path, "options"), options, "table"):
            registry.check_arguments(problems, (*path, "options"), name, registry.DATASETS[name], options)
        resolved, reads = {"dataset": name, "options": options}, f"the built-in dataset '{name}'"
    else:
        resolved, reads = _data_file(problems, table, source, folder), source
    for key in table:
        users = [other for other, keys in registry.SOURCE_KEYS.items() if key in keys]
        if users and source not in users and len(sources) <= 1:
            used_with = f"a data file ({', '.join(registry.LOADERS)})" if users == list(registry.LOADERS) else \
                " or ".join(users)
            problems.add((*path, key), f"only used with {used_with}; this [data] reads {reads}")
    return {**resolved, **_own_keys(problems, path, table, DEFAULT_CONFIG["data"])}


def _data_file(problems: Problems, table: dict[str, Any], source: str, folder: str) -> dict[str, Any]:
    """The source's file (or files) made absolute and checked to exist, and its loader's other arguments."""
    path, names, given = ("data", source), registry.data_files(source), table[source]
    if len(names) == 1 and check_kind(problems, path, given, "string"):
        given = _existing_file(problems, path, given, folder)
    elif len(names) > 1 and isinstance(given, list) and len(given) == len(names) and all(
            isinstance(item, str) for item in given):
        given = [_existing_file(problems, (*path, index), item, folder) for index, item in enumerate(given)]
    elif len(names) > 1:
        files = ", ".join(name.removesuffix("_path") for name in names)
        problems.add(path, f"expected an array of {len(names)} file paths [{files}], got {show(given)}")
    arguments = {key: value for key, value in table.items() if key in registry.SOURCE_KEYS[source]}
    loader = registry.LOADERS[source]
    registry.check_arguments(problems, ("data",), source, loader, arguments, given=names, owner_in_path=False)
    return {source: given, **registry.defaults(loader, names), **arguments}


def _existing_file(problems: Problems, path: KeyPath, given: str, folder: str) -> str:
    """`given` relative to `folder`, made absolute; a problem names both when the file isn't there."""
    full = os.path.abspath(os.path.join(folder, os.path.expanduser(given)))
    if not os.path.isfile(full):
        problems.add(path, f"file '{given}' not found (looked in {full})")
    return full


# -- [model] and [optimizer] ----------------------------------------------------------------------------------
def _model(problems: Problems, table: dict[str, Any]) -> dict[str, Any]:
    """`layers`: tables naming a chainrule.nn class in `type`, the rest its keyword arguments."""
    path = ("model", "layers")
    _check_keys(problems, ("model",), table, OWN_KEYS["model"])
    if "layers" not in table:
        problems.add(path, f"missing; list the model's layers, e.g. layers = [{_EXAMPLE_LAYER}]")
    elif table["layers"] == []:
        problems.add(path, f"empty; a model needs at least one layer, e.g. layers = [{_EXAMPLE_LAYER}]")
    layers = _own_keys(problems, ("model",), table, {"layers": []})["layers"]
    return {"layers": [_layer(problems, (*path, index), entry) for index, entry in enumerate(layers)]}


def _layer(problems: Problems, path: KeyPath, entry: Any) -> Any:
    name, arguments = _named(problems, path, entry, registry.LAYERS, "layer type",
                             f"name a class of chainrule.nn, e.g. {_EXAMPLE_LAYER}", "table")
    if name is None:
        return entry
    recurrent = name in registry.RECURRENT_LAYERS
    output = arguments.pop("output", "sequence" if recurrent else None)
    if recurrent and output not in ("sequence", "last"):
        problems.add(path, f'expected "sequence" (every step) or "last" (the last step), got {show(output)}', name,
                     "output")
    elif not recurrent and output is not None:
        problems.add(path, "unknown argument 'output'; only RNN, LSTM and GRU take it (which part of their result "
                           "the next layer gets)", name)
    registry.check_arguments(problems, path, name, registry.LAYERS[name], arguments)
    return {"type": name, **arguments, **({"output": output} if recurrent else {})}


def _optimizer(problems: Problems, table: dict[str, Any]) -> dict[str, Any]:
    """`type` (Adam when left out) and its keyword arguments, and an optional `scheduler` table."""
    path = ("optimizer",)
    own = _own_keys(problems, path, table, DEFAULT_CONFIG["optimizer"])
    arguments = {key: value for key, value in table.items() if key not in OWN_KEYS["optimizer"]}
    if registry.check_choice(problems, (*path, "type"), own["type"], registry.OPTIMIZERS, "optimizer"):
        registry.check_arguments(problems, path, own["type"], registry.OPTIMIZERS[own["type"]], arguments,
                                 given=registry.OPTIMIZER_GIVEN, owner_in_path=False)
    resolved = {"type": own["type"], **arguments}
    if "scheduler" in own:
        resolved["scheduler"] = own["scheduler"]
        _check_scheduler(problems, own["scheduler"])
    return resolved


def _check_scheduler(problems: Problems, entry: dict[str, Any]) -> None:
    path = ("optimizer", "scheduler")
    if entry.get("type") in registry.UNWRITABLE_SCHEDULERS:
        problems.add(path, f"{entry['type']} takes Python functions or other schedulers, which a TOML file can't "
                           f"give; use one of: {', '.join(registry.SCHEDULERS)}")
        return
    name, arguments = _named(problems, path, entry, registry.SCHEDULERS, "scheduler",
                             'e.g. scheduler = { type = "StepLR", step_size = 10, gamma = 0.5 }', "table")
    if name is not None:
        registry.check_arguments(problems, path, name, registry.SCHEDULERS[name], arguments,
                                 given=registry.SCHEDULER_GIVEN)


# -- [training] and [callbacks] -------------------------------------------------------------------------------
def _training(problems: Problems, table: dict[str, Any]) -> dict[str, Any]:
    """epochs, the loss (a name or a table), the metrics, an optional clip_grad_norm, the l1 and l2 penalties."""
    path = ("training",)
    _check_keys(problems, path, table, OWN_KEYS["training"])
    resolved = _own_keys(problems, path, table, DEFAULT_CONFIG["training"])
    name, arguments = _named(problems, (*path, "loss"), resolved["loss"], registry.LOSSES, "loss",
                             'e.g. loss = { type = "CrossEntropyLoss", label_smoothing = 0.1 }', "string", "table")
    if name is not None:
        registry.check_arguments(problems, (*path, "loss"), name, registry.LOSSES[name], arguments)
        if arguments.get("reduction", "mean") not in ("mean", "sum"):
            problems.add((*path, "loss"), f'expected "mean" or "sum" (training minimises one number), got '
                                          f'{show(arguments["reduction"])}', name, "reduction")
    logged = set()
    for index, entry in enumerate(resolved["metrics"]):
        resolved["metrics"][index], name = _metric(problems, (*path, "metrics", index), entry)
        if name is not None and name in logged:
            problems.add((*path, "metrics", index), f"'{name}' is listed twice; it is logged under one name, keep one")
        logged.add(name)
    return resolved


def _metric(problems: Problems, path: KeyPath, entry: Any) -> tuple[Any, str | None]:
    """A metric name, or a table `{ type = "f1", average = "weighted" }` with its defaults; and its logged name."""
    if (entry.get("type") if isinstance(entry, dict) else entry) == "confusion_matrix":
        problems.add(path, "confusion_matrix is a matrix, not a number an epoch can log; leave it out")
        return entry, None
    kind, options = _named(problems, path, entry, registry.METRICS, "metric",
                           'e.g. { type = "f1", average = "weighted" }', "string", "table")
    if kind is None:
        return entry, None
    function = registry.METRICS[kind]
    registry.check_arguments(problems, path, kind, function, options, given=registry.METRIC_GIVEN)
    if isinstance(entry, dict):
        entry = {"type": kind, **registry.defaults(function, registry.METRIC_GIVEN), **options}
    return entry, registry.metric_name(entry)


def _callbacks(problems: Problems, table: dict[str, Any], has_validation: bool) -> dict[str, Any]:
    """Each callback off (false), on with its class's defaults (true), or on with some arguments (a table)."""
    path = ("callbacks",)
    _check_keys(problems, path, table, OWN_KEYS["callbacks"])
    resolved = _own_keys(problems, path, table, DEFAULT_CONFIG["callbacks"])
    for key, (cls, run_files) in registry.CALLBACKS.items():
        if resolved[key] is False:
            continue
        chosen = {} if resolved[key] is True else resolved[key]
        registry.check_arguments(problems, (*path, key), cls.__name__, cls, chosen, given=tuple(run_files),
                                 owner_in_path=False)
        arguments = {**registry.defaults(cls, tuple(run_files)), **chosen}
        if "monitor" in arguments and "monitor" not in chosen and not has_validation:
            arguments["monitor"] = "loss"  # the class's val_loss needs a validation set
        resolved[key] = arguments or True
    return resolved


# -- across sections ------------------------------------------------------------------------------------------
def _check_across_sections(problems: Problems, config: dict[str, Any]) -> None:
    """Monitors against what is logged, a scheduler or monitors that need a validation set, and classification
    metrics or losses on a built-in regression dataset."""
    has_validation = config["data"]["validation_split"] > 0
    logged = ["loss", *(registry.metric_name(entry) for entry in config["training"]["metrics"])]
    known = [*logged, *(f"val_{name}" for name in logged)] if has_validation else logged
    for key, table in config["callbacks"].items():
        monitor = table.get("monitor") if isinstance(table, dict) else None
        if monitor and monitor.startswith("val_") and monitor[4:] in logged and not has_validation:
            problems.add(("callbacks", key, "monitor"), f"{literal(monitor)} needs a validation set, but [data] "
                         f"validation_split = 0; set validation_split > 0 or monitor {literal(monitor[4:])}")
        elif monitor and monitor not in known:
            hint = suggest(monitor, known, form='"{}"')
            problems.add(("callbacks", key, "monitor"), f"{literal(monitor)} is not logged{hint} (the logs have: "
                                                        f"{', '.join(known)})")
    scheduler = config["optimizer"].get("scheduler")
    if scheduler and scheduler["type"] == "ReduceLROnPlateau" and not has_validation:
        problems.add(("optimizer", "scheduler"), "steps on val_loss, which needs a validation set; set [data] "
                                                 "validation_split > 0", "ReduceLROnPlateau")
    dataset = config["data"].get("dataset")
    if dataset not in registry.REGRESSION_DATASETS:
        return
    for index, entry in enumerate(config["training"]["metrics"]):
        kind = entry if isinstance(entry, str) else entry["type"]
        if kind not in registry.REGRESSION_METRICS:
            problems.add(("training", "metrics", index), f"{kind} needs integer class labels, but {dataset} has "
                                                         "float targets (regression); use mae, mse, rmse or r2")
    loss = config["training"]["loss"]
    loss = loss if isinstance(loss, str) else loss["type"]
    if loss in ("CrossEntropyLoss", "NLLLoss"):
        problems.add(("training", "loss"), f"{loss} needs integer class labels, but {dataset} has float targets "
                                           "(regression); use MSELoss, L1Loss, HuberLoss or SmoothL1Loss")

"""`resolve`: check a parsed config and fill in its defaults, recording every problem with its key path.

A section left out is DEFAULT_CONFIG's. Within a section, the config's own keys (OWN_KEYS) left out take
DEFAULT_CONFIG's values, else the defaults of the signature they come from, and the arguments of what it names
(a layer, the optimizer, a callback, a metric, a dataset) take their class's defaults: `early_stopping = true`
is `EarlyStopping()`. Problems are recorded, not raised, so one pass reports all of them. The resolved config
is plain TOML data (data paths absolute, nothing None), so writing it back out reproduces the run.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chainrule.backend import Device
from chainrule.config import registry
from chainrule.config.errors import SECTIONS, KeyPath, Problems, check_kind, literal, show, suggest, where
from chainrule.data.split import train_validation_test_split
from chainrule.train import Trainer

# What `chainrule train` runs without a file: an MLP on scikit-learn's 8x8 digits that reaches about 98% test
# accuracy in under a second of training on a CPU; examples/configs/mlp.toml writes it out. A file must give
# [model]. Only the run's own choices are here: the keys left out take the defaults of their signatures (OWN_KEYS).
DEFAULT_CONFIG: dict[str, Any] = {
    "data": {"dataset": "digits"},
    "model": {
        "layers": [
            {"type": "Linear", "in_features": 64, "out_features": 128},
            {"type": "ReLU"},
            {"type": "Dropout", "p": 0.2},
            {"type": "Linear", "in_features": 128, "out_features": 10},
        ],
    },
    "optimizer": {"type": "Adam", "lr": 0.002},  # Adam's own default lr is 0.001
    "training": {"epochs": 40, "loss": "CrossEntropyLoss", "metrics": ["accuracy"]},
    "callbacks": {"terminate_on_nan": True, "early_stopping": False, "model_checkpoint": True, "csv_logger": True,
                  "tensorboard": False, "progress_bar": True},
}


def _top_level(name: str, seed: int = 0, device: str = "cpu") -> None:
    """A config's top-level keys: the run's folder, runs/<name>/ (default: the config file's name); the seed of
    the weights, the data splits, shuffling and dropout; the device of the model and its batches."""


def _keys(function: Callable[..., Any], *names: str) -> dict[str, registry.Argument]:
    """The arguments `names` of `function`, as config keys."""
    return {name: registry.signature(function)[0][name] for name in names}


def _naming(*kinds: str) -> registry.Argument:
    """A key that names what its section builds (the layers, the optimizer's type, ...): checked by its section."""
    return registry.Argument("", frozenset(kinds), None, None)


# The config's own keys by section ("" is the top level), with their TOML kinds and defaults: each from the
# signature of what takes it, except those that name what their section builds. [data] also takes one data
# source, `dataset` or a file, and that source's keys (registry.SOURCE_KEYS); [optimizer], its optimizer's
# arguments. A new argument of Trainer that TOML can write is a [training] key, passed on by build_trainer.
OWN_KEYS: dict[str, dict[str, registry.Argument]] = {
    "": registry.signature(_top_level)[0],
    "data": {**registry.signature(train_validation_test_split, registry.SPLIT_GIVEN)[0],
             **_keys(Trainer.fit, "batch_size", "shuffle")},
    "model": {"layers": _naming("array")},
    "optimizer": {"type": _naming("string"), "scheduler": _naming("table")},
    "training": {**_keys(Trainer.fit, "epochs"), "loss": _naming("string", "table"), "metrics": _naming("array"),
                 **registry.signature(Trainer, registry.TRAINER_GIVEN)[0]},
    "callbacks": {key: _naming("boolean", "table") for key in registry.CALLBACKS},  # true: the class's defaults
}


def _is_folder_name(value: str) -> bool:
    return value not in ("", ".", "..") and "/" not in value and "\\" not in value


def _is_device(value: str) -> bool:
    try:
        Device(value)
    except ValueError:
        return False
    return True


_FRACTION = (lambda value: 0 <= value < 1, "expected a fraction in [0, 1), got {}; 0 holds out nothing")
_COUNT = (lambda value: value >= 1, "expected an integer >= 1, got {}")
# What an own key's value must be beyond its kind, where it is used before a class could check it: the CLI names
# the run folder, seeds and picks the device before building anything, resolving reads validation_split, and
# Trainer.fit takes epochs and batch_size after the run folder is written. (A test, and the problem when it
# fails: {} is the value.) Trainer checks clip_grad_norm, l1 and l2 itself, in build_trainer.
VALUE_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "name": (_is_folder_name, "expected a folder name for runs/<name>/ (no '/' or '\\'), got {}"),
    "seed": (lambda value: value >= 0, "expected an integer >= 0, got {}"),
    "device": (_is_device, 'unknown device {}; expected "cpu", "cuda" or "cuda:N"'),
    "test_split": _FRACTION, "validation_split": _FRACTION, "batch_size": _COUNT, "epochs": _COUNT,
}
# [data]'s other keys: the data sources, and the keys of each.
_DATA_SOURCE_KEYS = (*registry.SOURCE_KEYS, *dict.fromkeys(key for keys in registry.SOURCE_KEYS.values()
                                                            for key in keys))
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
    resolved = _own_keys(problems, (), raw, {"name": default_name}, others=None)
    tables = {}
    for section in SECTIONS:
        table = raw.get(section, copy.deepcopy(DEFAULT_CONFIG[section]) if section != "model" else {})
        tables[section] = table if check_kind(problems, (section,), table, "table") else {}
    resolved["data"] = _data(problems, tables["data"], folder)
    if isinstance(raw.get("model"), dict):
        resolved["model"] = _model(problems, tables["model"])
    elif require_model and "model" not in raw:
        problems.add(("model",), f"missing section; a config must define the model, e.g. [model] layers = "
                                 f"[{_EXAMPLE_LAYER}]")
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


def _own_keys(problems: Problems, path: KeyPath, table: Mapping[str, Any], defaults: Mapping[str, Any],
              others: Iterable[str] | None = ()) -> dict:
    """The own keys of the section at `path`, each checked against its signature and VALUE_RULES; a key left out
    or wrong takes `defaults`' value, else its signature's (so later checks see a well-formed value), else is left
    out. A key that is neither own nor one of `others` is unknown (`others` None: the section's other keys are
    checked by their owner)."""
    keys = OWN_KEYS[path[0] if path else ""]
    if others is not None:
        _check_keys(problems, path, table, (*others, *keys))
    resolved = {}
    for name, key in keys.items():
        value = table.get(name)
        test, problem = VALUE_RULES.get(name, (None, ""))
        if name in table and not registry.check_value(problems, (*path, name), key, value):
            value = None
        elif name in table and test is not None and not test(value):
            problems.add((*path, name), problem.format(literal(value)))
            value = None
        if value is None:
            value = copy.deepcopy(defaults.get(name, key.default))
        if value is not None and value is not registry.REQUIRED:
            resolved[name] = value
    return resolved


def _check_keys(problems: Problems, path: KeyPath, keys: Iterable[str], allowed: Iterable[str]) -> None:
    """Record each key that isn't `allowed`, with the closest allowed key or the section it belongs in."""
    allowed = tuple(allowed)
    for key in keys:
        if key in allowed:
            continue
        homes = [section for section in SECTIONS if (section,) != path
                 and (key in OWN_KEYS[section] or (section == "data" and key in _DATA_SOURCE_KEYS))]
        hint = suggest(key, allowed) or (f"; it belongs in [{homes[0]}]" if homes else
                                         f"; {where(path) if path else 'the top level'} takes: {', '.join(allowed)}")
        problems.add((*path, key), f"unknown key{hint}")


def _entry(problems: Problems, path: KeyPath, entry: Any, catalog: Mapping[str, Any], what: str, example: str,
           kinds: tuple[str, ...] = ("table",), given: tuple[str, ...] = ()) -> tuple[str | None, dict[str, Any]]:
    """(type, arguments) of `{ type = "Linear", in_features = 4, ... }` or, where `kinds` has "string", of a bare
    name; the type is one of `catalog` and the arguments are checked against its signature, else the type is
    None (a problem recorded)."""
    if not check_kind(problems, path, entry, *kinds):
        return None, {}
    if isinstance(entry, dict) and "type" not in entry:
        problems.add(path, f"missing type; {example}")
        return None, {}
    name, arguments = (entry, {}) if isinstance(entry, str) else (entry["type"], dict(entry))
    arguments.pop("type", None)
    if not registry.check_choice(problems, path, name, catalog, what):
        return None, arguments
    registry.check_arguments(problems, path, name, catalog[name], arguments, given=given)
    return name, arguments


# -- [data] ---------------------------------------------------------------------------------------------------
def _data(problems: Problems, table: dict[str, Any], folder: str) -> dict[str, Any]:
    """One data source (the digits when none is given) with its keys, then the splits and batching."""
    path = ("data",)
    own = _own_keys(problems, path, table, DEFAULT_CONFIG["data"], _DATA_SOURCE_KEYS)
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
    return {**resolved, **own}


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
    layers = _own_keys(problems, ("model",), table, {"layers": []})["layers"]
    if "layers" not in table:
        problems.add(path, f"missing; list the model's layers, e.g. layers = [{_EXAMPLE_LAYER}]")
    elif table["layers"] == []:
        problems.add(path, f"empty; a model needs at least one layer, e.g. layers = [{_EXAMPLE_LAYER}]")
    return {"layers": [_layer(problems, (*path, index), entry) for index, entry in enumerate(layers)]}


def _layer(problems: Problems, path: KeyPath, entry: Any) -> Any:
    """A layer's table; RNN, LSTM and GRU also take `output`, which part of their result the next layer gets."""
    output = entry.pop("output", None) if isinstance(entry, dict) else None
    name, arguments = _entry(problems, path, entry, registry.LAYERS, "layer type",
                             f"name a class of chainrule.nn, e.g. {_EXAMPLE_LAYER}")
    if name in registry.RECURRENT_LAYERS:
        output = "sequence" if output is None else output
        if output not in ("sequence", "last"):
            problems.add(path, f'expected "sequence" (every step) or "last" (the last step), got {show(output)}',
                         name, "output")
        return {"type": name, **arguments, "output": output}
    if name is not None and output is not None:
        problems.add(path, "unknown argument 'output'; only RNN, LSTM and GRU take it (which part of their result "
                           "the next layer gets)", name)
    return entry if name is None else {"type": name, **arguments}


def _optimizer(problems: Problems, table: dict[str, Any]) -> dict[str, Any]:
    """`type` (Adam when left out) and its keyword arguments, and an optional `scheduler` table."""
    path = ("optimizer",)
    own = _own_keys(problems, path, table, DEFAULT_CONFIG["optimizer"], others=None)
    arguments = {key: value for key, value in table.items() if key not in OWN_KEYS["optimizer"]}
    if registry.check_choice(problems, (*path, "type"), own["type"], registry.OPTIMIZERS, "optimizer"):
        registry.check_arguments(problems, path, own["type"], registry.OPTIMIZERS[own["type"]], arguments,
                                 given=registry.OPTIMIZER_GIVEN, owner_in_path=False)
    scheduler = own.get("scheduler")
    if scheduler is not None and scheduler.get("type") in registry.UNWRITABLE_SCHEDULERS:
        problems.add((*path, "scheduler"), f"{scheduler['type']} takes Python functions or other schedulers, which "
                                           f"a TOML file can't give; use one of: {', '.join(registry.SCHEDULERS)}")
    elif scheduler is not None:
        _entry(problems, (*path, "scheduler"), scheduler, registry.SCHEDULERS, "scheduler",
               'e.g. scheduler = { type = "StepLR", step_size = 10, gamma = 0.5 }', given=registry.SCHEDULER_GIVEN)
    return {"type": own["type"], **arguments, **({"scheduler": scheduler} if scheduler is not None else {})}


# -- [training] and [callbacks] -------------------------------------------------------------------------------
def _training(problems: Problems, table: dict[str, Any]) -> dict[str, Any]:
    """epochs, the loss (a name or a table), the metrics, an optional clip_grad_norm, the l1 and l2 penalties, and
    whether the gradient-health diagnostics run."""
    path = ("training",)
    resolved = _own_keys(problems, path, table, DEFAULT_CONFIG["training"])
    name, arguments = _entry(problems, (*path, "loss"), resolved["loss"], registry.LOSSES, "loss",
                             'e.g. loss = { type = "CrossEntropyLoss", label_smoothing = 0.1 }', ("string", "table"))
    if name is not None and arguments.get("reduction", "mean") not in ("mean", "sum"):
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
    kind, options = _entry(problems, path, entry, registry.METRICS, "metric",
                           'e.g. { type = "f1", average = "weighted" }', ("string", "table"), registry.METRIC_GIVEN)
    if kind is None:
        return entry, None
    if isinstance(entry, dict):
        entry = {"type": kind, **registry.defaults(registry.METRICS[kind], registry.METRIC_GIVEN), **options}
    return entry, registry.metric_name(entry)


def _callbacks(problems: Problems, table: dict[str, Any], has_validation: bool) -> dict[str, Any]:
    """Each callback off (false), on with its class's defaults (true), or on with some arguments (a table)."""
    path = ("callbacks",)
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

"""What a config may name — layers, losses, optimizers, schedulers, callbacks, metrics, datasets, data files —
and their arguments, read from the signatures and type hints of the classes and functions themselves.

`{ type = "Linear", in_features = 64, out_features = 10 }` is checked against `Linear`'s signature: unknown
names (with the closest match), missing required arguments, TOML kinds the type hint rules out
(`in_features: int` given "64") and values a `Literal` doesn't list. So a new layer or callback needs no
config code, and a default lives in one place, the class. Values are left to the class's own `__init__`,
whose errors the builders report under the same key path.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chainrule import metrics, nn, optim
from chainrule.config.errors import KeyPath, Problems, check_kind, describe_choices, show, suggest
from chainrule.data import datasets, files
from chainrule.optim import lr_scheduler
from chainrule.tensor import Tensor
from chainrule.train import callbacks


@dataclass(frozen=True)
class Argument:
    """A keyword argument as TOML may give it: its type hint as text, the TOML kinds that hint admits (None:
    any, the class checks), the strings a Literal allows, and its default (REQUIRED when it has none)."""

    hint: str
    kinds: frozenset[str] | None
    choices: tuple[str, ...] | None
    default: Any


REQUIRED = inspect.Parameter.empty
_TOML_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", Tensor: "array",  # array -> Tensor
               list: "array", tuple: "array", collections.abc.Sequence: "array", collections.abc.Iterable: "array",
               dict: "table", collections.abc.Mapping: "table"}


def _kinds(hint: Any) -> tuple[frozenset[str] | None, tuple[str, ...] | None]:
    """The TOML kinds a type hint admits and a Literal's values: 'int | None' -> {'integer'} (TOML has no
    null: leaving the key out gives None); Any -> None; an empty set when TOML can't write it (a function)."""
    if hint is Any:
        return None, None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds, choices, any_string = set(), [], False
        for part in typing.get_args(hint):
            if part is type(None):
                continue  # TOML has no null: leaving the key out gives None
            part_kinds, part_choices = _kinds(part)
            if part_kinds is None:
                return None, None
            kinds |= part_kinds
            choices += part_choices or ()
            any_string |= "string" in part_kinds and not part_choices
        return frozenset(kinds), None if any_string or not choices else tuple(choices)
    if origin is typing.Literal:
        return frozenset({"string"}), tuple(typing.get_args(hint))
    kind = _TOML_KINDS.get(origin or hint)
    if kind is None:
        return frozenset(), None  # a function, a file, an Optimizer: TOML can't write it
    items = [_kinds(item)[0] for item in typing.get_args(hint) if item is not Ellipsis]
    if any(item is not None and not item for item in items):
        return frozenset(), None  # list[Callable]: nor a list of them
    return frozenset({kind}), None


def _hint_text(hint: Any) -> str:
    text = hint.__name__ if isinstance(hint, type) else str(hint)
    for prefix in ("typing.", "collections.abc.", "chainrule.tensor."):
        text = text.replace(prefix, "")
    return text


@functools.cache
def signature(function: Callable[..., Any], given: tuple[str, ...] = ()) -> tuple[dict[str, Argument], bool]:
    """The arguments of `function` that TOML can write, by name, less those the builder gives; and whether
    **kwargs takes any other. A required argument TOML can't write is kept, with no kinds (see `writable`)."""
    try:
        hints = typing.get_type_hints(function.__init__ if isinstance(function, type) else function)
    except (NameError, TypeError):  # a hint naming what only a type checker imports: the class checks the values
        hints = {}
    arguments, open_ended = {}, False
    for name, parameter in inspect.signature(function).parameters.items():
        open_ended |= parameter.kind is inspect.Parameter.VAR_KEYWORD
        if name in given or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD,
                                               parameter.POSITIONAL_ONLY):
            continue
        kinds, choices = _kinds(hints[name]) if name in hints else (None, None)
        if kinds is None or kinds or parameter.default is REQUIRED:
            arguments[name] = Argument(_hint_text(hints.get(name, "")), kinds, choices, parameter.default)
    return arguments, open_ended


def writable(function: Callable[..., Any], given: tuple[str, ...] = ()) -> bool:
    """Whether TOML can give every required argument (LambdaLR's function, SequentialLR's schedulers it can't)."""
    return all(argument.kinds != frozenset() for argument in signature(function, given)[0].values())


def defaults(function: Callable[..., Any], given: tuple[str, ...] = ()) -> dict[str, Any]:
    """The defaults of `function`'s arguments, None ones left out (TOML has no null)."""
    return {name: list(argument.default) if isinstance(argument.default, tuple) else argument.default
            for name, argument in signature(function, given)[0].items()
            if argument.default is not REQUIRED and argument.default is not None}


def check_arguments(problems: Problems, path: KeyPath, owner: str, function: Callable[..., Any],
                    arguments: Mapping[str, Any], given: tuple[str, ...] = (), owner_in_path: bool = True) -> None:
    """Check `arguments` against `function`'s signature: unknown names, missing ones, kinds and choices.

    Messages read `[model] layers[2] (Linear): unknown argument ...` and `[model] layers[2] (Linear) p: ...`;
    with `owner_in_path=False` (a table whose `type` is right there) `[optimizer]: unknown argument 'x' of
    Adam` and `[optimizer] lr: ...`. `given` names the arguments the builder passes (an optimizer's params).
    """
    label, of_owner = (owner, "") if owner_in_path else (None, f" of {owner}")
    parameters, open_ended = signature(function, given)
    for name, value in arguments.items():
        argument = parameters.get(name)
        if argument is None and not open_ended:
            hint = suggest(name, parameters) or (f"; it takes: {', '.join(parameters)}" if parameters
                                                 else "; it takes no arguments")
            problems.add(path, f"unknown argument '{name}'{of_owner}{hint}", label)
        if argument is not None:
            key_path, key_label, detail = (path, label, name) if owner_in_path else ((*path, name), None, None)
            check_value(problems, key_path, argument, value, key_label, detail)
    for name, argument in parameters.items():
        if argument.default is REQUIRED and name not in arguments:
            problems.add(path, f"missing required argument '{name}'{of_owner}", label)


def check_value(problems: Problems, path: KeyPath, argument: Argument, value: Any, label: str | None = None,
                detail: str | None = None) -> bool:
    """Record a value of a TOML kind the argument's hint rules out, or a string its Literal doesn't list; return
    whether it is fine (any value is where the hint admits any, or none: see `writable`)."""
    if not argument.kinds:
        return True
    if not check_kind(problems, path, value, *argument.kinds, label=label, detail=detail):
        return False
    if argument.choices and isinstance(value, str) and value not in argument.choices:
        hint = suggest(value, argument.choices, form='"{}"')
        problems.add(path, f"expected {describe_choices(argument.choices)}, got {show(value)}{hint}", label, detail)
        return False
    return True


def check_choice(problems: Problems, path: KeyPath, name: Any, choices: Mapping[str, Any] | tuple[str, ...],
                 what: str) -> bool:
    """Record `unknown <what> 'Dense'; did you mean 'Dense'?` (or the list of choices) unless `name` is one."""
    if not check_kind(problems, path, name, "string"):
        return False
    if name not in choices:
        hint = suggest(name, choices) or f"; choose one of: {', '.join(choices)}"
        problems.add(path, f"unknown {what} '{name}'{hint}")
    return name in choices


def _subclasses(namespace: Mapping[str, Any], base: type, leave_out: tuple[str, ...] = ()) -> dict[str, type]:
    return {name: value for name, value in namespace.items()
            if isinstance(value, type) and issubclass(value, base) and value is not base and name not in leave_out}


_MODULES = _subclasses({name: getattr(nn, name) for name in nn.__all__}, nn.Module,
                       ("Sequential", "RecurrentSequential", "ModuleList", "ModuleDict"))
LAYERS = {name: cls for name, cls in _MODULES.items() if not name.endswith("Loss")}
LOSSES = {name: cls for name, cls in _MODULES.items() if name.endswith("Loss")}
OPTIMIZERS = _subclasses({name: getattr(optim, name) for name in optim.__all__}, optim.Optimizer)
_ALL_SCHEDULERS = _subclasses(vars(lr_scheduler), lr_scheduler.LRScheduler)
SCHEDULERS = {name: cls for name, cls in _ALL_SCHEDULERS.items() if writable(cls, ("optimizer",))}
# LambdaLR, SequentialLR: their arguments are Python functions or other schedulers, which TOML can't write.
UNWRITABLE_SCHEDULERS = tuple(name for name in _ALL_SCHEDULERS if name not in SCHEDULERS)
RECURRENT_LAYERS = ("RNN", "LSTM", "GRU")  # they return (output, hidden state); `output` picks the steps passed on

# The built-in datasets are the public functions of chainrule.data.datasets; the data files, its loaders.
DATASETS = {name: function for name, function in vars(datasets).items()
            if inspect.isfunction(function) and function.__module__ == datasets.__name__ and name[0] != "_"}
REGRESSION_DATASETS = ("sine_sequences",)  # float targets; the others have integer class labels
LOADERS = {"npz": files.load_npz, "npy": files.load_npy, "csv": files.load_csv, "idx": files.load_idx}


def data_files(source: str) -> tuple[str, ...]:
    """The file arguments of a data source's loader, its required ones: ('path',), ('x_path', 'y_path')."""
    parameters = inspect.signature(LOADERS[source]).parameters.values()
    return tuple(parameter.name for parameter in parameters if parameter.default is REQUIRED)


# The keys of each data source: the built-in dataset's options, and the other arguments of each file's loader.
SOURCE_KEYS = {"dataset": ("options",),
               **{source: tuple(signature(loader, data_files(source))[0]) for source, loader in LOADERS.items()}}

# [callbacks] keys in the order the callbacks run (ProgressBar last, so it prints what the others logged), each
# with its class and the arguments the builder gives it: a path of the run folder (a RunDirectory attribute).
CALLBACKS: dict[str, tuple[type, dict[str, str]]] = {
    "terminate_on_nan": (callbacks.TerminateOnNaN, {}),
    "early_stopping": (callbacks.EarlyStopping, {}),
    "model_checkpoint": (callbacks.ModelCheckpoint, {"directory": "checkpoints"}),
    "csv_logger": (callbacks.CSVLogger, {"filename": "history"}),
    "tensorboard": (callbacks.TensorBoardLogger, {"log_dir": "tensorboard"}),
    "progress_bar": (callbacks.ProgressBar, {}),
}


def _top_k_accuracy(k: int = 5, name: str | None = None) -> metrics.Accuracy:
    """Accuracy that counts a sample as right when its target is among the k highest scores."""
    return metrics.Accuracy(top_k=k, name=name)


# [training] metrics: a name -> what makes the metric; the builder gives `num_classes` and the logged `name`.
METRICS: dict[str, Callable[..., metrics.Metric]] = {
    "accuracy": metrics.Accuracy, "top_k_accuracy": _top_k_accuracy, "precision": metrics.Precision,
    "recall": metrics.Recall, "f1": metrics.F1Score, "mae": metrics.MeanAbsoluteError,
    "mse": metrics.MeanSquaredError, "rmse": metrics.RootMeanSquaredError, "r2": metrics.R2Score,
}
REGRESSION_METRICS = ("mae", "mse", "rmse", "r2")  # the others need integer class labels
# The arguments the builders give themselves, not the config. Trainer's others are [training] keys.
OPTIMIZER_GIVEN, SCHEDULER_GIVEN, METRIC_GIVEN = ("params",), ("optimizer",), ("num_classes", "name")
SPLIT_GIVEN = ("dataset", "seed")
TRAINER_GIVEN = ("model", "loss", "optimizer", "metrics", "callbacks", "scheduler", "device")


def metric_name(entry: str | Mapping[str, Any]) -> str:
    """The name a metric is logged under: 'accuracy', 'top_3_accuracy', 'f1', 'f1_weighted', ..."""
    kind = entry if isinstance(entry, str) else entry["type"]
    options = {**defaults(METRICS[kind], METRIC_GIVEN), **({} if isinstance(entry, str) else entry)}
    top_k = options.get("k", options.get("top_k", 1))
    if kind == "top_k_accuracy" or top_k != 1:
        return f"top_{top_k}_accuracy"
    if options.get("average", "macro") != "macro":
        return f"{kind}_{options['average']}"
    return kind

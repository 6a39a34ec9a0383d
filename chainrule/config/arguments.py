"""What a config may name (layers, losses, optimizers, schedulers, datasets) and checks of their arguments.

A table such as `{ type = "Linear", in_features = 64, out_features = 10 }` is checked against
`inspect.signature(Linear)`: unknown names (with the closest match), missing required arguments, and TOML
types that can't match the annotation (`in_features: int` given "64"). Values are left to the class's own
`__init__`, whose errors `build.py` reports under the same key path.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from chainrule import nn, optim
from chainrule.config.errors import KeyPath, Problems, check_kind, suggest
from chainrule.data import datasets
from chainrule.optim import lr_scheduler

RECURRENT_LAYERS = ("RNN", "LSTM", "GRU")
# Schedulers whose arguments are Python functions or other schedulers: TOML can't write them.
UNCONFIGURABLE_SCHEDULERS = ("LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler")
_NOT_LAYERS = ("Module", "Sequential", "ModuleList", "ModuleDict")

BUILT_IN_DATASETS = ("digits", "iris", "wine", "breast_cancer", "spirals", "xor", "moons", "sine_sequences")
REGRESSION_DATASETS = ("sine_sequences",)  # float targets; the others have integer class labels


@functools.cache
def layer_classes() -> dict[str, type]:
    """Every layer `[model] layers` may name: the Module classes of chainrule.nn, losses and containers aside."""
    classes = {}
    for name in nn.__all__:
        value = getattr(nn, name)
        is_module = isinstance(value, type) and issubclass(value, nn.Module)
        if is_module and name not in _NOT_LAYERS and not name.endswith("Loss"):
            classes[name] = value
    return classes


@functools.cache
def loss_classes() -> dict[str, type]:
    """The loss classes of chainrule.nn (names ending in Loss)."""
    return {name: getattr(nn, name) for name in nn.__all__ if name.endswith("Loss")}


@functools.cache
def optimizer_classes() -> dict[str, type]:
    """SGD, Adam, AdamW, RMSprop, Adagrad: the Optimizer subclasses chainrule.optim exports."""
    classes = {}
    for name in optim.__all__:
        value = getattr(optim, name)
        if isinstance(value, type) and issubclass(value, optim.Optimizer) and value is not optim.Optimizer:
            classes[name] = value
    return classes


@functools.cache
def scheduler_classes() -> dict[str, type]:
    """The schedulers of chainrule.optim.lr_scheduler whose arguments TOML can write."""
    classes = {}
    for name, value in vars(lr_scheduler).items():
        is_scheduler = isinstance(value, type) and issubclass(value, lr_scheduler.LRScheduler)
        if is_scheduler and value is not lr_scheduler.LRScheduler and name not in UNCONFIGURABLE_SCHEDULERS:
            classes[name] = value
    return classes


def dataset_function(name: str) -> Callable[..., Any]:
    """The chainrule.data.datasets function behind a built-in dataset name."""
    return getattr(datasets, name)


def check_choice(problems: Problems, path: KeyPath, name: Any, choices: dict[str, Any] | tuple[str, ...],
                 what: str) -> bool:
    """Record `unknown <what> 'Dense'; did you mean 'Dropout'?` (or the list of choices) unless `name` is one."""
    if not check_kind(problems, path, name, "string"):
        return False
    if name in choices:
        return True
    hint = suggest(name, choices) or f"; choose one of: {', '.join(choices)}"
    problems.add(path, f"unknown {what} '{name}'{hint}")
    return False


def _split_union(annotation: str) -> list[str]:
    """'int | tuple[int, int] | None' -> ['int', 'tuple[int, int]', 'None'] (splitting outside brackets)."""
    parts, depth, current = [], 0, ""
    for character in annotation:
        depth += character == "["
        depth -= character == "]"
        if character == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += character
    parts.append(current.strip())
    return parts


_ANNOTATION_KINDS = {
    "int": {"integer"}, "float": {"float"}, "bool": {"boolean"}, "str": {"string"}, "Literal": {"string"},
    "tuple": {"array"}, "list": {"array"}, "Sequence": {"array"}, "Tuple": {"array"}, "List": {"array"},
}


def annotation_text(function: Callable[..., Any], name: str) -> str:
    """The annotation of `function`'s parameter `name` as text ('' when there is none)."""
    parameter = inspect.signature(function).parameters.get(name)
    if parameter is None:
        return ""
    return _text(parameter.annotation)


def _text(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))


def accepted_kinds(annotation: Any) -> set[str] | None:
    """The TOML kinds an annotation admits ('int | None' -> {'integer'}), or None when it can't tell."""
    text = _text(annotation)
    if not text:
        return None
    kinds: set[str] = set()
    for part in _split_union(text):
        if part == "None":
            continue  # TOML has no null: leaving the key out gives the default
        base = part.split("[")[0].strip()
        if base not in _ANNOTATION_KINDS:
            return None  # Any, Tensor, aliases: leave the value to the class
        kinds |= _ANNOTATION_KINDS[base]
    return kinds or None


def _parameters(function: Callable[..., Any], skip: int) -> tuple[dict[str, inspect.Parameter], bool]:
    """The keyword-capable parameters after the first `skip` ones, and whether **kwargs takes any other."""
    parameters = list(inspect.signature(function).parameters.values())[skip:]
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    named = {p.name: p for p in parameters
             if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL,
                               inspect.Parameter.POSITIONAL_ONLY)}
    return named, open_ended


def check_arguments(problems: Problems, path: KeyPath, owner: str, function: Callable[..., Any],
                    arguments: dict[str, Any], skip: int = 0, owner_in_path: bool = True) -> None:
    """Check `arguments` against `function`'s signature: unknown names, missing ones, impossible types.

    Messages read `[model] layers[2] (Linear): unknown argument ...`; with `owner_in_path=False` (the
    [optimizer] table, whose `type` is right there) `[optimizer] lr: ...` and `unknown argument 'x' of Adam`.
    `skip` leaves out leading parameters the builder passes itself (an optimizer's params).
    """
    label, of_owner = (owner, "") if owner_in_path else (None, f" of {owner}")
    parameters, open_ended = _parameters(function, skip)
    for name, value in arguments.items():
        if name in parameters:
            kinds = accepted_kinds(parameters[name].annotation)
            if kinds is not None:
                check_kind(problems, path, value, *kinds, label=label, detail=name)
        elif not open_ended:
            hint = suggest(name, parameters)
            if not hint:
                hint = f"; it takes: {', '.join(parameters)}" if parameters else "; it takes no arguments"
            problems.add(path, f"unknown argument '{name}'{of_owner}{hint}", label)
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in arguments:
            problems.add(path, f"missing required argument '{name}'{of_owner}", label)

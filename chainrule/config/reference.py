"""The config reference, docs/config-reference.md: every section and key with its type and default, and the
arguments of every layer, loss, optimizer, scheduler, metric, callback, dataset and data file, read from
their signatures. `python -m chainrule.config.reference` rewrites it; a test fails when it is out of date.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chainrule.config import registry
from chainrule.config.errors import describe_choices, describe_kinds, literal
from chainrule.config.schema import DEFAULT_CONFIG, OWN_KEYS

PATH = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"

_INTRODUCTIONS = {
    "": "A section left out is the built-in config's (DEFAULT_CONFIG). In a section, a key left out takes the "
        "default below, and an argument left out takes its class's default (none: the key is left out, as TOML has "
        "no null). `examples/configs/mlp.toml` explains each key.",
    "data": "One data source: `dataset`, a built-in dataset (default `\"digits\"`) with `options`, its arguments; "
            "or one data file, `npz = \"train.npz\"`, `npy = [\"x.npy\", \"y.npy\"]`, `csv = \"train.csv\"` or "
            "`idx = [\"images.gz\", \"labels.gz\"]` (relative to the config file), with its loader's arguments.",
    "model": "`layers`: an array of tables, `{ type = \"Linear\", in_features = 64, out_features = 10 }`, each naming "
             "a layer and giving its arguments. RNN, LSTM and GRU also take `output`: `\"sequence\"` (every step, the "
             "default) or `\"last\"` (the last step) is what the next layer gets.",
    "optimizer": "`type` names the optimizer, the other keys are its arguments; `scheduler = { type = \"StepLR\", "
                 "step_size = 10 }` names a scheduler and gives its arguments.",
    "training": "`loss` is a loss's name or a table `{ type = \"CrossEntropyLoss\", label_smoothing = 0.1 }`; each of "
                "`metrics` a metric's name or a table `{ type = \"f1\", average = \"weighted\" }`. `diagnostics` turns "
                "the gradient-health monitor on or off.",
    "callbacks": "Each callback is `false` (off), `true` (its defaults) or a table of its arguments, and they run in "
                 "this order. A `monitor` left out is `\"loss\"` when there is no validation set.",
}


def render() -> str:
    """The reference as Markdown."""
    catalogs = {
        "data": [("Built-in datasets (their `options`)", _entries(registry.DATASETS)),
                 ("Data files", [(source, loader, registry.data_files(source))
                                 for source, loader in registry.LOADERS.items()])],
        "model": [("Layers", _entries(registry.LAYERS))],
        "optimizer": [("Optimizers", _entries(registry.OPTIMIZERS, registry.OPTIMIZER_GIVEN)),
                      ("Schedulers", _entries(registry.SCHEDULERS, registry.SCHEDULER_GIVEN))],
        "training": [("Losses", _entries(registry.LOSSES)),
                     ("Metrics", _entries(registry.METRICS, registry.METRIC_GIVEN))],
        "callbacks": [("Callbacks", [(key, cls, tuple(files)) for key, (cls, files) in registry.CALLBACKS.items()])],
    }
    lines = ["# Config reference", "",
             "Generated from the code by `python -m chainrule.config.reference`: don't edit it by hand.", ""]
    for section, keys in OWN_KEYS.items():
        lines += [f"## [{section}]" if section else "## Top level", "", _INTRODUCTIONS[section], ""]
        defaults = DEFAULT_CONFIG.get(section, {})
        rows = [(name, describe_kinds(key.kinds), _OWN_DEFAULTS.get(name) or _default(defaults.get(name, key.default)))
                for name, key in keys.items()]
        lines += _table("key", rows)
        for title, entries in catalogs.get(section, []):
            lines += [f"### {title}", ""]
            for name, function, given in entries:
                summary = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
                rows = [(key, describe_choices(argument.choices) if argument.choices else argument.hint or "any",
                         _default(argument.default))
                        for key, argument in registry.signature(function, given)[0].items()]
                lines += [f"#### `{name}`", "", summary, "", *_table("argument", rows)]
    return "\n".join(lines)


def _entries(functions: Mapping[str, Callable[..., Any]], given: tuple[str, ...] = ()) -> list[tuple]:
    return [(name, function, given) for name, function in functions.items()]


_OWN_DEFAULTS = {"name": "the config file's name", "layers": "required (in the built-in config: an MLP)"}


def _default(value: Any) -> str:
    if value is registry.REQUIRED:
        return "required"
    return "none" if value is None else f"`{literal(value)}`"


def _table(heading: str, rows: list[tuple[str, str, str]]) -> list[str]:
    if not rows:
        return ["No arguments.", ""]
    lines = [f"| {heading} | type | default |", "|---|---|---|"]
    for key, kind, default in rows:
        escaped = kind.replace("|", "\\|")  # `int | None` inside a table cell
        lines.append(f"| `{key}` | {escaped} | {default} |")
    return [*lines, ""]


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text(render())
    print(f"wrote {PATH}")

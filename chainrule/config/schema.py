"""`resolve`: check a parsed config section by section, then across sections, and fill in every default.

Every problem is recorded with its key path rather than raised, so one pass reports all of them. The
resolved config is a plain dict: every schema default filled in, data paths absolute, nothing None (TOML
has no null), so writing it back out reproduces the run.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from chainrule.backend import Device
from chainrule.config import arguments as registry
from chainrule.config.defaults import (
    CLASSIFICATION_LOSSES,
    CLASSIFICATION_METRICS,
    DEFAULT_CONFIG,
    SECTION_KEYS,
    TOP_LEVEL_KEYS,
    metric_name,
)
from chainrule.config.errors import SECTIONS, KeyPath, Problems, check_kind, closest, literal, suggest
from chainrule.config.fields import integer
from chainrule.config.sections import (
    resolve_callbacks,
    resolve_data,
    resolve_model,
    resolve_optimizer,
    resolve_training,
)


def resolve(raw: Mapping[str, Any], folder: str, default_name: str, problems: Problems,
            require_model: bool = True) -> dict[str, Any]:
    """`raw` (a parsed config) resolved, its problems recorded; relative data paths start at `folder`."""
    raw = copy.deepcopy(dict(raw))
    _check_top_level(raw, problems)
    tables = {section: _section_table(raw, section, problems) for section in SECTIONS}
    resolved: dict[str, Any] = {
        "name": _name(raw.get("name", default_name), problems),
        "seed": integer(problems, (), raw, "seed", DEFAULT_CONFIG["seed"], minimum=0),
        "device": _device(raw.get("device", DEFAULT_CONFIG["device"]), problems),
        "data": resolve_data(tables["data"], folder, problems),
    }
    if isinstance(raw.get("model"), dict):
        resolved["model"] = resolve_model(tables["model"], problems)
    elif require_model and "model" not in raw:
        problems.add_line(("model",), "[model]: missing section; a config must define the model, e.g. "
                                      '[model] layers = [{ type = "Linear", in_features = 64, out_features = 10 }]')
    resolved["optimizer"] = resolve_optimizer(tables["optimizer"], problems)
    resolved["training"] = resolve_training(tables["training"], problems)
    has_validation = resolved["data"]["validation_split"] > 0
    resolved["callbacks"] = resolve_callbacks(tables["callbacks"], has_validation, problems)
    if not problems:  # the checks across sections assume every section is well formed
        _check_across_sections(resolved, problems)
    return resolved


def resolved_config(config: Mapping[str, Any], require_model: bool = False) -> dict[str, Any]:
    """`config` checked and resolved (relative paths from the current folder); ConfigError on a problem."""
    problems = Problems()
    resolved = resolve(config, os.getcwd(), config.get("name", "default"), problems, require_model)
    problems.raise_if_any()
    return resolved


# -- top level --------------------------------------------------------------------------------------
def _check_top_level(raw: Mapping[str, Any], problems: Problems) -> None:
    allowed = (*TOP_LEVEL_KEYS, *SECTIONS)
    for key, value in raw.items():
        if key in allowed:
            continue
        if isinstance(value, dict):
            match = closest(key, SECTIONS)
            hint = f"; did you mean [{match}]?" if match else ";"
            problems.add_line((key,), f"[{key}]: unknown section{hint} Sections: {', '.join(SECTIONS)}")
            continue
        hint = suggest(key, TOP_LEVEL_KEYS)
        if not hint:
            homes = [section for section, keys in SECTION_KEYS.items() if key in keys]
            hint = f"; it belongs in [{homes[0]}]" if homes else f"; top-level keys are: {', '.join(allowed)}"
        problems.add((key,), f"unknown key{hint}")


def _section_table(raw: Mapping[str, Any], section: str, problems: Problems) -> dict[str, Any]:
    value = raw.get(section, {})
    return value if check_kind(problems, (section,), value, "table") else {}


def _name(value: Any, problems: Problems) -> str:
    """The run's name, which is also its folder runs/<name>/."""
    if not check_kind(problems, ("name",), value, "string"):
        return "default"
    if value in ("", ".", "..") or "/" in value or "\\" in value:
        problems.add(("name",), f"expected a folder name for runs/<name>/ (no '/' or '\\'), got {literal(value)}")
    return value


def _device(value: Any, problems: Problems) -> str:
    if not check_kind(problems, ("device",), value, "string"):
        return "cpu"
    try:
        Device(value)
    except ValueError:
        problems.add(("device",), f'unknown device {literal(value)}; expected "cpu", "cuda" or "cuda:N"')
    return value


# -- across sections --------------------------------------------------------------------------------
def _check_across_sections(config: dict[str, Any], problems: Problems) -> None:
    """Monitors against what is logged, schedulers and monitors that need a validation set, and
    classification metrics or losses on a built-in regression dataset."""
    has_validation = config["data"]["validation_split"] > 0
    logged = ["loss", *(metric_name(entry) for entry in config["training"]["metrics"])]
    for key in ("early_stopping", "model_checkpoint"):
        table = config["callbacks"][key]
        if table:
            _check_monitor(problems, ("callbacks", key, "monitor"), table["monitor"], logged, has_validation)
    scheduler = config["optimizer"].get("scheduler")
    if scheduler and scheduler["type"] == "ReduceLROnPlateau" and not has_validation:
        problems.add(("optimizer", "scheduler"), "steps on val_loss, which needs a validation set; set [data] "
                                                 "validation_split > 0", "ReduceLROnPlateau")
    dataset = config["data"].get("dataset")
    if dataset in registry.REGRESSION_DATASETS:
        _check_regression(problems, config["training"], dataset)


def _check_monitor(problems: Problems, path: KeyPath, monitor: str, logged: list[str], has_validation: bool) -> None:
    if monitor.startswith("val_") and monitor[4:] in logged and not has_validation:
        problems.add(path, f"{literal(monitor)} needs a validation set, but [data] validation_split = 0; set "
                           f"validation_split > 0 or monitor {literal(monitor[4:])}")
        return
    known = logged + [f"val_{name}" for name in logged] if has_validation else logged
    if monitor not in known:
        match = closest(monitor, known)
        hint = f"; did you mean {literal(match)}?" if match else ""
        problems.add(path, f"{literal(monitor)} is not logged{hint} (the logs have: {', '.join(known)})")


def _check_regression(problems: Problems, training: dict[str, Any], dataset: str) -> None:
    for index, entry in enumerate(training["metrics"]):
        kind = entry if isinstance(entry, str) else entry["type"]
        if kind in CLASSIFICATION_METRICS:
            problems.add(("training", "metrics", index), f"{kind} needs integer class labels, but {dataset} has "
                                                         "float targets (regression); use mae, mse, rmse or r2")
    loss = training["loss"] if isinstance(training["loss"], str) else training["loss"]["type"]
    if loss in CLASSIFICATION_LOSSES:
        problems.add(("training", "loss"), f"{loss} needs integer class labels, but {dataset} has float targets "
                                           "(regression); use MSELoss, L1Loss, HuberLoss or SmoothL1Loss")

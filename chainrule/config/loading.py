"""`load_config`: read a TOML file (or take the built-in default), apply overrides, resolve; `to_toml` back."""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainrule.config.errors import ConfigError, KeyPath, Problems, literal, show
from chainrule.config.registry import SOURCE_KEYS
from chainrule.config.schema import DEFAULT_CONFIG, resolve


def load_config(path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """The resolved run configuration of a TOML file, or of the built-in default when `path` is None.

    `overrides` set values by dotted key path (`{"training.epochs": 2, "seed": 3}`, as `--epochs` and
    `--seed` do) before validation; a value of None leaves the key alone. Relative data paths are taken
    from the config file's folder (from the current folder for overrides and the built-in config).
    Every problem found is raised together in one ConfigError.

        >>> config = load_config("examples/configs/mlp.toml", {"training.epochs": 2})
        >>> config["training"]["epochs"]
        2
    """
    if path is None:
        source, raw, folder, default_name = None, copy.deepcopy(DEFAULT_CONFIG), os.getcwd(), "default"
    else:
        source = os.fspath(path)
        raw = _parse(source)
        folder, default_name = os.path.dirname(os.path.abspath(source)), Path(source).stem
    problems = Problems()
    notes = _apply_overrides(raw, overrides or {}, problems)
    resolved = resolve(raw, folder, default_name, problems)
    problems.raise_if_any(source, notes)
    return resolved


def _parse(source: str) -> dict[str, Any]:
    """The file's TOML as a dict; a missing file, bad encoding or TOML syntax error is a ConfigError."""
    try:
        content = Path(source).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found (looked in {os.path.abspath(source)})", source) from None
    except OSError as error:
        raise ConfigError(f"can't read the config file: {error.strerror}", source) from None
    try:
        return tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 text ({error.reason} at byte {error.start}); TOML files are UTF-8",
                          source) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", source) from None


def _apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any], problems: Problems) -> dict[KeyPath, str]:
    """Set each dotted key path in `raw`; return a note per key path, so problems there say where they came from."""
    notes = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        path = tuple(int(key) if key.isdigit() else key for key in dotted.split("."))
        value = _plain(value)
        if len(path) == 2 and path[0] == "data" and path[1] in SOURCE_KEYS:
            _drop_other_sources(raw, path[1])
            if path[1] != "dataset":
                value = _absolute(value)  # a path given on the command line is relative to where it runs
        if _set(raw, path, value, dotted, problems):
            notes[path] = f"from override {dotted} = {literal(value)}"
    return notes


def _drop_other_sources(raw: dict[str, Any], source: str) -> None:
    """An override naming a data source replaces the file's (a config reads exactly one), and its keys."""
    data = raw.get("data")
    if isinstance(data, dict):
        for other, keys in SOURCE_KEYS.items():
            for key in (other, *keys):
                if other != source and key not in SOURCE_KEYS[source]:
                    data.pop(key, None)


def _set(node: Any, path: KeyPath, value: Any, dotted: str, problems: Problems) -> bool:
    """node[path[0]][path[1]]... = value, creating missing tables; False (a problem recorded) if it can't."""
    for depth, key in enumerate(path):
        if isinstance(node, list) and not (isinstance(key, int) and key < len(node)):
            problems.add(path[:depth], f"has no item {key}, so override {dotted} can't be set")
            return False
        if not isinstance(node, dict | list):
            problems.add(path[:depth], f"is {show(node)}, not a table, so override {dotted} can't be set")
            return False
        if isinstance(node, dict):
            key = str(key)  # "data.options.0" names a key "0", not an index
        if depth == len(path) - 1:
            node[key] = value
        elif isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    return True


def _absolute(value: Any) -> Any:
    if isinstance(value, str):
        return os.path.abspath(os.path.expanduser(value))
    if isinstance(value, list):
        return [_absolute(item) for item in value]
    return value


def to_toml(config: Mapping[str, Any]) -> str:
    """The resolved config as TOML text; `load_config` of that text gives the same config back.

        >>> Path("runs/digits/config.toml").write_text(to_toml(config))
    """
    try:
        import tomli_w
    except ImportError as error:
        raise ImportError("writing a config as TOML needs tomli-w: pip install 'chainrule[cli]'") from error
    return tomli_w.dumps(_plain(config))


def _plain(value: Any) -> Any:
    """Tuples as lists, paths as strings: the types TOML writes."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


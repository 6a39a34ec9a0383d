"""Readers of one config value: `table[key]` if well formed, else the default with a problem recorded.

Each takes the table's key path (`("data",)`) and the key, so a problem reads `[data] test_split: ...`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainrule.config.defaults import SECTION_KEYS
from chainrule.config.errors import KeyPath, Problems, check_kind, literal, show, suggest, where


def read(problems: Problems, path: KeyPath, table: Mapping[str, Any], key: str, default: Any, *kinds: str) -> Any:
    """table[key] when it is one of the TOML `kinds`; the default when absent or of another kind."""
    if key not in table:
        return default
    return table[key] if check_kind(problems, (*path, key), table[key], *kinds) else default


def integer(problems: Problems, path: KeyPath, table: Mapping[str, Any], key: str, default: int,
            minimum: int) -> int:
    value = read(problems, path, table, key, default, "integer")
    if value < minimum:
        problems.add((*path, key), f"expected an integer >= {minimum}, got {literal(value)}")
        return default
    return value


def number(problems: Problems, path: KeyPath, table: Mapping[str, Any], key: str, default: float | None,
           positive: bool = False) -> float | None:
    """A number >= 0 (> 0 with `positive`); a default of None leaves the key unset."""
    value = read(problems, path, table, key, default, "float")
    if value is not None and (value < 0 or (positive and value == 0)):
        problems.add((*path, key), f"expected a number {'>' if positive else '>='} 0, got {literal(value)}")
        return default
    return value


def fraction(problems: Problems, path: KeyPath, table: Mapping[str, Any], key: str, default: float) -> float:
    value = read(problems, path, table, key, default, "float")
    if not 0 <= value < 1:
        problems.add((*path, key), f"expected a fraction in [0, 1), got {literal(value)}; 0 holds out nothing")
        return default
    return value


def choice(problems: Problems, path: KeyPath, table: Mapping[str, Any], key: str, default: str,
           choices: tuple[str, ...]) -> str:
    value = read(problems, path, table, key, default, "string")
    if value not in choices:
        listing = " or ".join(map(literal, choices)) if len(choices) == 2 else \
            "one of " + ", ".join(map(literal, choices))
        hint = suggest(value, choices, quote='"')
        problems.add((*path, key), f"expected {listing}, got {show(value)}{hint}")
        return default
    return value


def check_keys(problems: Problems, path: KeyPath, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Record each key of `table` that is not `allowed`, with the closest allowed key or where it belongs."""
    for key in table:
        if key in allowed:
            continue
        hint = suggest(key, allowed)
        if not hint:
            homes = [section for section, keys in SECTION_KEYS.items() if key in keys and section != path[0]]
            hint = f"; it belongs in [{homes[0]}]" if homes else f"; {where(path)} takes: {', '.join(allowed)}"
        problems.add((*path, key), f"unknown key{hint}")

"""ConfigError, and the words of its messages: key paths, TOML kinds, "did you mean" hints."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

SECTIONS = ("data", "model", "optimizer", "training", "callbacks")  # in the order a resolved config lists them

KeyPath = tuple[str | int, ...]


class ConfigError(ValueError):
    """Every problem with a run configuration: each line names the file, the key path and the fix.

        >>> load_config("mlp.toml")
        ConfigError: mlp.toml: [optimizer] lr: expected a number, got "fast" (a string)

    `problems` holds the lines without the file name, `source` the file (None for the built-in config).
    """

    def __init__(self, problems: str | Sequence[str], source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + problem for problem in self.problems))


def where(path: KeyPath, label: str | None = None) -> str:
    """A key path as the messages show it: `[model] layers[2] (Linear)`, `[callbacks] early_stopping.mode`."""
    if not path:
        return "config"
    head, rest = path[0], path[1:]
    text = f"[{head}]" if head in SECTIONS else str(head)
    for index, key in enumerate(rest):
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += f" {key}" if index == 0 and head in SECTIONS else f".{key}"
    return f"{text} ({label})" if label else text


class Problems:
    """The problems found in one pass over a config, each with its key path, raised together at the end."""

    def __init__(self) -> None:
        self.items: list[tuple[KeyPath, str]] = []

    def add(self, path: KeyPath, message: str, label: str | None = None, detail: str | None = None) -> None:
        """Record `<key path> (<label>) <detail>: <message>`: `label` is the class a table names, `detail`
        an argument of it (`[model] layers[2] (Linear) in_features: ...`)."""
        text = where(path, label)
        if detail is not None:
            text, path = f"{text} {detail}", (*path, detail)
        self.items.append((path, f"{text}: {message}"))

    def add_line(self, path: KeyPath, line: str) -> None:
        """Record a problem worded in full (`[trainng]: unknown section; ...`)."""
        self.items.append((path, line))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, source: str | None = None, notes: dict[KeyPath, str] | None = None) -> None:
        """Raise one ConfigError listing every problem; `notes` adds a note to problems under a key path."""
        if not self.items:
            return
        lines = []
        for path, line in self.items:
            for prefix, note in (notes or {}).items():
                # At or under the overridden key, or about a table holding it (a layer, `seed.x`'s seed) short
                # of a whole section.
                holds_it = prefix[:len(path)] == path and not (len(path) == 1 and path[0] in SECTIONS)
                if path[:len(prefix)] == prefix or holds_it:
                    line += f" ({note})"
                    break
            lines.append(line)
        raise ConfigError(lines, source)


def suggest(name: str, candidates: Iterable[str], form: str = "'{}'") -> str:
    """'; did you mean 'x'?' for the candidate closest to a misspelt `name` (difflib), or '' when none is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {form.format(matches[0])}?" if matches else ""


def kind_of(value: Any) -> str:
    """The TOML kind of a parsed value: 'boolean', 'integer', 'float', 'string', 'array', 'table', ..."""
    for kind, types in (("boolean", bool), ("integer", int), ("float", float), ("string", str),
                        ("array", list | tuple), ("table", dict)):
        if isinstance(value, types):
            return kind
    return type(value).__name__  # TOML dates and times


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def show(value: Any) -> str:
    """A value as TOML writes it, then its kind: `"fast" (a string)`."""
    return f"{literal(value)} ({_article(kind_of(value))})"


def literal(value: Any) -> str:
    """A value as TOML writes it: `"fast"`, `true`, `0.5`, `[1, 2]`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        text = "[" + ", ".join(literal(item) for item in value) + "]"
        return text if len(text) <= 60 else text[:56] + " ...]"
    if isinstance(value, dict):
        text = "{ " + ", ".join(f"{key} = {literal(item)}" for key, item in value.items()) + " }"
        return text if len(text) <= 60 else text[:55] + " ... }"
    return str(value)


def describe_kinds(kinds: Iterable[str]) -> str:
    """{'float'} -> 'a number' (integers are accepted wherever floats are); {'integer', 'array'} -> 'an
    integer or an array'."""
    names = set(kinds)
    if "float" in names:
        names = (names - {"integer", "float"}) | {"number"}
    order = ("boolean", "integer", "number", "string", "array", "table")
    ordered = [name for name in order if name in names] + sorted(names - set(order))  # dates and times last
    return " or ".join(_article(name) for name in ordered)


def describe_choices(choices: Sequence[str]) -> str:
    """'"mean" or "sum"', or 'one of "auto", "min", "max"'."""
    if len(choices) == 2:
        return " or ".join(map(literal, choices))
    return "one of " + ", ".join(map(literal, choices))


def check_kind(problems: Problems, path: KeyPath, value: Any, *kinds: str, label: str | None = None,
               detail: str | None = None) -> bool:
    """Record `expected <kinds>, got <value>` unless `value` is one of the TOML `kinds`; return whether it is."""
    kind = kind_of(value)
    if kind in kinds or (kind == "integer" and "float" in kinds):  # TOML writes 1 for 1.0
        return True
    problems.add(path, f"expected {describe_kinds(kinds)}, got {show(value)}", label, detail)
    return False

"""ConfigError, and the helpers that word its messages: key paths, TOML type names, "did you mean" hints."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

# The sections of a config file, in the order a resolved config lists them.
SECTIONS = ("data", "model", "optimizer", "training", "callbacks")

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
    """Render a key path the way the messages show it: `[model] layers[2] (Linear)`, `seed`."""
    if not path:
        return "config"
    head, rest = path[0], path[1:]
    text = f"[{head}]" if head in SECTIONS else str(head)
    for index, key in enumerate(rest):
        if isinstance(key, int):
            text += f"[{key}]"
        elif index == 0 and head in SECTIONS:
            text += f" {key}"  # [data] npz
        else:
            text += f".{key}"  # [callbacks] early_stopping.patience
    return f"{text} ({label})" if label else text


class Problems:
    """The problems found in one validation pass, each with its key path, raised together at the end."""

    def __init__(self) -> None:
        self.items: list[tuple[KeyPath, str]] = []

    def add(self, path: KeyPath, message: str, label: str | None = None, detail: str | None = None) -> None:
        """Record `<key path> (<label>) <detail>: <message>`, e.g. `[model] layers[2] (Linear) in_features: ...`.

        `label` is the class a table names; `detail` an argument of it, shown after the label.
        """
        text = where(path, label)
        if detail is not None:
            text, path = f"{text} {detail}", (*path, detail)
        self.add_line(path, f"{text}: {message}")

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
                # A problem at or under the overridden key, or about a table holding it (a layer, `seed.x`'s
                # seed) short of a whole section.
                holds_it = prefix[:len(path)] == path and not (len(path) == 1 and path[0] in SECTIONS)
                if path[:len(prefix)] == prefix or holds_it:
                    line += f" ({note})"
                    break
            lines.append(line)
        raise ConfigError(lines, source)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to a misspelt `name` (difflib), or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggest(name: str, candidates: Iterable[str], quote: str = "'") -> str:
    """'; did you mean 'x'?' for the closest candidate, or '' when nothing is close."""
    match = closest(name, candidates)
    return f"; did you mean {quote}{match}{quote}?" if match else ""


def kind_of(value: Any) -> str:
    """The TOML type of a parsed value: 'boolean', 'integer', 'float', 'string', 'array', 'table', ..."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__  # TOML dates and times


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def show(value: Any) -> str:
    """A value as TOML writes it ("fast", true, [1, 2]) followed by its type: `"fast" (a string)`."""
    return f"{literal(value)} ({_article(kind_of(value))})"


def literal(value: Any) -> str:
    """A value as TOML writes it, without its type: `"fast"`, `true`, `0.5`."""
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
    """{'float'} -> 'a number'; {'integer', 'array'} -> 'an integer or an array'."""
    names = set(kinds)
    if "float" in names:  # integers are accepted wherever floats are
        names -= {"integer", "float"}
        names.add("number")
    order = ("boolean", "integer", "number", "string", "array", "table")
    ordered = [name for name in order if name in names] + sorted(names - set(order))
    return " or ".join(_article(name) for name in ordered)


def has_kind(value: Any, kinds: Iterable[str]) -> bool:
    """Whether `value` is one of the TOML kinds (an integer counts as a float: TOML writes 1 for 1.0)."""
    kind = kind_of(value)
    return kind in kinds or (kind == "integer" and "float" in kinds)


def check_kind(problems: Problems, path: KeyPath, value: Any, *kinds: str, label: str | None = None,
               detail: str | None = None) -> bool:
    """Record `expected <kinds>, got <value>` unless `value` is one of `kinds`; return whether it is."""
    if has_kind(value, kinds):
        return True
    problems.add(path, f"expected {describe_kinds(kinds)}, got {show(value)}", label, detail)
    return False

"""chainrule.config.registry: what a config may name, and the arguments read from signatures and type hints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from chainrule.config import registry
from chainrule.config.errors import Problems


def _example(size: int, mode: Literal["fast", "slow"] = "fast", scale: float | list[float] = 1.0,
             weights: tuple[float, float] | None = None, anything: Any = None,
             callback: Callable[[int], int] | None = None) -> None:
    """A function whose hints cover the cases: a Literal, unions, None, Any, and a class TOML can't write."""


def test_type_hints_become_toml_kinds_choices_and_defaults():
    arguments, open_ended = registry.signature(_example)
    assert not open_ended and list(arguments) == ["size", "mode", "scale", "weights", "anything"]  # no callback
    assert arguments["size"].kinds == {"integer"} and arguments["size"].default is registry.REQUIRED
    assert arguments["mode"].kinds == {"string"} and arguments["mode"].choices == ("fast", "slow")
    assert arguments["scale"].kinds == {"float", "array"} and arguments["weights"].kinds == {"array"}
    assert arguments["anything"].kinds is None  # Any: the function checks the value itself
    assert registry.defaults(_example) == {"mode": "fast", "scale": 1.0}  # None: left out (TOML has no null)


def test_a_hint_that_cant_be_resolved_leaves_the_value_to_the_class():
    def function(value: Undefined = 1) -> None:  # noqa: F821 (a name only a type checker would import)
        pass

    assert registry.signature(function)[0]["value"].kinds is None


def test_check_arguments_reports_every_problem_of_a_table():
    problems = Problems()
    registry.check_arguments(problems, ("model", "layers", 0), "Example", _example, {"mode": "fats", "scal": 2})
    assert [line for _, line in problems.items] == [
        '[model] layers[0] (Example) mode: expected "fast" or "slow", got "fats" (a string); did you mean "fast"?',
        "[model] layers[0] (Example): unknown argument 'scal'; did you mean 'scale'?",
        "[model] layers[0] (Example): missing required argument 'size'",
    ]


def test_schedulers_whose_arguments_toml_cant_write_are_left_out():
    assert registry.UNWRITABLE_SCHEDULERS == ("LambdaLR", "SequentialLR")  # a function; other schedulers
    assert "StepLR" in registry.SCHEDULERS and "LambdaLR" not in registry.SCHEDULERS

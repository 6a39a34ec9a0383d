"""What the gradient-health rules report: a `Finding` (kind, layers, evidence, when, fix) and `GradientWarning`."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any


class GradientWarning(UserWarning):
    """A training-health finding: vanishing or exploding gradients, dead or saturated units, a learning rate
    too high or too low, overfitting, a non-finite loss. Issued once per finding through `warnings.warn`, so
    the usual filters apply: `warnings.simplefilter("error", GradientWarning)` makes findings fatal."""


# The kinds, in plain words as the messages and the report say them.
KINDS = {
    "vanishing": "vanishing gradients",
    "exploding": "exploding gradients",
    "dead": "dead ReLU units",
    "saturated": "saturated units",
    "lr_high": "learning rate too high",
    "lr_low": "learning rate too low",
    "overfitting": "overfitting",
    "nonfinite": "non-finite loss",  # "non-finite gradient" when the loss was finite
}


@dataclasses.dataclass
class Finding:
    """One diagnosis: what (`kind`, a key of KINDS), where (`layers`), the numbers behind it (`evidence`),
    when it was first seen (`epoch`, `step`), and what to do (`suggestion`)."""

    kind: str
    layers: list[str]
    evidence: str
    suggestion: str
    epoch: int
    step: int
    numbers: dict[str, float] = dataclasses.field(default_factory=dict)
    label: str | None = None  # words for this finding when they differ from its kind's

    @property
    def title(self) -> str:
        """The kind in plain words: 'vanishing gradients'."""
        return self.label or KINDS[self.kind]

    @property
    def message(self) -> str:
        where = f" in {_join(self.layers)}" if self.layers else ""
        since = "" if self.kind == "nonfinite" else f" (since epoch {self.epoch})"
        return f"{self.title}{where}{since}: {self.evidence}. Fix: {self.suggestion}"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON, checkpoints and the report (`title` and `message` included)."""
        return {**dataclasses.asdict(self), "title": self.title, "message": self.message}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Finding:
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in names})

    def warn(self) -> None:
        """Issue this finding as a GradientWarning, pointing at the caller of `fit` (not into chainrule)."""
        warnings.warn(self.message, GradientWarning, stacklevel=_user_stacklevel())


def _join(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _user_stacklevel() -> int:
    """The stacklevel of the first frame outside chainrule, so a warning names the user's line."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("chainrule"):
        frame, level = frame.f_back, level + 1
    return level

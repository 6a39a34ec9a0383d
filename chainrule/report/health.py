"""Gradient health in pictures and words: the gradient-flow heatmap, dead/saturated units over epochs, and the
report's findings section — drawn from the GradientMonitor's history columns and findings (plain data).

    >>> plot_gradient_heatmap(history, "gradient_flow.png")     # None when the history has no grad_norm/ columns
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chainrule.report.plots import _is_number, _pyplot, _save


def _columns(history: Sequence[Mapping[str, Any]], prefix: str, leave_out: tuple[str, ...] = ()) -> list[str]:
    names: dict[str, None] = {}
    for record in history:
        names.update(dict.fromkeys(key for key in record if key.startswith(prefix) and key not in leave_out))
    return list(names)


def plot_gradient_heatmap(history: Sequence[Mapping[str, Any]], path: str | Path) -> str | Path | None:
    """Layers (input at the top) by epochs, coloured by log10 of the median gradient norm: vanishing gradients
    are a band fading towards the input, exploding ones a column turning bright. None without the columns."""
    import numpy

    names = _columns(history, "grad_norm/", ("grad_norm/total",))
    if not names or not history:
        return None
    values = numpy.full((len(names), len(history)), numpy.nan)
    for column, record in enumerate(history):
        for row, name in enumerate(names):
            value = record.get(name)
            if _is_number(value) and value > 0:
                values[row, column] = math.log10(value)
    epochs = [record.get("epoch", index + 1) for index, record in enumerate(history)]
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(max(6.0, 0.12 * len(epochs) + 4), max(3.0, 0.35 * len(names) + 1.5)))
    image = axes.imshow(numpy.ma.masked_invalid(values), aspect="auto", cmap="viridis", interpolation="nearest",
                        extent=(epochs[0] - 0.5, epochs[-1] + 0.5, len(names) - 0.5, -0.5))
    axes.set_yticks(range(len(names)), [name.removeprefix("grad_norm/") for name in names])
    axes.set_xlabel("epoch")
    axes.set_ylabel("weight (input at the top)")
    axes.set_title("gradient flow: log10 of the median gradient norm")
    figure.colorbar(image, ax=axes, label="log10 gradient norm")
    return _save(figure, pyplot, path)


def plot_unit_health(history: Sequence[Mapping[str, Any]], path: str | Path,
                     thresholds: Mapping[str, float] | None = None) -> str | Path | None:
    """The fraction of dead (ReLU family) and saturated (sigmoid, tanh) units of each activation module over
    epochs; `thresholds` ({"dead": 0.5, "saturated": 0.5}, the rules') are drawn dashed. None when the history
    has no such columns."""
    thresholds = thresholds or {}
    names = _columns(history, "dead/") + _columns(history, "saturated/")
    if not names:
        return None
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 4))
    for name in names:
        points = [(record.get("epoch", index + 1), record[name]) for index, record in enumerate(history)
                  if _is_number(record.get(name))]
        if points:
            axes.plot(*zip(*points, strict=True), marker="." if len(points) < 30 else None, label=name)
    for kind, style in (("dead", "--"), ("saturated", ":")):
        if kind in thresholds and any(name.startswith(f"{kind}/") for name in names):
            axes.axhline(thresholds[kind], color="grey", linestyle=style, linewidth=1, label=f"{kind} threshold")
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel("epoch")
    axes.set_ylabel("fraction of units")
    axes.set_title("dead and saturated units")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", ncol=2)
    return _save(figure, pyplot, path)


def health_section(findings: Sequence[Mapping[str, Any]] | None) -> str:
    """The report's "Gradient health" section: each finding with its evidence and fix, a plain 'healthy'
    when there are none, and a note when diagnostics were off (`findings` None)."""
    heading = "<h2>Gradient health</h2>"
    if findings is None:
        return f'{heading}<p class="reading">Gradient diagnostics were off for this run.</p>'
    if not findings:
        return (f'{heading}<p class="reading">Healthy: no findings. Gradient norms, update sizes, units and the '
                "validation curve stayed within the thresholds of chainrule.diagnostics.rules.</p>")
    items = []
    for finding in findings:
        layers = f" in {html.escape(', '.join(finding['layers']))}" if finding.get("layers") else ""
        since = "" if finding["kind"] == "nonfinite" else f" (since epoch {finding['epoch']})"
        items.append(f'<li class="finding"><strong>{html.escape(finding["title"])}</strong>{layers}{since}'
                     f'<p>{html.escape(finding["evidence"])}.</p><p><em>Fix:</em> '
                     f'{html.escape(finding["suggestion"])}.</p></li>')
    return f"{heading}<ul>{''.join(items)}</ul>"

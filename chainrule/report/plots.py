"""PNG pictures of a training run: learning curves, learning rate, confusion matrix and gradient flow.

Inputs are plain data — a history is a list of per-epoch dicts such as
``{"epoch": 1, "loss": 0.9, "val_loss": 1.0, "accuracy": 0.6, "val_accuracy": 0.55, "lr": 0.01}`` — so the
pictures can be drawn from a saved history as well as from a live run. Missing keys and NaN values are skipped,
never plotted as zero. matplotlib is imported inside each function with the headless Agg backend.

    >>> plot_curves(history, "curves.png")
    'curves.png'
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy

from chainrule.io import write_atomically

_DPI = 110
_NOT_METRICS = {"epoch", "loss", "val_loss", "lr", "seconds", "samples_per_second"}  # the Trainer logs these too


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError that names the extra to install."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("chainrule.report plots need matplotlib: pip install 'chainrule[plots]'") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | numpy.number) and not isinstance(value, bool) and math.isfinite(value)


def _series(history: Sequence[Mapping[str, Any]], key: str) -> tuple[list[float], list[float]]:
    """(epochs, values) of `key`, skipping epochs where it is missing, None, NaN or infinite."""
    epochs, values = [], []
    for index, record in enumerate(history):
        value = record.get(key)
        if _is_number(value):
            epochs.append(float(record.get("epoch", index + 1)))
            values.append(float(value))
    return epochs, values


def best_epoch(history: Sequence[Mapping[str, Any]], key: str = "val_loss") -> float | None:
    """The epoch with the lowest finite `key` (the best validation epoch), or None when there is none."""
    epochs, values = _series(history, key)
    if not values:
        return None
    return epochs[int(numpy.argmin(values))]


def _default_metrics(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """Training metrics in first-seen order: numeric keys other than epoch, loss, lr and the val_ copies."""
    names: list[str] = []
    for record in history:
        for key, value in record.items():
            if key in _NOT_METRICS or key.startswith("val_") or "/" in key or key in names:  # '/': diagnostics
                continue
            if _is_number(value) or value is None or (isinstance(value, float) and math.isnan(value)):
                names.append(key)
    return names


def _save(figure: Any, pyplot: Any, path: str | Path) -> str | Path:
    """Render to PNG in memory, then write atomically: a kill never leaves a torn picture."""
    figure.tight_layout()
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=_DPI)
    finally:
        pyplot.close(figure)
    write_atomically(path, buffer.getvalue())
    return path


def _plot_pair(axes: Any, history: Sequence[Mapping[str, Any]], key: str, best: float | None) -> None:
    """Draw `key` and `val_key` on one panel, with the best validation epoch marked."""
    for name, style, label in ((key, "o-", "train"), (f"val_{key}", "s--", "validation")):
        epochs, values = _series(history, name)
        if values:
            axes.plot(epochs, values, style, markersize=3, label=label)
    if best is not None:
        axes.axvline(best, color="grey", linestyle=":", label=f"best val epoch ({best:g})")
    axes.set_title(key.replace("_", " "))
    axes.set_xlabel("epoch")
    axes.set_ylabel(key)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend()


def plot_curves(
    history: Sequence[Mapping[str, Any]], path: str | Path, metrics: Sequence[str] | None = None
) -> str | Path:
    """Learning curves in one PNG: a loss panel (train and validation) and one panel per metric.

    Args:
        metrics: names of the metric panels; by default every numeric key except epoch, loss and lr.

    The best validation epoch (lowest `val_loss`) is marked on every panel.

        >>> plot_curves([{"epoch": 1, "loss": 1.0, "val_loss": 1.1}, {"epoch": 2, "loss": 0.5}], "curves.png")
        'curves.png'
    """
    pyplot = _pyplot()
    names = ["loss", *(_default_metrics(history) if metrics is None else metrics)]
    figure, axes = pyplot.subplots(1, len(names), figsize=(5.5 * len(names), 4.2), squeeze=False)
    best = best_epoch(history)
    for panel, name in zip(axes[0], names, strict=True):
        _plot_pair(panel, history, name, best)
    return _save(figure, pyplot, path)


def plot_learning_rate(history: Sequence[Mapping[str, Any]], path: str | Path) -> str | Path:
    """The learning rate (`lr` of each epoch) against the epoch, on a log axis when it spans a decade."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(6, 4))
    epochs, values = _series(history, "lr")
    axes.plot(epochs, values, "o-", markersize=3, label="learning rate")
    if values and min(values) > 0 and max(values) / min(values) >= 10:
        axes.set_yscale("log")
    axes.set_title("learning rate schedule")
    axes.set_xlabel("epoch")
    axes.set_ylabel("learning rate")
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, pyplot, path)


def plot_confusion_matrix(
    matrix: Any, path: str | Path, class_names: Sequence[str] | None = None, normalize: bool = False
) -> str | Path:
    """A heatmap of a confusion matrix, rows = true class, columns = predicted class, each cell annotated.

    Args:
        normalize: divide each row by its total, so a cell reads as the fraction of that true class.

        >>> plot_confusion_matrix([[5, 1], [2, 7]], "confusion.png", class_names=["cat", "dog"])
        'confusion.png'
    """
    counts = numpy.asarray(matrix, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"plot_confusion_matrix expected a square 2-D matrix, got shape {counts.shape}")
    size = counts.shape[0]
    names = [str(index) for index in range(size)] if class_names is None else [str(name) for name in class_names]
    if len(names) != size:
        raise ValueError(f"plot_confusion_matrix got {len(names)} class_names for a {size}x{size} matrix")
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        counts = numpy.divide(counts, totals, out=numpy.zeros_like(counts), where=totals > 0)

    pyplot = _pyplot()
    side = max(4.5, 0.6 * size + 2.5)
    figure, axes = pyplot.subplots(figsize=(side + 1, side))
    image = axes.imshow(counts, cmap="Blues", vmin=0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="fraction of row" if normalize else "count")
    threshold = counts.max() / 2 if counts.size else 0
    for row in range(size):
        for column in range(size):
            value = counts[row, column]
            text = f"{value:.2f}" if normalize else f"{value:g}"
            color = "white" if value > threshold else "black"
            axes.text(column, row, text, ha="center", va="center", color=color, fontsize=9)
    axes.set_xticks(range(size), names, rotation=45 if size > 6 else 0, ha="right" if size > 6 else "center")
    axes.set_yticks(range(size), names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title("confusion matrix" + (" (row-normalized)" if normalize else ""))
    return _save(figure, pyplot, path)


def plot_gradient_flow(norms_by_layer: Mapping[str, float], path: str | Path) -> str | Path:
    """A bar chart of per-layer gradient norms on a log axis, input layer on the left.

    Vanishing gradients show as bars falling off towards the input; zero or NaN norms are drawn as red
    markers at the bottom so they are not silently hidden by the log axis.

        >>> plot_gradient_flow({"fc1.weight": 0.02, "fc2.weight": 0.3}, "gradients.png")
        'gradients.png'
    """
    names = [str(name) for name in norms_by_layer]
    norms = [float(value) if _is_number(value) else math.nan for value in norms_by_layer.values()]
    positive = [value for value in norms if value > 0]
    floor = min(positive) / 10 if positive else 1e-8

    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(max(6, 0.45 * len(names) + 2), 4.5))
    heights = [value if value > 0 else 0 for value in norms]
    axes.bar(range(len(names)), heights, color="tab:blue", label="gradient norm")
    bad = [index for index, value in enumerate(norms) if not value > 0]
    if bad:
        axes.plot(bad, [floor] * len(bad), "rv", label="zero or non-finite")
    axes.set_yscale("log")
    axes.set_ylim(bottom=floor)
    rotate = len(names) > 4
    axes.set_xticks(range(len(names)), names, rotation=60 if rotate else 0, ha="right" if rotate else "center")
    axes.set_xlabel("layer")
    axes.set_ylabel("gradient norm (log)")
    axes.set_title("gradient flow")
    axes.grid(axis="y", alpha=0.3)
    axes.legend()
    return _save(figure, pyplot, path)


def plot_lr_find(result: Any, path: str | Path) -> str | Path:
    """The learning-rate range test: loss against lr (log axis), the smoothed loss, the suggested lr marked.

    `result` is `chainrule.diagnostics.lr_find`'s result, a mapping with its fields (`lrs`, `losses`, and
    optionally `smoothed`, `suggestion`, `diverged_at`, `reason`), or a pair `(lrs, losses)`. Non-finite losses
    are skipped; the y axis is cut at the loss where the run started, so a divergence doesn't flatten the curve.

        >>> plot_lr_find({"lrs": [1e-4, 1e-3, 1e-2], "losses": [2.3, 1.9, 2.8], "suggestion": 1e-3}, "lr_find.png")
        'lr_find.png'
    """
    if isinstance(result, Mapping):
        fields = dict(result)
    elif isinstance(result, tuple | list) and len(result) == 2:
        fields = {"lrs": result[0], "losses": result[1]}
    elif hasattr(result, "lrs") and hasattr(result, "losses"):
        fields = {name: getattr(result, name, None)
                  for name in ("lrs", "losses", "smoothed", "suggestion", "diverged_at", "reason")}
    else:
        raise TypeError(f"plot_lr_find expected an lr_find result, a mapping or (lrs, losses), got "
                        f"{type(result).__name__}")
    lrs = numpy.asarray(fields["lrs"], dtype=float)
    losses = numpy.asarray(fields["losses"], dtype=float)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"plot_lr_find needs one loss per lr, got {lrs.shape} lrs and {losses.shape} losses")
    smoothed = fields.get("smoothed")
    smoothed = None if smoothed is None else numpy.asarray(smoothed, dtype=float)

    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    finite = numpy.isfinite(losses) & (lrs > 0)
    axes.plot(lrs[finite], losses[finite], ".", color="tab:blue", alpha=0.35, markersize=4, label="loss per step")
    level = losses[finite]  # the curve whose start and middle set the top of the y axis
    if smoothed is not None and smoothed.shape == lrs.shape:
        smooth_finite = numpy.isfinite(smoothed) & (lrs > 0)
        axes.plot(lrs[smooth_finite], smoothed[smooth_finite], "-", color="tab:blue", label="smoothed loss")
        level = smoothed[smooth_finite]
    suggestion, diverged_at = fields.get("suggestion"), fields.get("diverged_at")
    if _is_number(suggestion):
        axes.axvline(suggestion, color="tab:green", linestyle="--", label=f"suggested lr {suggestion:.2e}")
    if _is_number(diverged_at):
        axes.axvline(diverged_at, color="tab:red", linestyle=":", label=f"diverged at {diverged_at:.2e}")
    if level.size:
        low = float(min(level.min(), losses[finite].min()))
        high = float(max(level[0], numpy.median(level)))
        margin = 0.1 * (high - low) or 0.1 * abs(high) or 1.0
        axes.set_ylim(low - margin, high + 3 * margin)
    axes.set_xscale("log")
    title = "learning-rate range test"
    if fields.get("suggestion") is None and fields.get("reason"):
        title += ": no clear minimum"
    axes.set_title(title)
    axes.set_xlabel("learning rate (log)")
    axes.set_ylabel("loss")
    axes.grid(alpha=0.3, which="both")
    axes.legend()
    return _save(figure, pyplot, path)

"""The rules that turn GradientMonitor's statistics into findings: each a condition, its thresholds, the evidence
it quotes and the fix it suggests. docs/diagnostics.md explains the reasoning behind every threshold.

A rule weighs evidence against noise: it reads per-epoch medians (not single steps), and most fire only when
their condition has held at PERSIST consecutive epoch ends. Thresholds sit orders of magnitude away from what
healthy runs show, because a false alarm costs the user's trust and a late true alarm costs one epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy

from chainrule.diagnostics.findings import Finding

if TYPE_CHECKING:
    from chainrule.diagnostics.monitor import GradientMonitor

PERSIST = 2  # consecutive epochs a condition must hold before it fires

# Vanishing: a layer's gradient RMS (norm / sqrt(size)) below this fraction of the largest layer's. Healthy
# networks keep layers within 1-2 orders of magnitude; a 10-layer sigmoid MLP spans 10+.
VANISHING_RATIO = 1e-4
# Exploding: the epoch's median total gradient norm this many times the first epoch's, while the loss is no
# better than before.
EXPLODING_GROWTH = 100.0
# Dead: a ReLU unit that output 0 for every sampled input of the epoch; a layer with this fraction of them.
# Healthy wide layers carry up to half dead units and still learn (the digits MLP at lr 0.03: 52%, 96%
# validation accuracy); runs broken by a huge lr or a negative bias show 75-100%.
DEAD_FRACTION = 0.7
# Saturated: a sigmoid/tanh unit in its flat region (sigmoid < 0.01 or > 0.99, |tanh| > 0.99) for this
# fraction of its sampled outputs (healthy tanh/sigmoid layers show no such unit); a layer with
# SATURATED_FRACTION of such units. The model's own output layer is left out: a confident classifier
# saturates its output by design.
UNIT_SATURATED = 0.8
SATURATED_FRACTION = 0.5
# A recurrent layer's gates (one-layer LSTM/GRU) are switches by design: a forget gate held open at 1 keeps a
# memory. Only a layer whose gates are nearly all stuck is flagged.
GATES_SATURATED_FRACTION = 0.9
# Learning rate too high: the largest update-to-weight ratio (|w_after - w_before| / |w_before|) of a step
# above this (healthy training moves weights by 1e-4..1e-2 of their size a step) while the epoch's loss is
# no lower than the best before it.
LR_HIGH_RATIO = 0.1
# Learning rate too low: every weight's update ratio below this while the loss improves by less than
# LR_LOW_PROGRESS an epoch and is still above LR_LOW_UNLEARNT of the first epoch's.
LR_LOW_RATIO = 1e-5
LR_LOW_PROGRESS = 0.01
LR_LOW_UNLEARNT = 0.5
# Overfitting: the best validation loss is at least OVERFIT_PATIENCE epochs old, the last 3 epochs are above
# it by more than OVERFIT_NOISE times its epoch-to-epoch noise and OVERFIT_RISE of its value on average (each
# by half of that), while the training loss kept falling (by OVERFIT_TRAIN_FALL of its value at the best).
OVERFIT_PATIENCE = 5
OVERFIT_NOISE = 3.0
OVERFIT_RISE = 0.1
OVERFIT_TRAIN_FALL = 0.05


def evaluate(monitor: GradientMonitor, epoch: int, step: int) -> Iterator[Finding]:
    """The findings that fire at the end of `epoch` (each rule's condition checked, its streak counted)."""
    summaries = monitor.epochs
    for kind, check in _RULES.items():
        result = check(summaries, monitor)
        streak = monitor._streaks.get(kind, 0) + 1 if result is not None else 0
        monitor._streaks[kind] = streak
        persist = 1 if kind == "overfitting" else PERSIST  # overfitting has its own patience
        if result is not None and streak >= persist:
            layers, evidence, suggestion, numbers = result
            first = epoch - streak + 1 if kind != "overfitting" else int(numbers["began"])
            yield Finding(kind, layers, evidence, suggestion, first, step, numbers)


Result = tuple[list[str], str, str, dict[str, float]] | None


def vanishing(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    rms = {name: value for name, value in summaries[-1]["grad_rms"].items()
           if name in monitor.deep_weights and summaries[-1]["used"].get(name) and math.isfinite(value)}
    if len(rms) < 2:
        return None
    largest = max(rms.values())
    faint = [name for name, value in rms.items() if value < VANISHING_RATIO * largest]
    if largest <= 0 or not faint:
        return None
    ratio = min(rms[name] for name in faint) / largest
    strongest = max(rms, key=rms.get)
    evidence = (f"their gradient RMS is {ratio:.1e} of {strongest}'s (threshold {VANISHING_RATIO:g}), so they "
                "barely learn")
    suggestion = ("use ReLU or GELU instead of sigmoid/tanh in hidden layers, He (kaiming_normal_) or Xavier "
                  "initialisation, normalisation layers (BatchNorm/LayerNorm), or residual connections")
    return faint, evidence, suggestion, {"ratio": ratio}


def exploding(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    if len(summaries) < 2 or not monitor.baseline:
        return None
    base = float(numpy.median(monitor.baseline))
    now = summaries[-1]["columns"]["grad_norm/total"]
    losses = [summary["loss"] for summary in summaries if _finite(summary["loss"])]
    if not (base > 0 and _finite(now) and now > EXPLODING_GROWTH * base) or not losses:
        return None
    if losses[-1] < 0.9 * min(losses[:-1], default=math.inf):
        return None  # the loss is still improving: large gradients, not runaway ones
    clip = clip_suggestion(monitor.baseline)
    evidence = f"the median gradient norm grew from {base:.3g} in epoch 1 to {now:.3g} while the loss stalled"
    suggestion = (f"lower the learning rate (e.g. by 10x) and clip gradients: clip_grad_norm = {clip:.3g} (the "
                  "90th percentile of the first epoch's norms)")
    return [], evidence, suggestion, {"baseline": base, "now": now, "clip": clip}


def clip_suggestion(norms: list[float]) -> float:
    """A max_norm for clip_grad_norm from observed norms: their 90th percentile, which leaves typical steps
    alone and cuts the spikes."""
    finite = [value for value in norms if _finite(value)]
    return float(numpy.percentile(finite, 90)) if finite else 1.0


def dead(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    fractions = summaries[-1]["dead"]
    layers = [name for name, fraction in fractions.items() if fraction >= DEAD_FRACTION]
    if not layers:
        return None
    worst = max(layers, key=fractions.get)
    evidence = (f"{fractions[worst]:.0%} of {worst}'s units output 0 for every sampled input of the epoch "
                f"(threshold {DEAD_FRACTION:.0%}): no gradient flows through them")
    suggestion = ("lower the learning rate, use LeakyReLU or GELU, initialise biases at 0 (or slightly "
                  "positive) with He initialisation, or add normalisation before the activation")
    return layers, evidence, suggestion, {"fraction": fractions[worst]}


def saturated(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    fractions = {name: value for name, value in summaries[-1]["saturated"].items()
                 if name not in monitor.output_modules}
    layers = [name for name, fraction in fractions.items() if fraction >= (
        GATES_SATURATED_FRACTION if monitor.watch.get(name, ("",))[0] == "gates" else SATURATED_FRACTION)]
    if not layers:
        return None
    worst = max(layers, key=fractions.get)
    evidence = (f"{fractions[worst]:.0%} of {worst}'s units sit in the flat region of the curve for "
                f"{UNIT_SATURATED:.0%} of their inputs, where the derivative is near 0")
    suggestion = ("normalise the inputs, use Xavier initialisation (or smaller weights), add BatchNorm/"
                  "LayerNorm before the activation, lower the learning rate, or use ReLU/GELU")
    return layers, evidence, suggestion, {"fraction": fractions[worst]}


def lr_high(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    ratios = {name: value for name, value in summaries[-1]["update_ratio"].items() if _finite(value)}
    losses = [summary["loss"] for summary in summaries]
    if len(summaries) < 2 or not ratios or not all(_finite(loss) for loss in losses):
        return None
    largest = max(ratios.values())
    if largest <= LR_HIGH_RATIO or losses[-1] < min(losses[:-1]):
        return None  # big steps that still lower the loss are a fast run, not a broken one
    layers = [name for name, value in ratios.items() if value > LR_HIGH_RATIO]
    lr = summaries[-1]["lr"]
    evidence = (f"a step changes {layers[0]} by {largest:.0%} of its size (healthy: under "
                f"{LR_HIGH_RATIO:.0%}), and the loss stopped improving ({losses[-1]:.4g} vs the best "
                f"{min(losses[:-1]):.4g})")
    target = f" (e.g. {lr / 10:.2g})" if _finite(lr) else ""
    suggestion = (f"lower the learning rate by 3-10x{target}, or find one with `chainrule lr-find`; gradient "
                  "clipping (clip_grad_norm) helps against spikes")
    return layers, evidence, suggestion, {"ratio": largest}


def lr_low(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    used = summaries[-1]["used"]
    ratios = [value for name, value in summaries[-1]["update_ratio"].items()
              if _finite(value) and used.get(name) and value > 0]
    losses = [summary["loss"] for summary in summaries]
    if len(summaries) < 2 or not ratios or not all(_finite(loss) for loss in losses[-2:]):
        return None
    if monitor._streaks.get("dead") or monitor._streaks.get("vanishing"):
        return None  # no gradient reaches the weights: a larger lr would not help
    progress = (losses[-2] - losses[-1]) / abs(losses[-2]) if losses[-2] else 0.0
    if max(ratios) >= LR_LOW_RATIO or progress >= LR_LOW_PROGRESS or losses[-1] < LR_LOW_UNLEARNT * losses[0]:
        return None
    lr = summaries[-1]["lr"]
    evidence = (f"steps change the weights by at most {max(ratios):.1e} of their size (healthy: 1e-4 to 1e-2) "
                f"and the loss improved by {progress:.2%} in the last epoch")
    target = f" (e.g. {lr * 10:.2g})" if _finite(lr) else ""
    suggestion = f"raise the learning rate by 10x{target}, or find one with `chainrule lr-find`"
    return [], evidence, suggestion, {"ratio": max(ratios), "progress": progress}


def overfitting(summaries: list[dict[str, Any]], monitor: GradientMonitor) -> Result:
    validation = [summary["val_loss"] for summary in summaries]
    training = [summary["loss"] for summary in summaries]
    if len(validation) < OVERFIT_PATIENCE + 3 or not all(_finite(value) for value in validation + training):
        return None
    best = int(numpy.argmin(validation))
    since = len(validation) - 1 - best
    if since < OVERFIT_PATIENCE:
        return None
    noise = noise_level(validation)
    recent = float(numpy.mean(validation[-3:]))
    margin = max(OVERFIT_NOISE * noise, OVERFIT_RISE * validation[best])
    # risen by the margin on average over the last 3 epochs, each of them by half of it: a lasting rise, not a spike
    risen = recent - validation[best] > margin and min(validation[-3:]) - validation[best] > margin / 2
    falling = training[-1] < (1 - OVERFIT_TRAIN_FALL) * training[best]
    if not risen or not falling:
        return None
    began = summaries[best]["epoch"] + 1
    evidence = (f"the validation loss rose from {validation[best]:.4g} at epoch {began - 1} to {recent:.4g} "
                f"(noise {noise:.2g}) while the training loss fell from {training[best]:.4g} to {training[-1]:.4g}")
    suggestion = (f"stop at epoch {began - 1} (EarlyStopping with restore_best_weights), add L2 "
                  "(weight_decay or l2), dropout, or more training data")
    return [], evidence, suggestion, {"began": began, "best": validation[best], "now": recent, "noise": noise}


def noise_level(values: list[float]) -> float:
    """The epoch-to-epoch noise of a series, robust to its trend: the MAD of second differences (which a
    linear trend doesn't change), scaled to a standard deviation (white noise: var(d2) = 6 var)."""
    second = numpy.diff(numpy.asarray(values, dtype=numpy.float64), 2)
    if len(second) == 0:
        return 0.0
    return float(1.4826 * numpy.median(numpy.abs(second - numpy.median(second))) / math.sqrt(6))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


_RULES = {"vanishing": vanishing, "exploding": exploding, "dead": dead, "saturated": saturated,
          "lr_high": lr_high, "lr_low": lr_low, "overfitting": overfitting}

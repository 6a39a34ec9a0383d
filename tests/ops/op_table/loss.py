"""The rows of the losses (chainrule.ops.loss) against torch.nn.functional: every reduction, class weights,
ignored targets, label smoothing, class-probability targets, unbatched to 4-D inputs; regression losses
away from their kinks; binary cross-entropy with weights and pos_weight; kl_div with plain and log targets.

The inputs depend on one another (a regression input is drawn around its target, nll_loss's input is the
log-softmax of logits), so each sample fixes its inputs' values (`fixed`). A target that gets a gradient is
an input; class indices, class weights and pos_weight are NumPy arrays among the kwargs.
"""

from __future__ import annotations

import numpy

from tests.ops.op_table.info import OpInfo, Sample, fixed, functional, listed, sample

REDUCTIONS = ("mean", "sum", "none")
# input shape, target shape: unbatched, (N, C), 3-D and 4-D
CLASS_LAYOUTS = [((4,), ()), ((3, 4), (3,)), ((2, 4, 3), (2, 3)), ((2, 3, 2, 2), (2, 2, 2))]


def _labels(rng: numpy.random.Generator, shape: tuple, classes: int, ignore: int | None = None) -> numpy.ndarray:
    labels = rng.integers(0, classes, shape)
    if ignore is not None:
        labels.reshape(-1)[:: 2] = ignore  # every other target ignored, the first one included
    return numpy.asarray(labels, dtype=numpy.int64)


def _away_from(rng: numpy.random.Generator, shape: tuple, points: tuple, low: float = -2.0, high: float = 2.0,
               margin: float = 0.1) -> numpy.ndarray:
    values = rng.uniform(low, high, shape)
    for point in points:
        near = numpy.abs(values - point) < margin
        values[near] = point + numpy.where(values[near] >= point, margin, -margin) * 2
    return values


def _classification_samples() -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {"cross_entropy": [], "nll_loss": []}
    for layout, (shape, target_shape) in enumerate(CLASS_LAYOUTS):
        classes = shape[1] if len(shape) > 1 else shape[0]
        rng = numpy.random.default_rng(layout)
        logits = rng.standard_normal(shape)
        weight = rng.uniform(0.5, 2.0, classes)
        log_probs = logits - numpy.log(numpy.exp(logits).sum(axis=1 if len(shape) > 1 else 0, keepdims=True))
        options = {
            "plain": ({}, None),
            "weight": ({"weight": weight}, None),
            "ignore": ({}, -100),
            "ignore1": ({"ignore_index": 1}, 1),
            "smooth": ({"label_smoothing": 0.2}, None),
            "all": ({"weight": weight, "label_smoothing": 0.3, "ignore_index": 2}, 2),
        }
        for name, (kwargs, ignore) in options.items():
            if ignore is not None and target_shape == ():
                continue  # an unbatched target ignored would be a NaN mean; tested on its own
            labels = _labels(rng, target_shape, classes, ignore)
            for reduction in REDUCTIONS:
                tag = f"{len(shape)}d-{name}"
                found["cross_entropy"].append(sample(fixed(logits), target=labels, **kwargs, reduction=reduction,
                                                     tag=tag))
                if "label_smoothing" not in kwargs:
                    found["nll_loss"].append(sample(fixed(log_probs), target=labels, **kwargs, reduction=reduction,
                                                    tag=tag))
        if len(shape) <= 3:
            probabilities = rng.uniform(0.05, 1.0, shape)
            for name, kwargs in {"plain": {}, "weight": {"weight": weight}, "smooth": {"label_smoothing": 0.25},
                                 "all": {"weight": weight, "label_smoothing": 0.1}}.items():
                for reduction in REDUCTIONS:
                    found["cross_entropy"].append(sample(fixed(logits), fixed(probabilities), **kwargs,
                                                         reduction=reduction, tag=f"prob-{len(shape)}d-{name}"))
    return found


def _regression_samples() -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {}
    rng = numpy.random.default_rng(10)
    for function, kinks, extra in [
        ("mse_loss", (), [{}]),
        ("l1_loss", (0.0,), [{}]),
        ("smooth_l1_loss", (0.0, -1.0, 1.0, -0.5, 0.5), [{}, {"beta": 0.5}, {"beta": 0.0}]),
        ("huber_loss", (0.0, -1.0, 1.0, -0.5, 0.5), [{}, {"delta": 0.5}]),
    ]:
        found[function] = []
        for shape in [(5,), (2, 3)]:
            target = rng.standard_normal(shape)
            input = target + _away_from(rng, shape, kinks)  # |input - target| away from the kinks
            for kwargs in extra:
                for reduction in REDUCTIONS:
                    found[function].append(sample(fixed(input), fixed(target), **kwargs, reduction=reduction))
    return found


def _binary_samples() -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {"binary_cross_entropy": [], "binary_cross_entropy_with_logits": [],
                                      "kl_div": []}
    rng = numpy.random.default_rng(20)
    shape = (3, 4)
    probabilities = rng.uniform(0.05, 0.95, shape)
    target = rng.uniform(0.0, 1.0, shape)
    logits = rng.standard_normal(shape) * 2
    weight = rng.uniform(0.5, 2.0, (4,))
    row_weight = rng.uniform(0.5, 2.0, (3, 1))
    pos_weight = rng.uniform(0.5, 3.0, (4,))
    for reduction in REDUCTIONS:
        for name, kwargs in {"plain": {}, "weight": {"weight": weight}, "rowweight": {"weight": row_weight}}.items():
            found["binary_cross_entropy"].append(sample(fixed(probabilities), fixed(target), **kwargs,
                                                        reduction=reduction, tag=name))
        for name, kwargs in {"plain": {}, "weight": {"weight": row_weight}, "pos": {"pos_weight": pos_weight},
                             "both": {"weight": weight, "pos_weight": pos_weight}}.items():
            found["binary_cross_entropy_with_logits"].append(sample(fixed(logits), fixed(target), **kwargs,
                                                                    reduction=reduction, tag=name))
    log_probs = numpy.log(rng.uniform(0.1, 1.0, shape))
    kl_target = rng.uniform(0.1, 1.0, shape)
    for reduction in (*REDUCTIONS, "batchmean"):
        found["kl_div"].append(sample(fixed(log_probs), fixed(kl_target), reduction=reduction))
        found["kl_div"].append(sample(fixed(log_probs), fixed(numpy.log(kl_target)), reduction=reduction,
                                      log_target=True))
    return found


def _noncontig(found: list[Sample]) -> Sample:
    """The first sample of `found` with a 2-D input, that input the transposed view of a contiguous tensor."""
    first = next(each for each in found if len(each.args[0].shape) == 2)
    noncontig = fixed(first.args[0].values, "transposed")
    return Sample((noncontig, *first.args[1:]), first.kwargs, f"{first.tag}-noncontig".strip("-"))


def _rows() -> list[OpInfo]:
    samples = {**_classification_samples(), **_regression_samples(), **_binary_samples()}
    for found in samples.values():
        found.append(_noncontig(found))
    # PyTorch warns that kl_div's reduction='mean' is not the KL divergence ('batchmean' is): a fact, not a fault
    warnings = {"kl_div": "reduction: 'mean' divides the total loss"}
    return [OpInfo(name, *functional(name, warnings.get(name, "")), listed(*found))
            for name, found in samples.items()]


LOSS_ROWS: list[OpInfo] = _rows()



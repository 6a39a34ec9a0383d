"""Streaming metrics: a training loop calls `update` batch by batch, a user reads `compute()` at the end.

Each metric keeps only running totals (counts, sums, a confusion matrix), so the streamed result equals the
one-shot result on all the data at once, and `state_dict()` is a dict of plain Python numbers and lists that a
checkpoint can save. Inputs are chainrule Tensors or arrays (NumPy, or CuPy arrays, copied to the host).

Classification predictions may be
  * scores of shape (N, C) — logits or probabilities — turned into labels with argmax;
  * class indices of shape (N,) with an integer dtype;
  * binary scores of shape (N,) or (N, 1) with a floating dtype, turned into labels with `score > threshold`.
    The default threshold 0.5 suits probabilities; pass `threshold=0.0` for logits.
Targets are class indices of shape (N,) (integer dtype, or floats holding whole numbers such as BCE targets).

Example:
    >>> metric = Accuracy()
    >>> for logits, labels in [(numpy.eye(3), numpy.array([0, 1, 1]))]:
    ...     metric.update(logits, labels)
    >>> round(metric.compute(), 4)
    0.6667
"""

from __future__ import annotations

from typing import Any

import numpy

from chainrule.backend import array_module
from chainrule.tensor import Tensor

_AVERAGES = ("macro", "micro", "weighted", "binary", None)


# -- input conversion -------------------------------------------------------------------------------
def _to_numpy(values: Any) -> numpy.ndarray:
    """The host NumPy array behind a Tensor, a CuPy array, a NumPy array or a nested list."""
    if isinstance(values, Tensor):
        values = values.data
    if array_module(values) is not numpy or hasattr(values, "__cuda_array_interface__"):
        values = values.get()  # CuPy: copy to host
    return numpy.asarray(values)


def _check_lengths(predictions: numpy.ndarray, targets: numpy.ndarray, owner: str) -> None:
    if len(predictions) != len(targets):
        raise ValueError(
            f"{owner}: predictions have {len(predictions)} samples but targets have {len(targets)}; "
            f"pass one prediction per target"
        )


def _class_targets(targets: Any, owner: str) -> numpy.ndarray:
    """Targets as a 1-D int64 array of class indices; floats are accepted only when they hold whole numbers."""
    targets = _to_numpy(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    if targets.ndim != 1:
        raise ValueError(f"{owner}: expected targets of shape (N,) or (N, 1), got {tuple(targets.shape)}")
    if targets.dtype.kind in "biu":
        return targets.astype(numpy.int64)
    if targets.dtype.kind != "f":
        raise TypeError(f"{owner}: targets must be integer class labels, got dtype {targets.dtype}")
    fractional = targets != numpy.round(targets)
    if fractional.any():
        raise ValueError(
            f"{owner}: targets must be integer class labels, got {targets[fractional][0]} "
            f"(dtype {targets.dtype}); pass class indices, not probabilities"
        )
    return targets.astype(numpy.int64)


def _predicted_labels(predictions: numpy.ndarray, threshold: float, owner: str) -> numpy.ndarray:
    """1-D int64 labels from (N, C) scores (argmax), (N,) indices, or (N,)/(N, 1) binary scores (> threshold)."""
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        return predictions.argmax(axis=1).astype(numpy.int64)
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    if predictions.ndim != 1:
        raise ValueError(
            f"{owner}: expected predictions of shape (N,), (N, 1) or (N, C), got {tuple(predictions.shape)}"
        )
    if predictions.dtype.kind == "f":
        return (predictions > threshold).astype(numpy.int64)
    if predictions.dtype.kind in "biu":
        return predictions.astype(numpy.int64)
    raise TypeError(f"{owner}: predictions must be scores or integer class labels, got dtype {predictions.dtype}")


def _check_label_range(labels: numpy.ndarray, num_classes: int, role: str, owner: str) -> None:
    outside = (labels < 0) | (labels >= num_classes)
    if outside.any():
        raise ValueError(f"{owner}: {role} label {labels[outside][0]} is out of range [0, {num_classes - 1}]")


def _to_python(value: Any) -> Any:
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    if isinstance(value, numpy.generic):
        return value.item()
    return value


# -- base class -------------------------------------------------------------------------------------
class Metric:
    """A value accumulated over batches: `update(predictions, targets)` per batch, `compute()` at the end.

    A subclass lists its running totals in `_state_names`, sets them in `reset()`, and reads them in
    `compute()`; the base class turns them into a checkpointable `state_dict()` and back.
    """

    _state_names: tuple[str, ...] = ()

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.reset()

    def update(self, predictions: Any, targets: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update(); Metric is a base class")

    def compute(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define compute(); Metric is a base class")

    def reset(self) -> None:
        """Forget every batch seen so far."""
        self.num_updates = 0

    def state_dict(self) -> dict[str, Any]:
        """The running totals as plain Python numbers and lists (what a checkpoint saves)."""
        names = ("num_updates", *self._state_names)
        return {name: _to_python(getattr(self, name)) for name in names}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore totals from `state_dict()`, so streaming continues where the checkpoint left off."""
        names = ("num_updates", *self._state_names)
        missing = [name for name in names if name not in state]
        if missing:
            raise KeyError(f"{self!r}: state_dict is missing {missing}; expected keys {list(names)}")
        for name in names:
            current = getattr(self, name)
            if isinstance(current, numpy.ndarray):
                value = numpy.asarray(state[name], dtype=current.dtype)
            else:
                value = type(current)(state[name])
            setattr(self, name, value)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _check_ready(self, num_samples: int) -> None:
        if self.num_updates == 0:
            raise RuntimeError(f"{self.name}: compute() called before any update()")
        if num_samples == 0:
            raise RuntimeError(f"{self.name}: compute() has no samples; every update() so far had an empty batch")


# -- classification ---------------------------------------------------------------------------------
class Accuracy(Metric):
    """Fraction of samples whose target is among the `top_k` highest-scoring classes (top_k=1: argmax).

    Example:
        >>> metric = Accuracy(top_k=2)
        >>> metric.update(numpy.array([[0.1, 0.5, 0.4]]), numpy.array([2]))
        >>> metric.compute()
        1.0
    """

    _state_names = ("correct", "total")

    def __init__(self, top_k: int = 1, threshold: float = 0.5, name: str | None = None) -> None:
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"Accuracy: top_k must be a positive integer, got {top_k!r}")
        self.top_k = top_k
        self.threshold = threshold
        super().__init__(name)

    def extra_repr(self) -> str:
        return f"top_k={self.top_k}"

    def reset(self) -> None:
        super().reset()
        self.correct = 0
        self.total = 0

    def update(self, predictions: Any, targets: Any) -> None:
        owner = repr(self)
        predictions = _to_numpy(predictions)
        targets = _class_targets(targets, owner)
        _check_lengths(predictions, targets, owner)
        is_scores = predictions.ndim == 2 and predictions.shape[1] > 1
        if is_scores:
            num_classes = predictions.shape[1]
            if self.top_k > num_classes:
                raise ValueError(f"{owner}: top_k is larger than the number of classes ({num_classes})")
            _check_label_range(targets, num_classes, "target", owner)
            # stable sort of negated scores: ties go to the lower class index, as argmax does
            top_labels = numpy.argsort(-predictions, axis=1, kind="stable")[:, : self.top_k]
            hits = (top_labels == targets[:, None]).any(axis=1)
        else:
            if self.top_k > 1:
                raise ValueError(
                    f"{owner}: top_k > 1 needs (N, C) scores, got predictions of shape {tuple(predictions.shape)}"
                )
            hits = _predicted_labels(predictions, self.threshold, owner) == targets
        self.correct += int(hits.sum())
        self.total += len(targets)
        self.num_updates += 1

    def compute(self) -> float:
        self._check_ready(self.total)
        return self.correct / self.total


class _ConfusionMetric(Metric):
    """The one accumulator behind every confusion-based metric: counts[true, predicted] (scikit-learn layout)."""

    _state_names = ("counts",)

    def __init__(self, num_classes: int, threshold: float = 0.5, name: str | None = None) -> None:
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive integer, got {num_classes!r}")
        self.num_classes = num_classes
        self.threshold = threshold
        super().__init__(name)

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}"

    def reset(self) -> None:
        super().reset()
        self.counts = numpy.zeros((self.num_classes, self.num_classes), dtype=numpy.int64)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        expected = (self.num_classes, self.num_classes)
        found = numpy.shape(state.get("counts", []))
        if "counts" in state and found != expected:
            raise ValueError(f"{self!r}: state_dict holds a {found} confusion matrix, expected {expected}")
        super().load_state_dict(state)

    def update(self, predictions: Any, targets: Any) -> None:
        owner = repr(self)
        predictions = _to_numpy(predictions)
        targets = _class_targets(targets, owner)
        _check_lengths(predictions, targets, owner)
        if predictions.ndim == 2 and predictions.shape[1] > 1 and predictions.shape[1] != self.num_classes:
            raise ValueError(
                f"{owner}: predictions have scores for {predictions.shape[1]} classes, expected {self.num_classes}"
            )
        labels = _predicted_labels(predictions, self.threshold, owner)
        _check_label_range(targets, self.num_classes, "target", owner)
        _check_label_range(labels, self.num_classes, "predicted", owner)
        pairs = targets * self.num_classes + labels
        self.counts += numpy.bincount(pairs, minlength=self.num_classes**2).reshape(self.counts.shape)
        self.num_updates += 1


class ConfusionMatrix(_ConfusionMetric):
    """Counts of (true class, predicted class) pairs: an int64 (C, C) array, rows = true class (scikit-learn).

    Example:
        >>> metric = ConfusionMatrix(num_classes=2)
        >>> metric.update(numpy.array([1, 1, 0]), numpy.array([1, 0, 0]))
        >>> metric.compute().tolist()
        [[1, 1], [0, 1]]
    """

    def compute(self) -> numpy.ndarray:
        self._check_ready(int(self.counts.sum()))
        return self.counts.copy()


class _AveragedScore(_ConfusionMetric):
    """Per-class ratio numerator / denominator from the confusion matrix, averaged as scikit-learn does.

    A class whose denominator is 0 scores 0 (scikit-learn's zero_division=0). 'macro' averages over the classes
    that occur in targets or predictions (scikit-learn without `labels`); 'weighted' weights by support; 'micro'
    divides summed numerators by summed denominators; 'binary' reports class 1; None returns every class.
    """

    def __init__(
        self, num_classes: int, average: str | None = "macro", threshold: float = 0.5, name: str | None = None
    ) -> None:
        if average not in _AVERAGES:
            raise ValueError(
                f"{type(self).__name__}(num_classes={num_classes}): average must be one of 'macro', 'micro', "
                f"'weighted', 'binary' or None, got {average!r}"
            )
        if average == "binary" and num_classes != 2:
            raise ValueError(
                f"{type(self).__name__}(num_classes={num_classes}): average='binary' needs num_classes=2; "
                f"use 'macro', 'micro', 'weighted' or None for {num_classes} classes"
            )
        self.average = average
        super().__init__(num_classes, threshold, name)

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, average={self.average!r}"

    def _ratio(self, true_positives, false_positives, false_negatives) -> tuple[numpy.ndarray, numpy.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} must define _ratio() (precision, recall or F1)")

    def compute(self) -> float | numpy.ndarray:
        self._check_ready(int(self.counts.sum()))
        true_positives = numpy.diag(self.counts)
        support = self.counts.sum(axis=1)
        predicted = self.counts.sum(axis=0)
        numerator, denominator = self._ratio(true_positives, predicted - true_positives, support - true_positives)
        if self.average == "micro":
            return _safe_divide(numerator.sum(), denominator.sum())
        scores = numpy.zeros(self.num_classes, dtype=numpy.float64)
        numpy.divide(numerator, denominator, out=scores, where=denominator > 0)
        if self.average is None:
            return scores
        if self.average == "binary":
            return float(scores[1])
        if self.average == "weighted":
            return _safe_divide((scores * support).sum(), support.sum())
        present = (support + predicted) > 0
        return float(scores[present].mean()) if present.any() else 0.0


def _safe_divide(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else 0.0


class Precision(_AveragedScore):
    """Of the samples predicted as a class, the fraction that belong to it: TP / (TP + FP).

    Example:
        >>> metric = Precision(num_classes=2, average="binary")
        >>> metric.update(numpy.array([0.9, 0.8, 0.2]), numpy.array([1, 0, 0]))
        >>> metric.compute()
        0.5
    """

    def _ratio(self, true_positives, false_positives, false_negatives):
        return true_positives, true_positives + false_positives


class Recall(_AveragedScore):
    """Of the samples of a class, the fraction predicted as it: TP / (TP + FN).

    Example:
        >>> metric = Recall(num_classes=3, average="macro")
        >>> metric.update(numpy.array([0, 1, 1]), numpy.array([0, 1, 2]))
        >>> round(metric.compute(), 4)
        0.6667
    """

    def _ratio(self, true_positives, false_positives, false_negatives):
        return true_positives, true_positives + false_negatives


class F1Score(_AveragedScore):
    """Harmonic mean of precision and recall: 2 TP / (2 TP + FP + FN).

    Example:
        >>> metric = F1Score(num_classes=2, average="micro")
        >>> metric.update(numpy.array([1, 0]), numpy.array([1, 1]))
        >>> metric.compute()
        0.5
    """

    def _ratio(self, true_positives, false_positives, false_negatives):
        return 2 * true_positives, 2 * true_positives + false_positives + false_negatives


# -- regression -------------------------------------------------------------------------------------
class _RegressionMetric(Metric):
    """Running totals shared by the regression metrics; axis 0 is the sample axis, other axes are outputs.

    Target mean and squared deviations are merged batch by batch with Chan et al.'s parallel formula, which is
    exact (no approximation) and avoids the cancellation of sum(y^2) - sum(y)^2 / n. Several outputs are
    scored separately and averaged uniformly, as scikit-learn's multioutput='uniform_average'.
    """

    _state_names = ("count", "sum_absolute_error", "sum_squared_error", "target_mean", "target_squared_deviation")

    def reset(self) -> None:
        super().reset()
        self.count = 0
        self.sum_absolute_error = numpy.zeros((), dtype=numpy.float64)
        self.sum_squared_error = numpy.zeros((), dtype=numpy.float64)
        self.target_mean = numpy.zeros((), dtype=numpy.float64)
        self.target_squared_deviation = numpy.zeros((), dtype=numpy.float64)

    def update(self, predictions: Any, targets: Any) -> None:
        predictions = _to_numpy(predictions).astype(numpy.float64)
        targets = _to_numpy(targets).astype(numpy.float64)
        if predictions.shape != targets.shape:
            raise ValueError(
                f"{self!r}: predictions have shape {tuple(predictions.shape)} but targets have shape "
                f"{tuple(targets.shape)}; they must match"
            )
        if predictions.ndim == 0:
            raise ValueError(f"{self!r}: expected a batch of shape (N,) or (N, outputs), got a scalar")
        if self.count > 0 and targets.shape[1:] != self.target_mean.shape:
            raise ValueError(
                f"{self!r}: earlier batches had outputs of shape {self.target_mean.shape}, "
                f"this one {tuple(targets.shape[1:])}"
            )
        self.num_updates += 1
        batch_count = len(targets)
        if batch_count == 0:
            return
        errors = predictions - targets
        self.sum_absolute_error = self.sum_absolute_error + numpy.abs(errors).sum(axis=0)
        self.sum_squared_error = self.sum_squared_error + (errors**2).sum(axis=0)
        batch_mean = targets.mean(axis=0)
        batch_squared_deviation = ((targets - batch_mean) ** 2).sum(axis=0)
        total = self.count + batch_count
        delta = batch_mean - self.target_mean
        self.target_squared_deviation = (
            self.target_squared_deviation + batch_squared_deviation + delta**2 * self.count * batch_count / total
        )
        self.target_mean = self.target_mean + delta * batch_count / total
        self.count = total


class MeanAbsoluteError(_RegressionMetric):
    """mean(|prediction - target|).

    Example:
        >>> metric = MeanAbsoluteError()
        >>> metric.update(numpy.array([1.0, 2.0]), numpy.array([2.0, 2.0]))
        >>> metric.compute()
        0.5
    """

    def compute(self) -> float:
        self._check_ready(self.count)
        return float(numpy.mean(self.sum_absolute_error / self.count))


class MeanSquaredError(_RegressionMetric):
    """mean((prediction - target)^2).

    Example:
        >>> metric = MeanSquaredError()
        >>> metric.update(numpy.array([1.0, 2.0]), numpy.array([3.0, 2.0]))
        >>> metric.compute()
        2.0
    """

    def compute(self) -> float:
        self._check_ready(self.count)
        return float(numpy.mean(self.sum_squared_error / self.count))


class RootMeanSquaredError(_RegressionMetric):
    """sqrt(mean((prediction - target)^2)), per output, then averaged over outputs.

    Example:
        >>> metric = RootMeanSquaredError()
        >>> metric.update(numpy.array([1.0, 2.0]), numpy.array([3.0, 4.0]))
        >>> metric.compute()
        2.0
    """

    def compute(self) -> float:
        self._check_ready(self.count)
        return float(numpy.mean(numpy.sqrt(self.sum_squared_error / self.count)))


class R2Score(_RegressionMetric):
    """Coefficient of determination 1 - SS_res / SS_tot; a constant target scores 1 if predicted exactly, else 0.

    Example:
        >>> metric = R2Score()
        >>> metric.update(numpy.array([1.0, 2.0, 3.0]), numpy.array([1.0, 2.0, 4.0]))
        >>> round(metric.compute(), 4)
        0.7857
    """

    def compute(self) -> float:
        self._check_ready(self.count)
        residual, total = self.sum_squared_error, self.target_squared_deviation
        scores = numpy.where(residual == 0, 1.0, 0.0)  # scikit-learn's force_finite for constant targets
        numpy.subtract(1.0, residual / numpy.where(total > 0, total, 1.0), out=scores, where=total > 0)
        return float(numpy.mean(scores))


# -- one-shot functional forms ----------------------------------------------------------------------
def _one_shot(metric: Metric, predictions: Any, targets: Any) -> Any:
    metric.update(predictions, targets)
    return metric.compute()


def accuracy(predictions: Any, targets: Any, top_k: int = 1, threshold: float = 0.5) -> float:
    """Accuracy of one batch; see `Accuracy`."""
    return _one_shot(Accuracy(top_k, threshold), predictions, targets)


def precision(
    predictions: Any, targets: Any, num_classes: int, average: str | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """Precision of one batch; see `Precision`."""
    return _one_shot(Precision(num_classes, average, threshold), predictions, targets)


def recall(
    predictions: Any, targets: Any, num_classes: int, average: str | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """Recall of one batch; see `Recall`."""
    return _one_shot(Recall(num_classes, average, threshold), predictions, targets)


def f1_score(
    predictions: Any, targets: Any, num_classes: int, average: str | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """F1 score of one batch; see `F1Score`."""
    return _one_shot(F1Score(num_classes, average, threshold), predictions, targets)


def confusion_matrix(predictions: Any, targets: Any, num_classes: int, threshold: float = 0.5) -> numpy.ndarray:
    """Confusion matrix of one batch (rows = true class); see `ConfusionMatrix`."""
    return _one_shot(ConfusionMatrix(num_classes, threshold), predictions, targets)


def mean_absolute_error(predictions: Any, targets: Any) -> float:
    return _one_shot(MeanAbsoluteError(), predictions, targets)


def mean_squared_error(predictions: Any, targets: Any) -> float:
    return _one_shot(MeanSquaredError(), predictions, targets)


def root_mean_squared_error(predictions: Any, targets: Any) -> float:
    return _one_shot(RootMeanSquaredError(), predictions, targets)


def r2_score(predictions: Any, targets: Any) -> float:
    return _one_shot(R2Score(), predictions, targets)

"""Classification metrics: accuracy (top-k), confusion matrix, precision, recall and F1 with their averages."""

from __future__ import annotations

from typing import Any, Literal

import numpy

from chainrule.metrics.base import Metric, _check_lengths, _one_shot, _to_numpy

Average = Literal["macro", "micro", "weighted", "binary"]  # None: one score per class
_AVERAGES = ("macro", "micro", "weighted", "binary", None)


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
        self, num_classes: int, average: Average | None = "macro", threshold: float = 0.5, name: str | None = None
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


def accuracy(predictions: Any, targets: Any, top_k: int = 1, threshold: float = 0.5) -> float:
    """Accuracy of one batch; see `Accuracy`."""
    return _one_shot(Accuracy(top_k, threshold), predictions, targets)


def precision(
    predictions: Any, targets: Any, num_classes: int, average: Average | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """Precision of one batch; see `Precision`."""
    return _one_shot(Precision(num_classes, average, threshold), predictions, targets)


def recall(
    predictions: Any, targets: Any, num_classes: int, average: Average | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """Recall of one batch; see `Recall`."""
    return _one_shot(Recall(num_classes, average, threshold), predictions, targets)


def f1_score(
    predictions: Any, targets: Any, num_classes: int, average: Average | None = "macro", threshold: float = 0.5
) -> float | numpy.ndarray:
    """F1 score of one batch; see `F1Score`."""
    return _one_shot(F1Score(num_classes, average, threshold), predictions, targets)


def confusion_matrix(predictions: Any, targets: Any, num_classes: int, threshold: float = 0.5) -> numpy.ndarray:
    """Confusion matrix of one batch (rows = true class); see `ConfusionMatrix`."""
    return _one_shot(ConfusionMatrix(num_classes, threshold), predictions, targets)

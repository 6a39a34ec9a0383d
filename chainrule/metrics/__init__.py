"""Streaming metrics: a training loop calls `update` batch by batch, a user reads `compute()` at the end.

The classes live in `classification` and `regression`, on the `Metric` base class of `base`.

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
    >>> import numpy
    >>> metric = Accuracy()
    >>> for logits, labels in [(numpy.eye(3), numpy.array([0, 1, 1]))]:
    ...     metric.update(logits, labels)
    >>> round(metric.compute(), 4)
    0.6667
"""

from chainrule.metrics.base import Metric
from chainrule.metrics.classification import (
    Accuracy,
    ConfusionMatrix,
    F1Score,
    Precision,
    Recall,
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
)
from chainrule.metrics.regression import (
    MeanAbsoluteError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)

__all__ = [
    "Accuracy",
    "ConfusionMatrix",
    "F1Score",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "R2Score",
    "Recall",
    "RootMeanSquaredError",
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "mean_absolute_error",
    "mean_squared_error",
    "precision",
    "r2_score",
    "recall",
    "root_mean_squared_error",
]

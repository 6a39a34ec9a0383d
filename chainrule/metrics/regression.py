"""Regression metrics: mean absolute and squared error, their root, and R² over one or several outputs."""

from __future__ import annotations

from typing import Any

import numpy

from chainrule.metrics.base import Metric, _one_shot, _to_numpy


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


def mean_absolute_error(predictions: Any, targets: Any) -> float:
    return _one_shot(MeanAbsoluteError(), predictions, targets)


def mean_squared_error(predictions: Any, targets: Any) -> float:
    return _one_shot(MeanSquaredError(), predictions, targets)


def root_mean_squared_error(predictions: Any, targets: Any) -> float:
    return _one_shot(RootMeanSquaredError(), predictions, targets)


def r2_score(predictions: Any, targets: Any) -> float:
    return _one_shot(R2Score(), predictions, targets)

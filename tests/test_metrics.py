"""Streaming metrics equal scikit-learn's one-shot values, whatever the batching, the input type or a checkpoint."""

from __future__ import annotations

import doctest
import itertools

import numpy
import pytest

import chainrule
from chainrule import metrics

NUM_CLASSES = 5
# uneven batches; samples 40..55 hold only classes 0 and 1, and class 4 never occurs anywhere
BATCH_EDGES = [0, 7, 40, 41, 55, 120, 200]


def _classification_data(seed: int = 0):
    generator = numpy.random.default_rng(seed)
    targets = generator.integers(0, NUM_CLASSES - 1, size=200)
    targets[40:55] = generator.integers(0, 2, size=15)
    scores = generator.normal(size=(200, NUM_CLASSES)).astype(numpy.float32)
    scores[:, 4] -= 10.0  # class 4 is never predicted either
    scores[numpy.arange(200), targets] += 1.0  # better than chance, so every score is informative
    return scores, targets


def _regression_data(seed: int = 0, outputs: tuple[int, ...] = ()):
    generator = numpy.random.default_rng(seed)
    targets = 100.0 + generator.normal(size=(200, *outputs))  # large mean: cancellation would show
    predictions = targets + 0.5 * generator.normal(size=targets.shape)
    return predictions, targets


def _stream(metric, predictions, targets, as_tensor: bool = False):
    for start, stop in itertools.pairwise(BATCH_EDGES):
        batch_predictions, batch_targets = predictions[start:stop], targets[start:stop]
        if as_tensor:
            batch_predictions, batch_targets = chainrule.tensor(batch_predictions), chainrule.tensor(batch_targets)
        metric.update(batch_predictions, batch_targets)
    return metric.compute()


def test_docstring_examples_run() -> None:
    modules = (metrics, metrics.base, metrics.classification, metrics.regression)
    results = [doctest.testmod(module) for module in modules]
    assert sum(result.failed for result in results) == 0 and sum(result.attempted for result in results) >= 10


# -- classification against scikit-learn --------------------------------------------------------------
@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("top_k", [1, 2, 3])
def test_accuracy_matches_sklearn(top_k: int, as_tensor: bool) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference for metrics")
    scores, targets = _classification_data()
    expected = sklearn_metrics.top_k_accuracy_score(targets, scores, k=top_k, labels=range(NUM_CLASSES))
    if top_k == 1:
        assert expected == pytest.approx(sklearn_metrics.accuracy_score(targets, scores.argmax(axis=1)))
    assert _stream(metrics.Accuracy(top_k=top_k), scores, targets, as_tensor) == pytest.approx(expected)
    assert metrics.accuracy(scores, targets, top_k=top_k) == pytest.approx(expected)


def test_accuracy_of_labels_and_binary_scores() -> None:
    targets = numpy.array([1, 0, 1, 1])
    assert metrics.accuracy(numpy.array([1, 1, 1, 0]), targets) == 0.5
    probabilities = numpy.array([0.9, 0.2, 0.4, 0.7], dtype=numpy.float32)
    assert metrics.accuracy(probabilities, targets) == 0.75
    assert metrics.accuracy(probabilities[:, None], targets.astype(numpy.float32)) == 0.75  # BCE-style targets
    logits = numpy.array([2.0, -1.0, -0.1, 0.3])
    assert metrics.accuracy(logits, targets, threshold=0.0) == 0.75


@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted", None])
@pytest.mark.parametrize(
    "metric_class, function, sklearn_name",
    [
        (metrics.Precision, metrics.precision, "precision_score"),
        (metrics.Recall, metrics.recall, "recall_score"),
        (metrics.F1Score, metrics.f1_score, "f1_score"),
    ],
)
def test_precision_recall_f1_match_sklearn(metric_class, function, sklearn_name, average, as_tensor) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference for metrics")
    scores, targets = _classification_data()
    labels = scores.argmax(axis=1)
    reference = getattr(sklearn_metrics, sklearn_name)
    # macro averages over classes that occur (scikit-learn without `labels`); None reports every class
    extra = {"labels": list(range(NUM_CLASSES))} if average is None else {}
    expected = reference(targets, labels, average=average, zero_division=0, **extra)
    streamed = _stream(metric_class(NUM_CLASSES, average=average), scores, targets, as_tensor)
    numpy.testing.assert_allclose(streamed, expected, rtol=1e-12)
    numpy.testing.assert_allclose(function(labels, targets, NUM_CLASSES, average), expected, rtol=1e-12)
    if average is None:
        assert streamed.shape == (NUM_CLASSES,) and streamed[4] == 0.0


@pytest.mark.parametrize("sklearn_name, function", [
    ("precision_score", metrics.precision), ("recall_score", metrics.recall), ("f1_score", metrics.f1_score),
])
def test_binary_average_matches_sklearn(sklearn_name, function) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference for metrics")
    generator = numpy.random.default_rng(1)
    probabilities = generator.random(100)
    targets = (generator.random(100) < 0.4).astype(numpy.int64)
    expected = getattr(sklearn_metrics, sklearn_name)(targets, (probabilities > 0.5).astype(int), zero_division=0)
    assert function(probabilities, targets, 2, "binary") == pytest.approx(expected)
    assert function(numpy.zeros(4), numpy.zeros(4, dtype=int), 2, "binary") == 0.0  # zero_division=0


@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
def test_confusion_matrix_matches_sklearn(as_tensor: bool) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference for metrics")
    scores, targets = _classification_data()
    expected = sklearn_metrics.confusion_matrix(targets, scores.argmax(axis=1), labels=range(NUM_CLASSES))
    streamed = _stream(metrics.ConfusionMatrix(NUM_CLASSES), scores, targets, as_tensor)
    assert streamed.dtype == numpy.int64
    numpy.testing.assert_array_equal(streamed, expected)
    numpy.testing.assert_array_equal(metrics.confusion_matrix(scores, targets, NUM_CLASSES), expected)


# -- regression against scikit-learn ----------------------------------------------------------------
@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("outputs", [(), (3,)], ids=["single", "multioutput"])
@pytest.mark.parametrize(
    "metric_class, function, sklearn_name",
    [
        (metrics.MeanAbsoluteError, metrics.mean_absolute_error, "mean_absolute_error"),
        (metrics.MeanSquaredError, metrics.mean_squared_error, "mean_squared_error"),
        (metrics.RootMeanSquaredError, metrics.root_mean_squared_error, "root_mean_squared_error"),
        (metrics.R2Score, metrics.r2_score, "r2_score"),
    ],
)
def test_regression_matches_sklearn(metric_class, function, sklearn_name, outputs, as_tensor) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference for metrics")
    predictions, targets = _regression_data(outputs=outputs)
    expected = getattr(sklearn_metrics, sklearn_name)(targets, predictions)
    rtol = 1e-5 if as_tensor else 1e-10  # chainrule.tensor stores float32
    assert _stream(metric_class(), predictions, targets, as_tensor) == pytest.approx(expected, rel=rtol)
    assert function(predictions, targets) == pytest.approx(expected, rel=1e-10)


def test_r2_of_constant_target_follows_sklearn() -> None:
    targets = numpy.full(4, 3.0)
    assert metrics.r2_score(targets, targets) == 1.0
    assert metrics.r2_score(targets + 1.0, targets) == 0.0


# -- reset and checkpoints --------------------------------------------------------------------------
METRIC_FACTORIES = [
    (lambda: metrics.Accuracy(top_k=2), "classification"),
    (lambda: metrics.ConfusionMatrix(NUM_CLASSES), "classification"),
    (lambda: metrics.F1Score(NUM_CLASSES, average="weighted"), "classification"),
    (lambda: metrics.Precision(NUM_CLASSES, average=None), "classification"),
    (metrics.R2Score, "regression"),
    (metrics.MeanAbsoluteError, "regression"),
]


@pytest.mark.parametrize("factory, task", METRIC_FACTORIES)
def test_reset_forgets_and_state_dict_resumes_mid_stream(factory, task) -> None:
    import json

    predictions, targets = _classification_data() if task == "classification" else _regression_data()
    expected = _stream(factory(), predictions, targets)

    first = factory()
    first.update(predictions[:150], targets[:150])
    saved = json.loads(json.dumps(first.state_dict()))  # plain numbers and lists only
    resumed = factory()
    resumed.load_state_dict(saved)
    resumed.update(predictions[150:], targets[150:])
    numpy.testing.assert_allclose(resumed.compute(), expected, rtol=1e-12)

    first.update(numpy.zeros_like(predictions[:3]), targets[:3])  # garbage that reset must forget
    first.reset()
    with pytest.raises(RuntimeError, match=f"^{type(first).__name__}: compute\\(\\) called before any update\\(\\)$"):
        first.compute()
    numpy.testing.assert_allclose(_stream(first, predictions, targets), expected, rtol=1e-12)


def test_name_attribute() -> None:
    assert metrics.Accuracy().name == "Accuracy"
    assert metrics.Accuracy(name="val_accuracy").name == "val_accuracy"
    assert repr(metrics.F1Score(3)) == "F1Score(num_classes=3, average='macro')"


# -- errors -----------------------------------------------------------------------------------------
def _update(metric, predictions, targets):
    return lambda: metric.update(numpy.asarray(predictions), numpy.asarray(targets))


ERROR_CASES = [
    (_update(metrics.ConfusionMatrix(3), [0, 1], [0, 5]), ValueError,
     "ConfusionMatrix(num_classes=3): target label 5 is out of range [0, 2]"),
    (_update(metrics.Precision(3), [0, -1], [0, 1]), ValueError,
     "Precision(num_classes=3, average='macro'): predicted label -1 is out of range [0, 2]"),
    (_update(metrics.Accuracy(), [[0.1, 0.9]], [2]), ValueError,
     "Accuracy(top_k=1): target label 2 is out of range [0, 1]"),
    (_update(metrics.Accuracy(), [0, 1, 1], [0, 1]), ValueError,
     "Accuracy(top_k=1): predictions have 3 samples but targets have 2; pass one prediction per target"),
    (_update(metrics.MeanSquaredError(), [1.0, 2.0], [1.0]), ValueError,
     "MeanSquaredError(): predictions have shape (2,) but targets have shape (1,); they must match"),
    (_update(metrics.Recall(2), [0, 1], [0.0, 0.5]), ValueError,
     "Recall(num_classes=2, average='macro'): targets must be integer class labels, got 0.5 (dtype float64); "
     "pass class indices, not probabilities"),
    (_update(metrics.Accuracy(), [0], ["a"]), TypeError,
     "Accuracy(top_k=1): targets must be integer class labels, got dtype <U1"),
    (lambda: metrics.Precision(3, average="mean"), ValueError,
     "Precision(num_classes=3): average must be one of 'macro', 'micro', 'weighted', 'binary' or None, got 'mean'"),
    (lambda: metrics.F1Score(3, average="binary"), ValueError,
     "F1Score(num_classes=3): average='binary' needs num_classes=2; use 'macro', 'micro', 'weighted' or None "
     "for 3 classes"),
    (lambda: metrics.Accuracy().compute(), RuntimeError, "Accuracy: compute() called before any update()"),
    (lambda: metrics.R2Score(name="val_r2").compute(), RuntimeError, "val_r2: compute() called before any update()"),
    (lambda: metrics.accuracy(numpy.zeros((0, 3)), numpy.zeros(0, dtype=int)), RuntimeError,
     "Accuracy: compute() has no samples; every update() so far had an empty batch"),
    (_update(metrics.Accuracy(top_k=4), numpy.zeros((2, 3)), [0, 1]), ValueError,
     "Accuracy(top_k=4): top_k is larger than the number of classes (3)"),
    (_update(metrics.Accuracy(top_k=2), [0, 1], [0, 1]), ValueError,
     "Accuracy(top_k=2): top_k > 1 needs (N, C) scores, got predictions of shape (2,)"),
    (lambda: metrics.Accuracy(top_k=0), ValueError, "Accuracy: top_k must be a positive integer, got 0"),
    (lambda: metrics.ConfusionMatrix(0), ValueError, "ConfusionMatrix: num_classes must be a positive integer, got 0"),
    (_update(metrics.ConfusionMatrix(3), numpy.zeros((2, 4)), [0, 1]), ValueError,
     "ConfusionMatrix(num_classes=3): predictions have scores for 4 classes, expected 3"),
    (_update(metrics.ConfusionMatrix(3), numpy.zeros((2, 3, 1)), [0, 1]), ValueError,
     "ConfusionMatrix(num_classes=3): expected predictions of shape (N,), (N, 1) or (N, C), got (2, 3, 1)"),
    (lambda: metrics.ConfusionMatrix(3).load_state_dict({"num_updates": 1, "counts": [[1, 0], [0, 1]]}), ValueError,
     "ConfusionMatrix(num_classes=3): state_dict holds a (2, 2) confusion matrix, expected (3, 3)"),
    (lambda: metrics.MeanAbsoluteError().load_state_dict({"num_updates": 1}), KeyError,
     "MeanAbsoluteError(): state_dict is missing ['count', 'sum_absolute_error', 'sum_squared_error', "
     "'target_mean', 'target_squared_deviation']"),
]


@pytest.mark.parametrize("call, error_type, message", ERROR_CASES, ids=[case[2][:50] for case in ERROR_CASES])
def test_errors_name_the_problem(call, error_type, message) -> None:
    with pytest.raises(error_type) as raised:
        call()
    assert message in str(raised.value)


def test_regression_outputs_must_not_change_between_batches() -> None:
    metric = metrics.MeanAbsoluteError()
    metric.update(numpy.zeros((2, 3)), numpy.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"earlier batches had outputs of shape \(3,\), this one \(2,\)"):
        metric.update(numpy.zeros((2, 2)), numpy.zeros((2, 2)))

"""Built-in datasets: scikit-learn's bundled tables (no download) and small seeded generators.

Every function returns a `TensorDataset(features, targets)` with float32 features and int64 class labels
(float32 targets for `sine_sequences`). Generators are deterministic: the same seed gives the same data.

    >>> from chainrule.data.datasets import spirals
    >>> x, y = spirals(n=200, seed=1).tensors   # x: (200, 2) float32, y: (200,) int64 in {0, 1}
"""

from __future__ import annotations

from typing import Any

import numpy

from chainrule.data.dataset import TensorDataset


def _sklearn_datasets() -> Any:
    try:
        from sklearn import datasets
    except ImportError as error:
        raise ImportError(
            "chainrule's built-in tabular datasets read scikit-learn's bundled copies; "
            "install it with: pip install 'chainrule[datasets]'"
        ) from error
    return datasets


def _tabular(bunch: Any) -> TensorDataset:
    return TensorDataset(bunch.data.astype(numpy.float32), bunch.target.astype(numpy.int64))


def digits(images: bool = False) -> TensorDataset:
    """1797 handwritten digits (8x8, 10 classes), pixels scaled from 0..16 to [0, 1].

    Features are 64 flat pixels, or images of shape (N, 1, 8, 8) with `images=True` (for convolutions).
    """
    bunch = _sklearn_datasets().load_digits()
    pixels = (bunch.data / 16.0).astype(numpy.float32)
    if images:
        pixels = pixels.reshape(-1, 1, 8, 8)
    return TensorDataset(pixels, bunch.target.astype(numpy.int64))


def iris() -> TensorDataset:
    """150 iris flowers: 4 measurements (cm, unscaled), 3 species."""
    return _tabular(_sklearn_datasets().load_iris())


def wine() -> TensorDataset:
    """178 wines: 13 chemical measurements (unscaled), 3 cultivars."""
    return _tabular(_sklearn_datasets().load_wine())


def breast_cancer() -> TensorDataset:
    """569 breast tumours: 30 features of cell nuclei (unscaled), 2 classes (0 malignant, 1 benign)."""
    return _tabular(_sklearn_datasets().load_breast_cancer())


def _check(caller: str, n: int, noise: float) -> None:
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"{caller}: n must be an integer of at least 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"{caller}: noise is a standard deviation and can't be negative, got {noise}")


def _shuffled(points: numpy.ndarray, labels: numpy.ndarray, generator: numpy.random.Generator) -> TensorDataset:
    """Shuffle so that batches mix the classes, then cast to float32 points and int64 labels."""
    order = generator.permutation(len(points))
    return TensorDataset(points[order].astype(numpy.float32), labels[order].astype(numpy.int64))


def spirals(n: int = 400, noise: float = 0.15, seed: int = 0) -> TensorDataset:
    """Two interleaved spirals in the plane (radius up to 1), labels 0 and 1, Gaussian noise of std `noise`.

    Not linearly separable: a classic check that a small MLP learns a curved boundary.
    """
    _check("spirals", n, noise)
    generator = numpy.random.default_rng(seed)
    labels = numpy.arange(n) % 2
    radius = generator.uniform(0.1, 1.0, size=n)
    angle = 3 * numpy.pi * radius + numpy.pi * labels  # the second arm is the first turned half a circle
    points = numpy.stack([radius * numpy.cos(angle), radius * numpy.sin(angle)], axis=1)
    points += generator.normal(0.0, noise, size=points.shape)
    return _shuffled(points, labels, generator)


def xor(n: int = 400, noise: float = 0.1, seed: int = 0) -> TensorDataset:
    """Points uniform in [-1, 1]^2, label 1 where exactly one coordinate is positive (before the noise)."""
    _check("xor", n, noise)
    generator = numpy.random.default_rng(seed)
    points = generator.uniform(-1.0, 1.0, size=(n, 2))
    labels = (points[:, 0] > 0) ^ (points[:, 1] > 0)
    points += generator.normal(0.0, noise, size=points.shape)
    return _shuffled(points, labels, generator)


def moons(n: int = 400, noise: float = 0.1, seed: int = 0) -> TensorDataset:
    """Two interleaving half circles (as scikit-learn's `make_moons`): label 0 the upper, 1 the lower."""
    _check("moons", n, noise)
    generator = numpy.random.default_rng(seed)
    upper, lower = n - n // 2, n // 2
    angle_upper = numpy.linspace(0.0, numpy.pi, upper)
    angle_lower = numpy.linspace(0.0, numpy.pi, lower)
    points = numpy.concatenate([
        numpy.stack([numpy.cos(angle_upper), numpy.sin(angle_upper)], axis=1),
        numpy.stack([1.0 - numpy.cos(angle_lower), 0.5 - numpy.sin(angle_lower)], axis=1),
    ])
    labels = numpy.concatenate([numpy.zeros(upper), numpy.ones(lower)])
    points += generator.normal(0.0, noise, size=points.shape)
    return _shuffled(points, labels, generator)


def sine_sequences(n: int = 256, length: int = 50, seed: int = 0, noise: float = 0.05) -> TensorDataset:
    """Windows of noisy sine waves (random frequency, phase, amplitude); the target is the next value.

    x has shape (n, length, 1) and y shape (n, 1), both float32 — a regression task for recurrent models.
    """
    _check("sine_sequences", n, noise)
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"sine_sequences: length must be a positive integer, got {length!r}")
    generator = numpy.random.default_rng(seed)
    frequency = generator.uniform(0.05, 0.3, size=(n, 1))  # radians per step: 20 to 125 steps a period
    phase = generator.uniform(0.0, 2 * numpy.pi, size=(n, 1))
    amplitude = generator.uniform(0.5, 1.0, size=(n, 1))
    steps = numpy.arange(length + 1)
    series = amplitude * numpy.sin(frequency * steps + phase) + generator.normal(0.0, noise, size=(n, length + 1))
    series = series.astype(numpy.float32)
    return TensorDataset(series[:, :length, None], series[:, length:])

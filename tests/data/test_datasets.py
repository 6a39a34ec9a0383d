"""chainrule.data.datasets: scikit-learn's bundled tables and the seeded generators."""

from __future__ import annotations

import sys

import numpy
import pytest

from chainrule.data import datasets


def _arrays(dataset):
    return [tensor._data for tensor in dataset.tensors]


@pytest.mark.parametrize("name, shape, classes", [
    ("iris", (150, 4), [50, 50, 50]),
    ("wine", (178, 13), [59, 71, 48]),
    ("breast_cancer", (569, 30), [212, 357]),
    ("digits", (1797, 64), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]),
])
def test_sklearn_tables(name, shape, classes):
    pytest.importorskip("sklearn", reason="the bundled tables come from scikit-learn (chainrule[datasets])")
    features, labels = _arrays(getattr(datasets, name)())
    assert features.shape == shape and features.dtype == numpy.float32
    assert labels.shape == (shape[0],) and labels.dtype == numpy.int64
    assert numpy.bincount(labels).tolist() == classes


def test_digits_images_scaled():
    pytest.importorskip("sklearn", reason="digits come from scikit-learn (chainrule[datasets])")
    flat, _ = _arrays(datasets.digits())
    images, labels = _arrays(datasets.digits(images=True))
    assert images.shape == (1797, 1, 8, 8) and images.dtype == numpy.float32
    assert images.min() == 0.0 and images.max() == 1.0
    numpy.testing.assert_array_equal(images.reshape(1797, 64), flat)
    assert labels[:3].tolist() == [0, 1, 2]


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[datasets\]'"):
        datasets.iris()


@pytest.mark.parametrize("name", ["spirals", "xor", "moons"])
def test_generators_shapes_balance_and_determinism(name):
    make = getattr(datasets, name)
    points, labels = _arrays(make(n=101, seed=3))
    assert points.shape == (101, 2) and points.dtype == numpy.float32
    assert labels.shape == (101,) and labels.dtype == numpy.int64
    assert sorted(numpy.unique(labels).tolist()) == [0, 1]
    counts = sorted(numpy.bincount(labels).tolist())
    if name == "xor":  # labels come from uniform points, so the classes are only roughly balanced
        assert counts[1] - counts[0] <= 30
    else:
        assert counts == [50, 51]
    again, same_labels = _arrays(make(n=101, seed=3))
    numpy.testing.assert_array_equal(points, again)
    numpy.testing.assert_array_equal(labels, same_labels)
    other, _ = _arrays(make(n=101, seed=4))
    assert not numpy.array_equal(points, other)


def test_xor_labels_follow_quadrants_without_noise():
    points, labels = _arrays(datasets.xor(n=200, noise=0.0))
    numpy.testing.assert_array_equal(labels, (points[:, 0] > 0) ^ (points[:, 1] > 0))


def test_moons_without_noise_lie_on_half_circles():
    points, labels = _arrays(datasets.moons(n=50, noise=0.0))
    upper, lower = points[labels == 0], points[labels == 1]
    numpy.testing.assert_allclose(numpy.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    numpy.testing.assert_allclose(numpy.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-6)


def test_spirals_without_noise_stay_in_unit_disc():
    points, _ = _arrays(datasets.spirals(n=300, noise=0.0))
    radius = numpy.hypot(points[:, 0], points[:, 1])
    assert radius.min() >= 0.1 - 1e-6 and radius.max() <= 1.0 + 1e-6


def test_sine_sequences_next_value():
    inputs, targets = _arrays(datasets.sine_sequences(n=8, length=20, seed=1))
    assert inputs.shape == (8, 20, 1) and targets.shape == (8, 1)
    assert inputs.dtype == numpy.float32 and targets.dtype == numpy.float32
    assert numpy.abs(inputs).max() <= 1.3
    clean, clean_targets = _arrays(datasets.sine_sequences(n=8, length=20, seed=1, noise=0.0))
    # a noiseless sine satisfies s[t+1] = 2 cos(w) s[t] - s[t-1]; recover w from the window and check the target
    s = clean[:, :, 0].astype(numpy.float64)
    two_cos = (s[:, 2] + s[:, 0]) / s[:, 1]
    predicted = two_cos * s[:, -1] - s[:, -2]
    numpy.testing.assert_allclose(predicted, clean_targets[:, 0], atol=1e-3)
    again, _ = _arrays(datasets.sine_sequences(n=8, length=20, seed=1))
    numpy.testing.assert_array_equal(inputs, again)


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.spirals(n=1), r"spirals: n must be an integer of at least 2, got 1"),
    (lambda: datasets.moons(noise=-0.1), r"moons: noise is a standard deviation and can't be negative, got -0.1"),
    (lambda: datasets.xor(n=10.5), r"xor: n must be an integer of at least 2, got 10.5"),
    (lambda: datasets.sine_sequences(length=0), r"sine_sequences: length must be a positive integer, got 0"),
])
def test_generator_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()

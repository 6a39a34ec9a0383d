"""`hold_out` (stratified for class labels, at random otherwise) and `num_classes`."""

from __future__ import annotations

import numpy
import pytest

from chainrule.data import TensorDataset, digits, hold_out, num_classes, sine_sequences
from tests.conftest import to_numpy


def _labels(dataset: TensorDataset) -> numpy.ndarray:
    return to_numpy(dataset.tensors[-1])


def test_class_labels_are_held_out_stratified_and_nothing_is_lost():
    dataset = digits()
    kept, held = hold_out(dataset, 0.2, seed=0)
    assert (len(kept), len(held)) == (1438, 359)
    everything = numpy.bincount(_labels(dataset), minlength=10)
    counts = numpy.bincount(_labels(held), minlength=10)
    assert numpy.all(numpy.abs(counts - everything * 0.2) <= 1), counts  # every class, in proportion
    pooled = numpy.concatenate([_labels(kept), _labels(held)])
    numpy.testing.assert_array_equal(numpy.sort(pooled), numpy.sort(_labels(dataset)))
    assert isinstance(kept, TensorDataset) and isinstance(held, TensorDataset)


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    first, again, other = (hold_out(digits(), 0.2, seed=seed)[1] for seed in (0, 0, 1))
    numpy.testing.assert_array_equal(to_numpy(first.tensors[0]), to_numpy(again.tensors[0]))
    assert not numpy.array_equal(to_numpy(first.tensors[0]), to_numpy(other.tensors[0]))


def test_float_targets_are_held_out_at_random_and_zero_holds_out_nothing():
    dataset = sine_sequences(n=100)
    kept, held = hold_out(dataset, 0.25, seed=3)
    assert (len(kept), len(held)) == (75, 25) and _labels(held).dtype == numpy.float32
    assert hold_out(dataset, 0.0) == (dataset, None)


def test_a_part_left_empty_or_a_fraction_out_of_range_is_an_error():
    dataset = TensorDataset(numpy.zeros((10, 2)), numpy.arange(10) % 2)
    with pytest.raises(ValueError) as caught:
        hold_out(dataset, 0.01)
    assert str(caught.value) == "0.01 of 10 samples holds out 0 and keeps 10; both need at least one sample"
    with pytest.raises(ValueError) as caught:
        hold_out(dataset, 1.0)
    assert str(caught.value) == "expected a fraction in [0, 1) to hold out, got 1.0; 0 holds out nothing"


def test_num_classes_is_max_label_plus_one_or_none_for_float_targets():
    assert num_classes(digits()) == 10
    assert num_classes(sine_sequences(n=8)) is None
    assert num_classes(TensorDataset(numpy.zeros((3, 1)), numpy.array([0, 4, 1]))) == 5
    assert num_classes(hold_out(digits(), 0.5)[1]) == 10

"""Dataset, TensorDataset, Subset, random_split and stratified_split."""

from __future__ import annotations

import numpy
import pytest

import chainrule
from chainrule.data import Dataset, Subset, TensorDataset, random_split, stratified_split


def test_tensor_dataset_returns_one_row_of_each_tensor():
    features = numpy.arange(12.0).reshape(6, 2)
    labels = chainrule.tensor([0, 1, 0, 1, 0, 1])
    dataset = TensorDataset(features, labels)
    x, y = dataset[4]
    assert len(dataset) == 6
    assert x.tolist() == [8.0, 9.0]
    assert y.item() == 0
    assert isinstance(x, chainrule.Tensor)


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match="TensorDataset needs at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="tensor 0 has 3, tensor 1 has 4"):
        TensorDataset(chainrule.zeros(3, 2), chainrule.zeros(4))
    with pytest.raises(ValueError, match="tensor 0 is 0-d"):
        TensorDataset(chainrule.tensor(1.0))


def test_abstract_dataset_names_missing_methods():
    class Incomplete(Dataset):
        pass

    with pytest.raises(NotImplementedError, match="Incomplete must implement __len__"):
        len(Incomplete())
    with pytest.raises(NotImplementedError, match="Incomplete must implement __getitem__"):
        Incomplete()[0]


def test_subset_maps_indices():
    dataset = TensorDataset(chainrule.arange(10))
    subset = Subset(dataset, [7, 2, 5])
    assert len(subset) == 3
    assert [subset[i][0].item() for i in range(3)] == [7, 2, 5]


def _indices(subset: Subset) -> list[int]:
    return subset.indices


@pytest.mark.parametrize(("lengths", "expected"), [([6, 3, 1], [6, 3, 1]), ([0.5, 0.3, 0.2], [5, 3, 2]),
                                                    ([0.34, 0.33, 0.33], [4, 3, 3])])
def test_random_split_is_disjoint_complete_and_sized(lengths, expected):
    dataset = TensorDataset(chainrule.arange(10))
    parts = random_split(dataset, lengths)
    assert [len(part) for part in parts] == expected
    assert sorted(i for part in parts for i in _indices(part)) == list(range(10))


def test_random_split_is_reproducible():
    dataset = TensorDataset(chainrule.arange(20))
    chainrule.manual_seed(3)
    first = [_indices(part) for part in random_split(dataset, [0.5, 0.5])]
    chainrule.manual_seed(3)
    again = [_indices(part) for part in random_split(dataset, [0.5, 0.5])]
    explicit = [_indices(p) for p in random_split(dataset, [10, 10], generator=numpy.random.default_rng(1))]
    explicit_again = [_indices(p) for p in random_split(dataset, [10, 10], generator=numpy.random.default_rng(1))]
    assert first == again
    assert explicit == explicit_again
    assert first[0] != list(range(10))


def test_random_split_lengths_must_sum_to_dataset_length():
    dataset = TensorDataset(chainrule.arange(10))
    with pytest.raises(ValueError, match=r"the lengths \[4, 4\] sum to 8, but the dataset has 10 samples"):
        random_split(dataset, [4, 4])


def test_stratified_split_keeps_class_proportions():
    labels = numpy.array([0] * 50 + [1] * 30 + [2] * 7)
    dataset = TensorDataset(numpy.arange(len(labels) * 2.0).reshape(-1, 2), labels)
    train, val = stratified_split(dataset, 0.8, seed=1)
    assert sorted(train.indices + val.indices) == list(range(len(labels)))
    for label, count in [(0, 50), (1, 30), (2, 7)]:
        in_train = int((labels[train.indices] == label).sum())
        assert abs(in_train - 0.8 * count) <= 1
        assert in_train + int((labels[val.indices] == label).sum()) == count
    assert stratified_split(dataset, 0.8, seed=1)[0].indices == train.indices


def test_stratified_split_accepts_labels_and_checks_fraction():
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    first, second = stratified_split(labels, 0.5)
    assert sorted(labels[i] for i in first.indices) == [0, 0, 1, 1]
    assert len(second) == 4
    with pytest.raises(ValueError, match=r"fraction must be between 0 and 1 \(exclusive\), got 1\.5"):
        stratified_split(labels, 1.5)
    with pytest.raises(ValueError, match=r"one label per sample \(1-d\), got labels of shape \(2, 2\)"):
        stratified_split(numpy.zeros((2, 2)), 0.5)

"""Datasets: the abstract `Dataset`, `TensorDataset` over equally long tensors, `Subset`, and two splits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.creation import as_tensor
from chainrule.tensor import Tensor


class Dataset:
    """A map from an index in `range(len(dataset))` to a sample; subclasses define both methods."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Sample i is `(tensors[0][i], tensors[1][i], ...)`; every tensor has the same first dimension.

    Example: `TensorDataset(features, labels)[3]` is `(features[3], labels[3])`.
    """

    def __init__(self, *tensors: Tensor | numpy.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else as_tensor(t) for t in tensors)
        for i, tensor in enumerate(self.tensors):
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a first (sample) dimension")
        lengths = [tensor.shape[0] for tensor in self.tensors]
        if len(set(lengths)) > 1:
            named = ", ".join(f"tensor {i} has {n}" for i, n in enumerate(lengths))
            raise ValueError(f"TensorDataset: all tensors need the same first dimension (size), but {named}")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _default_generator() -> numpy.random.Generator:
    """A fresh generator seeded from chainrule's CPU generator, so `chainrule.manual_seed` fixes it."""
    return numpy.random.default_rng(int(backend.cpu_generator().integers(2**63)))


def _split_lengths(lengths: Sequence[int | float], total: int) -> list[int]:
    """Turn fractions summing to 1 into counts (the remainder goes one by one to the first parts)."""
    if lengths and all(isinstance(n, float) for n in lengths) and math.isclose(sum(lengths), 1.0):
        for i, fraction in enumerate(lengths):
            if not 0.0 <= fraction <= 1.0:
                raise ValueError(f"random_split: fraction at index {i} is {fraction}, not between 0 and 1")
        counts = [math.floor(total * fraction) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    counts = [int(n) for n in lengths]
    if any(n < 0 for n in counts) or sum(counts) != total:
        raise ValueError(
            f"random_split: the lengths {list(lengths)} sum to {sum(lengths)}, but the dataset has {total} "
            "samples; give non-negative counts summing to the dataset's length, or fractions summing to 1"
        )
    return counts


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: numpy.random.Generator | None = None) -> list[Subset]:
    """Split `dataset` at random into non-overlapping Subsets of the given lengths (counts or fractions).

    Example: `train, val = random_split(dataset, [0.8, 0.2])`.
    """
    counts = _split_lengths(lengths, len(dataset))
    generator = generator if generator is not None else _default_generator()
    order = generator.permutation(len(dataset)).tolist()
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start:start + count]))
        start += count
    return subsets


def _labels_of(dataset_or_labels: Any) -> numpy.ndarray:
    if isinstance(dataset_or_labels, TensorDataset):
        labels = dataset_or_labels.tensors[-1]
    elif isinstance(dataset_or_labels, Dataset):
        labels = [dataset_or_labels[i][-1] for i in range(len(dataset_or_labels))]
        labels = [label.item() if isinstance(label, Tensor) else label for label in labels]
    else:
        labels = dataset_or_labels
    if isinstance(labels, Tensor):
        labels = backend.move(labels._data, backend.CPU)
    labels = numpy.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"stratified_split needs one label per sample (1-d), got labels of shape {labels.shape}")
    return labels


def stratified_split(dataset_or_labels: Any, fraction: float, seed: int = 0) -> tuple[Subset, Subset]:
    """Split into two Subsets holding `fraction` and `1 - fraction` of every class (rounded per class).

    Labels are a TensorDataset's last tensor, a Dataset's last sample element, or the labels given directly
    (then the Subsets index those labels). Example: `train, val = stratified_split(dataset, 0.8)`.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"stratified_split: fraction must be between 0 and 1 (exclusive), got {fraction}")
    labels = _labels_of(dataset_or_labels)
    generator = numpy.random.default_rng(seed)
    first, second = [], []
    for label in numpy.unique(labels):
        members = generator.permutation(numpy.flatnonzero(labels == label))
        cut = round(fraction * len(members))
        first.extend(members[:cut].tolist())
        second.extend(members[cut:].tolist())
    return Subset(dataset_or_labels, sorted(first)), Subset(dataset_or_labels, sorted(second))

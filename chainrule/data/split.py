"""Holding out part of a dataset — stratified by class for class labels, at random otherwise — and counting
its classes.

    >>> train, test = hold_out(digits(), 0.2, seed=0)   # 20% of every digit held out for the test
    >>> num_classes(train)
    10
    >>> train, validation, test = train_validation_test_split(digits(), test_split=0.2, validation_split=0.1)
"""

from __future__ import annotations

from typing import Any

import numpy

from chainrule import backend
from chainrule.data.dataset import Subset, TensorDataset, random_split, stratified_split
from chainrule.tensor import Tensor


def hold_out(dataset: TensorDataset, fraction: float, seed: int = 0) -> tuple[TensorDataset, TensorDataset | None]:
    """(kept, held out): `fraction` of the samples held out, or (dataset, None) for a fraction of 0.

    Class labels (a last tensor of 1-D integers) are split stratified, so each part keeps the class
    proportions; other targets at random. The same seed gives the same split. Both parts are TensorDatasets,
    which a DataLoader batches by indexing each tensor once.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"expected a fraction in [0, 1) to hold out, got {fraction}; 0 holds out nothing")
    if fraction == 0:
        return dataset, None
    labels = _labels(dataset)
    total = len(labels)
    if labels.ndim == 1 and labels.dtype.kind in "iu":
        kept, held = stratified_split(labels, 1.0 - fraction, seed=seed)
    else:
        held_count = round(total * fraction)
        kept, held = random_split(labels, [total - held_count, held_count], numpy.random.default_rng(seed))
    if len(kept) == 0 or len(held) == 0:
        raise ValueError(f"{fraction:g} of {total} samples holds out {len(held)} and keeps {len(kept)}; both need "
                         "at least one sample")
    return _take(dataset, kept.indices), _take(dataset, held.indices)


def train_validation_test_split(dataset: TensorDataset, test_split: float = 0.2, validation_split: float = 0.1,
                                seed: int = 0) -> tuple[TensorDataset, TensorDataset | None, TensorDataset | None]:
    """(train, validation, test): `test_split` of the samples held out for the final test, then `validation_split`
    of the rest to validate on after each epoch, each by `hold_out` (seeded with `seed`, then `seed + 1`). A
    fraction of 0 gives None. An error names the fraction to change: `test_split: 0.001 of 150 samples ...`.
    """
    train, test = _hold_out(dataset, test_split, seed, "test_split")
    train, validation = _hold_out(train, validation_split, seed + 1, "validation_split")
    return train, validation, test


def _hold_out(dataset: TensorDataset, fraction: float, seed: int, name: str) -> tuple[Any, Any]:
    """`hold_out`, its error naming the argument that gave `fraction`."""
    try:
        return hold_out(dataset, fraction, seed)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


def num_classes(dataset: Any) -> int | None:
    """The number of classes, max label + 1, for integer labels (the last element of a sample); None otherwise.

        >>> num_classes(digits())
        10
    """
    labels = _labels(dataset)
    if labels.dtype.kind not in "iu" or labels.size == 0:
        return None
    return int(labels.max()) + 1


def _take(dataset: TensorDataset, indices: list[int]) -> TensorDataset:
    index = numpy.asarray(indices, dtype=numpy.int64)
    return TensorDataset(*(tensor._data[index] for tensor in dataset.tensors))


def _labels(dataset: Any) -> numpy.ndarray:
    """The last element of every sample as one host array."""
    if isinstance(dataset, TensorDataset):
        return numpy.asarray(backend.move(dataset.tensors[-1]._data, backend.CPU))
    if isinstance(dataset, Subset):
        return _labels(dataset.dataset)[numpy.asarray(dataset.indices, dtype=numpy.int64)]
    labels = []
    for index in range(len(dataset)):
        label = dataset[index][-1]
        labels.append(backend.move(label._data, backend.CPU) if isinstance(label, Tensor) else label)
    return numpy.asarray(labels)

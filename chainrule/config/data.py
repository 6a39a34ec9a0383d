"""`build_data`: the [data] source split into train / validation / test, and `num_classes` of a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy

from chainrule import backend
from chainrule.config import arguments as registry
from chainrule.config.errors import ConfigError, where
from chainrule.config.schema import resolved_config
from chainrule.data import (
    Dataset,
    Subset,
    TensorDataset,
    load_csv,
    load_idx,
    load_npy,
    load_npz,
    random_split,
    stratified_split,
)
from chainrule.tensor import Tensor


def build_data(config: Mapping[str, Any]) -> tuple[Dataset, Dataset | None, Dataset | None]:
    """(train, validation, test): `test_split` of the data held out, then `validation_split` of the rest.

    Class labels (1-D integers) are split stratified, other targets at random; the seeds come from
    `config["seed"]`, so the same config always gives the same split. A fraction of 0 gives None.

        >>> train, validation, test = build_data(load_config())
    """
    config = resolved_config(config)
    data, seed = config["data"], config["seed"]
    dataset = _load(data)
    train, test = _hold_out(dataset, data["test_split"], seed, "test_split")
    train, validation = _hold_out(train, data["validation_split"], seed + 1, "validation_split")
    return train, validation, test


def num_classes(dataset: Any) -> int | None:
    """The number of classes, max label + 1, for integer labels (the last element of a sample); None otherwise.

        >>> num_classes(digits())
        10
    """
    labels = _labels(dataset)
    if labels.dtype.kind not in "iu" or labels.size == 0:
        return None
    return int(labels.max()) + 1


def _load(data: dict[str, Any]) -> TensorDataset:
    """The whole dataset of the [data] source; a loader's error is a ConfigError naming the key."""
    source = next(key for key in ("dataset", "npz", "npy", "csv", "idx") if key in data)
    try:
        if source == "dataset":
            return registry.dataset_function(data["dataset"])(**data["options"])
        allow_nonfinite = data["allow_nonfinite"]
        if source == "npz":
            return load_npz(data["npz"], x_key=data["x_key"], y_key=data["y_key"], allow_nonfinite=allow_nonfinite)
        if source == "npy":
            return load_npy(*data["npy"], allow_nonfinite=allow_nonfinite)
        if source == "csv":  # no header key: detected
            return load_csv(data["csv"], label_column=data["label_column"], delimiter=data["delimiter"],
                            header=data.get("header"), allow_nonfinite=allow_nonfinite)
        return load_idx(*data["idx"], allow_nonfinite=allow_nonfinite)
    except (ValueError, KeyError, FileNotFoundError) as error:
        key = ("data", "options") if source == "dataset" else ("data", source)
        label = data["dataset"] if source == "dataset" else None
        message = error.args[0] if error.args else str(error)
        raise ConfigError(f"{where(key, label)}: {message}") from error


def _hold_out(dataset: TensorDataset, fraction: float, seed: int, key: str) -> tuple[TensorDataset, Any]:
    """(kept, held out) with `fraction` of the samples held out; (dataset, None) for a fraction of 0."""
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
        raise ConfigError(f"[data] {key}: {fraction:g} of {total} samples holds out {len(held)} and keeps "
                          f"{len(kept)}; both need at least one sample, so change {key} (0 holds out nothing)")
    return _take(dataset, kept.indices), _take(dataset, held.indices)


def _take(dataset: TensorDataset, indices: list[int]) -> TensorDataset:
    """The samples at `indices` as a TensorDataset, which the DataLoader batches by fancy indexing."""
    index = numpy.asarray(indices, dtype=numpy.int64)
    return TensorDataset(*(tensor.data[index] for tensor in dataset.tensors))


def _labels(dataset: Any) -> numpy.ndarray:
    """The last element of every sample as one host array."""
    if isinstance(dataset, TensorDataset):
        return numpy.asarray(backend.move(dataset.tensors[-1].data, backend.CPU))
    if isinstance(dataset, Subset):
        return _labels(dataset.dataset)[numpy.asarray(dataset.indices, dtype=numpy.int64)]
    labels = []
    for index in range(len(dataset)):
        label = dataset[index][-1]
        labels.append(backend.move(label.data, backend.CPU) if isinstance(label, Tensor) else label)
    return numpy.asarray(labels)

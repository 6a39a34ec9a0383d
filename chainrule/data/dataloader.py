"""DataLoader: batches from a dataset, shuffled reproducibly, with a position that saves and resumes exactly.

Each epoch's order is one permutation drawn from the loader's own NumPy generator. `state_dict()` records
that generator's state at the start of the current epoch and how many batches the epoch has yielded, so
`load_state_dict` redraws the same permutation and skips what was already seen: training stopped after
batch k continues at batch k + 1, and later epochs match an uninterrupted run.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy

from chainrule.creation import as_tensor, tensor
from chainrule.data.dataset import TensorDataset, _default_generator
from chainrule.ops import stack
from chainrule.tensor import Tensor


def default_collate(samples: list[Any]) -> Any:
    """Stack samples into a batch: Tensors/arrays/numbers along a new first dimension, tuples and dicts
    element by element (a batch of `(x, y)` samples is `(stacked_x, stacked_y)`)."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, numpy.ndarray):
        return as_tensor(numpy.stack(samples))
    if isinstance(first, int | float | bool | numpy.number | numpy.bool_):
        return tensor(samples)
    if isinstance(first, tuple | list):
        return tuple(default_collate(list(column)) for column in zip(*samples, strict=True))
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    raise TypeError(
        f"default_collate: can't batch samples of type {type(first).__name__}; pass a collate_fn to DataLoader"
    )


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, optionally reshuffled every epoch.

    Shuffling uses a NumPy generator of its own (seeded from chainrule's CPU generator when `generator` is
    None, so `chainrule.manual_seed` makes it reproducible). Example:

        loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
        for inputs, targets in loader: ...
        checkpoint["loader"] = loader.state_dict()   # later: loader.load_state_dict(...) resumes mid-epoch
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 generator: numpy.random.Generator | None = None) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator if generator is not None else _default_generator()
        self._epoch = 0  # the epoch in progress, or the next one when none is
        self._in_progress = False
        self._batches_yielded = 0
        self._epoch_start_state: dict | None = None
        self._resume: dict | None = None

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._resume is not None:
            self.generator.bit_generator.state = copy.deepcopy(self._resume["generator_state"])
            skip = self._resume["batches_yielded"]
            self._resume = None
        else:
            if self._in_progress:  # the previous epoch was abandoned part way; this is a new one
                self._epoch += 1
            skip = 0
        self._epoch_start_state = copy.deepcopy(self.generator.bit_generator.state)
        order = self.generator.permutation(len(self.dataset)) if self.shuffle else numpy.arange(len(self.dataset))
        self._in_progress = True
        self._batches_yielded = skip
        return self._batches(order, skip)

    def _batches(self, order: numpy.ndarray, skip: int) -> Iterator[Any]:
        for number in range(skip, len(self)):
            indices = order[number * self.batch_size:(number + 1) * self.batch_size]
            batch = self._collate(indices)
            self._batches_yielded = number + 1
            yield batch
        self._finish_epoch()

    def _finish_epoch(self) -> None:
        self._epoch += 1
        self._in_progress = False
        self._batches_yielded = 0

    def _collate(self, indices: numpy.ndarray) -> Any:
        if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
            # Fast path: one fancy index per tensor instead of stacking single samples (same result).
            return tuple(tensor[indices] for tensor in self.dataset.tensors)
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def state_dict(self) -> dict[str, Any]:
        """The loader's position as plain data (JSON-serialisable with the default generator).

        Keys: `epoch` (epochs completed before the current one), `batches_yielded` (in the current epoch),
        `generator_state` (the shuffling generator's state at the current epoch's start), `dataset_length`.
        """
        if self._resume is not None:
            return copy.deepcopy(self._resume)
        if self._in_progress and self._batches_yielded < len(self):
            epoch, done, state = self._epoch, self._batches_yielded, self._epoch_start_state
        elif self._in_progress:  # every batch was taken but the iterator was not run to its end
            epoch, done, state = self._epoch + 1, 0, self.generator.bit_generator.state
        else:
            epoch, done, state = self._epoch, 0, self.generator.bit_generator.state
        return {"epoch": epoch, "batches_yielded": done, "generator_state": copy.deepcopy(state),
                "dataset_length": len(self.dataset)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from `state_dict()`: the next iteration continues the saved epoch at its next batch."""
        missing = {"epoch", "batches_yielded", "generator_state", "dataset_length"} - set(state)
        if missing:
            raise KeyError(f"DataLoader.load_state_dict: the state lacks {sorted(missing)}")
        if state["dataset_length"] != len(self.dataset):
            raise ValueError(
                f"DataLoader.load_state_dict: the state was saved for a dataset of {state['dataset_length']} "
                f"samples, but this loader's dataset has {len(self.dataset)}"
            )
        if not 0 <= state["batches_yielded"] <= len(self):
            raise ValueError(
                f"DataLoader.load_state_dict: batches_yielded is {state['batches_yielded']}, but an epoch has "
                f"{len(self)} batches (was batch_size or drop_last changed?)"
            )
        self._epoch = state["epoch"]
        self._in_progress = False
        self._batches_yielded = state["batches_yielded"]
        self._resume = copy.deepcopy(dict(state))

    @property
    def epoch(self) -> int:
        """The number of epochs completed before the current one."""
        return self._epoch

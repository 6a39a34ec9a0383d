"""DataLoader: batching, shuffling, collation and exact mid-epoch resume."""

from __future__ import annotations

import itertools
import json

import numpy
import pytest

import chainrule
from chainrule.data import DataLoader, Dataset, TensorDataset, default_collate


def _dataset(n: int = 10) -> TensorDataset:
    return TensorDataset(numpy.arange(n * 3.0).reshape(n, 3), numpy.arange(n))


def _labels(batches) -> list[list[int]]:
    return [batch[1].tolist() for batch in batches]


@pytest.mark.parametrize(("drop_last", "sizes"), [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_shapes_and_len(drop_last, sizes):
    loader = DataLoader(_dataset(), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes)
    assert [x.shape for x, _ in batches] == [(n, 3) for n in sizes]
    assert _labels(batches)[0] == [0, 1, 2, 3]


def test_shuffle_covers_every_index_once_and_changes_between_epochs():
    loader = DataLoader(_dataset(20), batch_size=3, shuffle=True)
    first = [label for batch in _labels(loader) for label in batch]
    second = [label for batch in _labels(loader) for label in batch]
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second
    assert first != list(range(20))


def test_same_seed_gives_same_order():
    chainrule.manual_seed(7)
    first = [_labels(DataLoader(_dataset(), batch_size=4, shuffle=True))]
    chainrule.manual_seed(7)
    again = [_labels(DataLoader(_dataset(), batch_size=4, shuffle=True))]
    explicit = _labels(DataLoader(_dataset(), 4, shuffle=True, generator=numpy.random.default_rng(5)))
    explicit_again = _labels(DataLoader(_dataset(), 4, shuffle=True, generator=numpy.random.default_rng(5)))
    assert first == again
    assert explicit == explicit_again


class _Samples(Dataset):
    """The same samples as a TensorDataset, served one at a time (takes the generic collate path)."""

    def __init__(self, dataset: TensorDataset) -> None:
        self.inner = dataset

    def __getitem__(self, index: int):
        return self.inner[index]

    def __len__(self) -> int:
        return len(self.inner)


def test_tensor_dataset_fast_path_equals_generic_collate():
    dataset = _dataset(11)
    fast = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=numpy.random.default_rng(0)))
    slow = list(DataLoader(_Samples(dataset), 4, shuffle=True, generator=numpy.random.default_rng(0)))
    assert len(fast) == len(slow) == 3
    for fast_batch, slow_batch in zip(fast, slow, strict=True):
        assert isinstance(slow_batch, tuple)
        for fast_part, slow_part in zip(fast_batch, slow_batch, strict=True):
            assert fast_part.dtype == slow_part.dtype
            numpy.testing.assert_array_equal(fast_part.numpy(), slow_part.numpy())


def test_default_collate_handles_arrays_numbers_and_dicts():
    batch = default_collate([{"x": numpy.zeros(2), "y": 1}, {"x": numpy.ones(2), "y": 2}])
    assert batch["x"].tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert batch["y"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="can't batch samples of type str; pass a collate_fn"):
        default_collate(["a", "b"])


def test_custom_collate_fn_receives_the_samples():
    loader = DataLoader(_dataset(5), batch_size=2, collate_fn=lambda samples: [int(y.item()) for _, y in samples])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_constructor_errors():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        DataLoader(_dataset(), batch_size=0)
    with pytest.raises(ValueError, match="DataLoader: the dataset is empty"):
        DataLoader(TensorDataset(numpy.zeros((0, 2))))


def _run(loader: DataLoader, epochs: int) -> list[list[int]]:
    return [labels for _ in range(epochs) for labels in _labels(loader)]


@pytest.mark.parametrize(("epoch", "taken"), [(0, 0), (0, 1), (0, 3), (1, 2), (0, 4)])
def test_resume_continues_exactly_where_it_stopped(epoch, taken):
    chainrule.manual_seed(11)
    reference = _run(DataLoader(_dataset(), batch_size=3, shuffle=True), epochs=epoch + 4)
    per_epoch = 4

    chainrule.manual_seed(11)
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True)
    for _ in range(epoch):
        list(loader)
    seen = _labels(itertools.islice(iter(loader), taken))
    state = json.loads(json.dumps(loader.state_dict()))

    chainrule.manual_seed(999)  # a different global seed: everything must come from the state
    resumed = DataLoader(_dataset(), batch_size=3, shuffle=True)
    resumed.load_state_dict(state)
    rest = _run(resumed, epochs=3)
    start = epoch * per_epoch
    # the first resumed epoch is the saved epoch's remainder, or the next epoch once all batches were taken
    remainder = per_epoch - taken if taken < per_epoch else per_epoch
    assert seen == reference[start:start + taken]
    assert len(rest) == remainder + 2 * per_epoch
    assert rest == reference[start + taken:start + taken + len(rest)]


def test_state_dict_is_plain_data():
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True)
    next(iter(loader))
    state = loader.state_dict()
    assert json.loads(json.dumps(state)) == state
    assert (state["epoch"], state["batches_yielded"], state["dataset_length"]) == (0, 1, 10)


def test_load_state_dict_errors():
    state = DataLoader(_dataset(10), batch_size=3).state_dict()
    with pytest.raises(ValueError, match="saved for a dataset of 10 samples, but this loader's dataset has 12"):
        DataLoader(_dataset(12), batch_size=3).load_state_dict(state)
    with pytest.raises(ValueError, match="batches_yielded is 9, but an epoch has 4 batches"):
        DataLoader(_dataset(10), batch_size=3).load_state_dict({**state, "batches_yielded": 9})
    with pytest.raises(KeyError, match=r"the state lacks \['epoch'\]"):
        DataLoader(_dataset(10), batch_size=3).load_state_dict({k: v for k, v in state.items() if k != "epoch"})

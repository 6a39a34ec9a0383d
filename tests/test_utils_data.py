"""`chainrule.utils.data` is torch.utils.data's import path for chainrule.data's objects."""

from __future__ import annotations

import chainrule as cr
import chainrule.data
from chainrule.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split


def test_the_torch_import_path_gives_chainrule_datas_objects() -> None:
    assert DataLoader is chainrule.data.DataLoader and TensorDataset is chainrule.data.TensorDataset
    assert Dataset is chainrule.data.Dataset and Subset is chainrule.data.Subset
    assert random_split is chainrule.data.random_split and cr.utils.data.DataLoader is DataLoader


def test_a_loader_from_the_torch_path_batches() -> None:
    loader = DataLoader(TensorDataset(cr.arange(10.0), cr.arange(10)), batch_size=4)
    assert [len(targets) for _, targets in loader] == [4, 4, 2]

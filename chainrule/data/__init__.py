"""Batches in: datasets, splits and a DataLoader whose position can be saved and resumed exactly.

    >>> from chainrule.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(inputs, targets), batch_size=32, shuffle=True)
    >>> for x, y in loader: ...
"""

from chainrule.data.dataloader import DataLoader, default_collate
from chainrule.data.dataset import Dataset, Subset, TensorDataset, random_split, stratified_split

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
    "stratified_split",
]

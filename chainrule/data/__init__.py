"""Batches in: datasets, splits (`hold_out` sets a test or validation set aside) and a DataLoader whose
position can be saved and resumed exactly.

    >>> from chainrule.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(inputs, targets), batch_size=32, shuffle=True)
    >>> for x, y in loader: ...
"""

from chainrule.data.dataloader import DataLoader, default_collate
from chainrule.data.dataset import Dataset, Subset, TensorDataset, random_split, stratified_split
from chainrule.data.datasets import breast_cancer, digits, iris, moons, sine_sequences, spirals, wine, xor
from chainrule.data.files import load_csv, load_idx, load_npy, load_npz
from chainrule.data.split import hold_out, num_classes

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "breast_cancer",
    "default_collate",
    "digits",
    "hold_out",
    "iris",
    "load_csv",
    "load_idx",
    "load_npy",
    "load_npz",
    "moons",
    "num_classes",
    "random_split",
    "sine_sequences",
    "spirals",
    "stratified_split",
    "wine",
    "xor",
]

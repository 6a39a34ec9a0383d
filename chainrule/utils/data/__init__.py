"""`torch.utils.data`'s names, the same objects as in `chainrule.data`, so `from torch.utils.data import
DataLoader, TensorDataset` runs unchanged with `chainrule` in its place.

    >>> from chainrule.utils.data import DataLoader, TensorDataset
"""

from chainrule.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]

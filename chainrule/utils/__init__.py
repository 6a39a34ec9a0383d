"""PyTorch's `torch.utils` import paths: `chainrule.utils.data` is `chainrule.data`'s datasets and loader."""

from chainrule.utils import data

__all__ = ["data"]

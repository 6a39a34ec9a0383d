"""The layer modules; each is a thin class over `chainrule.nn.functional`."""

from chainrule.nn.layers.dropout import Dropout
from chainrule.nn.layers.embedding import Embedding
from chainrule.nn.layers.linear import Flatten, Identity, Linear, Unflatten
from chainrule.nn.layers.normalization import BatchNorm1d, LayerNorm

__all__ = ["BatchNorm1d", "Dropout", "Embedding", "Flatten", "Identity", "LayerNorm", "Linear", "Unflatten"]

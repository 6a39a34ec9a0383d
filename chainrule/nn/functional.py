"""The functional form of every layer, activation and loss, with `torch.nn.functional`'s names.

The math lives in `chainrule.ops`; this module is the public directory of it.
"""

from chainrule.ops import pad, relu, sigmoid, tanh
from chainrule.ops.dropout import dropout
from chainrule.ops.embedding import embedding, one_hot
from chainrule.ops.linalg import linear
from chainrule.ops.normalization import batch_norm, layer_norm

__all__ = [
    "batch_norm", "dropout", "embedding", "layer_norm", "linear", "one_hot", "pad", "relu", "sigmoid", "tanh",
]

"""The functional form of every layer, activation and loss, with `torch.nn.functional`'s names.

The math lives in `chainrule.ops`; this module is the public directory of it.
"""

from chainrule.ops import pad, relu, sigmoid, tanh
from chainrule.ops.activation import elu, gelu, leaky_relu, log_softmax, silu, softmax, softplus
from chainrule.ops.conv import conv1d, conv2d, conv_transpose2d
from chainrule.ops.dropout import dropout, dropout2d
from chainrule.ops.embedding import embedding, one_hot
from chainrule.ops.interpolate import interpolate, upsample
from chainrule.ops.linalg import linear
from chainrule.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from chainrule.ops.normalization import batch_norm, layer_norm
from chainrule.ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
    "upsample",
]

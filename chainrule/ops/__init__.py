"""Differentiable operations, one `Function` per op with forward and backward side by side.

The public functions here are re-exported as `chainrule.exp`, `chainrule.cat`, ... and back the Tensor
methods and operators.
"""

from chainrule.ops._checks import normalize_dim, operand_array, parse_size
from chainrule.ops.arithmetic import add, div, mul, neg, pow, sub
from chainrule.ops.elementwise import (
    abs,
    clamp,
    clip,
    compare,
    cos,
    exp,
    log,
    log1p,
    maximum,
    minimum,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
    where,
)
from chainrule.ops.indexing import getitem, index_arrays, index_select
from chainrule.ops.linalg import matmul
from chainrule.ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    std,
    sum,
    sum_to_size,
    var,
)
from chainrule.ops.shape import (
    cast,
    cat,
    chunk,
    clone,
    expand,
    flatten,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    to_device,
    transpose,
    unsqueeze,
    view,
)

__all__ = [
    "abs", "add", "all", "amax", "amin", "any", "argmax", "argmin", "cast", "cat", "chunk", "clamp", "clip",
    "clone", "compare", "cos", "div", "exp", "expand", "flatten", "getitem", "index_arrays", "index_select",
    "log", "log1p", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg",
    "normalize_dim", "operand_array", "pad", "parse_size", "permute", "pow", "relu", "repeat", "reshape",
    "sigmoid", "sign", "sin", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "sum_to_size", "tanh",
    "to_device", "transpose", "unsqueeze", "var", "view", "where",
]

# PyTorch's wider surface (issue 13), one module per family: each lists its public functions in `__all__` and the
# Tensor methods they back in `METHODS`, which chainrule.tensor binds (hand-written Tensor methods win).
from chainrule.ops import activation as _activation  # (aliases: `scatter` the function would hide the module)
from chainrule.ops import aliases as _aliases
from chainrule.ops import decompositions as _decompositions
from chainrule.ops import layout as _layout
from chainrule.ops import logical as _logical
from chainrule.ops import pointwise as _pointwise
from chainrule.ops import products as _products
from chainrule.ops import sampling as _sampling
from chainrule.ops import scans as _scans
from chainrule.ops import scatter as _scatter
from chainrule.ops import sorting as _sorting
from chainrule.ops import special as _special
from chainrule.ops.activation import *  # noqa: F403
from chainrule.ops.aliases import *  # noqa: F403
from chainrule.ops.decompositions import *  # noqa: F403
from chainrule.ops.layout import *  # noqa: F403
from chainrule.ops.logical import *  # noqa: F403
from chainrule.ops.pointwise import *  # noqa: F403
from chainrule.ops.products import *  # noqa: F403
from chainrule.ops.sampling import *  # noqa: F403
from chainrule.ops.scans import *  # noqa: F403
from chainrule.ops.scatter import *  # noqa: F403
from chainrule.ops.sorting import *  # noqa: F403
from chainrule.ops.special import *  # noqa: F403

_FAMILIES = (_pointwise, _logical, _scans, _sorting, _scatter, _layout, _products, _decompositions, _activation,
             _special, _sampling, _aliases)
__all__ += [name for family in _FAMILIES for name in family.__all__]
TENSOR_METHODS = {name: method for family in _FAMILIES for name, method in family.METHODS.items()}

"""chainrule: a deep-learning framework built on its own reverse-mode autodiff engine.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from chainrule.tensor import Size, Tensor  # noqa: I001  (first: the ops it imports build on it)
from chainrule import accelerator, autograd, backend, backends, cuda, io, linalg, nn, optim, special
from chainrule.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from chainrule.backend import Device as device, get_rng_state, manual_seed, set_default_dtype, set_rng_state
from chainrule.dtypes import (
    bool_ as bool,
    can_cast, double, dtype, finfo, float, float16, float32, float64, get_default_dtype, half, iinfo, int, int8,
    int16, int32, int64, long, promote_types, short, uint8,
)
from chainrule.creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
    rand_like, randint, randint_like, randn, randn_like, tensor, zeros, zeros_like,
)
from chainrule.ops import (
    abs, add, all, amax, amin, any, argmax, argmin, cat, chunk, clamp, clip, clone, cos, div, exp, expand,
    flatten, index_select, log, log1p, logsumexp, matmul, max, maximum, mean, min, minimum, mul, neg, pad,
    permute, pow, relu, repeat, reshape, sigmoid, sign, sin, split, sqrt, squeeze, stack, std, sub, sum, tanh,
    transpose, unsqueeze, var, where,
)

from chainrule.ops import _FAMILIES as _OP_FAMILIES
from chainrule.ops.activation import *  # noqa: F403  (each family's __all__)
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

from chainrule.io import CheckpointError, load, save
from chainrule.legacy import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)

__version__ = "0.1.0"

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "CheckpointError",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "Size",
    "Tensor",
    "abs",
    "accelerator",
    "add",
    "all",
    "amax",
    "amin",
    "any",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autograd",
    "backend",
    "backends",
    "bool",
    "can_cast",
    "cat",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "cos",
    "cuda",
    "device",
    "div",
    "double",
    "dtype",
    "empty",
    "empty_like",
    "enable_grad",
    "exp",
    "expand",
    "eye",
    "finfo",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "get_rng_state",
    "half",
    "iinfo",
    "index_select",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "io",
    "is_grad_enabled",
    "linalg",
    "linspace",
    "load",
    "log",
    "log1p",
    "logsumexp",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "pad",
    "permute",
    "pow",
    "promote_types",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "relu",
    "repeat",
    "reshape",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "set_rng_state",
    "short",
    "sigmoid",
    "sign",
    "sin",
    "special",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
__all__ += [name for family in _OP_FAMILIES for name in family.__all__]


def __getattr__(name: str) -> object:
    """`chainrule.utils` and `chainrule.distributions` on first use (they sit above the core: data, nn)."""
    if name == "utils":
        import chainrule.utils

        return chainrule.utils
    if name == "distributions":
        import chainrule.distributions

        return chainrule.distributions
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")

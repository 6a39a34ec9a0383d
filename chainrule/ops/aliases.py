"""PyTorch's other names and small forms of existing ops: aliases (absolute, negative, multiply, subtract,
divide, true_divide, greater, ...), the in-place `_` forms of the elementwise functions, addcmul/addcdiv,
clamp_min/clamp_max, square/reciprocal, tile, take, select, broadcast_to, ravel, matrix_power, and the
predicates and properties (is_floating_point, is_contiguous, stride, storage_offset, ndimension, nelement, ...).

Every function here is a composition of ops that already have a gradient (add, mul, div, pow, clamp, reshape,
repeat, expand, indexing, matmul, inverse), so no derivative is written twice: each comes from the ops it calls.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds. The
in-place forms (`exp_`, `clamp_min_`, `addcmul_`, ...) write the out-of-place result into the tensor's memory
outside autograd (same shape, a dtype it can be cast to), as chainrule's other in-place methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd.engine import RetainGrad
from chainrule.autograd.grad_mode import no_grad
from chainrule.ops import _checks
from chainrule.ops._operands import in_place as _in_place
from chainrule.ops.arithmetic import add, div, mul, neg, pow, sub
from chainrule.ops.decompositions import inverse
from chainrule.ops.elementwise import abs, clamp, compare, cos, exp, log, log1p, relu, sigmoid, sign, sin, sqrt, tanh
from chainrule.ops.indexing import index_select
from chainrule.ops.linalg import matmul
from chainrule.ops.shape import cat, expand, repeat, reshape, split, squeeze, transpose, unsqueeze
from chainrule.tensor import Tensor, _wrap


# -- other names of existing ops -----------------------------------------------------------------------
def absolute(input: Tensor) -> Tensor:
    """Alias of abs: |input|; d/dx |x| = sign(x)."""
    return abs(input)


def negative(input: Tensor) -> Tensor:
    """Alias of neg: -input; d/dx (-x) = -1."""
    return neg(input)


def positive(input: Tensor) -> Tensor:
    """The input itself (unary +), refused for bool tensors as in PyTorch; d/dx x = 1."""
    if input.dtype.kind == "b":
        raise RuntimeError("positive: not supported on bool tensors; convert first (x.int()) or use the tensor")
    return input


def multiply(input: Any, other: Any) -> Tensor:
    """Alias of mul: input * other; d/dx = other, d/dother = input."""
    return mul(input, other)


def subtract(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """input - alpha * other (alias of sub); d/dx = 1, d/dother = -alpha."""
    return sub(input, other if alpha == 1 else other * alpha)


def divide(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """Alias of div: input / other, optionally rounded ("trunc", "floor"); d/dx = 1 / other."""
    return div(input, other, rounding_mode=rounding_mode)


def true_divide(input: Any, other: Any) -> Tensor:
    """Alias of div without rounding: input / other in a floating dtype; d/dx = 1 / other."""
    return div(input, other)


def square(input: Tensor) -> Tensor:
    """input * input (bool becomes int64, as in PyTorch); d/dx x^2 = 2x."""
    if input.dtype.kind == "b":
        input = input.long()
    return pow(input, 2)


def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integer inputs give the default float dtype; 1/0 is inf, silently, as in PyTorch);
    d/dx (1/x) = -1/x^2."""
    with backend._errstate(backend.array_module(input._data), divide="ignore"):
        return div(1, input)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """clamp(input, min=min); the gradient passes where input > min."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """clamp(input, max=max); the gradient passes where input < max."""
    return clamp(input, max=max)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """input + value * tensor1 * tensor2; d/dtensor1 = value * tensor2."""
    product = mul(tensor1, tensor2)
    return add(input, product if value == 1 else mul(product, value))


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """input + value * tensor1 / tensor2; d/dtensor2 = -value * tensor1 / tensor2^2."""
    if all(isinstance(t, Tensor) and t.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "addcdiv: integer division of tensor1 by tensor2 is not supported; convert one of them to a float "
            "dtype (tensor1.float()) or write (input + value * torch.trunc(tensor1 / tensor2))"
        )
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else mul(quotient, value))


def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Alias of cat: the tensors joined along `dim`; each gets its slice of the gradient."""
    return cat(tensors, dim)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Alias of cat with NumPy's keyword (axis): the tensors joined along `axis`."""
    return cat(tensors, axis)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor, in row-major order; the gradient is reshaped back."""
    return reshape(input, (-1,))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """Alias of expand: input broadcast to `size`; the gradient is summed over the broadcast dimensions."""
    return expand(input, size)


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """input repeated `dims` times along each dimension (ones are prepended to a short `dims`, as in PyTorch);
    the gradient sums the copies."""
    dims = _checks.parse_size((dims,), "tile")
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def _tile_method(self: Tensor, *dims: Any) -> Tensor:
    """Tensor.tile(2, 3) or Tensor.tile((2, 3))."""
    return tile(self, _checks.parse_size(dims, "tile"))


def _broadcast_to_method(self: Tensor, size: Sequence[int]) -> Tensor:
    return broadcast_to(self, size)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at `index` of dimension `dim`, which is removed; the gradient goes back to that slice."""
    if input.ndim == 0:
        raise IndexError("select(): cannot be applied to a 0-d tensor; it has no dimension to select from")
    dim = _checks.normalize_dim(dim, input.ndim, "select()")
    if not _checks.is_int(index):
        raise TypeError(f"select(): index must be an int, got {type(index).__name__} {index!r}")
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {dim} "
            f"(expected {-size} to {size - 1})"
        )
    return input[(slice(None),) * dim + (int(index),)]


def take(input: Tensor, index: Tensor) -> Tensor:
    """input viewed as 1-D, read at `index` (negative indices count from the end); the result has index's
    shape, and the gradient adds up at repeated indices."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        kind = backend.dtype_name(index.dtype) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"take(): expected an integer (int64) tensor for index, got {kind}; convert with .long()")
    count = input.numel()
    if index.numel():
        xp = backend.array_module(index._data)
        low, high = int(xp.min(index._data)), int(xp.max(index._data))
        bad = high if high >= count else low
        if bad >= count or bad < -count:
            raise IndexError(f"take(): index {bad} out of range for a tensor of {count} elements "
                             f"(expected {-count} to {count - 1})")
    flat = index_select(reshape(input, (-1,)), 0, reshape(index, (-1,)))
    return reshape(flat, tuple(index.shape))


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of input along `dim` with the given sizes, which must sum to the dimension's size; each piece
    gets its slice of the gradient."""
    sizes = _checks.parse_size((split_sizes,), "split_with_sizes")
    axis = _checks.normalize_dim(dim, input.ndim, "split_with_sizes")
    if sum(sizes) != input.shape[axis]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[axis]} (input tensor's size at "
            f"dimension {dim}), but got split_sizes={list(sizes)}"
        )
    return split(input, list(sizes), dim)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """The n-th power of each square matrix (batched over leading dims) by repeated squaring; n < 0 powers the
    inverse, n = 0 gives the identity. The gradient is the chain rule through the matmuls (and the inverse)."""
    if input.ndim < 2:
        raise RuntimeError(f"matrix_power: expected a matrix or a batch of matrices, got a {input.ndim}-D tensor")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"matrix_power: expected batches of square matrices, got {input.shape[-2]} by {input.shape[-1]} "
            "matrices"
        )
    if not _checks.is_int(n):
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__} {n!r}")
    if n == 0:  # PyTorch's identity: a constant, whatever the input
        xp = backend.array_module(input._data)
        identity = xp.eye(input.shape[-1], dtype=input.dtype)
        return _wrap(xp.ascontiguousarray(xp.broadcast_to(identity, input.shape)), False, None)
    base = inverse(input) if n < 0 else input
    n = int(n) if n > 0 else -int(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of each matrix: for real tensors the last two dimensions swapped."""
    if input.ndim < 2:
        raise RuntimeError(f"adjoint() is only supported on matrices or batches of matrices, got a "
                           f"{input.ndim}-D tensor")
    return transpose(input, -2, -1)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-D and 1-D tensors are returned as they are (torch.t)."""
    return input.t()


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: for real tensors (all of chainrule's) the input itself; d/dx x = 1."""
    return input


def resolve_conj(input: Tensor) -> Tensor:
    """The input with a pending conjugation applied: real tensors have none, so the input itself."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """The input with a pending negation applied: chainrule has none, so the input itself."""
    return input


# -- comparisons (bool results) ------------------------------------------------------------------------
def eq(input: Any, other: Any) -> Tensor:
    """input == other, elementwise (a bool tensor)."""
    return compare("equal", input, other)


def ne(input: Any, other: Any) -> Tensor:
    """input != other, elementwise (a bool tensor)."""
    return compare("not_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:
    """input > other, elementwise (a bool tensor)."""
    return compare("greater", input, other)


def ge(input: Any, other: Any) -> Tensor:
    """input >= other, elementwise (a bool tensor)."""
    return compare("greater_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:
    """input < other, elementwise (a bool tensor)."""
    return compare("less", input, other)


def le(input: Any, other: Any) -> Tensor:
    """input <= other, elementwise (a bool tensor)."""
    return compare("less_equal", input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and equal values (compared after promotion; NaN != NaN)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"equal: expected two Tensors, got {type(input).__name__} and {type(other).__name__}")
    if input.device != other.device:
        raise RuntimeError(f"equal: tensors on {input.device} and {other.device}; move one with .to() first")
    if input.shape != other.shape:
        return False
    return bool((input._data == other._data).all())


# -- predicates and properties -------------------------------------------------------------------------
def is_tensor(obj: Any) -> bool:
    """True if obj is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return input.dtype.kind == "f"


def is_complex(input: Tensor) -> bool:
    """True for complex tensors (chainrule has none, so always False)."""
    return input.dtype.kind == "c"


def is_signed(input: Tensor) -> bool:
    """True for dtypes that hold negative values (signed integers and floats; not uint8 or bool)."""
    return input.dtype.kind in "ifc"


def is_nonzero(input: Tensor) -> bool:
    """The truth value of a one-element tensor; more or fewer elements are an error, as in PyTorch."""
    if input.numel() != 1:
        raise RuntimeError(
            f"is_nonzero: expected a tensor with exactly one element, got {input.numel()} (shape {input.shape}); "
            "reduce it first (.any(), .all())"
        )
    return bool(input._data.reshape(()))


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape."""
    return input.shape == other.shape


def numel(input: Tensor) -> int:
    """The number of elements."""
    return input.numel()


def _ndimension(self: Tensor) -> int:
    """The number of dimensions (alias of dim())."""
    return self.ndim


def _nelement(self: Tensor) -> int:
    """The number of elements (alias of numel())."""
    return self.numel()


def _is_contiguous(self: Tensor, memory_format: Any = None) -> bool:
    """True if the elements lie in row-major order without gaps (a view like .mT or x[:, ::2] is not)."""
    return bool(self._data.flags.c_contiguous)


def _is_cpu(self: Tensor) -> bool:
    return self.device.type == "cpu"


def _false_property(self: Tensor) -> bool:
    """False: chainrule tensors are dense, strided, unquantized, and live on the CPU or a CUDA GPU only."""
    return False


def _get_device(self: Tensor) -> int:
    """The CUDA device index, or -1 on the CPU."""
    return -1 if self.device.type == "cpu" else self.device.index


def _stride(self: Tensor, dim: int | None = None) -> tuple[int, ...] | int:
    """The step in elements between neighbours along each dimension (0 along broadcast ones), or along `dim`."""
    strides = tuple(step // self._data.itemsize for step in self._data.strides)
    if dim is None:
        return strides
    return strides[_checks.normalize_dim(dim, self.ndim, "stride()")]


def _address(array: Any) -> int:
    """The address of an array's first element (NumPy or CuPy)."""
    pointer = getattr(array.data, "ptr", None)  # CuPy: a MemoryPointer
    return array.ctypes.data if pointer is None else pointer


def _data_ptr(self: Tensor) -> int:
    """The address of the first element in memory (device memory for CUDA tensors)."""
    return _address(self._data)


def _storage_offset(self: Tensor) -> int:
    """The position, in elements, of the first element in the memory of the array this tensor views."""
    root = self._data
    while getattr(root, "base", None) is not None and hasattr(root.base, "strides"):
        root = root.base
    return (_address(self._data) - _address(root)) // self._data.itemsize


def _false(self: Tensor) -> bool:
    """False: chainrule has no lazy conjugation or negation, inference tensors, pinned or shared memory."""
    return False


def _byte(self: Tensor) -> Tensor:
    return self.to(backend.uint8)


def _char(self: Tensor) -> Tensor:
    return self.to(backend.int8)


def _short(self: Tensor) -> Tensor:
    return self.to(backend.int16)


def _nbytes(self: Tensor) -> int:
    return int(self._data.nbytes)


def _itemsize(self: Tensor) -> int:
    return int(self._data.itemsize)


def _retains_grad(self: Tensor) -> bool:
    """True for a non-leaf tensor on which retain_grad() was called."""
    hooks = self.grad_fn._hooks if self.grad_fn is not None else None  # where retain_grad() records its hook
    return any(isinstance(hook, RetainGrad) and hook.tensor() is self for hook in hooks or ())


def _detach_(self: Tensor) -> Tensor:
    """Make this tensor a leaf that doesn't require grad, in place (its graph is cut off)."""
    self.grad_fn = None
    self.requires_grad = False
    return self


def _mH(self: Tensor) -> Tensor:
    return adjoint(self)


def _H(self: Tensor) -> Tensor:
    if self.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors), got a {self.ndim}-D tensor; "
                           "for batches of matrices use tensor.mH")
    return self if self.ndim == 0 else transpose(self, 0, 1)


# -- in-place changes of shape (the values stay, so no version bump) -----------------------------------
def _reshape_in_place(self: Tensor, shape: tuple, what: str) -> Tensor:
    """Give the tensor the shape of a view of its own memory (squeeze_, unsqueeze_): only size-1 dims move."""
    self._check_inplace(what)
    if self.grad_fn is not None and self.requires_grad:
        raise RuntimeError(f"{what}: can't change the shape of a tensor in the graph; use the out-of-place form")
    self._data = self._data.reshape(shape)  # adding or dropping size-1 dims never copies
    return self


def _transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In place: the tensor becomes its transpose of dims dim0 and dim1 (a view of the same memory)."""
    self._check_inplace("transpose_()")
    if self.grad_fn is not None and self.requires_grad:
        raise RuntimeError("transpose_(): can't change the shape of a tensor in the graph; use transpose()")
    if self.ndim == 0:
        _checks.normalize_dim(dim0, 0, "transpose_()")
        _checks.normalize_dim(dim1, 0, "transpose_()")
        return self
    xp = backend.array_module(self._data)
    self._data = xp.swapaxes(self._data, _checks.normalize_dim(dim0, self.ndim, "transpose_()"),
                            _checks.normalize_dim(dim1, self.ndim, "transpose_()"))
    return self


def _t_(self: Tensor) -> Tensor:
    """In place: the transpose of a matrix; 0-D and 1-D tensors stay as they are."""
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D; "
                           "use transpose_(dim0, dim1)")
    return _transpose_(self, 0, -1) if self.ndim == 2 else _transpose_(self, 0, 0)


def _squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    """In place: size-1 dimensions (all, or those of `dim`) removed."""
    with no_grad():
        shape = tuple(squeeze(self, dim).shape)
    return _reshape_in_place(self, shape, "squeeze_()")


def _unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """In place: a size-1 dimension inserted at `dim`."""
    with no_grad():
        shape = tuple(unsqueeze(self, dim).shape)
    return _reshape_in_place(self, shape, "unsqueeze_()")


# -- in-place forms of the elementwise functions ---------------------------------------------------------
_IN_PLACE: dict[str, Callable[..., Tensor]] = {
    "abs": abs, "absolute": absolute, "neg": neg, "negative": negative, "exp": exp, "log": log, "log1p": log1p,
    "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "sign": sign,
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max, "pow": pow,
    "reciprocal": reciprocal, "square": square, "multiply": multiply, "subtract": subtract, "divide": divide,
    "true_divide": true_divide, "addcmul": addcmul, "addcdiv": addcdiv, "eq": eq, "ne": ne, "gt": gt, "ge": ge,
    "lt": lt, "le": le, "greater": greater, "greater_equal": greater_equal, "less": less,
    "less_equal": less_equal, "not_equal": not_equal,
}

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "absolute": absolute, "negative": negative, "positive": positive, "multiply": multiply, "subtract": subtract,
    "divide": divide, "true_divide": true_divide, "square": square, "reciprocal": reciprocal,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "addcmul": addcmul, "addcdiv": addcdiv, "concat": concat,
    "concatenate": concatenate, "ravel": ravel, "broadcast_to": broadcast_to, "tile": tile, "select": select,
    "take": take, "split_with_sizes": split_with_sizes, "matrix_power": matrix_power, "adjoint": adjoint, "t": t,
    "eq": eq, "ne": ne, "gt": gt, "ge": ge, "lt": lt, "le": le, "greater": greater,
    "greater_equal": greater_equal, "less": less, "less_equal": less_equal, "not_equal": not_equal,
    "equal": equal, "is_tensor": is_tensor, "is_floating_point": is_floating_point, "is_complex": is_complex,
    "is_signed": is_signed, "is_nonzero": is_nonzero, "is_same_size": is_same_size, "numel": numel,
    "conj": conj, "resolve_conj": resolve_conj, "resolve_neg": resolve_neg,
}

__all__: list[str] = sorted(set(_FUNCTIONS) - {"is_signed"})  # torch has no torch.is_signed

# function names that PyTorch has only as functions (Tensor has them already or not at all)
_NOT_METHODS = {"concat", "concatenate", "is_tensor", "numel", "eq", "ne", "gt", "ge", "lt", "le", "t", "tile",
                "broadcast_to"}

METHODS: dict[str, Callable[..., Any]] = {
    **{name: function for name, function in _FUNCTIONS.items() if name not in _NOT_METHODS},
    "tile": _tile_method, "broadcast_to": _broadcast_to_method,
    "ndimension": _ndimension, "nelement": _nelement, "is_contiguous": _is_contiguous, "get_device": _get_device,
    "stride": _stride, "storage_offset": _storage_offset, "data_ptr": _data_ptr, "detach_": _detach_,
    "is_cpu": property(_is_cpu), **{name: property(_false_property) for name in (
        "is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_nested", "is_mkldnn", "is_ipu", "is_vulkan")},
    "nbytes": property(_nbytes), "itemsize": property(_itemsize),
    "retains_grad": property(_retains_grad), "mH": property(_mH), "H": property(_H),
    "transpose_": _transpose_, "swapaxes_": _transpose_, "swapdims_": _transpose_, "t_": _t_,
    "squeeze_": _squeeze_, "unsqueeze_": _unsqueeze_, "byte": _byte, "char": _char, "short": _short,
    "is_conj": _false, "is_neg": _false, "is_inference": _false, "is_pinned": _false, "is_shared": _false,
    **{f"{name}_": _in_place(function, f"{name}_") for name, function in _IN_PLACE.items()},
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({
    "eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less", "less_equal", "not_equal", "equal",
    "is_tensor", "is_floating_point", "is_complex", "is_nonzero", "is_same_size", "numel",
})

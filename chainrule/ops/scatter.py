"""Ops that read or write at computed positions: gather, scatter (add, reduce), index_put, index_add/copy/fill,
masked_fill/select/scatter, take_along_dim, nonzero and argwhere.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.

Two ops do the writing: `IndexPut` (values written, or added, at an advanced index) and `ScatterReduce`.
Reading is indexing (`GetItem`), selecting by a mask is `where`. A position along `dim` is turned into a
NumPy advanced index once (`_along`), so every op here is a read or a write at such an index. The in-place
forms (`scatter_`, `masked_fill_`, ...) run the op and write the result into the tensor's memory, outside
autograd as the other in-place methods of Tensor.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.autograd.grad_mode import no_grad
from chainrule.ops import _checks
from chainrule.ops.elementwise import where
from chainrule.ops.indexing import getitem
from chainrule.ops.shape import expand, reshape
from chainrule.tensor import Tensor, _wrap

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


class IndexPut(Function):
    """input with `values` written (accumulate=False) or added (accumulate=True) at an advanced index.

    d/d values = the upstream gradient read at the index (summed where values broadcast); d/d input = the
    upstream gradient where nothing was written (everywhere when adding).
    """

    def __init__(self, index, accumulate):
        self.index, self.accumulate = index, accumulate

    def forward(self, x, values):
        xp = backend.array_module(x)
        out = x.copy()
        if self.accumulate:
            xp.add.at(out, self.index, values)
        else:
            out[self.index] = values
            if backend.GRAD_MODE.enabled:
                self.keep = xp.ones(x.shape, dtype=bool)
                self.keep[self.index] = False
        self.values_shape = values.shape
        return out

    def backward(self, grad):
        grad_x = grad if self.accumulate else grad * self.keep
        return grad_x, sum_to(grad[self.index], self.values_shape)


class ScatterReduce(Function):
    """input's entries combined with the src entries scattered onto them: sum, prod, mean, amax or amin.

    d out_p / d src_j (j scattered to p) is 1 (sum), 1 / count_p (mean), 1 / ties_p where src_j is the extreme
    (amax, amin: ties share, as PyTorch), the product of the other factors (prod); the same for input_p when
    include_self, else d out_p / d input_p is 1 where nothing was scattered and 0 elsewhere.
    """

    def __init__(self, index, reduce, include_self):
        self.index, self.reduce, self.include_self = index, reduce, include_self
        if reduce == "prod":  # its gradient is a product of the other inputs: it reads them (and the result)
            self.saves_inputs = self.saves_output = True

    def forward(self, x, src):
        xp = backend.array_module(x)
        out, touched, counts = _reduce_arrays(x, src, self.index, self.reduce, self.include_self)
        if not backend.GRAD_MODE.enabled or x.dtype.kind != "f":
            return out
        untouched = ~touched
        if self.reduce in ("sum", "mean"):
            self.input_weight = 1 if self.include_self else untouched
            if self.reduce == "mean":
                self.scale = (1 / counts).astype(x.dtype)
        elif self.reduce in ("amax", "amin"):
            input_wins = (x == out) & (untouched | self.include_self)
            src_wins = src == out[self.index]
            ties = input_wins.astype(x.dtype)
            xp.add.at(ties, self.index, src_wins.astype(x.dtype))
            ties = xp.maximum(ties, 1)
            self.input_weight = input_wins / ties
            self.src_weight = src_wins / ties[self.index]
        else:
            self.untouched = untouched
            self.input_zero = (x == 0).astype(x.dtype)
            src_zero = src == 0
            zeros = xp.zeros(x.shape, dtype=xp.int64)
            xp.add.at(zeros, self.index, src_zero.astype(xp.int64))
            self.src_zero = src_zero.astype(x.dtype)
            self.single_zero = (src_zero & (zeros[self.index] == 1)).astype(x.dtype)
            self.many_zeros = builtins.bool((zeros > 1).any())
        return out

    def backward(self, grad):
        if self.reduce == "prod":
            return self._prod_backward(grad)
        if self.reduce == "sum":
            return grad * self.input_weight, grad[self.index]
        if self.reduce == "mean":
            scaled = grad * self.scale
            return scaled * self.input_weight, scaled[self.index]
        return grad * self.input_weight, grad[self.index] * self.src_weight

    def _prod_backward(self, grad):
        # PyTorch's rule: divide the result by a factor where that is exact; where a factor is 0, rerun the
        # product with it replaced by 1 (exact whenever no other factor of that position is 0)
        x, src = self.inputs
        if self.many_zeros and isinstance(grad, Tensor):
            raise RuntimeError(
                "scatter_reduce: the second derivative of reduce='prod' is not supported where more than one zero "
                "of src is scattered to the same position (as in PyTorch)"
            )
        if self.include_self:
            masked_x = x * (1 - self.input_zero) + self.input_zero  # its zeros replaced by the constant 1
            grad_x = grad * self._rerun(masked_x, src) / masked_x
        else:
            grad_x = grad * self.untouched
        grad_src = (grad * self.output)[self.index] / (src + self.src_zero)
        if self.single_zero.any():
            masked_src = src * (1 - self.single_zero) + self.single_zero
            lone_zero_replaced = (grad * self._rerun(x, masked_src))[self.index]
            grad_src = grad_src * (1 - self.single_zero) + lone_zero_replaced * self.single_zero
        return grad_x, grad_src

    def _rerun(self, x, src):
        """This op on other values: arrays for a plain backward, a graph node for create_graph."""
        if isinstance(x, Tensor):
            return ScatterReduce(self.index, self.reduce, self.include_self).apply(x, src)
        return _reduce_arrays(x, src, self.index, self.reduce, self.include_self)[0]


def _reduce_arrays(x: Any, src: Any, index: tuple, reduce: str, include_self: bool) -> tuple:
    """scatter_reduce on arrays: (result, the positions something was scattered to, the mean's counts)."""
    xp = backend.array_module(x)
    out = x.copy()
    touched = xp.zeros(x.shape, dtype=bool)
    touched[index] = True
    if not include_self:
        out[touched] = _identity(reduce, x.dtype)
    if reduce in ("sum", "mean"):
        xp.add.at(out, index, src)
    else:
        _ufunc_at({"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce], out, index, src)
    counts = None
    if reduce == "mean":
        counts = xp.zeros(x.shape, dtype=xp.int64)
        xp.add.at(counts, index, 1)
        counts = xp.maximum(counts + include_self, 1)
        out = out / counts.astype(x.dtype) if x.dtype.kind == "f" else out // counts
    return out, touched, counts


def _identity(reduce: str, dtype: Any) -> Any:
    """The value a reduction starts from when include_self=False."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -numpy.inf if reduce == "amax" else numpy.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = numpy.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _ufunc_at(name: str, out: Any, index: tuple, values: Any) -> None:
    """`out[index] op= values` for every entry of index, repeated positions included (NumPy's ufunc.at).

    CuPy has ufunc.at only for some ufuncs (add, maximum, minimum): elsewhere the entries are applied in
    rounds in which each position occurs once, where plain fancy assignment is exact.
    """
    xp = backend.array_module(out)
    ufunc = getattr(xp, name)
    if xp is numpy or name != "multiply":
        ufunc.at(out, index, values)
        return
    _ufunc_at_in_rounds(ufunc, out, index, values)


def _ufunc_at_in_rounds(ufunc: Any, out: Any, index: tuple, values: Any) -> None:
    xp = backend.array_module(out)
    arrays = xp.broadcast_arrays(*index, values)
    flat = xp.ravel_multi_index(tuple(a.ravel() for a in arrays[:-1]), out.shape)
    order = xp.argsort(flat)
    flat, values = flat[order], arrays[-1].ravel()[order]
    # each entry's rank among the entries of its position (0, 1, ...): a round takes one rank
    rank = xp.arange(flat.size) - xp.searchsorted(flat, flat, side="left")
    work = out.reshape(-1)  # a view: out is a fresh C-contiguous copy
    for round_ in range(int(rank.max()) + 1 if rank.size else 0):
        chosen = rank == round_
        work[flat[chosen]] = ufunc(work[flat[chosen]], values[chosen])


# -- indices --------------------------------------------------------------------------------------
def _index_array(index: Any, like: Tensor, op: str) -> Any:
    """The array of an integer index tensor, on `like`'s device."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be an integer Tensor, got {type(index).__name__}")
    if index.dtype.kind not in "iu":
        raise RuntimeError(
            f"{op}: expected an integer (int64) index tensor, got {backend.dtype_name(index.dtype)}; convert it "
            "with .long()"
        )
    if index.device != like.device:
        raise RuntimeError(f"{op}: index is on {index.device} but the input is on {like.device}")
    return index._data


def _check_range(index: Any, size: int, axis: int, op: str, allow_negative: bool = False,
                 error: type = RuntimeError) -> None:
    """Every entry in [0, size) (or [-size, size)); name the first one that is not, as PyTorch does."""
    if not index.size:
        return
    bad = (index >= size) | (index < (-size if allow_negative else 0))
    if bad.any():
        value = int(index[bad].ravel()[0])
        raise error(f"{op}: index {value} is out of bounds for dimension {axis} with size {size}")


def _along(xp: Any, shape: tuple, axis: int, index: Any) -> tuple:
    """The advanced index of position index[i_0, ..., i_n] along `axis` and i_d along every other axis d:
    x[_along(...)] is gather(x, axis, index) for an index of `shape`."""
    ndim = len(shape)
    positions = []
    for d in range(ndim):
        if d == axis:
            positions.append(index)
        else:
            positions.append(xp.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(ndim)]))
    return tuple(positions)


def _at_least_1d(tensor: Tensor) -> Tensor:
    return tensor if tensor.ndim else reshape(tensor, (1,))


def _check_gather_shapes(input: Tensor, index: Any, axis: int, op: str, src: Tensor | None = None) -> None:
    """PyTorch's rules for gather and scatter: index has the input's (and src's) rank and is no larger than
    the input outside `dim` (and no larger than src anywhere)."""
    if index.ndim != input.ndim:
        raise RuntimeError(
            f"{op}: index must have as many dimensions as the input, got index of shape {index.shape} and input "
            f"of shape {input.shape}"
        )
    if src is not None and index.ndim != src.ndim:
        raise RuntimeError(
            f"{op}: index must have as many dimensions as src, got index of shape {index.shape} and src of shape "
            f"{src.shape}"
        )
    for d, size in enumerate(index.shape):
        if (d != axis and size > input.shape[d]) or (src is not None and size > src.shape[d]):
            larger = f" and no larger than src {src.shape}" if src is not None else ""
            raise RuntimeError(
                f"{op}: index of shape {index.shape} must be no larger than the input {input.shape} apart from "
                f"dimension {axis}{larger}"
            )


def _same_dtype(input: Tensor, other: Tensor, name: str, op: str) -> None:
    if other.dtype != input.dtype:
        raise RuntimeError(
            f"{op}: expected {name} to have the input's dtype {backend.dtype_name(input.dtype)}, got "
            f"{backend.dtype_name(other.dtype)}; convert it with .to({backend.dtype_name(input.dtype)})"
        )
    if other.device != input.device:
        raise RuntimeError(f"{op}: {name} is on {other.device} but the input is on {input.device}")


def _scalar_value(value: Any, input: Tensor, op: str) -> Tensor:
    """A fill value (a number or a 0-d tensor) as a 0-d tensor of the input's dtype (a tensor keeps its graph)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"{op}: value must be a number or a 0-dimensional tensor, got a tensor of shape {value.shape}"
            )
        if value.device != input.device:
            raise RuntimeError(f"{op}: value is on {value.device} but the input is on {input.device}")
        return value if value.dtype == input.dtype else value.to(input.dtype)
    if not isinstance(value, _checks.SCALAR_TYPES):
        raise TypeError(f"{op}: value must be a number or a 0-dimensional tensor, got {type(value).__name__}")
    xp = backend.array_module(input._data)
    return _wrap(xp.asarray(value).astype(input.dtype), False, None)


# -- gather and scatter ---------------------------------------------------------------------------
def _gather(input: Tensor, axis: int, index: Any) -> Tensor:
    """gather on an input of at least 1 dimension and a checked index array of its rank."""
    return getitem(input, _along(backend.array_module(index), index.shape, axis, index))


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (dim=0): the entries at `index` along `dim`; the gradient adds back
    into those positions (repeated ones accumulate)."""
    array = _index_array(index, input, "gather")
    x = _at_least_1d(input)
    axis = _checks.normalize_dim(dim, x.ndim, "gather")
    positions = array if array.ndim else array.reshape(1)
    _check_gather_shapes(x, positions, axis, "gather")
    _check_range(positions, x.shape[axis], axis, "gather")
    result = _gather(x, axis, positions)
    return result if array.ndim else reshape(result, ())


def _scatter_operands(input: Tensor, dim: int, index: Tensor, src: Any, op: str, is_value: bool = False) -> tuple:
    """(input of at least 1-D, its advanced index, the values to write there) of a scatter: src (a tensor of
    the index's rank) or a value (a number or a 0-d tensor)."""
    array = _index_array(index, input, op)
    x = _at_least_1d(input)
    axis = _checks.normalize_dim(dim, x.ndim, op)
    positions = array if array.ndim else array.reshape(1)
    if isinstance(src, Tensor) and not is_value:
        _same_dtype(input, src, "src", op)
        values = _at_least_1d(src)
        _check_gather_shapes(x, positions, axis, op, values)
        if values.shape != positions.shape:  # only the leading block of src that index covers is read
            values = getitem(values, tuple(slice(0, size) for size in positions.shape))
    else:
        _check_gather_shapes(x, positions, axis, op)
        values = _scalar_value(src, input, op)
    _check_range(positions, x.shape[axis], axis, op)
    return x, _along(backend.array_module(array), positions.shape, axis, positions), values


def _like_input(result: Tensor, input: Tensor) -> Tensor:
    return result if result.shape == input.shape else reshape(result, input.shape)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of input with src[i][j] (or `value`) written at [index[i][j]][j] (dim=0).

    The gradient of src is the upstream gradient read back at index (as PyTorch's, also for entries a
    repeated index overwrote); input's is the upstream gradient where nothing was written. The legacy
    reduce='add' / 'multiply' adds or multiplies instead (as scatter_reduce 'sum' / 'prod', with gradients).
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor, or a number) and value (a number)")
    x, positions, values = _scatter_operands(input, dim, index, src if value is None else value, "scatter",
                                             is_value=value is not None)
    if reduce is None:
        result = IndexPut(positions, False).apply(x, values)
    elif reduce == "add":
        result = IndexPut(positions, True).apply(x, values)
    elif reduce == "multiply":
        values = values if values.shape == _index_shape(positions) else expand(values, _index_shape(positions))
        result = ScatterReduce(positions, "prod", True).apply(x, values)
    else:
        raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}; see scatter_reduce for more")
    return _like_input(result, input)


def _index_shape(positions: tuple) -> tuple:
    return numpy.broadcast_shapes(*(p.shape for p in positions))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with src[i][j] added at [index[i][j]][j] (dim=0), repeated positions summing; the
    gradient of src is the upstream gradient read back at index, input's passes through."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    x, positions, values = _scatter_operands(input, dim, index, src, "scatter_add")
    return _like_input(IndexPut(positions, True).apply(x, values), input)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """input with the entries of src combined into position [index[i][j]][j] (dim=0) by `reduce`: 'sum',
    'prod', 'mean', 'amax' or 'amin'; include_self=False leaves input's own entries out where src lands.

    Gradients as PyTorch's: amax/amin share the gradient among ties; prod's is the product of the other
    factors, exact where some are 0 (its second derivative is refused where two zeros of src meet).
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCTIONS)}, got {reduce!r}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce: src must be a Tensor, got {type(src).__name__}")
    x, positions, values = _scatter_operands(input, dim, index, src, "scatter_reduce")
    if reduce == "sum" and include_self:
        result = IndexPut(positions, True).apply(x, values)
    else:
        result = ScatterReduce(positions, reduce, builtins.bool(include_self)).apply(x, values)
    return _like_input(result, input)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """The entries at `indices` along `dim` (of the flattened input when dim is None), input and indices
    broadcast against each other outside `dim`; along a dim, negative indices count from the end."""
    array = _index_array(indices, input, "take_along_dim")
    if dim is None:
        x, array, axis = reshape(input, (-1,)), array.reshape(-1), 0
    else:
        if array.ndim != input.ndim:
            raise RuntimeError(
                f"take_along_dim: input and indices must have the same number of dimensions, got input of shape "
                f"{input.shape} and indices of shape {array.shape}"
            )
        x = _at_least_1d(input)
        array = array if array.ndim else array.reshape(1)
        axis = _checks.normalize_dim(dim, x.ndim, "take_along_dim")
        shape = []
        for d, (a, b) in enumerate(zip(x.shape, array.shape, strict=True)):
            if d != axis and a != b and 1 not in (a, b):
                raise RuntimeError(
                    f"take_along_dim: input of shape {input.shape} and indices of shape {indices.shape} don't "
                    f"broadcast at dimension {d} (sizes {a} and {b}); only dimension {axis} may differ"
                )
            shape.append(builtins.max(a, b))
        xp = backend.array_module(array)
        x = expand(x, (*shape[:axis], x.shape[axis], *shape[axis + 1:]))
        array = xp.broadcast_to(array, (*shape[:axis], array.shape[axis], *shape[axis + 1:]))
    size = x.shape[axis]
    # PyTorch wraps negative indices along a dim, but not into the flattened input
    _check_range(array, size, axis, "take_along_dim", allow_negative=dim is not None)
    array = array % size if size else array
    result = _gather(x, axis, array)
    return reshape(result, ()) if dim is not None and input.ndim == 0 else result


# -- index_put and the index_* family -------------------------------------------------------------
def _put_index(input: Tensor, indices: Any, op: str) -> tuple:
    """index_put's tuple of index tensors as an advanced index of integer arrays (a bool mask becomes the
    indices of its true entries), checked against the input's shape."""
    if isinstance(indices, Tensor) or not isinstance(indices, Sequence) or not indices:
        raise TypeError(f"{op}: indices must be a non-empty tuple of Tensors, got {indices!r}")
    xp = backend.array_module(input._data)
    arrays, axis = [], 0
    for position, index in enumerate(indices):
        if not isinstance(index, Tensor):
            raise TypeError(f"{op}: indices must be Tensors, got {type(index).__name__} at position {position}")
        if index.device != input.device:
            raise RuntimeError(f"{op}: index {position} is on {index.device} but the input is on {input.device}")
        is_mask = index.dtype == backend.bool_
        if not is_mask and index.dtype.kind not in "iu":
            raise IndexError(f"{op}: index tensors must be integer or bool, got {backend.dtype_name(index.dtype)}")
        if is_mask and index.ndim == 0:
            raise IndexError(f"{op}: a 0-dimensional bool index is not supported; give a mask of the indexed shape")
        covered = index.ndim if is_mask else 1
        if axis + covered > input.ndim:
            raise IndexError(f"{op}: too many indices for a tensor of dimension {input.ndim} (got {len(indices)})")
        if is_mask:
            if index.shape != input.shape[axis:axis + covered]:
                raise IndexError(
                    f"{op}: the shape of the mask {index.shape} at index {position} does not match the shape "
                    f"{input.shape[axis:axis + covered]} of the indexed tensor {input.shape} at dimension {axis}"
                )
            arrays.extend(xp.nonzero(index._data))
        else:
            _check_range(index._data, input.shape[axis], axis, op, allow_negative=True, error=IndexError)
            arrays.append(index._data)
        axis += covered
    try:
        numpy.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(index.shape) for index in indices)
        raise IndexError(f"{op}: the index tensors don't broadcast together, shapes {shapes}") from None
    return tuple(arrays)


def index_put(input: Tensor, indices: Sequence[Tensor], values: Any, accumulate: bool = False) -> Tensor:
    """A copy of input with values written (accumulate=True: added, repeats summing) at input[indices].

    The gradient of values is the upstream gradient read at indices (summed where values broadcast); input's
    is the upstream gradient where nothing was written (everywhere with accumulate=True).
    """
    index = _put_index(input, indices, "index_put")
    if isinstance(values, Tensor):
        if values.dtype != input.dtype:
            raise RuntimeError(
                f"index_put: values must have the input's dtype {backend.dtype_name(input.dtype)}, got "
                f"{backend.dtype_name(values.dtype)}; convert them with .to({backend.dtype_name(input.dtype)})"
            )
        if values.device != input.device:
            raise RuntimeError(f"index_put: values are on {values.device} but the input is on {input.device}")
    else:
        values = _scalar_value(values, input, "index_put")
    target = numpy.broadcast_shapes(*(a.shape for a in index)) + input.shape[len(index):]
    try:
        fits = numpy.broadcast_shapes(values.shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"index_put: values of shape {values.shape} can't be broadcast to the indexed shape {target}"
        )
    return IndexPut(index, builtins.bool(accumulate)).apply(input, values)


def _index_vector(index: Any, input: Tensor, op: str) -> Any:
    """The 1-D integer array of an index_add/index_copy/index_fill index (a 0-d one is one index)."""
    array = _index_array(index, input, op)
    if array.ndim > 1:
        raise IndexError(f"{op}: index must be a vector (or a scalar), got shape {array.shape}")
    return array.reshape(-1)


def _index_source(input: Tensor, dim: int, index: Tensor, source: Tensor, op: str,
                  allow_negative: bool, error: type) -> tuple:
    """(input of at least 1-D, the advanced index of its slices at `index` along dim) for index_add/index_copy."""
    array = _index_vector(index, input, op)
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}: source must be a Tensor, got {type(source).__name__}")
    _same_dtype(input, source, "source", op)
    x = _at_least_1d(input)
    axis = _checks.normalize_dim(dim, x.ndim, op)
    expected = (*x.shape[:axis], array.size, *x.shape[axis + 1:])
    source_shape = source.shape if source.ndim else (1,)
    if source.ndim != input.ndim or source_shape != expected:
        raise RuntimeError(
            f"{op}: source of shape {source.shape} must have the input's shape {input.shape} apart from dimension "
            f"{axis}, where it needs one entry per index ({array.size})"
        )
    _check_range(array, x.shape[axis], axis, op, allow_negative=allow_negative, error=error)
    xp = backend.array_module(array)
    positions = _along(xp, expected, axis, array.reshape([-1 if d == axis else 1 for d in range(x.ndim)]))
    return x, positions, _at_least_1d(source)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of input with alpha * source[i] added to slice index[i] along dim (repeats summing); the
    gradient of source is alpha times the upstream gradient at those slices, input's passes through."""
    x, positions, values = _index_source(input, dim, index, source, "index_add", False, RuntimeError)
    if alpha != 1:
        values = values * alpha
    return _like_input(IndexPut(positions, True).apply(x, values), input)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with slice index[i] along dim replaced by source[i]; the gradient of source is the
    upstream gradient at those slices, input's is the upstream gradient of the slices not replaced."""
    x, positions, values = _index_source(input, dim, index, source, "index_copy", False, IndexError)
    return _like_input(IndexPut(positions, False).apply(x, values), input)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of input with the slices at `index` along dim set to `value` (a number or a 0-d tensor, which
    gets the upstream gradient summed over the filled entries); input gets it elsewhere."""
    array = _index_vector(index, input, "index_fill")
    axis = _checks.normalize_dim(dim, input.ndim, "index_fill")
    size = input.shape[axis] if input.ndim else 1
    _check_range(array, size, axis, "index_fill", allow_negative=True, error=IndexError)
    xp = backend.array_module(array)
    mask = xp.zeros(input.shape if input.ndim else (1,), dtype=bool)
    mask[(slice(None),) * axis + (array,)] = True
    return _masked_fill(input, mask.reshape(input.shape), value, "index_fill")


# -- masks ----------------------------------------------------------------------------------------
def _mask_array(mask: Any, input: Tensor, op: str) -> Any:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: mask must be a bool Tensor, got {type(mask).__name__}")
    if mask.dtype != backend.bool_:
        raise RuntimeError(
            f"{op}: expected a bool mask, got {backend.dtype_name(mask.dtype)}; compare to build one (m = x > 0) "
            "or convert it with .bool()"
        )
    if mask.device != input.device:
        raise RuntimeError(f"{op}: mask is on {mask.device} but the input is on {input.device}")
    return mask._data


def _broadcast_shape(input: Tensor, mask: Any, op: str) -> tuple:
    try:
        return numpy.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: mask of shape {mask.shape} doesn't broadcast with the input of shape {input.shape}"
        ) from None


def _masked_fill(input: Tensor, mask: Any, value: Any, op: str) -> Tensor:
    value = _scalar_value(value, input, op)
    return where(_checks.constant(mask), value, input)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """input with `value` (a number or a 0-d tensor) where mask is true (broadcast); the gradient reaches
    input where mask is false, and a tensor value as the sum over the filled entries."""
    array = _mask_array(mask, input, "masked_fill")
    _broadcast_shape(input, array, "masked_fill")
    return _masked_fill(input, array, value, "masked_fill")


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The entries of input where mask is true (both broadcast), as a 1-D tensor; the gradient goes back to
    those entries (summed over broadcasting)."""
    array = _mask_array(mask, input, "masked_select")
    shape = _broadcast_shape(input, array, "masked_select")
    xp = backend.array_module(array)
    return getitem(expand(input, shape), xp.broadcast_to(array, shape))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with the leading entries of source (in order) written where mask is true (broadcast); the
    gradient of source is the upstream gradient at those entries (0 for the unused rest), input's elsewhere."""
    array = _mask_array(mask, input, "masked_scatter")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter: source must be a Tensor, got {type(source).__name__}")
    _same_dtype(input, source, "source", "masked_scatter")
    shape = _broadcast_shape(input, array, "masked_scatter")
    xp = backend.array_module(array)
    array = xp.broadcast_to(array, shape)
    count = int(array.sum())
    if source.numel() < count:
        raise RuntimeError(
            f"masked_scatter: source has {source.numel()} elements, fewer than the {count} true entries of the mask"
        )
    values = reshape(source, (-1,))
    if values.shape[0] != count:
        values = getitem(values, slice(0, count))
    return IndexPut(array, False).apply(expand(input, shape), values)


# -- positions of nonzero entries (no gradient) ----------------------------------------------------
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero entries: an int64 tensor of shape (count, ndim), or with as_tuple=True one
    1-D tensor per dimension (a 0-d input counts as 1-D)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"nonzero: expected a Tensor, got {type(input).__name__}")
    xp = backend.array_module(input._data)
    if as_tuple:
        array = input._data if input.ndim else input._data.reshape(1)
        return tuple(_wrap(part.astype(xp.int64), False, None) for part in xp.nonzero(array))
    return _wrap(xp.argwhere(input._data).astype(xp.int64), False, None)


def argwhere(input: Tensor) -> Tensor:
    """The indices of the nonzero entries as an int64 tensor of shape (count, ndim): nonzero(input)."""
    return nonzero(input)


# -- in-place forms -------------------------------------------------------------------------------
def _in_place(tensor: Tensor, what: str, compute: Callable[[], Tensor], operands: tuple) -> Tensor:
    """Write compute()'s result into the tensor's memory: outside autograd, as Tensor's other in-place methods."""
    tensor._check_inplace(what)
    if backend.GRAD_MODE.enabled and builtins.any(isinstance(t, Tensor) and t.requires_grad for t in operands):
        raise RuntimeError(
            f"{what}: an operand requires grad, and in-place ops are not recorded by autograd; use the out-of-place "
            f"form (x = x.{what.removesuffix('_()')}(...)), or do it under `with chainrule.no_grad():`"
        )
    with no_grad():
        result = compute()
    if result.shape != tensor.shape:
        raise RuntimeError(
            f"{what}: the result has shape {result.shape}, which doesn't fit the tensor's shape {tensor.shape} "
            "(in place, the other operands must broadcast to the tensor)"
        )
    tensor._data[...] = result._data
    tensor._bump_version()
    return tensor


def scatter_(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """scatter written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "scatter_()", lambda: scatter(input, dim, index, src, value=value, reduce=reduce),
                     (src, value))


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """scatter_add written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "scatter_add_()", lambda: scatter_add(input, dim, index, src), (src,))


def scatter_reduce_(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """scatter_reduce written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "scatter_reduce_()",
                     lambda: scatter_reduce(input, dim, index, src, reduce, include_self=include_self), (src,))


def index_put_(input: Tensor, indices: Sequence[Tensor], values: Any, accumulate: bool = False) -> Tensor:
    """index_put written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "index_put_()", lambda: index_put(input, indices, values, accumulate), (values,))


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """index_add written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "index_add_()", lambda: index_add(input, dim, index, source, alpha=alpha), (source,))


def index_copy_(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """index_copy written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "index_copy_()", lambda: index_copy(input, dim, index, source), (source,))


def index_fill_(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """index_fill written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "index_fill_()", lambda: index_fill(input, dim, index, value), (value,))


def masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """masked_fill written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "masked_fill_()", lambda: masked_fill(input, mask, value), (value,))


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """masked_scatter written into input's memory (outside autograd, as Tensor's other in-place methods)."""
    return _in_place(input, "masked_scatter_()", lambda: masked_scatter(input, mask, source), (source,))


__all__: list[str] = [
    "argwhere", "gather", "index_add", "index_copy", "index_fill", "index_put", "index_put_", "masked_fill",
    "masked_scatter", "masked_select", "nonzero", "scatter", "scatter_add", "scatter_reduce", "take_along_dim",
]

METHODS: dict[str, Callable[..., Any]] = {
    "argwhere": argwhere, "gather": gather, "index_add": index_add, "index_add_": index_add_,
    "index_copy": index_copy, "index_copy_": index_copy_, "index_fill": index_fill, "index_fill_": index_fill_,
    "index_put": index_put, "index_put_": index_put_, "masked_fill": masked_fill, "masked_fill_": masked_fill_,
    "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_, "masked_select": masked_select,
    "nonzero": nonzero, "scatter": scatter, "scatter_": scatter_, "scatter_add": scatter_add,
    "scatter_add_": scatter_add_, "scatter_reduce": scatter_reduce, "scatter_reduce_": scatter_reduce_,
    "take_along_dim": take_along_dim,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
# index_put_ changes its input in place, outside autograd (its out-of-place twin index_put has the rows).
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({"argwhere", "index_put_", "nonzero"})

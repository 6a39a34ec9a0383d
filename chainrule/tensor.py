"""`Tensor`: an array (NumPy or CuPy) plus what autograd needs — a gradient, the node that produced it,
and a version counter. Every operator and method delegates to `chainrule.ops`; no math lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy

from chainrule import backend, dtypes
from chainrule.backend import GRAD_MODE as _GRAD_MODE
from chainrule.backend import INPLACE as _INPLACE
from chainrule.backend import next_sequence as _next_sequence

_object_new = object.__new__
_Scalar = (int, float, bool, numpy.number, numpy.bool_)


class Size(tuple):
    """A tensor's shape, as `torch.Size`: a tuple of ints whose repr is `chainrule.Size([2, 3])` (str: `(2, 3)`)."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements a tensor of this shape has."""
        count = 1
        for size in self:
            count *= size
        return count

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)})"

    __str__ = tuple.__repr__  # messages read "got shape (2, 3)"


class Tensor:
    """A multi-dimensional array that can record the operations applied to it for reverse-mode autodiff.

    Example:
        >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    # `_data` is the NumPy or CuPy array; `data` is PyTorch's: a Tensor sharing it, outside the graph
    __slots__ = ("__weakref__", "_data", "_hooks", "_requires_grad", "_version", "grad", "grad_fn")
    __array_ufunc__ = None  # make `ndarray * tensor` call Tensor.__rmul__ instead of looping in NumPy
    _is_function = False

    def __init__(self, *data: Any, requires_grad: bool = False) -> None:
        """PyTorch's legacy constructor: `Tensor(2, 3)` is a (2, 3) tensor of zeros, `Tensor([1, 2])` the data in the
        default float dtype (`chainrule.tensor(...)` keeps integer and bool dtypes), `Tensor()` an empty one."""
        from chainrule.creation import _to_array

        dtype = backend.get_default_dtype()
        if all(isinstance(size, int) and not isinstance(size, bool) for size in data):
            if any(size < 0 for size in data):
                raise ValueError(f"Tensor(*sizes): sizes must be >= 0, got {data}")
            self._data = numpy.zeros(data if data else (0,), dtype=dtype)
        elif len(data) == 1:
            self._data = _to_array(data[0], dtype, None, "Tensor")
        else:
            raise TypeError(f"Tensor() takes sizes (Tensor(2, 3)) or one sequence of data (Tensor([1.0, 2.0])), "
                            f"got {len(data)} arguments that are not all ints")
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._version = [0]
        self._hooks: list[Callable] | None = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    # -- attributes --------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor outside the graph, as PyTorch's `.data`: changes through it (`p.data -=
        lr * p.grad`, `p.data.uniform_()`) are neither recorded nor counted by autograd's version check, which
        is what makes them unsafe when a graph still needs the old values (`detach()` is the safe form)."""
        return _wrap(self._data, False, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        """Replace the memory (`p.data = other`): a Tensor of the same dtype and device, as PyTorch requires."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}; wrap it: chainrule.tensor(...)")
        if value.dtype != self._data.dtype or value.device != self.device:
            raise RuntimeError(
                f"data: can't set a {backend.dtype_name(self._data.dtype)} tensor on {self.device} to data of "
                f"{backend.dtype_name(value.dtype)} on {value.device}; convert it first with .to(...)"
            )
        self._data = value._data

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> dtypes.dtype:
        try:
            return dtypes._BY_NUMPY[self._data.dtype]
        except KeyError:
            return dtypes.of(self._data.dtype)

    @property
    def device(self) -> backend.Device:
        return backend.device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; to use a computed tensor as a constant, "
                "take `t.detach()`"
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got {backend.dtype_name(self.dtype)}; "
                "convert with .float() first"
            )
        self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not produced by a recorded op): their .grad is filled."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the usual transpose for a matrix)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of transposed matrices)."""
        return _ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `Size` (a tuple), or the size of dimension `dim`."""
        return Size(self._data.shape) if dim is None else self._data.shape[_ops.normalize_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def element_size(self) -> int:
        return self._data.itemsize

    # -- conversion --------------------------------------------------------------------------------
    def numpy(self) -> numpy.ndarray:
        """The underlying NumPy array (shared memory, like PyTorch's). CUDA tensors need .cpu() first."""
        if type(self._data) is not numpy.ndarray:
            raise TypeError(f"can't convert a {self.device} tensor to NumPy; call .cpu() first")
        return self._data

    def item(self) -> int | float | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"item() needs a tensor with exactly one element, got shape {self.shape} "
                f"({self._data.size} elements); reduce it first (e.g. .sum() or .mean())"
            )
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same data (shared memory and version counter) cut off from the graph."""
        result = _wrap(self._data, False, None)
        result._version = self._version
        return result

    def clone(self) -> Tensor:
        """A copy of the data that gradients flow through."""
        return _ops.clone(self)

    def contiguous(self) -> Tensor:
        return self if self._data.flags.c_contiguous else _ops.clone(self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move to a device and/or cast to a dtype: `t.to('cuda')`, `t.to(chainrule.float64)`, `t.to(other)`."""
        device, dtype = parse_to_arguments(args, kwargs)
        result = self
        if dtype is not None and dtype != self.dtype:
            result = _ops.cast(result, dtype)
        if device is not None and device != self.device:
            result = _ops.to_device(result, device)
        return result

    def float(self) -> Tensor:
        return self.to(backend.float32)

    def double(self) -> Tensor:
        return self.to(backend.float64)

    def half(self) -> Tensor:
        return self.to(backend.float16)

    def long(self) -> Tensor:
        return self.to(backend.int64)

    def int(self) -> Tensor:
        return self.to(backend.int32)

    def bool(self) -> Tensor:
        return self.to(backend.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def type(self, dtype: Any = None) -> str | Tensor:
        """Without an argument the type's name ('chainrule.FloatTensor'); with a dtype, a typed name
        (chainrule.DoubleTensor) or its string ('torch.DoubleTensor'), the tensor cast to it."""
        from chainrule import legacy

        if dtype is None:
            return legacy.type_name(self.dtype)
        return self.to(legacy.dtype_of_type(dtype))

    # -- new tensors like this one (PyTorch's new_* methods: same dtype and device unless given) ----------------
    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        from chainrule.creation import tensor

        data = data._data if isinstance(data, Tensor) else data
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        from chainrule.creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        from chainrule.creation import ones

        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        from chainrule.creation import empty

        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        from chainrule.creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def cpu(self) -> Tensor:
        return self.to(backend.CPU)

    def cuda(self, index: int | None = None) -> Tensor:
        return self.to(backend.Device("cuda", index))

    # -- autograd ----------------------------------------------------------------------------------
    def backward(
        self,
        gradient: Tensor | Any | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        A non-scalar tensor needs `gradient` (the vector of the vector-Jacobian product). The graph is freed
        afterwards unless `retain_graph=True`; `create_graph=True` records the backward pass itself, so that
        the gradients can be differentiated again.
        """
        from chainrule.autograd.engine import run_backward

        gradient = _root_gradient(self, gradient, create_graph, "backward()")
        retain_graph = create_graph if retain_graph is None else retain_graph
        run_backward([self], [gradient], retain_graph, create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that doesn't require grad; it will never get one")
        if self.grad_fn is not None:
            from chainrule.autograd.engine import retain_grad

            retain_grad(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned Tensor replaces it.

        Example: `h = x.register_hook(lambda g: g.clamp(-1, 1))`, later `h.remove()`.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        owner = self.grad_fn if self.grad_fn is not None else self
        if owner._hooks is None:
            owner._hooks = []
        owner._hooks.append(hook)
        return _HookHandle(owner._hooks, hook)

    # -- in-place changes, outside autograd ---------------------------------------------------------
    def _bump_version(self) -> None:
        """Record an in-place change: nodes created before it that saved this memory will refuse backward."""
        self._version[0] = _INPLACE.last = _next_sequence()

    def _check_inplace(self, what: str) -> None:
        if self._requires_grad and _GRAD_MODE.enabled:
            kind = "a leaf tensor that requires grad" if self.grad_fn is None else "a tensor in the graph"
            raise RuntimeError(
                f"{what} would change {kind} in place, which autograd does not record; do it inside "
                "`with chainrule.no_grad():` (e.g. a parameter update) or write the out-of-place form "
                "(x = x + y)"
            )

    def _inplace(self, ufunc_name: str, other: Any, what: str) -> Tensor:
        self._check_inplace(what)
        xp = backend.array_module(self._data)
        value = _ops.operand_array(self, other, what)
        try:
            getattr(xp, ufunc_name)(self._data, value, out=self._data, casting="same_kind")
        except TypeError:  # NumPy's casting error (its own constructor can't be called with a message)
            raise RuntimeError(
                f"{what}: the result of dtype {backend.dtype_name(xp.result_type(self._data, value))} can't be cast to "
                f"the {backend.dtype_name(self.dtype)} tensor it would be written into; use the out-of-place "
                "operation, which returns the promoted dtype, or convert the tensor first (x = x.float())"
            ) from None
        except ValueError as error:
            raise ValueError(f"{what}: can't write the result into a tensor of shape {self.shape}: {error}") from None
        self._bump_version()
        return self

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("add", other if alpha == 1 else other * alpha, "add_()")

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        return self._inplace("subtract", other if alpha == 1 else other * alpha, "sub_()")

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("multiply", other, "mul_()")

    def div_(self, other: Any) -> Tensor:
        return self._inplace("true_divide", other, "div_()")

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace("add", other, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace("subtract", other, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace("multiply", other, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace("true_divide", other, "/=")

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_()")
        self._data[...] = _ops.operand_array(self, value, "fill_()")
        self._bump_version()
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, source: Any) -> Tensor:
        """Copy `source` (broadcast, cast to this dtype) into this tensor's memory."""
        self._check_inplace("copy_()")
        value = source._data if isinstance(source, Tensor) else source
        if isinstance(source, Tensor) and source.device != self.device:
            value = backend.move(value, self.device)
        try:
            self._data[...] = value
        except ValueError as error:
            raise ValueError(f"copy_(): can't copy shape {numpy.shape(value)} into {self.shape}: {error}") from None
        self._bump_version()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("index assignment")
        array = value._data if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and value.device != self.device:
            raise RuntimeError(f"index assignment: value is on {value.device} but the tensor is on {self.device}")
        index = _ops.index_arrays(index)
        split = _ops.indexing.split_index(index)
        try:
            if split is None:
                self._data[index] = array
            else:  # PyTorch's order: the integers select a view first, the arrays index it
                self._data[split[0]][split[1]] = array
        except (IndexError, ValueError) as error:
            raise type(error)(f"assignment to tensor of shape {self.shape} at index {index!r}: {error}") from None
        self._bump_version()

    # -- Python protocols --------------------------------------------------------------------------
    __hash__ = object.__hash__

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self._data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> numpy.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __format__(self, spec: str) -> str:
        if spec and self._data.size == 1:
            return format(self.item(), spec)
        return repr(self)

    def __repr__(self) -> str:
        data = self._data if type(self._data) is numpy.ndarray else self._data.get()
        finite = data[numpy.isfinite(data)] if data.dtype.kind == "f" else data
        fixed = data.dtype.kind == "f" and finite.size and not numpy.all(finite == numpy.round(finite))
        body = numpy.array2string(data, precision=4, separator=", ", prefix="tensor(", threshold=1000,
                                  floatmode="fixed" if fixed else "maxprec")
        if data.size == 0:
            body = f"[], size={data.shape}" if data.ndim > 1 else "[]"
        extras = []
        if self._data.dtype not in (backend.get_default_dtype(), backend.int64, backend.bool_):
            extras.append(f"dtype={backend.dtype_name(self._data.dtype)}")
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # -- arithmetic (chainrule.ops.arithmetic) -----------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.pow(base, self)

    def __matmul__(self, other: Tensor) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        return _ops.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        return _ops.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _ops.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def neg(self) -> Tensor:
        return _ops.neg(self)

    def matmul(self, other: Tensor) -> Tensor:
        return _ops.matmul(self, other)

    # -- comparisons: no gradient, boolean results -------------------------------------------------
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare("equal", self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare("not_equal", self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.compare("less", self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.compare("less_equal", self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.compare("greater", self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.compare("greater_equal", self, other)

    def eq(self, other: Any) -> Tensor:
        return _ops.compare("equal", self, other)

    def ne(self, other: Any) -> Tensor:
        return _ops.compare("not_equal", self, other)

    def lt(self, other: Any) -> Tensor:
        return _ops.compare("less", self, other)

    def le(self, other: Any) -> Tensor:
        return _ops.compare("less_equal", self, other)

    def gt(self, other: Any) -> Tensor:
        return _ops.compare("greater", self, other)

    def ge(self, other: Any) -> Tensor:
        return _ops.compare("greater_equal", self, other)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.any(self, dim, keepdim)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.all(self, dim, keepdim)

    # -- elementwise (chainrule.ops.elementwise) ---------------------------------------------------
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def sign(self) -> Tensor:
        return _ops.sign(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return _ops.minimum(self, other)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        return _ops.where(condition, self, other)

    # -- reductions (chainrule.ops.reduction) ------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        """Sum over `dim`; `axis` and `keepdims` are NumPy's names for dim and keepdim, which PyTorch accepts
        too (and which let a backward rule be written once for arrays and Tensors); `dtype` casts the input first."""
        if axis is not None:
            if dim is not None:
                raise TypeError(f"sum() got both dim={dim!r} and axis={axis!r}; pass one of them")
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        return _ops.sum(self if dtype is None else self.to(dtype), dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        """Average over `dim` (`axis`/`keepdims` accepted as in `sum`); `dtype` casts the input first."""
        if axis is not None:
            if dim is not None:
                raise TypeError(f"mean() got both dim={dim!r} and axis={axis!r}; pass one of them")
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        return _ops.mean(self if dtype is None else self.to(dtype), dim, keepdim)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.max(self, dim, keepdim)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.min(self, dim, keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.amin(self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.logsumexp(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return _ops.argmin(self, dim, keepdim)

    def sum_to_size(self, *size: Any) -> Tensor:
        return _ops.sum_to_size(self, _ops.parse_size(size, "sum_to_size"))

    # -- shape (chainrule.ops.shape) ---------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _ops.parse_size(shape, "reshape", allow_inferred=True))

    def view(self, *shape: Any) -> Tensor:
        return _ops.view(self, _ops.parse_size(shape, "view", allow_inferred=True))

    def view_as(self, other: Tensor) -> Tensor:
        return _ops.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _ops.unsqueeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _ops.transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return _ops.transpose(self, axis0, axis1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {self.shape}; use .mT")
        return self.T

    def permute(self, *dims: Any) -> Tensor:
        return _ops.permute(self, _ops.parse_size(dims, "permute", allow_negative=True))

    def expand(self, *sizes: Any) -> Tensor:
        return _ops.expand(self, _ops.parse_size(sizes, "expand", allow_negative=True))

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.expand(self, other.shape)

    def repeat(self, *repeats: Any) -> Tensor:
        return _ops.repeat(self, _ops.parse_size(repeats, "repeat"))

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return _ops.index_select(self, dim, index)

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.chunk(self, chunks, dim)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)


class _HookHandle:
    """Returned by `register_hook`; `remove()` unregisters the hook."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def parse_to_arguments(args: tuple, kwargs: dict) -> tuple[backend.Device | None, numpy.dtype | None]:
    """The (device, dtype) that `.to(...)` asks for: positional device/dtype/tensor, or device=/dtype=."""
    device, dtype = None, None
    for key, value in [*((None, arg) for arg in args), *kwargs.items()]:
        if key not in (None, "device", "dtype"):
            raise TypeError(f"to() got an unexpected keyword argument {key!r}; use device= or dtype=")
        if isinstance(value, Tensor):
            device, dtype = value.device, value.dtype
        elif key == "device" or (key is None and isinstance(value, str | backend.Device)):
            device = backend.to_device(value)
        elif value is not None:
            dtype = backend.to_dtype(value)
    return device, dtype


def _wrap(data: Any, requires_grad: bool, grad_fn: Any) -> Tensor:
    """Make a Tensor around an array without conversion or checks: the hot path of every op."""
    tensor = _object_new(Tensor)
    tensor._data = data
    tensor.grad = None
    tensor._requires_grad = requires_grad
    tensor.grad_fn = grad_fn
    tensor._version = [0]
    tensor._hooks = None
    return tensor


def _root_gradient(output: Tensor, gradient: Any, create_graph: bool, caller: str) -> Any:
    """The gradient that starts a backward pass from `output`, checked for shape, dtype and device."""
    if not output._requires_grad:
        raise RuntimeError(
            f"{caller}: the tensor does not require grad — none of the tensors it was computed from has "
            "requires_grad=True, or it was computed under no_grad()"
        )
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"{caller}: the gradient can be created implicitly only for a scalar output, got shape "
                f"{output.shape}; pass gradient= (a tensor of that shape), or reduce the output first"
            )
        xp = backend.array_module(output._data)
        return xp.ones(output.shape, dtype=output.dtype)
    if isinstance(gradient, Tensor):
        if gradient.device != output.device:
            raise RuntimeError(f"{caller}: gradient is on {gradient.device} but the output is on {output.device}")
        gradient = gradient if create_graph else gradient._data
    else:
        xp = backend.array_module(output._data)
        gradient = xp.asarray(gradient, dtype=output.dtype)
    if tuple(gradient.shape) != output.shape:
        raise RuntimeError(
            f"{caller}: gradient has shape {tuple(gradient.shape)} but the output has shape {output.shape}"
        )
    if create_graph and not isinstance(gradient, Tensor):
        gradient = _wrap(gradient, False, None)
    return gradient


from chainrule import ops as _ops  # noqa: E402  (ops build on Tensor; imported last to close the cycle)

# The methods of the op families that back PyTorch's wider surface (chainrule.ops.pointwise, ...): bound here
# rather than written out, so that a family adds a method by listing it; a method written above wins.
for _name, _method in _ops.TENSOR_METHODS.items():
    if _name not in Tensor.__dict__:
        setattr(Tensor, _name, _method)

"""Tensor factories: `tensor`, `from_numpy`, `zeros`/`ones`/`full`/`empty`, ranges, random tensors, `*_like`.

Python floats become the default dtype (float32); NumPy arrays keep theirs, as in PyTorch.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy

from chainrule import backend
from chainrule.ops._checks import parse_size
from chainrule.tensor import Tensor, _wrap


def _infer_dtype(data: Any, array: Any) -> numpy.dtype:
    """PyTorch's rule: NumPy data keeps its dtype, Python floats become the default float dtype."""
    if hasattr(data, "dtype"):  # NumPy/CuPy arrays and scalars, and Tensors
        return array.dtype
    if array.dtype.kind == "f":
        return backend.get_default_dtype()
    if array.dtype.kind in "iu":
        return backend.int64
    return array.dtype


def _to_array(data: Any, dtype: Any, device: Any, op: str, copy: bool = True) -> Any:
    """Convert user data to an array of the requested dtype on the requested device."""
    if isinstance(data, Tensor):
        array = data._data
        target_device = backend.to_device(device) if device is not None else data.device
    else:
        target_device = backend.to_device(device)
        try:
            array = numpy.asarray(data) if backend.device_of(data) == backend.CPU else data
        except ValueError as error:
            raise ValueError(
                f"{op}: can't make a tensor from this data — are the nested lists ragged (rows of different "
                f"lengths)? ({error})"
            ) from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{op}: can't make a tensor from data of type {array.dtype} ({type(data).__name__})")
    target_dtype = backend.to_dtype(dtype) if dtype is not None else _infer_dtype(data, array)
    array = backend.move(array, target_device)
    xp = backend.array_module(array)
    return xp.array(array, dtype=target_dtype) if copy else xp.asarray(array, dtype=target_dtype)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, scalars, NumPy arrays or tensors).

    Example: `chainrule.tensor([[1., 2.], [3., 4.]], requires_grad=True)`.
    """
    result = _wrap(_to_array(data, dtype, device, "tensor"), False, None)
    if requires_grad:
        result.requires_grad = True
    return result


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like `tensor`, but shares memory with `data` when no conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or backend.to_dtype(dtype) == data.dtype) and (
            device is None or backend.to_device(device) == data.device):
        return data
    return _wrap(_to_array(data, dtype, device, "as_tensor", copy=False), False, None)


def from_numpy(array: numpy.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to either show in both)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    if array.dtype not in (backend.float16, backend.float32, backend.float64, backend.int8, backend.int16,
                           backend.int32, backend.int64, backend.uint8, backend.bool_):
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}")
    return _wrap(array, False, None)


def _make(array: Any, requires_grad: bool) -> Tensor:
    result = _wrap(array, False, None)
    if requires_grad:
        result.requires_grad = True
    return result


def _dtype(dtype: Any, default: numpy.dtype | None = None) -> numpy.dtype:
    if dtype is None:
        return default if default is not None else backend.get_default_dtype()
    return backend.to_dtype(dtype)


def _filled(fill: str, size: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    shape = parse_size(size, fill)
    xp = backend.array_module_of_device(backend.to_device(device))
    return _make(getattr(xp, fill)(shape, dtype=_dtype(dtype)), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`."""
    return _filled("zeros", size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
    return _filled("ones", size, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (its values are whatever the memory held)."""
    return _filled("empty", size, dtype, device, requires_grad)


def _scalar_dtype(value: Any) -> numpy.dtype:
    if isinstance(value, builtins.bool | numpy.bool_):
        return backend.bool_
    if isinstance(value, builtins.int | numpy.integer):
        return backend.int64
    return backend.get_default_dtype()


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; the dtype follows the value (int64, bool or the default float)."""
    shape = parse_size((size,) if isinstance(size, builtins.int) else tuple(size), "full")
    xp = backend.array_module_of_device(backend.to_device(device))
    return _make(xp.full(shape, fill_value, dtype=_dtype(dtype, _scalar_dtype(fill_value))), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from `start` up to (not including) `end` by `step`; integers give int64."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    all_ints = builtins.all(isinstance(v, builtins.int | numpy.integer) for v in (start, end, step))
    xp = backend.array_module_of_device(backend.to_device(device))
    default = backend.int64 if all_ints else backend.get_default_dtype()
    return _make(xp.arange(start, end, step).astype(_dtype(dtype, default)), requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    xp = backend.array_module_of_device(backend.to_device(device))
    return _make(xp.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """An n x m identity matrix (m = n by default)."""
    xp = backend.array_module_of_device(backend.to_device(device))
    return _make(xp.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def _random(kind: str, size: tuple, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    shape = parse_size(size, kind)
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{kind}: needs a floating dtype, got {backend.dtype_name(dtype)}")
    sample = backend.random_uniform if kind == "rand" else backend.random_normal
    return _make(sample(shape, dtype, backend.to_device(device)), requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform random values in [0, 1), from the generator `manual_seed` seeds."""
    return _random("rand", size, dtype, device, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal random values, from the generator `manual_seed` seeds."""
    return _random("randn", size, dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, *, dtype: Any = None,
            device: Any = None) -> Tensor:
    """Random integers in [low, high): `randint(10, (3,))` or `randint(2, 10, (3,))`."""
    if size is None:
        if high is None or isinstance(high, builtins.int):
            raise TypeError("randint: size is required, e.g. randint(10, (3,)) or randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    shape = parse_size((size,) if isinstance(size, builtins.int) else tuple(size), "randint")
    return _wrap(backend.random_integers(low, high, shape, _dtype(dtype, backend.int64),
                                         backend.to_device(device)), False, None)


def _like(input: Tensor, dtype: Any, device: Any) -> tuple:
    return input.shape, (input.dtype if dtype is None else dtype), (input.device if device is None else device)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    shape, dtype, device = _like(input, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device)

"""PyTorch's typed tensor names that older code still uses: `FloatTensor(2, 3)`, `LongTensor([1, 2])`,
`isinstance(x, FloatTensor)`, `x.type(chainrule.DoubleTensor)` and `x.type()` -> 'chainrule.FloatTensor'.

Each name is a factory with an isinstance check (a CPU tensor of that dtype), not a subclass: every tensor is a
plain `Tensor`, as in PyTorch, whose typed names are not real classes either.

    >>> chainrule.LongTensor([1, 2]).dtype
    chainrule.int64
"""

from __future__ import annotations

from typing import Any

import numpy

from chainrule import backend
from chainrule.tensor import Tensor


class _TypedTensor(type):
    """The metaclass of the typed names: calling one makes a tensor of its dtype, isinstance checks the dtype."""

    dtype: numpy.dtype

    def __call__(cls, *data: Any) -> Tensor:
        from chainrule.creation import tensor, zeros

        if all(isinstance(size, int) and not isinstance(size, bool) for size in data):
            return zeros(*(data or (0,)), dtype=cls.dtype)  # FloatTensor(2, 3): PyTorch leaves it uninitialised
        if len(data) != 1:
            raise TypeError(f"{cls.__name__}() takes sizes ({cls.__name__}(2, 3)) or one sequence of data "
                            f"({cls.__name__}([1, 2])), got {len(data)} arguments")
        return tensor(data[0]._data if isinstance(data[0], Tensor) else data[0], dtype=cls.dtype)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == cls.dtype and instance.device == backend.CPU

    def __repr__(cls) -> str:
        return f"<class 'chainrule.{cls.__name__}'>"


def _typed(name: str, dtype: numpy.dtype) -> type:
    return _TypedTensor(name, (), {"dtype": dtype, "__doc__": f"A CPU tensor of {backend.dtype_name(dtype)}."})


FloatTensor = _typed("FloatTensor", backend.float32)
DoubleTensor = _typed("DoubleTensor", backend.float64)
HalfTensor = _typed("HalfTensor", backend.float16)
LongTensor = _typed("LongTensor", backend.int64)
IntTensor = _typed("IntTensor", backend.int32)
ShortTensor = _typed("ShortTensor", backend.int16)
CharTensor = _typed("CharTensor", backend.int8)
ByteTensor = _typed("ByteTensor", backend.uint8)
BoolTensor = _typed("BoolTensor", backend.bool_)

TYPES = {cls.dtype: cls for cls in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                    CharTensor, ByteTensor, BoolTensor)}


def type_name(dtype: numpy.dtype) -> str:
    """'chainrule.FloatTensor' for float32: what `Tensor.type()` returns."""
    return f"chainrule.{TYPES[dtype].__name__}" if dtype in TYPES else backend.dtype_name(dtype)


def dtype_of_type(spec: Any) -> numpy.dtype:
    """The dtype a `Tensor.type(...)` argument names: a typed name, its string ('torch.FloatTensor' or
    'chainrule.FloatTensor'), or a dtype."""
    if isinstance(spec, _TypedTensor):
        return spec.dtype
    if isinstance(spec, str):
        name = spec.rsplit(".", 1)[-1]
        for dtype, cls in TYPES.items():
            if cls.__name__ == name:
                return dtype
        raise ValueError(f"type(): unknown tensor type {spec!r}; use e.g. 'chainrule.FloatTensor' or a dtype")
    return backend.to_dtype(spec)


__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
           "LongTensor", "ShortTensor"]

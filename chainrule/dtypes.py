"""Tensor dtypes as PyTorch shows them: `chainrule.float32` prints as `chainrule.float32`, compares equal to
NumPy's float32 (and to 'float32'), and is accepted wherever NumPy takes a dtype (it carries the NumPy dtype
as `.dtype`, which NumPy reads). Arrays keep NumPy's own dtypes; only the public face is wrapped.

Also `finfo`/`iinfo` (machine limits as Python numbers), `promote_types` and `can_cast`, as in torch.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy

from chainrule import backend

# NumPy's name -> PyTorch's name, for each dtype chainrule tensors have
_NAMES = {"float16": "float16", "float32": "float32", "float64": "float64", "int8": "int8", "int16": "int16",
          "int32": "int32", "int64": "int64", "uint8": "uint8", "bool": "bool", "complex64": "complex64",
          "complex128": "complex128", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64"}


class dtype:
    """A tensor element type. One object per type, so `is` and `==` both work; `numpy.dtype(d)` is its array
    dtype."""

    __slots__ = ("_name", "dtype", "is_complex", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, numpy_dtype: numpy.dtype) -> None:
        self.dtype = numpy_dtype  # NumPy (and CuPy) read this attribute to convert the object into a dtype
        self._name = _NAMES.get(numpy_dtype.name, numpy_dtype.name)
        self.is_floating_point = numpy_dtype.kind == "f"
        self.is_complex = numpy_dtype.kind == "c"
        self.is_signed = numpy_dtype.kind in "fic"
        self.itemsize = numpy_dtype.itemsize

    def __eq__(self, other: object) -> builtins.bool:
        if other is self:
            return True
        if isinstance(other, dtype):
            return self.dtype == other.dtype
        try:
            return bool(self.dtype == other)
        except TypeError:
            return False

    def __hash__(self) -> builtins.int:
        return hash(self.dtype)  # equal to the NumPy dtype's, so either finds the other in a dict

    def __repr__(self) -> str:
        return f"chainrule.{self._name}"

    __str__ = __repr__

    def __getattr__(self, name: str) -> Any:
        """NumPy's dtype attributes (`kind`, `char`, `name`, `type`, ...) for code written against arrays."""
        return getattr(object.__getattribute__(self, "dtype"), name)

    def __reduce__(self) -> tuple:
        return of, (self.dtype.str,)

    def __copy__(self) -> dtype:
        return self

    def __deepcopy__(self, memo: dict) -> dtype:
        return self


_BY_NUMPY: dict[numpy.dtype, dtype] = {}


def of(numpy_dtype: Any) -> dtype:
    """The one `dtype` object for a NumPy dtype (or anything `numpy.dtype()` accepts)."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except (KeyError, TypeError):
        numpy_dtype = numpy.dtype(numpy_dtype)
        return _BY_NUMPY.setdefault(numpy_dtype, dtype(numpy_dtype))


float16 = of("float16")
float32 = of("float32")
float64 = of("float64")
int8 = of("int8")
int16 = of("int16")
int32 = of("int32")
int64 = of("int64")
uint8 = of("uint8")
bool_ = of("bool")
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64


def _as_numpy(value: Any) -> numpy.dtype:
    if isinstance(value, dtype):
        return value.dtype
    try:
        return numpy.dtype(value)
    except TypeError:
        raise TypeError(f"expected a dtype such as chainrule.float32, got {value!r}") from None


class finfo:
    """Machine limits of a floating dtype as Python floats: `finfo(chainrule.float32).eps`."""

    def __init__(self, type: Any = None) -> None:
        numpy_dtype = backend.get_default_dtype() if type is None else _as_numpy(type)
        if numpy_dtype.kind != "f":
            raise TypeError(f"finfo: {of(numpy_dtype)} is not a floating point dtype; use iinfo for integers")
        info = numpy.finfo(numpy_dtype)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(info.precision)  # as a Python float, like torch
        self.dtype = numpy_dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype as Python ints: `iinfo(chainrule.int64).max`."""

    def __init__(self, type: Any) -> None:
        numpy_dtype = _as_numpy(type)
        if numpy_dtype.kind not in "iub":
            raise TypeError(f"iinfo: {of(numpy_dtype)} is not an integer dtype; use finfo for floating point")
        info = numpy.iinfo(numpy.uint8 if numpy_dtype.kind == "b" else numpy_dtype)
        self.bits, self.min, self.max = info.bits, builtins.int(info.min), builtins.int(info.max)
        self.dtype = numpy_dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def get_default_dtype() -> dtype:
    """The floating dtype Python floats and `rand`/`zeros` produce (chainrule.float32 unless changed)."""
    return of(backend.get_default_dtype())


def promote_types(type1: Any, type2: Any) -> dtype:
    """The smallest dtype both convert to without losing their kind, as torch.promote_types
    (int64 and float32 give float32; uint8 and int8 give int16; bool with anything gives the other)."""
    first, second = _as_numpy(type1), _as_numpy(type2)
    if first.kind == "b" or second.kind == "b":
        return of(second if first.kind == "b" else first)
    if first.kind in "iu" and second.kind == "f":
        return of(second)
    if second.kind in "iu" and first.kind == "f":
        return of(first)
    return of(numpy.promote_types(first, second))


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def can_cast(from_: Any, to: Any) -> builtins.bool:
    """Whether torch's type promotion allows casting `from_` to `to` in place: never to a lower category
    (float to int, int to bool, complex to float); any size within a category."""
    return _CATEGORY[_as_numpy(from_).kind] <= _CATEGORY[_as_numpy(to).kind]


__all__ = ["bool_", "can_cast", "double", "dtype", "finfo", "float", "float16", "float32", "float64",
           "get_default_dtype", "half", "iinfo", "int", "int8", "int16", "int32", "int64", "long", "promote_types",
           "short", "uint8"]

"""Arrays beneath tensors: the array module of a device (NumPy or CuPy), devices, dtypes, random state.

CuPy is imported only when a CUDA device is first asked for, so a CPU install needs nothing but NumPy.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import itertools
import threading
from types import ModuleType
from typing import Any

import numpy

# -- dtypes: NumPy's dtype objects, shared with CuPy ------------------------------------------------
float16 = numpy.dtype("float16")
float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
int8 = numpy.dtype("int8")
int16 = numpy.dtype("int16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
uint8 = numpy.dtype("uint8")
bool_ = numpy.dtype("bool")

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_DTYPES = {
    "float16": float16, "half": float16, "float32": float32, "float": float32, "float64": float64,
    "double": float64, "int8": int8, "int16": int16, "short": int16, "int32": int32, "int": int32,
    "int64": int64, "long": int64, "uint8": uint8, "bool": bool_,
}
_DTYPE_SET = frozenset(_DTYPES.values())
_default_dtype = float32


def get_default_dtype() -> numpy.dtype:
    """The floating dtype that Python floats and `rand`/`randn`/`zeros` produce (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Change the default floating dtype, e.g. to float64 for numerical checks."""
    global _default_dtype
    dtype = to_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype needs a floating dtype (float16/32/64), got {dtype}")
    _default_dtype = dtype


def to_dtype(dtype: Any) -> numpy.dtype:
    """Turn a dtype spelling (chainrule.float32, 'float32', numpy.float32, float, bool) into a dtype."""
    if type(dtype) is numpy.dtype:
        return dtype
    if type(inner := getattr(dtype, "dtype", None)) is numpy.dtype and inner in _DTYPE_SET:  # chainrule.float32
        return inner
    if dtype is builtins.float:
        return _default_dtype
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool_
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    try:
        result = numpy.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result not in _DTYPES.values():
        names = ", ".join(sorted({d.name for d in _DTYPES.values()}))
        raise TypeError(f"unsupported dtype {dtype!r}; use one of {names}")
    return result


def dtype_name(dtype: numpy.dtype) -> str:
    return f"chainrule.{dtype.name}"


# -- devices -----------------------------------------------------------------------------------------
class Device:
    """Where a tensor's memory lives: `Device('cpu')` or `Device('cuda:0')`, compared by value."""

    __slots__ = ("index", "type")

    def __init__(self, spec: str | Device = "cpu", index: builtins.int | None = None) -> None:
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda") or (number and not number.isdigit()) or (kind == "cpu" and number):
            raise ValueError(f"unknown device {spec!r}; expected 'cpu', 'cuda' or 'cuda:N'")
        if number and index is not None:
            raise ValueError(f"device {spec!r} already names an index; do not also pass index={index}")
        self.type = kind
        self.index = builtins.int(number) if number else index
        if kind == "cuda" and self.index is None:
            self.index = 0

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, str):
            other = Device(other)
        return isinstance(other, Device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> builtins.int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = Device("cpu")
_cupy: ModuleType | None = None


def _import_cupy() -> ModuleType:
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as error:
            raise RuntimeError(
                "a CUDA device needs CuPy, which is not installed; install it with "
                "`pip install 'chainrule[cuda]'` (or the cupy-cudaXXx wheel matching your CUDA)"
            ) from error
        _cupy = cupy
        if _seed is not None:
            cupy.random.seed(_seed)
    return _cupy


def to_device(spec: Any) -> Device:
    """Parse a device argument (None means CPU)."""
    if spec is None:
        return CPU
    return spec if type(spec) is Device else Device(spec)


def array_module_of_device(device: Device) -> ModuleType:
    """numpy for the CPU, cupy for CUDA devices."""
    return numpy if device.type == "cpu" else _import_cupy()


def array_module(array: Any) -> ModuleType:
    """The module (numpy or cupy) whose functions operate on `array`; ops call this, never `numpy` directly."""
    if type(array) is numpy.ndarray or isinstance(array, numpy.generic):
        return numpy
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return numpy


def _errstate(xp: ModuleType, **kinds: str) -> Any:
    """`numpy.errstate(**kinds)` (by default: ignore divide and invalid) for NumPy; a no-op for CuPy, which
    never warns. Ops that produce inf/NaN on purpose (as PyTorch does) wrap that step in it."""
    if xp is numpy:
        return numpy.errstate(**(kinds or _QUIET))
    return contextlib.nullcontext()


_QUIET = {"divide": "ignore", "invalid": "ignore"}


def ignore_overflow(xp: ModuleType) -> Any:
    """Stop NumPy warning about overflow until `restore_errors(token)`; returns the token (a hot-path
    `numpy.errstate(over="ignore")`: ~0.3 µs where errstate costs ~1.1 µs, which a small op like sigmoid
    notices). NumPy 2 keeps its error state in a context variable, set here to a state prepared at import;
    NumPy 1 gets `numpy.seterr`; CuPy never warns."""
    if xp is not numpy:
        return None
    if _numpy_error_state is None:
        return numpy.seterr(over="ignore")
    return _numpy_error_state.set(_OVERFLOW_IGNORED)


def restore_errors(token: Any) -> None:
    """Undo `ignore_overflow`."""
    if token is None:
        return
    if _numpy_error_state is None:
        numpy.seterr(**token)
    else:
        _numpy_error_state.reset(token)


try:  # NumPy >= 2.0: the floating-point error state is this context variable (per thread and context)
    from numpy._core._ufunc_config import _extobj_contextvar as _numpy_error_state
except ImportError:
    _numpy_error_state = None
if _numpy_error_state is not None:
    with numpy.errstate(over="ignore"):
        _OVERFLOW_IGNORED = _numpy_error_state.get()


def device_of(array: Any) -> Device:
    if type(array) is numpy.ndarray:
        return CPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return Device("cuda", array.device.id)
    return CPU


def move(array: Any, device: Device) -> Any:
    """Copy `array` to `device` (or return it unchanged when it is already there)."""
    if device_of(array) == device:
        return array
    if device.type == "cpu":
        return array.get()
    cupy = _import_cupy()
    with cupy.cuda.Device(device.index):
        return cupy.asarray(array)


# -- global switches -------------------------------------------------------------------------------
class _GradState(threading.local):
    """Whether ops record a graph (`no_grad`/`enable_grad` set it), per thread as in PyTorch: a thread serving
    predictions under `no_grad` doesn't stop a training thread from recording. A thread that never set it
    reads the class default, so every new thread starts with grad enabled."""

    enabled = True


GRAD_MODE = _GradState()


class _InplaceClock:
    """The sequence number of the latest in-place change, so backward checks saved tensors only after one.
    Shared by all threads (a tensor changed in one must fail a backward in another) and a plain object, not
    part of the thread-local GRAD_MODE, whose attribute reads cost 4x more: backward reads it at every node."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0


INPLACE = _InplaceClock()

# One clock numbers graph nodes as they are created and in-place changes as they happen: a node saw a
# tensor unchanged iff the tensor's last change (its version) is older than the node.
next_sequence = itertools.count(1).__next__


# -- random state ------------------------------------------------------------------------------------
_seed: builtins.int | None = None
_cpu_generator = numpy.random.default_rng()


def manual_seed(seed: builtins.int) -> None:
    """Seed every random generator chainrule uses (NumPy's for the CPU, CuPy's when loaded)."""
    global _seed, _cpu_generator
    if not isinstance(seed, builtins.int) or isinstance(seed, builtins.bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed expects a non-negative seed, got {seed}")
    _seed = seed
    _cpu_generator = numpy.random.default_rng(seed)
    if _cupy is not None:
        _cupy.random.seed(seed)


def cpu_generator() -> numpy.random.Generator:
    """The CPU random generator; its `bit_generator.state` is what checkpoints save."""
    return _cpu_generator


def get_rng_state() -> dict[str, Any]:
    """The CPU generator's state as plain data (NumPy's `bit_generator.state`), for checkpoints."""
    return copy.deepcopy(_cpu_generator.bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from `get_rng_state()`: the random numbers drawn next are the ones drawn after it."""
    global _cpu_generator
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise ValueError(f"set_rng_state expects a dict from get_rng_state(), got {type(state).__name__}")
    name = state["bit_generator"]
    bit_generator_type = getattr(numpy.random, name, None)
    if not (isinstance(bit_generator_type, type) and issubclass(bit_generator_type, numpy.random.BitGenerator)):
        raise ValueError(f"set_rng_state: unknown bit generator {name!r} (expected one of NumPy's, e.g. 'PCG64')")
    if type(_cpu_generator.bit_generator).__name__ != name:
        _cpu_generator = numpy.random.Generator(bit_generator_type())
    _cpu_generator.bit_generator.state = copy.deepcopy(state)


def random_uniform(shape: tuple, dtype: numpy.dtype, device: Device) -> Any:
    if device.type == "cpu":
        if dtype in (float32, float64):
            return _cpu_generator.random(shape, dtype=dtype)
        return _cpu_generator.random(shape).astype(dtype)
    with _import_cupy().cuda.Device(device.index):
        return _cupy.random.random(shape, dtype=dtype)


def random_normal(shape: tuple, dtype: numpy.dtype, device: Device) -> Any:
    if device.type == "cpu":
        if dtype in (float32, float64):
            return _cpu_generator.standard_normal(shape, dtype=dtype)
        return _cpu_generator.standard_normal(shape).astype(dtype)
    with _import_cupy().cuda.Device(device.index):
        return _cupy.random.standard_normal(shape, dtype=dtype)


def random_integers(low: builtins.int, high: builtins.int, shape: tuple, dtype: numpy.dtype,
                    device: Device) -> Any:
    if device.type == "cpu":
        return _cpu_generator.integers(low, high, size=shape, dtype=dtype)
    with _import_cupy().cuda.Device(device.index):
        return _cupy.random.randint(low, high, size=shape, dtype=dtype)

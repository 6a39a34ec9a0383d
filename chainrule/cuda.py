"""`torch.cuda`'s everyday questions answered from CuPy: is a GPU there, how many, which one, and seeding.

    >>> device = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")

Nothing here imports CuPy unless it is installed; on a machine without it every answer is "no GPU", and the
calls that need one raise a RuntimeError that says how to get it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from chainrule import backend


def _cupy_installed() -> bool:
    return importlib.util.find_spec("cupy") is not None


def _cupy() -> Any | None:
    """CuPy if it is installed and sees a device, else None (never raises)."""
    if not _cupy_installed():
        return None
    try:
        cupy = backend._import_cupy()
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # CuPy without a driver or a device raises its own errors
        return None


def _require(what: str) -> Any:
    cupy = _cupy()
    if cupy is None:
        raise RuntimeError(f"chainrule.cuda.{what}: no CUDA GPU is available (CuPy not installed, or no device); "
                           "check chainrule.cuda.is_available() first, or use the CPU")
    return cupy


def is_available() -> bool:
    """Whether a CUDA GPU can be used (CuPy installed and at least one device visible)."""
    return _cupy() is not None


def device_count() -> int:
    """The number of visible CUDA devices (0 without CuPy or a device)."""
    cupy = _cupy()
    return 0 if cupy is None else int(cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the current CUDA device."""
    return int(_require("current_device").cuda.runtime.getDevice())


def set_device(device: Any) -> None:
    """Make `device` (an index, 'cuda:N' or a chainrule.device) the current CUDA device."""
    index = device if isinstance(device, int) else (backend.to_device(device).index or 0)
    _require("set_device").cuda.Device(index).use()


def get_device_name(device: Any = None) -> str:
    """The name of a CUDA device (the current one by default)."""
    cupy = _require("get_device_name")
    index = current_device() if device is None else (device if isinstance(device, int)
                                                     else backend.to_device(device).index or 0)
    name = cupy.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device: Any = None) -> None:
    """Wait for every kernel on the device to finish (a no-op without a GPU, as there is nothing to wait for)."""
    cupy = _cupy()
    if cupy is not None:
        cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator. chainrule has one seed for all devices, so this is `chainrule.manual_seed`."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by tensors now (CuPy's memory pool in use), 0 without a GPU."""
    cupy = _cupy()
    return 0 if cupy is None else int(cupy.get_default_memory_pool().used_bytes())


def memory_reserved(device: Any = None) -> int:
    """Bytes of GPU memory CuPy's pool holds, in use or cached for reuse; 0 without a GPU."""
    cupy = _cupy()
    return 0 if cupy is None else int(cupy.get_default_memory_pool().total_bytes())


def get_device_properties(device: Any = None) -> Any:
    """The device's properties as CuPy reports them (a dict: name, totalGlobalMem, major, minor, ...)."""
    cupy = _require("get_device_properties")
    index = current_device() if device is None else (device if isinstance(device, int)
                                                     else backend.to_device(device).index or 0)
    return cupy.cuda.runtime.getDeviceProperties(index)


def empty_cache() -> None:
    """Give CuPy's cached, unused GPU memory back to the driver (a no-op without a GPU)."""
    cupy = _cupy()
    if cupy is not None:
        cupy.get_default_memory_pool().free_all_blocks()


__all__ = ["current_device", "device_count", "empty_cache", "get_device_name", "get_device_properties",
           "is_available", "manual_seed", "manual_seed_all", "memory_allocated", "memory_reserved", "set_device",
           "synchronize"]

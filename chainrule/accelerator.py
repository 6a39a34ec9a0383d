"""`torch.accelerator`: the one accelerator chainrule can use is a CUDA GPU through CuPy.

    >>> device = chainrule.accelerator.current_accelerator() if chainrule.accelerator.is_available() else "cpu"
"""

from __future__ import annotations

from chainrule import backend, cuda


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU, through CuPy) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> backend.Device | None:
    """`device('cuda')` when CuPy is installed (and, with `check_available`, a GPU is visible), else None."""
    if check_available:
        return backend.Device("cuda", cuda.current_device()) if cuda.is_available() else None
    return backend.Device("cuda", 0) if cuda._cupy_installed() else None


def device_count() -> int:
    """The number of visible accelerator devices (0 without a GPU)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device; a RuntimeError without one."""
    return cuda.current_device()


def set_device_index(device: object) -> None:
    """Make `device` (an index, 'cuda:N' or a chainrule.device) the current accelerator device."""
    cuda.set_device(device)


def synchronize(device: object = None) -> None:
    """Wait for the accelerator's queued work (a no-op without one)."""
    cuda.synchronize(device)


__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available", "set_device_index",
           "synchronize"]

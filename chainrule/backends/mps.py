"""`torch.backends.mps`: Apple's Metal backend is not one chainrule has, so both answers are False."""


def is_available() -> bool:
    """False: chainrule runs on the CPU (NumPy) or an NVIDIA GPU (CuPy)."""
    return False


def is_built() -> bool:
    """False: chainrule is not built with MPS support."""
    return False


__all__ = ["is_available", "is_built"]

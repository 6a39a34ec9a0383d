"""`torch.backends.cuda`: `is_built()` and the TF32 switches programs set; the switches are kept and have no
effect (CuPy's matrix products run in the arrays' own precision)."""

from __future__ import annotations

import importlib.util


class _MatmulFlags:
    """`torch.backends.cuda.matmul`: `allow_tf32` and friends, stored for programs that set them."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """Whether chainrule can use CUDA here: CuPy is installed."""
    return importlib.util.find_spec("cupy") is not None


__all__ = ["is_built", "matmul"]

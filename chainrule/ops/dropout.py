"""Dropout: zero each element with probability p and scale the rest by 1 / (1 - p)."""

from __future__ import annotations

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.tensor import Tensor


class Dropout(Function):
    """y = x * mask, mask = keep / (1 - p); dy/dx = mask."""

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        device = backend.device_of(x)
        keep = backend.random_uniform(x.shape, x.dtype, device) >= self.p
        xp = backend.array_module(x)
        self.mask = keep.astype(x.dtype) * (1.0 / (1.0 - self.p)) if self.p < 1 else xp.zeros(x.shape, x.dtype)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """During training, zero elements with probability `p` and scale the others by 1/(1-p); else identity.

    `inplace` is accepted for PyTorch compatibility; the result is always a new tensor.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input._data.dtype.kind != "f":
        raise TypeError(f"dropout: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}")
    return Dropout(float(p)).apply(input)


class FeatureDropout(Dropout):
    """Dropout of whole channels: one mask value per (sample, channel), shared by all spatial positions."""

    def forward(self, x):
        shape = (*x.shape[:-2], 1, 1)
        keep = backend.random_uniform(shape, x.dtype, backend.device_of(x)) >= self.p
        xp = backend.array_module(x)
        self.mask = keep.astype(x.dtype) * (1.0 / (1.0 - self.p)) if self.p < 1 else xp.zeros(shape, x.dtype)
        return x * self.mask


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """During training, zero whole channels of (N, C, H, W) or (C, H, W) input with probability `p` and scale
    the others by 1/(1-p); else identity. Example: `dropout2d(features, 0.2)` after a convolution.

    A 3-D input is one unbatched sample (C, H, W), as PyTorch documents (PyTorch 2.x still treats it as
    (N, C, L) with a warning). `inplace` is accepted for compatibility; the result is always a new tensor.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got {input.ndim}D input "
                         f"of shape {input.shape}; use dropout for element-wise dropout")
    if not training or p == 0.0:
        return input
    if input._data.dtype.kind != "f":
        raise TypeError(f"dropout2d: needs a floating-point tensor, got {backend.dtype_name(input.dtype)}")
    return FeatureDropout(float(p)).apply(input)

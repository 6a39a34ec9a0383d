"""Pooling and upsampling layers: thin modules over ops.pooling and ops.interpolate, with PyTorch's arguments."""

from __future__ import annotations

from collections.abc import Sequence

from chainrule.nn.module import Module
from chainrule.ops.interpolate import interpolate
from chainrule.ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from chainrule.tensor import Tensor

_Size = int | Sequence[int]


class _MaxPoolNd(Module):
    """Shared by MaxPool1d/2d: the arguments (stride defaults to kernel_size) and the repr."""

    def __init__(self, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0, dilation: _Size = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows of the last dimension of (N, C, L) or (C, L) input. Example: `MaxPool1d(2)`."""

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Maximum over windows of the last two dimensions of (N, C, H, W) or (C, H, W) input.

    Example: `MaxPool2d(2)` halves H and W; `MaxPool2d(3, stride=2, padding=1)`.
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)


def _single(value: _Size) -> tuple:
    return tuple(value) if isinstance(value, Sequence) else (value,)


class AvgPool1d(Module):
    """Mean over windows of the last dimension of (N, C, L) or (C, L) input. Example: `AvgPool1d(3, stride=2)`.

    As PyTorch, the sizes are kept as 1-tuples (and shown so in the repr).
    """

    def __init__(self, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over windows of the last two dimensions of (N, C, H, W) or (C, H, W) input. Example: `AvgPool2d(2)`."""

    def __init__(self, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average (N, C, L) or (C, L) input down to length output_size. Example: `AdaptiveAvgPool1d(1)`."""

    def __init__(self, output_size: _Size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """Average (N, C, H, W) or (C, H, W) input down to output_size, whatever the input size (None keeps a size).

    Example: `AdaptiveAvgPool2d(1)` is global average pooling, `AdaptiveAvgPool2d((7, 7))` a fixed grid.
    """

    def __init__(self, output_size: int | Sequence[int | None] | None) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) input to `size` or by `scale_factor` (mode 'nearest').

    Example: `Upsample(scale_factor=2)` doubles H and W.
    """

    def __init__(self, size: _Size | None = None, scale_factor: float | Sequence[float] | None = None,
                 mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        if isinstance(scale_factor, Sequence):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        shown = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{shown}, mode={self.mode!r}"

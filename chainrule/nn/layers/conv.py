"""Conv1d, Conv2d, ConvTranspose2d: thin modules over chainrule.ops.conv, with PyTorch's arguments and init."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from chainrule.creation import empty
from chainrule.nn import init
from chainrule.nn.module import Module, Parameter
from chainrule.ops import pad
from chainrule.ops.conv import conv1d, conv2d, conv_transpose2d
from chainrule.tensor import Tensor

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_LAYOUTS = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)")}


def _tuple(value: Any, nd: int, name: str, owner: str, lowest: int) -> tuple:
    values = (value,) * nd if not isinstance(value, Sequence) else tuple(value)
    if len(values) != nd or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of {nd} ints, got {value!r}")
    if any(v < lowest for v in values):
        raise ValueError(f"{owner}: {name} must be {'positive' if lowest else 'non-negative'}, got {values}")
    return values


class _ConvNd(Module):
    """What the convolution modules share: arguments, parameters, PyTorch's init, repr and input checks."""

    _nd = 0
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int], stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str, output_padding: Any,
                 device: Any, dtype: Any) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {label} must be a positive int, got {value!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if value % groups:
                raise ValueError(f"{name}: {label} ({value}) must be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", name, 1)
        self.stride = _tuple(stride, nd, "stride", name, 1)
        self.dilation = _tuple(dilation, nd, "dilation", name, 1)
        self.output_padding = _tuple(output_padding, nd, "output_padding", name, 0)
        if isinstance(padding, str):
            if self.transposed or padding not in ("same", "valid"):
                allowed = "an int or a tuple of ints" if self.transposed else "'valid', 'same', an int or a tuple"
                raise ValueError(f"{name}: invalid padding {padding!r}, should be {allowed}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions, got stride "
                                 f"{self.stride}")
            self.padding = padding
        else:
            self.padding = _tuple(padding, nd, "padding", name, 0)
        if padding_mode not in _PADDING_MODES or (self.transposed and padding_mode != "zeros"):
            allowed = "'zeros'" if self.transposed else ", ".join(repr(mode) for mode in _PADDING_MODES)
            raise ValueError(f"{name}: padding_mode must be one of {allowed}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        channels = (in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(*channels, *self.kernel_size, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W by kaiming_uniform_ with a=sqrt(5), b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input: Tensor) -> None:
        """The input's rank and channel count, named with this layer, before the functional form runs."""
        nd = self._nd
        layer = f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size})"
        if not isinstance(input, Tensor):
            raise TypeError(f"{layer} expects a Tensor input, got {type(input).__name__}")
        if input.ndim not in (nd + 1, nd + 2):
            unbatched, batched = _LAYOUTS[nd]
            raise ValueError(f"{layer} expects a {nd + 1}-D {unbatched} or {nd + 2}-D {batched} input, got shape "
                             f"{input.shape}")
        channels = input.shape[input.ndim - nd - 1]
        if channels != self.in_channels:
            raise ValueError(f"{layer} expected {self.in_channels} input channels, got {channels} (input shape "
                             f"{input.shape})")

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:
        """The input and the padding to convolve it with: padding_mode other than 'zeros' pads here (as PyTorch)."""
        if self.padding_mode == "zeros" or self.padding == "valid":
            return input, self.padding
        widths = []  # pad's order: last dimension first, (before, after) each
        for index in reversed(range(self._nd)):
            if self.padding == "same":  # PyTorch's split: the odd one out goes after
                total = self.dilation[index] * (self.kernel_size[index] - 1)
                widths += [total // 2, total - total // 2]
            else:
                widths += [self.padding[index]] * 2
        return pad(input, widths, mode=self.padding_mode), 0

    def forward(self, input: Tensor) -> Tensor:
        """Conv1d/Conv2d: check the input, pad it for non-zero padding modes, convolve (`_function`)."""
        self._check_input(input)
        input, padding = self._padded(input)
        return self._function(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L) inputs, weight (out_channels, in_channels/groups, kernel_size).

    Example: `Conv1d(3, 16, 5, padding="same")(cr.randn(8, 3, 50)).shape == (8, 16, 50)`.
    """

    _nd = 1
    _function = staticmethod(conv1d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str = 0,
                 dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)



class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W) inputs, weight (out_channels, in_channels/groups, kH, kW).

    padding_mode 'reflect', 'replicate' or 'circular' pads the input with `pad` first, as PyTorch does.
    Example: `Conv2d(1, 32, 3)(cr.randn(64, 1, 28, 28)).shape == (64, 32, 26, 26)`.
    """

    _nd = 2
    _function = staticmethod(conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] | str = 0,
                 dilation: int | Sequence[int] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)



class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input; "deconvolution").

    weight (in_channels, out_channels/groups, kH, kW); output size per dimension:
    (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1, or `output_size` in forward.
    Example: `ConvTranspose2d(16, 8, 4, stride=2, padding=1)(cr.randn(2, 16, 7, 7)).shape == (2, 8, 14, 14)`.
    """

    _nd = 2
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] = 1, padding: int | Sequence[int] = 0,
                 output_padding: int | Sequence[int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | Sequence[int] = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check_input(input)
        output_padding = self.output_padding if output_size is None else self._output_padding(input, output_size)
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)

    def _output_padding(self, input: Tensor, output_size: Sequence[int]) -> tuple:
        """The output_padding that gives `output_size` (spatial, or with the leading dimensions), as PyTorch."""
        nd = self._nd
        output_size = tuple(output_size)
        leading = input.ndim - nd
        if len(output_size) == leading + nd:
            output_size = output_size[leading:]
        if len(output_size) != nd:
            raise ValueError(f"{type(self).__name__}: for a {input.ndim}-D input, output_size must have {nd} or "
                             f"{leading + nd} elements, got {len(output_size)}")
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            input.shape[leading:], self.stride, self.padding, self.dilation, self.kernel_size, strict=True))
        largest = tuple(size + s - 1 for size, s in zip(smallest, self.stride, strict=True))
        if any(not low <= size <= high for size, low, high in zip(output_size, smallest, largest, strict=True)):
            raise ValueError(f"{type(self).__name__}: requested an output size of {output_size}, but valid sizes "
                             f"range from {smallest} to {largest} (for an input of {input.shape[leading:]})")
        return tuple(size - low for size, low in zip(output_size, smallest, strict=True))

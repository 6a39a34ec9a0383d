"""LayerNorm and BatchNorm: normalize activations, then scale and shift them with learned parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.creation import ones, zeros
from chainrule.nn.module import Module, Parameter
from chainrule.ops.normalization import batch_norm, group_norm, layer_norm
from chainrule.tensor import Tensor


def _affine_parameters(module: Module, shape: Any, affine: bool, bias: bool, device: Any, dtype: Any) -> None:
    """Register `weight` (ones) and `bias` (zeros) of `shape` on `module`, or None for each one it goes without."""
    module.register_parameter("weight", Parameter(ones(shape, dtype=dtype, device=device)) if affine else None)
    module.register_parameter("bias", Parameter(zeros(shape, dtype=dtype, device=device)) if affine and bias else None)


class LayerNorm(Module):
    """Normalize over the trailing `normalized_shape` dimensions of each sample (weight 1, bias 0 initially)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        _affine_parameters(self, shape, elementwise_affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize each sample's channels in `num_groups` groups (Wu & He, 2018), then scale and shift per channel
    (weight 1, bias 0 initially): batch-size independent, as LayerNorm, but keeping channels apart."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, num_channels, affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: parameters, running statistics and the train/eval switch."""

    _expected_ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, num_features, affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", zeros((), dtype=backend.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        if input.ndim not in self._expected_ranks:
            ranks = " or ".join(f"{rank}D" for rank in self._expected_ranks)
            raise ValueError(f"{name} expected {ranks} input, got {input.ndim}D input of shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{name}({self.num_features}) expected {self.num_features} channels in dimension 1 of the input, "
                f"got input of shape {input.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._bump_version()
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_statistics = self.training or not self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if not self.training or self.track_running_stats else None,
            self.running_var if not self.training or self.track_running_stats else None,
            self.weight, self.bias, use_batch_statistics, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input over the batch (and length) for each channel C.

    Running statistics update as PyTorch's: r = (1 - momentum) r + momentum * batch value (unbiased
    variance); evaluation mode uses them instead of the batch's.
    """

    _expected_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input over the batch and spatial positions for each channel C.

    Running statistics update as BatchNorm1d's. Example: `nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16))`.
    """

    _expected_ranks = (4,)

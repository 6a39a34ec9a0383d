"""Normalization: (x - mean) / sqrt(var + eps) over some axes, the core of LayerNorm and BatchNorm."""

from __future__ import annotations

from collections.abc import Sequence

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.autograd.grad_mode import no_grad
from chainrule.tensor import Tensor, _wrap


class Normalize(Function):
    """xhat = (x - mean) * rstd over `axes`, rstd = 1 / sqrt(var + eps) with the biased variance.

    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), means over `axes`. After forward, `mean` and `var`
    hold the batch statistics (BatchNorm updates its running estimates from them).
    """

    saves_inputs = True  # for vjp, which recomputes the statistics
    saves_output = True  # xhat

    def __init__(self, axes, eps):
        self.axes, self.eps = axes, eps

    def forward(self, x):
        xp = backend.array_module(x)
        self.mean = x.mean(axis=self.axes, keepdims=True)
        centered = x - self.mean
        self.var = (centered * centered).mean(axis=self.axes, keepdims=True)
        self.rstd = 1.0 / xp.sqrt(self.var + self.eps)
        centered *= self.rstd  # now xhat, computed in place
        return centered

    def backward(self, grad):
        xhat, axes = self.output, self.axes
        projection = (grad * xhat).mean(axis=axes, keepdims=True)
        result = grad - grad.mean(axis=axes, keepdims=True)
        result -= xhat * projection
        result *= self.rstd
        return result

    def vjp(self, grad):
        # recompute the statistics with Tensor ops so that second derivatives flow through them
        (x,) = self.input_tensors()
        axes = self.axes
        centered = x - x.mean(axes, keepdim=True)
        rstd = ((centered * centered).mean(axes, keepdim=True) + self.eps) ** -0.5
        xhat = centered * rstd
        return rstd * (grad - grad.mean(axes, keepdim=True) - xhat * (grad * xhat).mean(axes, keepdim=True))


def _channel_shape(input: Tensor) -> tuple:
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing `normalized_shape` dimensions, then scale by weight and shift by bias."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        raise ValueError(
            f"layer_norm: expected input whose last dimensions are {shape}, got input of shape {input.shape}"
        )
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    result = Normalize(axes, eps).apply(input)
    if weight is not None:
        result = result * weight
    if bias is not None:
        result = result + bias
    return result


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize each sample's channels (dimension 1) in `num_groups` groups over the group's channels and the
    further dimensions, then scale and shift per channel (Wu & He, 2018)."""
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    if not isinstance(num_groups, int) or num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: {channels} channels can't be split into num_groups={num_groups!r} groups; "
                         "num_groups must divide the number of channels")
    grouped = input.reshape(input.shape[0], num_groups, -1)
    result = Normalize((2,), eps).apply(grouped).reshape(input.shape)
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        result = result * weight.reshape(per_channel)
    if bias is not None:
        result = result + bias.reshape(per_channel)
    return result


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dimension 1) over the batch and any further dimensions.

    In training (or without running statistics) the batch statistics are used, and running_mean/running_var
    are updated in place: r = (1 - momentum) r + momentum * batch value, with the unbiased batch variance.
    In evaluation the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, L...), got {input.shape}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input {input.shape}, "
                             f"got {tensor.shape}")
    shape = _channel_shape(input)
    axes = (0, *range(2, input.ndim))
    if training or running_mean is None or running_var is None:
        count = input._data.size // channels
        if training and count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                f"{input.shape}; use a batch of at least 2 (or eval mode)"
            )
        function = Normalize(axes, eps)
        result = function.apply(input)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                mean = function.mean.reshape(channels)
                unbiased = function.var.reshape(channels) * (count / (count - 1))
                running_mean._data *= 1 - momentum
                running_mean._data += momentum * mean
                running_var._data *= 1 - momentum
                running_var._data += momentum * unbiased
                running_mean._bump_version()
                running_var._bump_version()
    else:
        xp = backend.array_module(input._data)
        mean = _wrap(running_mean._data.reshape(shape), False, None)
        rstd = _wrap(1.0 / xp.sqrt(running_var._data.reshape(shape) + eps), False, None)
        result = (input - mean) * rstd
    if weight is not None:
        result = result * weight.reshape(shape)
    if bias is not None:
        result = result + bias.reshape(shape)
    return result

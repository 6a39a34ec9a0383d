"""Initializers with PyTorch's names, signatures and formulas (`torch.nn.init`).

Each one fills the tensor in place from chainrule's random generators (so `chainrule.manual_seed` makes
it reproducible), records no graph even when the tensor requires grad, and returns the tensor:

    >>> weight = chainrule.empty(256, 784)
    >>> chainrule.nn.init.kaiming_uniform_(weight, a=math.sqrt(5))  # what Linear.reset_parameters does
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from chainrule import backend
from chainrule.tensor import Tensor

_LINEAR_NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                          "conv_transpose3d", "sigmoid")
_NONLINEARITIES = (*_LINEAR_NONLINEARITIES, "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through `nonlinearity` (`nn.functional` name).

    linear, conv*, sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + negative_slope^2)) with
    negative_slope = `param` (0.01 by default); selu: 3/4.
    """
    if nonlinearity in _LINEAR_NONLINEARITIES:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param!r} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}; use one of {', '.join(_NONLINEARITIES)}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out (out_features, in_features, *kernel): sizes 1 and 0, each
    times the receptive field (the product of the kernel sizes)."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive_field_size = 1
    for size in tensor.shape[2:]:
        receptive_field_size *= size
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# -- helpers: draw samples, write them in place ---------------------------------------------------------
def _check_tensor(tensor: Any, what: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} expects a chainrule Tensor, got {type(tensor).__name__}")


def _sample(kind: str, tensor: Tensor, what: str, dtype: Any = None) -> Any:
    """An array of `tensor`'s shape of uniform [0, 1) or standard normal draws, on its device."""
    _check_tensor(tensor, what)
    if tensor.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point tensor, got {backend.dtype_name(tensor.dtype)}")
    if dtype is None:  # float16 is drawn in float32: CuPy's generators only make float32/64
        dtype = backend.float64 if tensor.dtype == backend.float64 else backend.float32
    draw = backend.random_uniform if kind == "uniform" else backend.random_normal
    return draw(tensor.shape, dtype, tensor.device)


def _write(tensor: Tensor, values: Any) -> Tensor:
    """Copy `values` into the tensor's memory (views stay views), outside autograd."""
    tensor._data[...] = values
    tensor._bump_version()
    return tensor


# -- the initializers ------------------------------------------------------------------------------------
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    values = _sample("uniform", tensor, "uniform_")
    values *= b - a
    values += a
    return _write(tensor, values)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    values = _sample("normal", tensor, "normal_")
    values *= std
    values += mean
    return _write(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    _check_tensor(tensor, "constant_")
    return _write(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    _check_tensor(tensor, "zeros_")
    return _write(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    _check_tensor(tensor, "ones_")
    return _write(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal), so that a Linear layer passes
    as many inputs through unchanged as its shape allows."""
    _check_tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    xp = backend.array_module(tensor._data)
    return _write(tensor, xp.eye(*tensor.shape, dtype=tensor.dtype))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He et al. (2015): U(-bound, bound) with bound = gain * sqrt(3 / fan), fan = fan_in or fan_out (`mode`),
    gain = calculate_gain(nonlinearity, a); `a` is the negative slope of a following leaky_relu."""
    _check_tensor(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He et al. (2015): N(0, std^2) with std = gain / sqrt(fan); arguments as `kaiming_uniform_`."""
    _check_tensor(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def orthogonal_(tensor: Tensor, gain: float = 1) -> Tensor:
    """Saxe et al. (2013): a (semi-)orthogonal matrix, times `gain`; dimensions after the first are flattened.

    Q comes from the QR decomposition of a standard normal matrix, its columns multiplied by the signs of
    R's diagonal so that Q is uniformly (Haar) distributed (Mezzadri, 2007), as PyTorch does.
    """
    _check_tensor(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(
            f"Only tensors with 2 or more dimensions are supported, got shape {tuple(tensor.shape)}"
        )
    if tensor._data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor._data.size // rows
    flattened = _sample("normal", tensor, "orthogonal_").reshape(rows, cols)
    if rows < cols:
        flattened = flattened.T
    xp = backend.array_module(flattened)
    q, r = xp.linalg.qr(flattened)
    q *= xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    q *= gain
    return _write(tensor, q.reshape(tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Fill with N(mean, std^2) truncated to [a, b] (bounds in values, not in standard deviations).

    Inverse-CDF method, as PyTorch: draw p ~ U(Phi(alpha), Phi(beta)) with alpha = (a - mean) / std,
    beta = (b - mean) / std, and return mean + std * Phi^-1(p), clamped to [a, b] against rounding.
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    lower = _normal_cdf((a - mean) / std)
    upper = _normal_cdf((b - mean) / std)
    p = _sample("uniform", tensor, "trunc_normal_", dtype=backend.float64)  # float64: accurate tails
    p *= upper - lower
    p += lower
    values = _normal_icdf(p)
    values *= std
    values += mean
    xp = backend.array_module(values)
    return _write(tensor, xp.clip(values, a, b, out=values))


def _normal_cdf(x: float) -> float:
    """Phi(x), the standard normal CDF."""
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


# Acklam's rational approximation of Phi^-1 (relative error below 1.2e-9 on (0, 1)).
_ICDF_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
           -3.066479806614716e01, 2.506628277459239e00)
_ICDF_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
           -1.328068155288572e01, 1.0)
_ICDF_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
           4.374664141464968e00, 2.938163982698783e00)
_ICDF_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00, 1.0)
_ICDF_TAIL = 0.02425


def _polynomial(coefficients: tuple[float, ...], x: Any) -> Any:
    """Horner's rule: coefficients from the highest power down."""
    result = coefficients[0]
    for coefficient in coefficients[1:]:
        result = result * x + coefficient
    return result


def _normal_icdf(p: Any) -> Any:
    """Phi^-1(p) element-wise (the inverse standard normal CDF, `ndtri`) on a float64 array."""
    xp = backend.array_module(p)
    tiny = xp.finfo(p.dtype).tiny
    p = xp.clip(p, tiny, 1.0 - xp.finfo(p.dtype).eps / 2)
    centred = p - 0.5
    r = centred * centred
    central = _polynomial(_ICDF_A, r) * centred / _polynomial(_ICDF_B, r)
    q = xp.sqrt(-2.0 * xp.log(xp.minimum(p, 1.0 - p)))
    tail = _polynomial(_ICDF_C, q) / _polynomial(_ICDF_D, q)
    tail = xp.where(p < 0.5, tail, -tail)
    return xp.where(xp.abs(centred) <= 0.5 - _ICDF_TAIL, central, tail)

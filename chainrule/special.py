"""`torch.special`'s names for chainrule's special functions, all differentiable where PyTorch's are.

    >>> chainrule.special.expit(x), chainrule.special.gammaln(x), chainrule.special.ndtr(x)

Most are the functions of `chainrule.ops` under the names scipy.special made common (`expit` is sigmoid,
`gammaln` lgamma, `psi` digamma); the normal distribution's ndtr/ndtri/log_ndtr, entr, xlog1py and
multigammaln are composed from them, so their gradients come from checked ops.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import float64
from chainrule.ops.activation import log_softmax as _log_softmax
from chainrule.ops.activation import softmax as _softmax
from chainrule.ops.elementwise import log1p, sigmoid, where
from chainrule.ops.pointwise import erf, erfc, erfinv, exp2, expm1, round
from chainrule.ops.reduction import logsumexp
from chainrule.ops.special import digamma, lgamma, logit, polygamma, sinc, xlogy
from chainrule.tensor import Tensor

expit = sigmoid
gammaln = lgamma
psi = digamma
_SQRT_HALF = math.sqrt(0.5)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_TAIL = {False: -10.0, True: -20.0}  # below it erfc(-x/√2) leaves float32 (resp. float64) precision


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, Φ(x) = (1 + erf(x / √2)) / 2 (erfc on the left, where 1 + erf cancels)."""
    return where(input < 0, 0.5 * erfc(-input * _SQRT_HALF), 0.5 * (1 + erf(input * _SQRT_HALF)))


def ndtri(input: Tensor) -> Tensor:
    """The inverse of ndtr: √2 erfinv(2p - 1)."""
    return math.sqrt(2.0) * erfinv(2 * input - 1)


def log_ndtr(input: Tensor) -> Tensor:
    """log Φ(x), accurate everywhere: log1p(-Φ(-x)) on the right, log(erfc(-x/√2) / 2) on the left, and beyond
    _TAIL (where erfc underflows) the asymptotic series -x²/2 - log(-x√(2π)) + log(1 - 1/x² + 3/x⁴ - ...)."""
    tail = _TAIL[input.dtype == float64]
    right = log1p(-0.5 * erfc(input.clamp(min=0) * _SQRT_HALF))
    left = (0.5 * erfc(-input.clamp(min=tail, max=0) * _SQRT_HALF)).log()
    far = input.clamp(max=tail)
    inverse_square = 1 / (far * far)
    series = 1 + inverse_square * (-1 + inverse_square * (3 + inverse_square * (-15 + inverse_square * 105)))
    asymptotic = -0.5 * far * far - (-far).log() - _HALF_LOG_2PI + series.log()
    return where(input >= 0, right, where(input > tail, left, asymptotic))


def entr(input: Tensor) -> Tensor:
    """-x log x elementwise: 0 at 0, -inf for x < 0 (as PyTorch)."""
    return where(input < 0, float("-inf"), -xlogy(input, input))


def xlog1py(input: Any, other: Any) -> Tensor:
    """x log1p(y), 0 where x = 0 (even where log1p(y) is not finite)."""
    product = input * log1p(other)
    return where(input == 0, 0.0, product) if isinstance(product, Tensor) else product


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function: p(p-1)/4 log π + Σ_{j<p} lgamma(x - j/2)."""
    if not isinstance(p, int) or p < 1:
        raise ValueError(f"multigammaln: p must be a positive integer, got {p!r}")
    total = p * (p - 1) / 4 * math.log(math.pi)
    for j in range(p):
        total = total + lgamma(input - j / 2)
    return total


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """softmax along `dim` (torch.special.softmax)."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """log_softmax along `dim` (torch.special.log_softmax)."""
    return _log_softmax(input, dim, dtype=dtype)


__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc",
           "softmax", "xlog1py", "xlogy"]

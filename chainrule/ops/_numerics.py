"""The one implementation of each numerical primitive on arrays: sigmoid, softplus, the max-shifted
softmax / log-softmax / logsumexp, and erf / erfc / the normal CDF and density.

Every op that needs one of these calls it here (Sigmoid, SiLU, Softplus, GELU, Softmax, LogSoftmax,
LogSumExp, the cross-entropy family, binary cross-entropy with logits), so a fix to a tail or a guard
lands everywhere at once. Each function takes arrays, returns a fresh array, and uses the array module of
its input, so the same code runs on CuPy.

Accuracy contract: relative error of a few ulp over the whole range, tails included (sigmoid(-20) is
2.0611537e-9 as in PyTorch, never 0; Phi(-10) is 7.6e-24, never 0).
"""

from __future__ import annotations

import math
from typing import Any

from chainrule import backend

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


# -- sigmoid family ------------------------------------------------------------------------------------
def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), PyTorch's formula: a few ulp everywhere, including the left tail.

    exp(-x) overflows to inf for x below about -88 (float32), which gives the correct limit 0 exactly as
    PyTorch does; only NumPy's warning is silenced. (The tanh form 0.5 + 0.5 tanh(x / 2) must not be used:
    it cancels to 0 for x < -17 in float32.) float16 runs in float32, whose exp overflows far later.
    """
    xp = backend.array_module(x)
    work = x.astype(xp.float32) if x.dtype.itemsize < 4 else x
    token = backend.ignore_overflow(xp)
    try:
        result = 1 / (1 + xp.exp(-work))
    finally:
        backend.restore_errors(token)
    if work is not x:
        result = result.astype(x.dtype)
    return xp.asarray(result) if x.ndim == 0 else result  # a 0-d input makes a NumPy scalar


def softplus(x: Any) -> Any:
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): never overflows, exact to rounding in both tails.

    -softplus(-x) is log sigmoid(x).
    """
    xp = backend.array_module(x)
    result = xp.abs(x, out=xp.empty_like(x))
    xp.negative(result, out=result)
    xp.exp(result, out=result)
    xp.log1p(result, out=result)
    result += xp.maximum(x, 0)
    return result


# -- softmax family ------------------------------------------------------------------------------------
def max_shifted(x: Any, axis: int | None) -> Any:
    """x minus its maximum along `axis` (a fresh array): exp of it never overflows.

    No guard against a non-finite maximum: softmax and log_softmax of a slice holding inf or only -inf are
    NaN, as in PyTorch.
    """
    xp = backend.array_module(x)
    return xp.subtract(x, x.max(axis=axis, keepdims=True), out=xp.empty_like(x))


def softmax(x: Any, axis: int | None) -> Any:
    """exp(x) / sum(exp(x)) along `axis`, computed on the max-shifted x."""
    xp = backend.array_module(x)
    if x.size == 0:
        return xp.empty_like(x)
    result = max_shifted(x, axis)
    xp.exp(result, out=result)
    result /= result.sum(axis=axis, keepdims=True)
    return result


def log_softmax(x: Any, axis: int | None) -> Any:
    """x - logsumexp(x) along `axis`, as (x - max) - log(sum(exp(x - max))): finite where softmax underflows."""
    xp = backend.array_module(x)
    if x.size == 0:
        return xp.empty_like(x)
    result = max_shifted(x, axis)
    result -= xp.log(xp.exp(result).sum(axis=axis, keepdims=True))
    return result


def logsumexp(x: Any, axis: int | tuple | None) -> Any:
    """log(sum(exp(x))) along `axis` (kept as size 1), shifted by the maximum.

    A non-finite maximum is replaced by 0 before shifting (PyTorch's guard): a slice of only -inf gives
    -inf, one holding +inf gives +inf, instead of NaN from inf - inf. An empty slice gives -inf.
    """
    xp = backend.array_module(x)
    if x.size == 0:
        with backend._errstate(xp):
            return xp.log(xp.exp(x).sum(axis=axis, keepdims=True))
    peak = x.max(axis=axis, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0).astype(x.dtype, copy=False)
    with backend._errstate(xp):
        result = xp.log(xp.exp(x - peak).sum(axis=axis, keepdims=True))
    result += peak
    return result


# -- the normal distribution and the error function ----------------------------------------------------
def normal_pdf(x: Any) -> Any:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), as a fresh array."""
    xp = backend.array_module(x)
    result = xp.multiply(x, x, out=xp.empty_like(x))
    result *= -0.5
    xp.exp(result, out=result)
    result *= _INV_SQRT_2PI
    return result


def normal_cdf(x: Any) -> Any:
    """Phi(x) = erfc(-x / sqrt 2) / 2, as a fresh array.

    Written with erfc rather than PyTorch's (1 + erf(x / sqrt 2)) / 2 so that the left tail keeps its
    relative accuracy (Phi(-10) = 7.6e-24, where 1 + erf gives 0); the two differ by under 1e-16 absolute.
    """
    xp = backend.array_module(x)
    # float16 would overflow in the rational functions (y^8 at y = 4); they run in float32 and round back
    work = x.astype(xp.float32) if x.dtype.itemsize < 4 else x
    scaled = xp.multiply(work, -_SQRT_HALF, out=xp.empty_like(work))
    result = erfc(scaled)
    result *= 0.5
    return result.astype(x.dtype, copy=False)


def erf(z: Any) -> Any:
    """erf(z), elementwise, as a fresh array: Cody's rational function near 0 (relative accuracy kept for
    tiny z), 1 - erfc(z) beyond |z| = 0.46875 where no digits cancel."""
    xp = backend.array_module(z)
    flat = z.reshape(-1)
    result = xp.subtract(1, erfc(flat), out=xp.empty_like(flat))
    near = xp.flatnonzero(xp.abs(flat) <= 0.46875)
    result[near] = _erf_near(flat[near])
    return result.reshape(z.shape)


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in his
# CALERF (netlib specfun): relative error below 1e-16 in float64, and a few ulp when run in float32.
# NumPy has no erf and SciPy is not a dependency of chainrule. Coefficients are highest power first.
_ERF_NUMERATOR = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
                  3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DENOMINATOR = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
                    2.84423683343917062e03)
_ERFC_NUMERATOR = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
                   6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
                   1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_ERFC_DENOMINATOR = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                     1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                     3.43936767414372164e03, 1.23033935480374942e03)
_TAIL_NUMERATOR = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                   1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_TAIL_DENOMINATOR = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                     6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(numerator: tuple, denominator: tuple, t: Any) -> Any:
    """numerator(t) / denominator(t), both by Horner's rule, in place on two fresh arrays (t is 1-d)."""
    top = numerator[0] * t
    top += numerator[1]
    bottom = t + denominator[1]
    for a, b in zip(numerator[2:], denominator[2:], strict=True):
        top *= t
        top += a
        bottom *= t
        bottom += b
    top /= bottom
    return top


def _erf_near(z: Any) -> Any:
    """erf(z) = z P(z^2) / Q(z^2) for a 1-d z with |z| <= 0.46875."""
    piece = _ratio(_ERF_NUMERATOR, _ERF_DENOMINATOR, z * z)
    piece *= z
    return piece


def erfc(z: Any) -> Any:
    """erfc(z), elementwise, as a fresh array: each element takes the one of Cody's three ranges it is in.

    The ranges are gathered and scattered through index arrays: NumPy's boolean indexing is ~10x slower.
    """
    xp = backend.array_module(z)
    flat = z.reshape(-1)
    y = xp.abs(flat)
    result = xp.empty_like(flat)

    near = xp.flatnonzero(y <= 0.46875)  # erfc = 1 - erf
    result[near] = 1 - _erf_near(flat[near])

    middle = xp.flatnonzero((y > 0.46875) & (y <= 4))  # erfc(y) = exp(-y^2) P(y) / Q(y)
    y_middle = y[middle]
    piece = _ratio(_ERFC_NUMERATOR, _ERFC_DENOMINATOR, y_middle)
    piece *= _exp_minus_square(y_middle)
    result[middle] = piece

    # erfc(y) = exp(-y^2) / y (1/sqrt(pi) - P(1/y^2) / (y^2 Q(1/y^2))); NaN lands here too
    far = xp.flatnonzero(~(y <= 4))
    y_far = xp.minimum(y[far], 30.0)  # erfc(30) underflows to 0 already; this keeps inf out of exp's split
    t = 1 / (y_far * y_far)
    piece = _ratio(_TAIL_NUMERATOR, _TAIL_DENOMINATOR, t)
    piece *= -t
    piece += _INV_SQRT_PI
    piece *= _exp_minus_square(y_far)
    piece /= y_far
    result[far] = piece

    negative = xp.flatnonzero((flat < 0) & (y > 0.46875))  # erfc(-y) = 2 - erfc(y)
    result[negative] = 2 - result[negative]
    return result.reshape(z.shape)


def _exp_minus_square(y: Any) -> Any:
    """exp(-y^2) for a 1-d y, as exp(-h^2) exp(-(y^2 - h^2)) with h = y rounded down to 1/16: h^2 is exact, so
    the rounding error of y^2 is not magnified by exp (Cody's split)."""
    xp = backend.array_module(y)
    head = y * 16
    xp.trunc(head, out=head)
    head /= 16
    rest = y - head
    rest *= y + head
    xp.negative(rest, out=rest)
    xp.exp(rest, out=rest)
    head *= head
    xp.negative(head, out=head)
    xp.exp(head, out=head)
    head *= rest
    return head

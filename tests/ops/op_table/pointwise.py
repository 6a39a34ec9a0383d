"""The rows of chainrule.ops.pointwise: trigonometric and hyperbolic functions, exponentials and logarithms of
other bases, the erf family, rounding, remainders, copysign, atan2, logaddexp, lerp and nan_to_num.

Domains keep each op inside its domain and away from its discontinuities: asin/acos/atanh/erfinv in
(-0.9, 0.9), acosh above 1.1, logarithms and rsqrt positive; rounding away from the grid it rounds to;
fmod/remainder with x a distance from every multiple of y (x off the multiples of 0.5, y in +-{0.5, 1, 2});
atan2 with y away from 0, where it jumps by 2 pi for x < 0. The tail rows sample where a naive formula
loses accuracy (logaddexp of large arguments of both signs, erfc in its right tail, erfinv near +-1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    NONZERO,
    POSITIVE,
    REAL,
    TAILS,
    Domain,
    OpInfo,
    Sample,
    Tails,
    Uniform,
    binary_samples,
    fixed,
    sample,
    scalar_samples,
    short_binary_samples,
    short_samples,
    strided,
    torch,
    transposed,
    unary_samples,
)


@dataclass(frozen=True)
class Choice:
    """Values drawn from a fixed set: divisors whose multiples a dividend's domain can avoid."""

    values: tuple[float, ...]

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        return numpy.asarray(rng.choice(self.values, shape), dtype=numpy.float64)


UNIT = Uniform(-0.9, 0.9)
# fmod/remainder: x off the multiples of 0.5 by 0.1 and y in +-{0.5, 1, 2}, so x / y is 0.05 or more from an integer
DIVIDEND = Uniform(-4.0, 4.0, avoid=tuple(k / 2 for k in range(-8, 9)), margin=0.1)
DIVISOR = Choice((-2.0, -1.0, -0.5, 0.5, 1.0, 2.0))
OFF_INTEGERS = Uniform(-2.5, 2.5, avoid=(-2.0, -1.0, 0.0, 1.0, 2.0))  # floor, ceil, trunc, frac
OFF_HALVES = Uniform(-2.5, 2.5, avoid=(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5))  # round: ties go to even
OFF_TENTH_HALVES = Uniform(-2.0, 2.0, avoid=tuple(k / 10 + 0.05 for k in range(-21, 21)), margin=0.01)
OFF_TENS_HALVES = Uniform(-30.0, 30.0, avoid=(-25.0, -15.0, -5.0, 5.0, 15.0, 25.0), margin=0.5)
ERFINV_TAILS = Tails(0.95, 0.99)  # erfinv' = 24 at 0.99: finite differences still hold


# -- sample generators -------------------------------------------------------------------------------
def _lerp_samples() -> Iterator[Sample]:
    """Weights of both branches of PyTorch's formula: |w| < 0.5 and |w| >= 0.5."""
    for weight in (0.25, -0.75, 1.5):
        yield sample((3, 4), (3, 4), weight=weight)
    yield sample((), (2, 3), weight=0.6, tag="broadcast")
    yield sample((), (), weight=0.3)
    yield sample(transposed(3, 4), strided(3, 4), weight=0.7, tag="noncontig")


def _lerp_tensor_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4), (3, 4))
    yield sample((3, 1), (1, 4), (3, 4), tag="broadcast")
    yield sample((2, 3), (2, 3), (), tag="broadcast")
    yield sample((), (), ())
    yield sample(transposed(3, 4), strided(3, 4), (4,), tag="noncontig")


def _nan_to_num_samples() -> Iterator[Sample]:
    special = fixed([[numpy.nan, 1.5, -numpy.inf, -0.5], [numpy.inf, -2.0, 0.25, numpy.nan]])
    yield from unary_samples()()
    yield sample(special, tag="nonfinite")
    yield sample(special, nan=2.0, posinf=3.0, neginf=-3.0, tag="nonfinite")
    yield sample(fixed(numpy.array([[numpy.nan, -numpy.inf, 1.0], [0.5, numpy.inf, -1.5]]).T, "transposed"),
                 posinf=1e3, tag="nonfinite-noncontig")


# -- the table ---------------------------------------------------------------------------------------
def _unary(name: str, domain: Domain = REAL, variant: str = "", samples: Callable | None = None,
           second_order: bool = False, torch_name: str | None = None) -> OpInfo:
    """A row calling chainrule.<name>(x, **kwargs) and torch.<name>(x, **kwargs)."""
    function = getattr(cr, name)
    return OpInfo(name, lambda x, **kw: function(x, **kw),
                  lambda x, **kw: getattr(torch, torch_name or name)(x, **kw),
                  samples or unary_samples(), domain, variant, second_order_torch=second_order)


def _binary(name: str, domains: tuple, variant: str = "", samples: Callable = binary_samples,
            second_order: bool = False) -> OpInfo:
    """A row calling chainrule.<name>(x, y) and torch.<name>(x, y)."""
    function = getattr(cr, name)
    return OpInfo(name, lambda x, y: function(x, y), lambda x, y: getattr(torch, name)(x, y), samples, domains,
                  variant, second_order_torch=second_order)


POINTWISE_ROWS: list[OpInfo] = [
    # trigonometric and hyperbolic
    _unary("tan", Uniform(-1.2, 1.2)),
    _unary("asin", UNIT),
    _unary("acos", UNIT),
    _unary("atan", REAL),
    _unary("atan", TAILS, "tails", short_samples),
    _unary("sinh", REAL, second_order=True),
    _unary("sinh", TAILS, "tails", short_samples),
    _unary("cosh", REAL, second_order=True),
    _unary("cosh", TAILS, "tails", short_samples),
    _unary("asinh", REAL),
    _unary("asinh", TAILS, "tails", short_samples),
    _unary("acosh", Uniform(1.1, 4.0)),
    _unary("acosh", Uniform(10.0, 40.0), "large", short_samples),
    _unary("atanh", UNIT),
    _unary("arcsin", UNIT, samples=short_samples),
    _unary("arccos", UNIT, samples=short_samples),
    _unary("arctan", REAL, samples=short_samples),
    _unary("arcsinh", REAL, samples=short_samples),
    _unary("arccosh", Uniform(1.1, 4.0), samples=short_samples),
    _unary("arctanh", UNIT, samples=short_samples),
    # exponentials and logarithms
    _unary("exp2", REAL),
    _unary("exp2", TAILS, "tails", short_samples),
    _unary("expm1", REAL),
    _unary("expm1", TAILS, "tails", short_samples),
    _unary("expm1", Tails(1e-9, 1e-6), "tiny", short_samples),
    _unary("log2", POSITIVE),
    _unary("log2", Uniform(1e6, 1e9), "huge", short_samples),
    _unary("log2", Uniform(1e-3, 1e-2), "small", short_samples),
    _unary("log10", POSITIVE),
    _unary("log10", Uniform(1e6, 1e9), "huge", short_samples),
    _unary("rsqrt", POSITIVE),
    _unary("rsqrt", Uniform(1e3, 1e6), "large", short_samples),
    # the error function
    _unary("erf", REAL, second_order=True),
    _unary("erf", Uniform(-5.0, 5.0), "wide", short_samples),
    _unary("erfc", REAL, second_order=True),
    _unary("erfc", Uniform(2.0, 9.0), "right-tail", short_samples),
    _unary("erfinv", UNIT, second_order=True),
    _unary("erfinv", ERFINV_TAILS, "tails", short_samples),
    # rounding: zero gradients, frac's is 1
    _unary("floor", OFF_INTEGERS),
    _unary("ceil", OFF_INTEGERS),
    _unary("trunc", OFF_INTEGERS),
    _unary("fix", OFF_INTEGERS, samples=short_samples),
    _unary("round", OFF_HALVES),
    _unary("round", OFF_TENTH_HALVES, "decimals", unary_samples(decimals=1)),
    _unary("round", OFF_TENS_HALVES, "negative-decimals", unary_samples(decimals=-1)),
    _unary("frac", OFF_INTEGERS),
    _unary("sgn", NONZERO, torch_name="sign"),  # torch.sgn's zero gradient is a ZeroTensor, which has no .numpy()
    _unary("nan_to_num", REAL, samples=_nan_to_num_samples),
    # remainders: d/dy is -trunc(x / y) (fmod) or -floor(x / y) (remainder)
    _binary("fmod", (DIVIDEND, DIVISOR)),
    OpInfo("fmod", lambda x, scalar: cr.fmod(x, scalar), lambda x, scalar: torch.fmod(x, scalar),
           scalar_samples(1.5, -2), DIVIDEND, "scalar"),
    _binary("remainder", (DIVIDEND, DIVISOR)),
    OpInfo("remainder", lambda x, scalar: cr.remainder(x, scalar), lambda x, scalar: torch.remainder(x, scalar),
           scalar_samples(1.5, -2), DIVIDEND, "scalar"),
    OpInfo("__mod__", lambda x, y: x % y, lambda x, y: x % y, short_binary_samples, (DIVIDEND, DIVISOR)),
    # PyTorch has no derivative for remainder(number, tensor): its twin takes the number as a constant tensor
    OpInfo("__rmod__", lambda x, scalar: scalar % x, lambda x, scalar: torch.full_like(x, scalar) % x,
           scalar_samples(2.75, -3.25), DIVISOR),
    # two-argument functions
    _binary("copysign", (NONZERO, NONZERO)),
    OpInfo("copysign", lambda x, scalar: cr.copysign(x, scalar), lambda x, scalar: torch.copysign(x, scalar),
           scalar_samples(-1.5, 2), NONZERO, "scalar"),
    _binary("atan2", (NONZERO, REAL), second_order=True),
    _binary("arctan2", (NONZERO, REAL), samples=short_binary_samples),
    _binary("logaddexp", (REAL, REAL), second_order=True),
    _binary("logaddexp", (TAILS, TAILS), "tails"),
    _binary("logaddexp2", (REAL, REAL), second_order=True),
    _binary("logaddexp2", (TAILS, TAILS), "tails"),
    OpInfo("lerp", lambda x, y, weight: cr.lerp(x, y, weight), lambda x, y, weight: torch.lerp(x, y, weight),
           _lerp_samples),
    OpInfo("lerp", lambda x, y, w: cr.lerp(x, y, w), lambda x, y, w: torch.lerp(x, y, w), _lerp_tensor_samples,
           variant="tensor", second_order_torch=True),
]

"""The rows of the activation functions (chainrule.ops.activation) against torch.nn.functional.

Domains stay away from the kinks: 0 for the relu family, the bounds of hardtanh and relu6, +-3 for hardsigmoid
and hardswish, +-lambd for the shrinks, the threshold for threshold and softplus, 0 for the |x| of softsign and
of normalize's 1-norm. The `large` rows reach large |x|: the negative sides of leaky_relu, elu, celu and selu,
every range of erfc, sigmoid's tails (logsigmoid, mish), the linear part of softplus, and softmax inputs whose
exp overflows (or underflows) without the max shift.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator

from chainrule.ops.activation import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    normalize,
    relu6,
    rrelu,
    selu,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from tests.ops.op_table.info import (
    TOLERANCES,
    Domain,
    OpInfo,
    Sample,
    Uniform,
    fixed,
    functional,
    listed,
    sample,
    strided,
    torch,
    transposed,
)

AWAY_FROM_0 = Uniform(avoid=(0.0,), margin=0.1)


def _unary_samples(**kwargs) -> Callable[[], Iterator[Sample]]:
    """The shapes every elementwise activation is tried on; `kwargs` go with each."""

    def samples() -> Iterator[Sample]:
        yield sample((3, 4), **kwargs)
        yield sample((), **kwargs)
        yield sample((2, 3, 2), **kwargs)
        yield sample(transposed(3, 4), tag="noncontig", **kwargs)
        yield sample(strided(2, 5), tag="noncontig", **kwargs)

    return samples


def _leaky_relu_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), negative_slope=0.2)
    yield sample((), negative_slope=-0.5)
    yield sample(strided(2, 3), negative_slope=1.5, tag="noncontig")


def _elu_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), alpha=0.5)
    yield sample((), alpha=-0.5)
    yield sample(transposed(2, 3), alpha=2.0, tag="noncontig")


def _softplus_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), beta=2.0, threshold=3.0)
    yield sample((3, 4), beta=-1.5)
    yield sample((), beta=0.5, threshold=1.0)
    yield sample(transposed(3, 4), beta=2, threshold=1.5, tag="noncontig")


def _softmax_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0)
    yield sample((2, 3, 4), dim=-1)
    yield sample((2, 3, 4), dim=1)
    yield sample((), dim=0)
    yield sample((), dim=-1)
    yield sample((5,), dim=0)
    yield sample((3, 4), tag="implicit-dim")
    yield sample((2, 3, 4), tag="implicit-dim")
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), dim=0, tag="noncontig")


def _celu_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), alpha=2.0)
    yield sample((), alpha=0.5)
    yield sample((3, 4), alpha=-0.75)
    yield sample(transposed(2, 3), alpha=1.5, tag="noncontig")


def _hardtanh_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), min_val=-1.5, max_val=0.5)
    yield sample((), min_val=-1.5, max_val=0.5)
    yield sample(strided(2, 5), min_val=0.5, max_val=1.0, tag="noncontig")


def _shrink_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), lambd=1.0)
    yield sample((), lambd=1.0)
    yield sample(transposed(3, 4), lambd=0.0, tag="noncontig")


def _threshold_samples() -> Iterator[Sample]:
    yield from _unary_samples(threshold=0.5, value=-2.0)()
    yield sample((3, 4), threshold=-1.0, value=3.0)
    yield sample((), threshold=-1.0, value=0.0)


def _rrelu_samples() -> Iterator[Sample]:
    yield from _unary_samples()()
    yield sample((3, 4), lower=0.1, upper=0.3)
    yield sample(strided(2, 3), lower=0.5, upper=0.5, tag="noncontig")


def _glu_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((4, 3), dim=0)
    yield sample((2, 6, 2), dim=1)
    yield sample((2, 2, 4), dim=-3)
    yield sample((2,), dim=0)
    yield sample(transposed(4, 6), tag="noncontig")
    yield sample(strided(3, 4), dim=1, tag="noncontig")


def _prelu_samples() -> Iterator[Sample]:
    yield sample((3, 4), (4,), tag="per-channel")
    yield sample((3, 4), (1,), tag="shared")
    yield sample((2, 3, 5), (3,), tag="per-channel")
    yield sample((2, 3, 2, 2), (3,), tag="per-channel")
    yield sample((2, 3, 5), (), tag="0d-weight")
    yield sample((5,), (1,), tag="1d-input")
    yield sample((), (1,), tag="0d-input")
    yield sample((), (), tag="0d-input")
    yield sample(transposed(3, 4), (4,), tag="noncontig")
    yield sample(strided(2, 3), (1,), tag="noncontig")


def _normalize_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=0)
    yield sample((2, 3, 4), dim=-1)
    yield sample((2, 3, 4), dim=(1, 2))
    yield sample((3, 4), p=1.0)
    yield sample((3, 4), p=3.0)
    yield sample((3, 4), p=1.5, dim=-1)
    yield sample((3, 4), p=0.5)
    yield sample((3, 4), p=math.inf)
    yield sample((4,), dim=0)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), tag="noncontig")
    yield sample(strided(3, 4), p=3, dim=0, tag="noncontig")
    # one slice below eps (divided by eps, a constant there) and one above it
    yield sample(fixed([[0.5, -0.3, 0.2], [2.0, -2.5, 1.5]]), eps=1.5, tag="below-eps")
    yield sample(fixed([[0.5, -0.3, 0.2], [2.0, -2.5, 1.5]]), p=3.0, eps=1.5, tag="below-eps")
    yield sample(fixed([[0.5, -0.3, 0.2], [2.0, -2.5, 1.5]]), p=math.inf, eps=1.5, tag="below-eps")


def _large_samples(**kwargs) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        yield sample((4, 5), **kwargs)
        yield sample(strided(3, 4), tag="noncontig", **kwargs)

    return samples


def _large_softmax_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=1)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")


def _torch(name: str) -> Callable:
    """torch.nn.functional.<name>; softmax, softmin and log_softmax without the deprecation warning for
    dim=None."""

    def call(x, **kwargs):
        function = getattr(torch.nn.functional, name)
        if name not in ("softmax", "softmin", "log_softmax"):
            return function(x, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return function(x, dim=kwargs.pop("dim", None), **kwargs)

    return call


def _row(name: str, op: Callable, samples: Callable[[], Iterator[Sample]], domain: Domain = AWAY_FROM_0,
         variant: str = "") -> OpInfo:
    return OpInfo(name, lambda x, **kw: op(x, **kw), _torch(name), samples, domain, variant=variant)


ACTIVATION_ROWS: list[OpInfo] = [
    _row("leaky_relu", leaky_relu, _leaky_relu_samples),
    _row("elu", elu, _elu_samples),
    _row("gelu", gelu, _unary_samples(), Uniform(-4.0, 4.0)),
    _row("gelu", gelu, _unary_samples(approximate="tanh"), Uniform(-4.0, 4.0), "tanh"),
    _row("silu", silu, _unary_samples(), Uniform(-4.0, 4.0)),
    _row("softplus", softplus, _softplus_samples, Uniform(-4.0, 4.0, avoid=(0.75, 1.5, 2.0), margin=0.05)),
    _row("softmax", softmax, _softmax_samples, Uniform(-3.0, 3.0)),
    _row("log_softmax", log_softmax, _softmax_samples, Uniform(-3.0, 3.0)),
    _row("softmin", softmin, _softmax_samples, Uniform(-3.0, 3.0)),
    _row("celu", celu, _celu_samples),
    _row("selu", selu, _unary_samples()),
    _row("rrelu", rrelu, _rrelu_samples),
    OpInfo("prelu", *functional("prelu"), _prelu_samples, (AWAY_FROM_0, Uniform(-1.0, 1.0))),
    _row("mish", mish, _unary_samples(), Uniform(-4.0, 4.0)),
    _row("logsigmoid", logsigmoid, _unary_samples(), Uniform(-4.0, 4.0)),
    _row("softsign", softsign, _unary_samples()),
    _row("tanhshrink", tanhshrink, _unary_samples(), Uniform(-3.0, 3.0)),
    _row("hardtanh", hardtanh, _hardtanh_samples, Uniform(-2.5, 2.5, avoid=(-1.5, -1.0, 0.5, 1.0))),
    _row("relu6", relu6, _unary_samples(), Uniform(-3.0, 9.0, avoid=(0.0, 6.0))),
    # PyTorch's CPU backward multiplies by 1/6 rounded to float32 (`1.0f / 6.0f`) in float64 too: 3e-8 off
    OpInfo("hardsigmoid", lambda x: hardsigmoid(x), _torch("hardsigmoid"), _unary_samples(),
           Uniform(-5.0, 5.0, avoid=(-3.0, 3.0)),
           tolerances={"float64": {"rtol": 1e-7, "atol": 1e-12}, "float32": TOLERANCES["float32"]}),
    _row("hardswish", hardswish, _unary_samples(), Uniform(-5.0, 5.0, avoid=(-3.0, 3.0))),
    _row("hardshrink", hardshrink, _shrink_samples, Uniform(-3.0, 3.0, avoid=(-1.0, -0.5, 0.0, 0.5, 1.0))),
    _row("softshrink", softshrink, _shrink_samples, Uniform(-3.0, 3.0, avoid=(-1.0, -0.5, 0.0, 0.5, 1.0))),
    _row("threshold", threshold, _threshold_samples, Uniform(-3.0, 3.0, avoid=(-1.0, 0.5))),
    _row("glu", glu, _glu_samples, Uniform(-3.0, 3.0)),
    _row("normalize", normalize, _normalize_samples, AWAY_FROM_0),
    # large |x|
    _row("leaky_relu", leaky_relu, _large_samples(negative_slope=0.1),
         Uniform(-1000.0, 1000.0, avoid=(0.0,), margin=1.0), "large"),
    _row("elu", elu, _large_samples(alpha=1.5), Uniform(-40.0, 40.0, avoid=(0.0,)), "large"),
    _row("gelu", gelu, _large_samples(), Uniform(-12.0, 12.0), "large"),
    _row("gelu", gelu, _large_samples(approximate="tanh"), Uniform(-12.0, 12.0), "tanh-large"),
    _row("silu", silu, _large_samples(), Uniform(-40.0, 40.0), "large"),
    _row("softplus", softplus, _large_samples(), Uniform(-60.0, 60.0, avoid=(20.0,), margin=1.0), "large"),
    _row("softmax", softmax, _large_softmax_samples, Uniform(998.0, 1002.0), "large"),
    _row("log_softmax", log_softmax, _large_softmax_samples, Uniform(-3002.0, -2998.0), "large"),
    _row("softmin", softmin, _large_softmax_samples, Uniform(-1002.0, -998.0), "large"),
    _row("celu", celu, _large_samples(alpha=2.0), Uniform(-80.0, 40.0, avoid=(0.0,)), "large"),
    _row("selu", selu, _large_samples(), Uniform(-40.0, 40.0, avoid=(0.0,)), "large"),
    _row("mish", mish, _large_samples(), Uniform(-40.0, 40.0), "large"),
    _row("logsigmoid", logsigmoid, _large_samples(), Uniform(-60.0, 60.0), "large"),
    _row("softsign", softsign, _large_samples(), Uniform(-1000.0, 1000.0, avoid=(0.0,), margin=1.0), "large"),
    _row("tanhshrink", tanhshrink, _large_samples(), Uniform(-40.0, 40.0), "large"),
    _row("normalize", normalize, listed(sample((3, 4)), sample(strided(3, 4), p=3.0, tag="noncontig")),
         Uniform(-1e3, 1e3, avoid=(0.0,), margin=1.0), "large"),
]

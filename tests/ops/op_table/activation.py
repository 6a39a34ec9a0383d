"""The rows of the activation functions (chainrule.ops.activation) against torch.nn.functional.

Domains stay away from the kinks (0 for leaky_relu and elu, the threshold for softplus). The `large` rows
reach large |x|: the negative sides of leaky_relu and elu, every range of erfc, sigmoid's tails, the linear
part of softplus, and softmax inputs whose exp overflows (or underflows) without the max shift.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

from chainrule.ops.activation import elu, gelu, leaky_relu, log_softmax, silu, softmax, softplus
from tests.ops.op_table.info import Domain, OpInfo, Sample, Uniform, sample, strided, torch, transposed

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


def _large_samples(**kwargs) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        yield sample((4, 5), **kwargs)
        yield sample(strided(3, 4), tag="noncontig", **kwargs)

    return samples


def _large_softmax_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=1)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")


def _torch(name: str) -> Callable:
    """torch.nn.functional.<name>; softmax and log_softmax without the deprecation warning for dim=None."""

    def call(x, **kwargs):
        function = getattr(torch.nn.functional, name)
        if name not in ("softmax", "log_softmax"):
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
]

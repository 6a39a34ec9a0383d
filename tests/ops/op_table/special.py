"""The rows of chainrule.ops.special.

Domains keep each op away from its poles and kinks: lgamma, digamma and polygamma 0.15 or more from the
non-positive integers, logit inside (0, 1) and away from the eps bounds, fmax/fmin on two lattices that never
tie, aminmax without ties; xlogy has a row with zeros in x (where its value is 0 and its gradient in x log(y),
as PyTorch's). PyTorch's trigamma (the gradient of digamma) is accurate to
about 5e-10 relative only: the digamma and polygamma(1) rows compare with that tolerance.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    HIGH_LATTICE,
    LOW_LATTICE,
    NO_TIES,
    POSITIVE,
    REAL,
    TAILS,
    TOLERANCES,
    Domain,
    OpInfo,
    Sample,
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

OFF_POLES = Uniform(-3.5, 5.0, avoid=(-3.0, -2.0, -1.0, 0.0), margin=0.15)
PROBABILITY = Uniform(0.05, 0.95)
OFF_EPS = Uniform(0.05, 0.95, avoid=(0.2, 0.8), margin=0.05)
# PyTorch's trigamma is accurate to ~5e-10 relative (ours to ~1e-15): the comparison allows for it
TRIGAMMA_TOLERANCES = {"float64": {"rtol": 2e-9, "atol": 1e-12}, "float32": TOLERANCES["float32"]}


# -- sample generators -------------------------------------------------------------------------------
def _xlogy_zero_samples() -> Iterator[Sample]:
    yield sample(fixed([[0.0, 1.5, -0.5], [0.7, 0.0, 2.0]]), (2, 3), tag="zeros")
    yield sample(fixed([[0.0, 1.5], [-0.5, 0.0]]), (2, 1), tag="zeros-broadcast")
    yield sample(fixed([[0.0, 1.5, -0.5], [0.7, 0.0, 2.0]], "transposed"), transposed(2, 3), tag="zeros-noncontig")


def _nan_samples() -> Iterator[Sample]:
    yield sample(fixed([[numpy.nan, 1.5, -0.5], [0.7, numpy.nan, 2.0]]), tag="nan")
    yield sample(fixed([[numpy.nan, 1.5, -0.5], [0.7, numpy.nan, 2.0]]), dim=1, tag="nan")
    yield sample(fixed(numpy.array([[numpy.nan, 1.5, -0.5], [0.7, numpy.nan, 2.0]]).T, "transposed"), dim=0,
                 keepdim=True, tag="nan-noncontig")


def _reduce_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((2, 3, 4), dim=(0, 2), keepdim=True)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")


def _fmax_nan_samples() -> Iterator[Sample]:
    yield sample(fixed([[numpy.nan, 1.1, -0.4], [0.6, numpy.nan, 1.6]]), fixed([[0.35, numpy.nan, 0.85], [1.35,
                 -0.65, numpy.nan]]), tag="nan")
    yield sample(fixed([[numpy.nan, 1.1, -0.4], [0.6, numpy.nan, 1.6]], "transposed"),
                 fixed([[0.35, numpy.nan, 0.85], [1.35, -0.65, numpy.nan]], "transposed"), tag="nan-noncontig")


def _aminmax_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((2, 3, 4), dim=-1, keepdim=True)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")


def _diff_samples() -> Iterator[Sample]:
    yield sample((3, 5))
    yield sample((3, 5), n=2, dim=0)
    yield sample((6,), n=3)
    yield sample((4, 3), n=0)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")


def _diff_pieces_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 2), (3, 1))
    yield sample((3, 4), (1, 4), (2, 4), dim=0, n=2)
    yield sample(transposed(3, 4), strided(3, 2), (3, 1), tag="noncontig")


def _trace_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((4, 3))
    yield sample(transposed(4, 4), tag="noncontig")


def _cross_samples() -> Iterator[Sample]:
    yield sample((4, 3), (4, 3))
    yield sample((2, 1, 3), (1, 4, 3), tag="broadcast")
    yield sample((3, 4), (3, 4))
    yield sample((2, 3, 3), (2, 3, 3), dim=2)
    yield sample((2, 3, 4), (2, 3, 4), dim=-2)
    yield sample(transposed(3, 5), strided(3, 5), tag="noncontig")


def _dist_samples() -> Iterator[Sample]:
    for p in (2, 1, 3.5, float("inf")):
        yield sample((3, 4), (3, 4), p=p)
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample((), (), p=1.5)
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")


def _cov_samples() -> Iterator[Sample]:
    yield sample((3, 6))
    yield sample((3, 6), correction=0)
    yield sample((6,))
    yield sample((1, 6))
    yield sample((2, 5), fweights=numpy.array([1, 2, 1, 3, 1]), tag="fweights")
    yield sample(transposed(3, 6), tag="noncontig")


def _cov_aweights_samples() -> Iterator[Sample]:
    yield sample((3, 5), (5,))
    yield sample((3, 5), (5,), correction=0)
    yield sample((2, 5), strided(5), fweights=numpy.array([1, 2, 1, 3, 1]), tag="fweights")


def _corrcoef_samples() -> Iterator[Sample]:
    yield sample((3, 6))
    yield sample((2, 4))
    yield sample(transposed(3, 5), tag="noncontig")


# -- the table ---------------------------------------------------------------------------------------
def _unary(name: str, domain: Domain = REAL, variant: str = "", samples: Callable | None = None,
           tolerances: dict | None = None, second_order: bool = False) -> OpInfo:
    """A row calling chainrule.<name>(x, **kwargs) and torch.<name>(x, **kwargs)."""
    function = getattr(cr, name)
    return OpInfo(name, lambda x, **kw: function(x, **kw), lambda x, **kw: getattr(torch, name)(x, **kw),
                  samples or unary_samples(), domain, variant, tolerances=tolerances,
                  second_order_torch=second_order)


def _binary(name: str, domains: tuple, variant: str = "", samples: Callable = binary_samples,
            **fields) -> OpInfo:
    """A row calling chainrule.<name>(x, y, **kwargs) and torch.<name>(x, y, **kwargs)."""
    function = getattr(cr, name)
    return OpInfo(name, lambda x, y, **kw: function(x, y, **kw), lambda x, y, **kw: getattr(torch, name)(x, y, **kw),
                  samples, domains, variant, **fields)


def _torch_cross(x, y, **kwargs):
    with warnings.catch_warnings():  # torch.cross without dim is deprecated; chainrule keeps its meaning
        warnings.simplefilter("ignore", UserWarning)
        return torch.cross(x, y, **kwargs)


def _with_fweights(function: Callable) -> Callable:
    """cov's fweights (a NumPy array in the sample) as an integer tensor of the library called."""
    def call(*inputs, fweights=None, **kwargs):
        if fweights is not None:
            fweights = cr.tensor(fweights) if isinstance(inputs[0], cr.Tensor) else torch.from_numpy(fweights)
        return function(*inputs, fweights=fweights, **kwargs)

    return call


SPECIAL_ROWS: list[OpInfo] = [
    # the gamma family
    _unary("lgamma", OFF_POLES, second_order=True, tolerances=TRIGAMMA_TOLERANCES),
    _unary("lgamma", Uniform(10.0, 1000.0), "large", short_samples),
    _unary("lgamma", Uniform(-40.0, -10.0, avoid=tuple(range(-40, -9)), margin=0.15), "negative", short_samples),
    _unary("digamma", OFF_POLES, tolerances=TRIGAMMA_TOLERANCES),
    _unary("digamma", Uniform(10.0, 1000.0), "large", short_samples, tolerances=TRIGAMMA_TOLERANCES),
    OpInfo("polygamma", lambda x, n: cr.polygamma(n, x), lambda x, n: torch.polygamma(n, x),
           lambda: iter([*(sample((3, 4), n=n) for n in (1, 2, 3)), sample(transposed(3, 4), n=2, tag="noncontig")]),
           OFF_POLES, tolerances=TRIGAMMA_TOLERANCES),
    OpInfo("polygamma", lambda x, n: x.polygamma(n), lambda x, n: x.polygamma(n),
           lambda: iter([sample(transposed(3, 4), n=1, tag="noncontig"), sample((), n=4)]), Uniform(0.3, 30.0),
           "method", tolerances=TRIGAMMA_TOLERANCES),
    # composite elementwise functions
    _binary("xlogy", (REAL, POSITIVE)),
    _binary("xlogy", (REAL, POSITIVE), "zeros", _xlogy_zero_samples),
    OpInfo("xlogy", lambda y, scalar: cr.xlogy(scalar, y), lambda y, scalar: torch.xlogy(scalar, y),
           scalar_samples(2.5, -1.5), POSITIVE, "scalar-input"),
    OpInfo("xlogy", lambda x, scalar: cr.xlogy(x, scalar), lambda x, scalar: torch.xlogy(x, scalar),
           scalar_samples(2.5, 0.5), REAL, "scalar-other"),
    _binary("hypot", (REAL, REAL)),
    _binary("hypot", (TAILS, Uniform(1e-3, 1e-2)), "scales", short_binary_samples),
    _unary("logit", PROBABILITY),
    _unary("logit", OFF_EPS, "eps", unary_samples(eps=0.2)),
    _unary("sinc", REAL, second_order=True),
    _unary("sinc", TAILS, "tails", short_samples),
    _binary("fmax", (LOW_LATTICE, HIGH_LATTICE)),
    _binary("fmax", (REAL, REAL), "nan", _fmax_nan_samples),
    _binary("fmin", (LOW_LATTICE, HIGH_LATTICE)),
    _binary("fmin", (REAL, REAL), "nan", _fmax_nan_samples),
    _binary("float_power", (POSITIVE, REAL), samples=short_binary_samples),
    OpInfo("float_power", lambda x, scalar: cr.float_power(x, scalar), lambda x, scalar: torch.float_power(x, scalar),
           scalar_samples(2.5, -1), POSITIVE, "scalar"),
    _unary("deg2rad", Uniform(-360.0, 360.0), samples=short_samples),
    _unary("rad2deg", REAL, samples=short_samples),
    _binary("ldexp", (REAL, Uniform(-3.0, 3.0)), samples=short_binary_samples),
    # reductions, differences, products
    _unary("nansum", REAL, samples=_reduce_samples),
    _unary("nansum", REAL, "nan", _nan_samples),
    _unary("nanmean", REAL, samples=_reduce_samples),
    _unary("nanmean", REAL, "nan", _nan_samples),
    _unary("aminmax", NO_TIES, samples=_aminmax_samples),
    _unary("diff", REAL, samples=_diff_samples),
    OpInfo("diff", lambda x, p, a, **kw: cr.diff(x, prepend=p, append=a, **kw),
           lambda x, p, a, **kw: torch.diff(x, prepend=p, append=a, **kw), _diff_pieces_samples, variant="pieces"),
    _unary("trace", REAL, samples=_trace_samples),
    OpInfo("cross", lambda x, y, **kw: cr.cross(x, y, **kw), _torch_cross, _cross_samples),
    _binary("dist", (REAL, REAL), samples=_dist_samples),
    OpInfo("cov", _with_fweights(cr.cov), _with_fweights(torch.cov) if torch else None, _cov_samples),
    OpInfo("cov", _with_fweights(lambda x, w, **kw: cr.cov(x, aweights=w, **kw)),
           _with_fweights(lambda x, w, **kw: torch.cov(x, aweights=w, **kw)), _cov_aweights_samples,
           (REAL, POSITIVE), "aweights"),
    _unary("corrcoef", REAL, samples=_corrcoef_samples),
]

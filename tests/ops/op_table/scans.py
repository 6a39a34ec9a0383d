"""The rows of chainrule.ops.scans: prod, the cumulative ops, std_mean and var_mean.

prod and cumprod also run on inputs with one and with several zeros (`fixed` values), where a gradient that
divides by the input would be NaN or wrong: their gradients (and gradients of gradients) are polynomials, so
finite differences check them exactly there. cummax/cummin select entries, so their inputs have no ties
(`NO_TIES`); logcumsumexp also runs on the tails and on a slice spanning 2000 in magnitude, where a form that
shifts by one maximum underflows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import chainrule as cr
from tests.ops.op_table.info import (
    NO_TIES,
    REAL,
    TAILS,
    TOLERANCES,
    Domain,
    OpInfo,
    Sample,
    fixed,
    listed,
    sample,
    strided,
    torch,
    transposed,
)

# rows with one zero, two zeros, none, and a zero at either end
_ZEROS = [[1.5, 0.0, -0.7, 1.2, 0.9], [0.0, 0.9, 0.0, -1.3, 1.1], [0.8, -1.1, 1.4, 0.6, 1.3],
          [0.7, 1.6, -0.9, 1.2, 0.0]]


def _prod_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=-1)
    yield sample(())
    yield sample((), dim=0, keepdim=True)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), tag="noncontig")
    yield sample(fixed(_ZEROS), dim=1, tag="zeros")
    yield sample(fixed(_ZEROS), dim=0, keepdim=True, tag="zeros")
    yield sample(fixed(_ZEROS[0]), tag="one-zero")
    yield sample(fixed(_ZEROS[1]), tag="two-zeros")
    yield sample(fixed(_ZEROS, "transposed"), dim=0, tag="zeros-noncontig")


def _scan_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=0)
    yield sample((3, 4), dim=1)
    yield sample((2, 3, 4), dim=-1)
    yield sample((2, 3, 4), dim=1)
    yield sample((6,), dim=0)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), dim=0, tag="noncontig")


def _cumprod_samples() -> Iterator[Sample]:
    yield from _scan_samples()
    yield sample(fixed(_ZEROS), dim=1, tag="zeros")
    yield sample(fixed(_ZEROS), dim=0, tag="zeros")
    yield sample(fixed(_ZEROS, "transposed"), dim=0, tag="zeros-noncontig")


def _logcumsumexp_wide_samples() -> Iterator[Sample]:
    yield sample(fixed([[-1000.0, 0.5, -2000.0, 3.0, 700.0], [40.0, -30.0, 0.0, 2.0, -1.0]]), dim=1, tag="wide")
    yield sample(fixed([[-1000.0, 0.5], [-2000.0, 3.0]], "transposed"), dim=0, tag="wide-noncontig")


def _std_mean_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), unbiased=False)
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=(0, 2), correction=0)
    yield sample((3, 4), dim=1, correction=2)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), dim=0, keepdim=True, tag="noncontig")


def _var_mean_samples() -> Iterator[Sample]:
    yield from _std_mean_samples()
    yield sample((), correction=0)


def _row(name: str, samples: Callable[[], Iterator[Sample]], domain: Domain = REAL, variant: str = "") -> OpInfo:
    """A row calling chainrule.<name> and torch.<name> with the sample's input and keyword arguments."""
    return OpInfo(name, lambda x, **kw: getattr(cr, name)(x, **kw), lambda x, **kw: getattr(torch, name)(x, **kw),
                  samples, domain, variant)


_METHOD_SAMPLES = listed(sample((3, 4), dim=1), sample(transposed(3, 4), dim=0, tag="noncontig"))


SCANS_ROWS: list[OpInfo] = [
    _row("prod", _prod_samples),
    _row("cumsum", _scan_samples),
    _row("cumprod", _cumprod_samples),
    _row("logcumsumexp", _scan_samples),
    _row("logcumsumexp", _scan_samples, TAILS, "tails"),
    # PyTorch's float32 gradient here goes through exp(log|g| - out + x) with |out| ~ 1000, and keeps about 4 digits
    # (ours agrees with float64 to 1e-7: gradcheck checks it); compare float32 with it to 1e-4
    OpInfo("logcumsumexp", lambda x, **kw: cr.logcumsumexp(x, **kw), lambda x, **kw: torch.logcumsumexp(x, **kw),
           _logcumsumexp_wide_samples, variant="wide",
           tolerances={"float64": TOLERANCES["float64"], "float32": {"rtol": 1e-4, "atol": 1e-6}}),
    # values and indices are compared, values differentiated
    _row("cummax", _scan_samples, NO_TIES),
    _row("cummin", _scan_samples, NO_TIES),
    # (std, mean) and (var, mean): each output gets its own upstream gradient
    _row("std_mean", _std_mean_samples),
    _row("var_mean", _var_mean_samples),
    # the Tensor methods
    OpInfo("prod", lambda x, dim: x.prod(dim), lambda x, dim: x.prod(dim), _METHOD_SAMPLES, variant="method"),
    OpInfo("cumsum", lambda x, dim: x.cumsum(dim), lambda x, dim: x.cumsum(dim), _METHOD_SAMPLES, variant="method"),
    OpInfo("cumprod", lambda x, dim: x.cumprod(dim), lambda x, dim: x.cumprod(dim), _METHOD_SAMPLES,
           variant="method"),
    OpInfo("logcumsumexp", lambda x, dim: x.logcumsumexp(dim), lambda x, dim: x.logcumsumexp(dim), _METHOD_SAMPLES,
           variant="method"),
    OpInfo("cummax", lambda x, dim: x.cummax(dim), lambda x, dim: x.cummax(dim), _METHOD_SAMPLES, NO_TIES,
           variant="method"),
]

"""The rows of chainrule.ops.sorting: sort, msort, topk, kthvalue, median, nanmedian, mode, quantile and
nanquantile.

Their gradients go to the selected entries, which is a derivative only where no two values tie: every input
comes from `NO_TIES` (distinct values), so that indices are unique and match PyTorch's too. (Ties, NaN and
mode's repeated values are in tests/ops/test_sorting.py.) quantile's q is a constant: a float, or a 1-D
array turned into a tensor of the input's dtype.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    NO_TIES,
    OpInfo,
    Sample,
    constant,
    sample,
    strided,
    torch,
    torch_constant,
    transposed,
)


def _sort_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=0)
    yield sample((3, 4), dim=1, descending=True)
    yield sample((2, 3, 4), dim=-2, descending=True, stable=True)
    yield sample((2, 3, 4), dim=0, stable=True)
    yield sample(())
    yield sample((), dim=0, descending=True)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), dim=0, descending=True, tag="noncontig")


def _msort_samples() -> Iterator[Sample]:
    yield sample((4, 3))
    yield sample((5,))
    yield sample(transposed(3, 4), tag="noncontig")


def _topk_samples() -> Iterator[Sample]:
    yield sample((3, 5), k=2)
    yield sample((3, 5), k=3, dim=0)
    yield sample((2, 3, 4), k=2, dim=1, largest=False)
    yield sample((2, 3, 4), k=4, dim=-1)
    yield sample((6,), k=0)
    yield sample((), k=1)
    yield sample(transposed(3, 4), k=2, dim=1, tag="noncontig")
    yield sample(strided(3, 4), k=3, largest=False, tag="noncontig")


def _kthvalue_samples() -> Iterator[Sample]:
    yield sample((3, 5), k=2)
    yield sample((3, 5), k=3, dim=0, keepdim=True)
    yield sample((2, 3, 4), k=4, dim=-1)
    yield sample((2, 3, 4), k=1, dim=1, keepdim=True)
    yield sample((), k=1)
    yield sample(transposed(3, 4), k=2, dim=1, tag="noncontig")
    yield sample(strided(3, 4), k=4, tag="noncontig")


def _median_samples() -> Iterator[Sample]:
    yield sample((3, 5))
    yield sample((3, 4))
    yield sample((3, 5), dim=1)
    yield sample((3, 4), dim=1, keepdim=True)
    yield sample((2, 3, 4), dim=0)
    yield sample(())
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 5), dim=0, keepdim=True, tag="noncontig")


def _mode_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=1)
    yield sample(())
    yield sample(transposed(3, 4), dim=1, tag="noncontig")


def _levels(*values: float) -> numpy.ndarray:
    return numpy.array(values)


def _quantile_samples() -> Iterator[Sample]:
    for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
        yield sample((3, 5), q=0.3, interpolation=interpolation)
        yield sample((3, 4), q=_levels(0.1, 0.5, 0.9), dim=1, interpolation=interpolation, tag="levels")
    yield sample((3, 4), q=0.25, dim=0, keepdim=True)
    yield sample((2, 3, 4), q=_levels(0.0, 0.45, 1.0), dim=-1, keepdim=True, tag="levels")
    yield sample((3, 4), q=_levels(0.2, 0.7), keepdim=True, tag="levels")
    yield sample((3, 4), q=_levels(0.6), dim=0, tag="one-level")
    yield sample((), q=0.4)
    yield sample((), q=_levels(0.2, 0.8), dim=0, tag="levels")
    yield sample(transposed(3, 4), q=0.7, dim=1, tag="noncontig")
    yield sample(strided(3, 4), q=_levels(0.35, 0.6), dim=0, interpolation="midpoint", tag="levels-noncontig")


def _quantile_row(name: str) -> OpInfo:
    def op(x, q, **kwargs):
        return getattr(cr, name)(x, constant(q, x), **kwargs)

    def ref(x, q, **kwargs):
        return getattr(torch, name)(x, torch_constant(q, x), **kwargs)

    return OpInfo(name, op, ref, _quantile_samples, NO_TIES)


def _row(name: str, samples) -> OpInfo:
    """A row calling chainrule.<name> and torch.<name> with the sample's input and keyword arguments."""
    return OpInfo(name, lambda x, **kw: getattr(cr, name)(x, **kw), lambda x, **kw: getattr(torch, name)(x, **kw),
                  samples, NO_TIES)


def _method(name: str, samples, variant: str = "method") -> OpInfo:
    """A row calling the Tensor method <name> in both libraries."""
    return OpInfo(name, lambda x, **kw: getattr(x, name)(**kw), lambda x, **kw: getattr(x, name)(**kw), samples,
                  NO_TIES, variant)


SORTING_ROWS: list[OpInfo] = [
    # (values, indices) results: both are compared with PyTorch, the values differentiated
    _row("sort", _sort_samples),
    _row("msort", _msort_samples),
    _row("topk", _topk_samples),
    _row("kthvalue", _kthvalue_samples),
    _row("median", _median_samples),
    _row("nanmedian", _median_samples),
    _row("mode", _mode_samples),
    _quantile_row("quantile"),
    _quantile_row("nanquantile"),
    _method("sort", _sort_samples),
    _method("topk", _topk_samples),
    _method("median", _median_samples),
    _method("mode", _mode_samples),
]

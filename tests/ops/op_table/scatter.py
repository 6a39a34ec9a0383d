"""The rows of chainrule.ops.scatter: gather, scatter (src, value), scatter_add, scatter_reduce, index_put,
index_add/copy/fill, masked_fill/select/scatter and take_along_dim.

Index arrays and masks are keyword arguments (NumPy arrays, constants in both libraries). Where a write could
land twice on one position (scatter, index_copy, index_put without accumulate) the indices are distinct, since
which write wins is unspecified; where writes add up (scatter_add, index_add, accumulate=True, the reductions)
they repeat on purpose. The amax/amin rows draw input and src from two value sets that never tie, and prod's
from [0.5, 1.5] (its zeros are tested in tests/ops/test_scatter.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    POSITIVE,
    REAL,
    Distinct,
    Lattice,
    OpInfo,
    Sample,
    constant,
    sample,
    strided,
    torch_constant,
    transposed,
)

# amax/amin: input on -1.9 + k/2, src all distinct in between (for the sizes below, >= 0.06 from the input's)
INPUT_LATTICE, SRC_DISTINCT = Lattice(0.1), Distinct()


def _mask(*shape: int) -> numpy.ndarray:
    """A fixed boolean mask with both values in it."""
    return numpy.arange(numpy.prod(shape, dtype=int)).reshape(shape) % 3 != 1


def _index(*rows: Any) -> numpy.ndarray:
    return numpy.array(rows, dtype=numpy.int64)


def _cr_kwargs(kwargs: dict, like: cr.Tensor) -> dict:
    return {k: tuple(constant(i, like) for i in v) if isinstance(v, tuple) else constant(v, like)
            for k, v in kwargs.items()}


def _torch_kwargs(kwargs: dict, like: Any) -> dict:
    return {k: tuple(torch_constant(i, like) for i in v) if isinstance(v, tuple) else torch_constant(v, like)
            for k, v in kwargs.items()}


def _method(name: str, inputs: tuple[str, ...] = (), **fixed: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """op and ref calling Tensor.<name> in both libraries: the first input is the tensor, the others are passed
    by the keyword names `inputs`, the sample's kwargs (arrays as constants) and `fixed` by name."""

    def op(x: cr.Tensor, *rest: cr.Tensor, **kwargs: Any) -> Any:
        return getattr(x, name)(**dict(zip(inputs, rest, strict=True)), **_cr_kwargs(kwargs, x), **fixed)

    def ref(x: Any, *rest: Any, **kwargs: Any) -> Any:
        return getattr(x, name)(**dict(zip(inputs, rest, strict=True)), **_torch_kwargs(kwargs, x), **fixed)

    return op, ref


def _row(name: str, samples: Callable[[], Iterator[Sample]], inputs: tuple[str, ...] = (), domain: Any = REAL,
         variant: str = "", torch_twin: bool = True, **fixed: Any) -> OpInfo:
    op, ref = _method(name, inputs, **fixed)
    return OpInfo(name, op, ref if torch_twin else None, samples, domain, variant)


# -- samples ----------------------------------------------------------------------------------------
# distinct along dim 0 in every column: no position is written twice
DISTINCT_ROWS = _index([0, 1, 2, 0], [2, 0, 1, 1])
REPEATED_ROWS = _index([0, 1, 2, 0], [0, 0, 2, 0], [2, 1, 2, 0])


def _gather_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=0, index=REPEATED_ROWS, tag="repeated")
    yield sample((3, 4), dim=1, index=_index([3, 0], [1, 1], [2, 3]), tag="repeated")
    yield sample((3, 4), dim=0, index=_index([2, 0], [1, 1]), tag="smaller-index")
    yield sample((2, 3, 4), dim=-1, index=numpy.arange(24).reshape(2, 3, 4) % 4, tag="permuted")
    yield sample((), dim=0, index=numpy.array(0), tag="0d")
    yield sample((3,), dim=0, index=numpy.array(2), tag="0d-index")
    yield sample(transposed(3, 4), dim=1, index=_index([3, 0], [1, 1], [2, 3]), tag="noncontig")


def _scatter_samples() -> Iterator[Sample]:
    yield sample((3, 4), (2, 4), dim=0, index=DISTINCT_ROWS)
    yield sample((2, 3, 4), (2, 2, 4), dim=1, index=numpy.stack([DISTINCT_ROWS, DISTINCT_ROWS[::-1]]))
    yield sample((3, 4), (3, 2), dim=-1, index=_index([3, 0], [1, 2], [0, 3]))
    yield sample((), (), dim=0, index=numpy.array(0), tag="0d")
    yield sample(transposed(3, 4), strided(2, 4), dim=0, index=DISTINCT_ROWS, tag="noncontig")


def _scatter_value_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=0, index=REPEATED_ROWS, value=1.5)
    yield sample((2, 3, 4), dim=2, index=numpy.zeros((2, 3, 1), dtype=numpy.int64), value=-2.0)
    yield sample((), dim=0, index=numpy.array(0), value=0.5, tag="0d")
    yield sample(strided(3, 4), dim=1, index=_index([3, 0], [1, 1], [2, 3]), value=0.0, tag="noncontig")


def _scatter_add_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4), dim=0, index=REPEATED_ROWS, tag="repeated")
    yield sample((2, 3, 4), (2, 3, 2), dim=-1, index=numpy.arange(12).reshape(2, 3, 2) % 3, tag="repeated")
    yield sample((), (2,), dim=0, index=_index(0, 0), tag="0d")
    yield sample(strided(3, 4), transposed(3, 4), dim=1, index=numpy.arange(12).reshape(3, 4) % 2, tag="noncontig")


def _scatter_reduce_samples(include_self: bool) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        yield sample((3, 4), (3, 4), dim=0, index=REPEATED_ROWS, include_self=include_self, tag="repeated")
        yield sample((2, 3, 4), (2, 3, 6), dim=-1, index=numpy.arange(36).reshape(2, 3, 6) % 3,
                     include_self=include_self, tag="repeated")
        yield sample((), (2,), dim=0, index=_index(0, 0), include_self=include_self, tag="0d")
        yield sample(strided(3, 4), transposed(3, 4), dim=1, index=numpy.arange(12).reshape(3, 4) % 2,
                     include_self=include_self, tag="noncontig")

    return samples


def _larger_src_samples(reduce: str | None = None) -> Callable[[], Iterator[Sample]]:
    """src larger than index: only its leading block is read (PyTorch's backward fails on these: gradcheck only,
    values against PyTorch in test_scatter.py)."""
    def samples() -> Iterator[Sample]:
        index = DISTINCT_ROWS if reduce is None else REPEATED_ROWS
        extra = {} if reduce is None else {"reduce": reduce}
        yield sample((3, 4), (4, 5), dim=0, index=index, **extra)
        yield sample(transposed(3, 4), strided(4, 5), dim=1, index=index[:, :3], **extra, tag="noncontig")

    return samples


def _index_put_samples() -> Iterator[Sample]:
    yield sample((4, 3), (2, 3), indices=(_index(3, 1),), accumulate=False, tag="rows")
    yield sample((4, 3), (3,), indices=(_index(0, 2, 3),), accumulate=False, tag="rows-broadcast")
    yield sample((4, 3), (3,), indices=(_index(0, 2, 3), _index(1, 1, 0)), accumulate=False, tag="points")
    yield sample((4, 3), (), indices=(_index([0], [2]), _index(0, 2)), accumulate=False, tag="points-broadcast-0d")
    yield sample((4, 3), (3, 3), indices=(_mask(4),), accumulate=False, tag="bool-rows")
    yield sample((4, 3), (), indices=(_mask(4, 3),), accumulate=False, tag="bool-mask")
    yield sample((4, 3), (4,), indices=(_index(3, 3, 0, 3), _index(2, 2, 1, 0)), accumulate=True, tag="repeated")
    yield sample((4, 3), (3,), indices=(_index(1, 1, -1, 1),), accumulate=True, tag="repeated-negative")
    yield sample(transposed(4, 3), strided(2, 3), indices=(_index(-1, 0),), accumulate=False, tag="noncontig")


def _masked_fill_samples() -> Iterator[Sample]:
    yield sample((3, 4), mask=_mask(3, 4), value=1.5)
    yield sample((3, 4), mask=_mask(4), value=-2.0, tag="broadcast-mask")
    yield sample((4,), mask=_mask(3, 4), value=0.0, tag="broadcast-input")
    yield sample((), mask=numpy.array(True), value=3.0, tag="0d")
    yield sample(transposed(3, 4), mask=_mask(3, 1), value=0.5, tag="noncontig")


def _masked_fill_tensor_samples() -> Iterator[Sample]:
    yield sample((3, 4), (), mask=_mask(3, 4))
    yield sample((4,), (), mask=_mask(3, 4), tag="broadcast-input")
    yield sample((), (), mask=numpy.array(True), tag="0d")
    yield sample(strided(3, 4), (), mask=_mask(4), tag="noncontig")


def _masked_select_samples() -> Iterator[Sample]:
    yield sample((3, 4), mask=_mask(3, 4))
    yield sample((3, 4), mask=_mask(4), tag="broadcast-mask")
    yield sample((4,), mask=_mask(3, 4), tag="broadcast-input")
    yield sample((), mask=numpy.array(True), tag="0d")
    yield sample(transposed(3, 4), mask=_mask(3, 4), tag="noncontig")


def _masked_scatter_samples() -> Iterator[Sample]:
    yield sample((3, 4), (8,), mask=_mask(3, 4))
    yield sample((3, 4), (3, 5), mask=_mask(3, 4), tag="larger-source")
    yield sample((3, 4), (3, 4), mask=_mask(4), tag="broadcast-mask")
    yield sample((4,), (9,), mask=_mask(3, 4), tag="broadcast-input")
    yield sample((), (), mask=numpy.array(True), tag="0d")
    yield sample(transposed(3, 4), strided(2, 4), mask=_mask(3, 4), tag="noncontig")


def _take_along_dim_samples() -> Iterator[Sample]:
    yield sample((3, 4), indices=_index([0, 2, 2], [1, 1, 3], [3, 0, 0]), dim=1)
    yield sample((3, 4), indices=_index([0, -1, 2, -3]), dim=0, tag="broadcast-negative")
    yield sample((3, 1), indices=_index([0, 2], [1, 1]), dim=0, tag="broadcast-input")
    yield sample((3, 4), indices=_index(11, 0, 5, 5, 1), tag="flat")
    yield sample((), indices=_index(0, 0), tag="0d-flat")
    yield sample(transposed(3, 4), indices=_index([2], [0], [1]), dim=1, tag="noncontig")


def _index_add_samples() -> Iterator[Sample]:
    yield sample((4, 3), (3, 3), dim=0, index=_index(3, 0, 3), tag="repeated")
    yield sample((4, 3), (4, 2), dim=1, index=_index(2, 2), alpha=2.5, tag="repeated-alpha")
    yield sample((2, 3, 4), (2, 3, 3), dim=-1, index=_index(0, 3, 1))
    yield sample((), (), dim=0, index=_index(0), tag="0d")
    yield sample(transposed(4, 3), strided(2, 3), dim=0, index=_index(1, 1), alpha=-1.0, tag="noncontig")


def _index_copy_samples() -> Iterator[Sample]:
    yield sample((4, 3), (2, 3), dim=0, index=_index(3, 0))
    yield sample((4, 3), (4, 2), dim=1, index=_index(2, 0))
    yield sample((2, 3, 4), (2, 3, 3), dim=-1, index=_index(0, 3, 1))
    yield sample((), (), dim=0, index=_index(0), tag="0d")
    yield sample(transposed(4, 3), strided(2, 3), dim=0, index=_index(1, 2), tag="noncontig")


def _index_fill_samples() -> Iterator[Sample]:
    yield sample((4, 3), dim=0, index=_index(3, 0, 3), value=1.5, tag="repeated")
    yield sample((4, 3), dim=1, index=_index(-1), value=-0.5, tag="negative")
    yield sample((2, 3, 4), dim=1, index=numpy.array(2), value=0.0, tag="0d-index")
    yield sample((), dim=0, index=_index(0), value=2.0, tag="0d")
    yield sample(transposed(4, 3), dim=0, index=_index(1, 2), value=1.0, tag="noncontig")


def _index_fill_tensor_samples() -> Iterator[Sample]:
    yield sample((4, 3), (), dim=0, index=_index(3, 0, 3), tag="repeated")
    yield sample((2, 3, 4), (), dim=-1, index=_index(1, 2))
    yield sample((), (), dim=0, index=_index(0), tag="0d")
    yield sample(strided(4, 3), (), dim=1, index=_index(0, 2), tag="noncontig")


def _legacy_reduce_samples(reduce: str) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        yield sample((3, 4), (3, 4), dim=0, index=REPEATED_ROWS, reduce=reduce, tag="repeated")
        yield sample((), (), dim=0, index=numpy.array(0), reduce=reduce, tag="0d")
        yield sample(transposed(3, 4), strided(3, 4), dim=1, index=numpy.arange(12).reshape(3, 4) % 2,
                     reduce=reduce, tag="noncontig")

    return samples


# -- the rows ---------------------------------------------------------------------------------------
_REDUCE_DOMAINS = {"sum": REAL, "mean": REAL, "prod": POSITIVE, "amax": (INPUT_LATTICE, SRC_DISTINCT),
                   "amin": (INPUT_LATTICE, SRC_DISTINCT)}

SCATTER_ROWS: list[OpInfo] = [
    _row("gather", _gather_samples),
    _row("scatter", _scatter_samples, ("src",)),
    _row("scatter", _scatter_value_samples, variant="value"),
    # PyTorch has no gradient for scatter's legacy reduce=: gradcheck only (values are compared in test_scatter.py)
    _row("scatter", _legacy_reduce_samples("add"), ("src",), POSITIVE, "reduce-add", torch_twin=False),
    _row("scatter", _legacy_reduce_samples("multiply"), ("src",), POSITIVE, "reduce-multiply", torch_twin=False),
    _row("scatter_add", _scatter_add_samples, ("src",)),
    *(_row("scatter_reduce", _scatter_reduce_samples(include_self), ("src",), domain,
           reduce if include_self else f"{reduce}-exclude-self", reduce=reduce)
      for reduce, domain in _REDUCE_DOMAINS.items() for include_self in (True, False)),
    _row("scatter", _larger_src_samples(), ("src",), variant="larger-src", torch_twin=False),
    _row("scatter_add", _larger_src_samples(), ("src",), variant="larger-src", torch_twin=False),
    *(_row("scatter_reduce", _larger_src_samples(reduce), ("src",), domain, f"{reduce}-larger-src", torch_twin=False)
      for reduce, domain in _REDUCE_DOMAINS.items()),
    _row("index_put", _index_put_samples, ("values",)),
    _row("index_add", _index_add_samples, ("source",)),
    _row("index_copy", _index_copy_samples, ("source",)),
    _row("index_fill", _index_fill_samples),
    _row("index_fill", _index_fill_tensor_samples, ("value",), variant="tensor-value"),
    _row("masked_fill", _masked_fill_samples),
    _row("masked_fill", _masked_fill_tensor_samples, ("value",), variant="tensor-value"),
    _row("masked_select", _masked_select_samples),
    _row("masked_scatter", _masked_scatter_samples, ("source",)),
    _row("take_along_dim", _take_along_dim_samples),
]

"""The rows of chainrule.ops.products: the matrix and tensor products, einsum, and the norms.

Products are smooth, so their inputs are plain uniform values. Norm inputs stay away from 0 (where |x| has its
kink) and, for the inf-norms, have distinct magnitudes (no ties). Rows named `linalg.<name>` exercise
chainrule.linalg.<name>.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy

import chainrule as cr
import chainrule.linalg
from tests.ops.op_table.info import NONZERO, NORMAL, OpInfo, Sample, listed, sample, strided, torch, transposed


@dataclass(frozen=True)
class DistinctMagnitudes:
    """Magnitudes all different and at least 0.2 (spaced evenly up to 2), with random signs: no ties between
    |x| for the inf-norms, no kink of |x| at 0."""

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        count = math.prod(shape)
        magnitudes = 0.2 + 1.8 * (rng.permutation(count) + 0.5) / max(count, 1)
        return (magnitudes * rng.choice([-1.0, 1.0], count)).reshape(shape)


DISTINCT_MAGNITUDES = DistinctMagnitudes()


# -- samples -------------------------------------------------------------------------------------------
def _mm_samples() -> Iterator[Sample]:
    yield sample((3, 4), (4, 2))
    yield sample((1, 4), (4, 1))
    yield sample(transposed(3, 4), strided(4, 2), tag="noncontig")


def _bmm_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4), (2, 4, 2))
    yield sample(transposed(2, 3, 4), transposed(2, 4, 2), tag="noncontig")


def _mv_samples() -> Iterator[Sample]:
    yield sample((3, 4), (4,))
    yield sample(transposed(3, 4), strided(4), tag="noncontig")


def _vector_pair_samples() -> Iterator[Sample]:
    yield sample((4,), (4,))
    yield sample((1,), (1,))
    yield sample(strided(5), (5,), tag="noncontig")


def _outer_samples() -> Iterator[Sample]:
    yield sample((3,), (4,))
    yield sample(strided(3), strided(2), tag="noncontig")


def _inner_samples() -> Iterator[Sample]:
    yield sample((3, 4), (2, 4))
    yield sample((4,), (4,))
    yield sample((2, 3, 4), (4,))
    yield sample((), (2, 3), tag="0d")
    yield sample(transposed(3, 4), strided(2, 4), tag="noncontig")


def _addmm_samples() -> Iterator[Sample]:
    yield sample((3, 2), (3, 4), (4, 2))
    yield sample((2,), (3, 4), (4, 2), beta=0.5, alpha=2.0, tag="broadcast")
    yield sample((), (3, 4), (4, 2), beta=-1.0, tag="0d")
    yield sample((3, 1), (3, 4), (4, 2), beta=0, tag="broadcast")
    yield sample(transposed(3, 2), transposed(3, 4), strided(4, 2), alpha=0.5, tag="noncontig")


def _addmv_samples() -> Iterator[Sample]:
    yield sample((3,), (3, 4), (4,))
    yield sample((), (3, 4), (4,), beta=2.0, alpha=-0.5, tag="0d")
    yield sample(strided(3), transposed(3, 4), (4,), tag="noncontig")


def _addr_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3,), (4,))
    yield sample((1, 4), (3,), (4,), beta=0.5, alpha=2.0, tag="broadcast")
    yield sample(transposed(3, 4), strided(3), (4,), tag="noncontig")


def _baddbmm_samples() -> Iterator[Sample]:
    yield sample((2, 3, 2), (2, 3, 4), (2, 4, 2))
    yield sample((3, 1), (2, 3, 4), (2, 4, 2), beta=0.5, alpha=-1.0, tag="broadcast")
    yield sample(transposed(2, 3, 2), transposed(2, 3, 4), (2, 4, 2), tag="noncontig")


def _addbmm_samples() -> Iterator[Sample]:
    yield sample((3, 2), (2, 3, 4), (2, 4, 2))
    yield sample((2,), (2, 3, 4), (2, 4, 2), beta=2.0, alpha=0.5, tag="broadcast")
    yield sample(transposed(3, 2), transposed(2, 3, 4), strided(2, 4, 2), tag="noncontig")


def _tensordot_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4), (3, 4, 5))
    yield sample((2, 3), (3, 4), dims=1)
    yield sample((2, 3), (4,), dims=0)
    yield sample((2, 3, 4), (4, 2, 3), dims=([1, 2], [2, 0]), tag="lists")
    yield sample(transposed(3, 4), transposed(4, 3), dims=([0, 1], [1, 0]), tag="noncontig")


def _kron_samples() -> Iterator[Sample]:
    yield sample((2, 3), (3, 2))
    yield sample((2,), (2, 3), tag="broadcast")
    yield sample((), (2, 3), tag="0d")
    yield sample(transposed(2, 3), strided(2, 2), tag="noncontig")


def _einsum_samples() -> Iterator[Sample]:
    yield sample((3, 4), (4, 2), equation="ij,jk->ik")
    yield sample((3, 4), (4, 2), equation="ij,jk", tag="implicit")
    yield sample((3, 4), equation="ba", tag="implicit-transpose")
    yield sample((2, 3, 4), (2, 4, 5), equation="bij,bjk->bik")
    yield sample((3, 3), equation="ii->i", tag="diagonal")
    yield sample((3, 3), equation="ii", tag="trace")
    yield sample((2, 2, 3), equation="iij->ji", tag="diagonal")
    yield sample((3, 4), equation="ij->", tag="sum")
    yield sample((3, 4), equation="ij->j", tag="sum")
    yield sample((4,), (4,), equation="i,i->", tag="dot")
    yield sample((3,), (4,), equation="i,j->ij", tag="outer")
    yield sample((2, 3, 4), (4, 3), equation="ijk,kj->i")
    yield sample((1, 3), (2, 3), equation="ij,ij->ij", tag="broadcast")
    yield sample((3, 1), (4, 2), equation="ij,jk->ik", tag="broadcast")
    yield sample((2, 1, 3, 4), (5, 4, 2), equation="...ij,...jk->...ik", tag="ellipsis")
    yield sample((2, 3, 4), equation="...ij->...ji", tag="ellipsis")
    yield sample((2, 3, 4), equation="i...->...", tag="ellipsis")
    yield sample((2, 3), (3, 4), (4, 2), equation="ij,jk,kl->il", tag="three")
    yield sample((2, 3), (3, 4), (2, 4), equation="ij,jk,ik->", tag="three")
    yield sample((), (3,), equation=",i->i", tag="0d")
    yield sample(transposed(3, 4), strided(4, 2), equation="ij,jk->ik", tag="noncontig")
    yield sample(transposed(2, 3, 3), equation="bii->b", tag="noncontig")


def _vector_norm_samples() -> Iterator[Sample]:
    for ord in (2, 1, 3, 1.5, 0.5, -1, math.inf, -math.inf):
        yield sample((3, 4), ord=ord)
    yield sample((3, 4), ord=2, dim=1)
    yield sample((2, 3, 4), ord=3, dim=(0, 2), keepdim=True)
    yield sample((2, 3, 4), ord=math.inf, dim=-1)
    yield sample((2, 3, 4), ord=0.5, dim=(-1, -2))
    yield sample((3, 4), ord=-math.inf, dim=0, keepdim=True)
    yield sample(strided(3, 4), ord=math.inf, dim=1, tag="noncontig")
    yield sample(transposed(3, 4), ord=1, dim=0, tag="noncontig")
    yield sample((3, 4), keepdim=True)
    yield sample((), ord=2)
    yield sample((), ord=3, dim=0)
    yield sample(transposed(3, 4), ord=2, dim=0, tag="noncontig")
    yield sample(strided(3, 4), ord=1.5, dim=1, tag="noncontig")


def _matrix_norm_samples() -> Iterator[Sample]:
    for ord in ("fro", "nuc", 2, -2, math.inf, -math.inf, 1, -1):
        yield sample((3, 4), ord=ord)
    yield sample((2, 3, 3), ord="nuc", keepdim=True)
    yield sample((2, 3, 4), ord=2, dim=(0, 2))
    yield sample((2, 3, 4), ord=math.inf, dim=(2, 0), keepdim=True)
    yield sample((2, 3, 4), ord=-1, dim=(-1, -3))
    yield sample(transposed(2, 4, 3), ord="fro", tag="noncontig")
    yield sample(transposed(4, 3), ord=-2, tag="noncontig")
    yield sample(transposed(2, 4, 3), ord=1, tag="noncontig")


def _linalg_norm_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((2, 3, 4), keepdim=True)
    yield sample((4,), ord=3)
    yield sample((3, 4), ord="nuc")
    yield sample((3, 4), ord=1)
    yield sample((2, 3, 4), ord=0.5, dim=1)
    yield sample((2, 3, 4), ord=-2, dim=(0, 1))
    yield sample((2, 3, 4), ord="fro", dim=(2, 1), keepdim=True)
    yield sample(())
    yield sample(transposed(3, 4), ord=math.inf, tag="noncontig")


def _norm_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), p=3, dim=1)
    yield sample((2, 3, 4), p="fro", dim=(0, 2), keepdim=True)
    yield sample((3, 4), p="nuc")
    yield sample((2, 3, 4), p="nuc", dim=(0, 1))
    yield sample((3, 4), p=math.inf)
    yield sample((2, 3, 4), p=1, dim=-1, keepdim=True)
    yield sample(())
    yield sample(strided(3, 4), p=2, dim=0, tag="noncontig")


def _vecdot_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4))
    yield sample((2, 3, 4), (4,), tag="broadcast")
    yield sample((3, 4), (1, 4), dim=0, tag="broadcast")
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")


def _cross_samples() -> Iterator[Sample]:
    yield sample((4, 3), (4, 3))
    yield sample((1, 3), (2, 3), tag="broadcast")
    yield sample((3, 2), (3, 2), dim=0)
    yield sample(transposed(3, 4), strided(3, 4), dim=-2, tag="noncontig")


# -- rows ------------------------------------------------------------------------------------------------
def _function(name: str, module: object, torch_module: str = "") -> tuple:
    """op and ref calling <module>.<name> and torch.<torch_module>.<name> with the sample's inputs and kwargs."""
    def op(*inputs, **kwargs):
        return getattr(module, name)(*inputs, **kwargs)

    def ref(*inputs, **kwargs):
        reference = getattr(torch, torch_module) if torch_module else torch
        return getattr(reference, name)(*inputs, **kwargs)

    return op, ref


def _top(name: str, samples, domain=None, **options) -> OpInfo:
    op, ref = _function(name, cr)
    return OpInfo(name, op, ref, samples, **({"domain": domain} if domain else {}), **options)


def _linalg(name: str, samples, domain=None, **options) -> OpInfo:
    op, ref = _function(name, chainrule.linalg, "linalg")
    return OpInfo(f"linalg.{name}", op, ref, samples, **({"domain": domain} if domain else {}), **options)


def _split(row: OpInfo, nonlinear) -> list[OpInfo]:
    """The row with second-order gradients against PyTorch's on the samples where the op is not linear in each
    input (elsewhere PyTorch's first derivative is a constant outside its graph), and a `linear` variant row
    for the others."""
    second = [each for each in row.samples() if nonlinear(each)]
    first = [each for each in row.samples() if not nonlinear(each)]
    return [OpInfo(row.name, row.op, row.ref, listed(*second), domain=row.domain, second_order_torch=True),
            OpInfo(row.name, row.op, row.ref, listed(*first), domain=row.domain, variant="linear")]


def _einsum(*inputs, equation):
    return cr.einsum(equation, *inputs)


def _torch_einsum(*inputs, equation):
    return torch.einsum(equation, *inputs)


PRODUCTS_ROWS: list[OpInfo] = [
    _top("mm", _mm_samples),
    OpInfo("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), listed(sample(transposed(3, 4), (4, 2), tag="noncontig")),
           variant="method"),
    _top("bmm", _bmm_samples),
    _top("mv", _mv_samples),
    _top("dot", _vector_pair_samples),
    _top("vdot", _vector_pair_samples),
    _top("inner", _inner_samples),
    _top("outer", _outer_samples),
    _top("ger", _outer_samples),
    _top("addmm", _addmm_samples),
    OpInfo("addmm", lambda x, a, b, **kw: x.addmm(a, b, **kw), lambda x, a, b, **kw: x.addmm(a, b, **kw),
           listed(sample((3, 2), (3, 4), transposed(4, 2), beta=2.0, tag="noncontig")), variant="method"),
    _top("addmv", _addmv_samples),
    _top("addr", _addr_samples),
    _top("baddbmm", _baddbmm_samples),
    _top("addbmm", _addbmm_samples),
    _top("tensordot", _tensordot_samples),
    _top("kron", _kron_samples),
    *_split(OpInfo("einsum", _einsum, _torch_einsum, _einsum_samples), lambda each: len(each.args) > 1),
    _top("norm", _norm_samples, DISTINCT_MAGNITUDES),
    OpInfo("norm", lambda x, **kw: x.norm(**kw), lambda x, **kw: x.norm(**kw),
           listed(sample((3, 4), p=3), sample(transposed(3, 4), dim=1, tag="noncontig")), domain=NONZERO,
           variant="method"),
    # the 1- and inf-norms are piecewise linear: no second derivative
    *_split(_linalg("vector_norm", _vector_norm_samples, DISTINCT_MAGNITUDES),
            lambda each: each.kwargs.get("ord", 2) not in (1, math.inf, -math.inf)),
    *_split(_linalg("matrix_norm", _matrix_norm_samples, DISTINCT_MAGNITUDES),
            lambda each: each.kwargs["ord"] in ("fro", "nuc", 2, -2)),
    _linalg("norm", _linalg_norm_samples, DISTINCT_MAGNITUDES),
    _linalg("vecdot", _vecdot_samples),
    _linalg("cross", _cross_samples),
    _linalg("matmul", listed(sample((2, 3, 4), (4, 2)), sample(transposed(3, 4), (4,), tag="noncontig")), NORMAL),
]

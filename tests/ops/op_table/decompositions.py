"""The rows of chainrule.ops.decompositions: inverse, solve, det, slogdet, logdet, cholesky, qr, svdvals.

Inputs are well conditioned, so that finite differences and float32 agree with the derivative: square matrices
with a dominant diagonal of random signs (dets of both signs), symmetric positive-definite ones for cholesky,
Gaussian ones for QR and the SVD. Rows named `linalg.<name>` exercise chainrule.linalg.<name>.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy

import chainrule as cr
import chainrule.linalg
from tests.ops.op_table.info import NORMAL, OpInfo, Sample, listed, sample, torch, transposed

# LAPACK (NumPy's OpenBLAS against PyTorch's) differs by rounding, which inverses and solves amplify a little
_TOLERANCES = {"float64": {"rtol": 1e-9, "atol": 1e-11}, "float32": {"rtol": 2e-4, "atol": 2e-5}}


@dataclass(frozen=True)
class DominantDiagonal:
    """Uniform [-1, 1] entries plus (n + 1) on the diagonal, with random signs (or all positive): invertible,
    condition number below about 3, determinants of either sign."""

    positive: bool = False

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        size = shape[-1]
        signs = numpy.ones(shape[:-1]) if self.positive else rng.choice([-1.0, 1.0], shape[:-1])
        return rng.uniform(-1, 1, shape) + (size + 1) * numpy.eye(size) * signs[..., None, :]


@dataclass(frozen=True)
class PositiveDefinite:
    """X X^T / n + I for uniform X: symmetric, eigenvalues in [1, about 2]."""

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        x = rng.uniform(-1, 1, shape)
        return x @ x.swapaxes(-1, -2) / shape[-1] + numpy.eye(shape[-1])


DOMINANT, POSITIVE_DETERMINANT, SPD = DominantDiagonal(), DominantDiagonal(positive=True), PositiveDefinite()


def _quiet(function: Any) -> Any:
    """Call a PyTorch function without its deprecation warning (torch.qr, torch.cholesky)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args, **kwargs)

    return call


def _symmetric(a: Any) -> Any:
    """(A + A^T) / 2: cholesky reads one triangle, so its gradient (symmetric, as PyTorch's) is checked through a
    symmetric input, as PyTorch's own OpInfo does."""
    return (a + a.mT) / 2


# -- samples -------------------------------------------------------------------------------------------
def _square_samples() -> Iterator[Sample]:
    yield sample((3, 3))
    yield sample((1, 1))
    yield sample((2, 3, 3), tag="batched")
    yield sample((2, 1, 2, 2), tag="batched")
    yield sample(transposed(3, 3), tag="noncontig")
    yield sample(transposed(2, 4, 4), tag="noncontig-batched")


def _solve_samples() -> Iterator[Sample]:
    yield sample((3, 3), (3,), tag="vector")
    yield sample((3, 3), (3, 2))
    yield sample((2, 3, 3), (2, 3), tag="batched-vector")
    yield sample((2, 3, 3), (3,), tag="broadcast-vector")
    yield sample((2, 1, 3, 3), (4, 3, 2), tag="broadcast")
    yield sample((3, 3), (2, 3, 1), tag="broadcast")
    yield sample((3, 3), (2, 3), left=False, tag="right")
    yield sample(transposed(3, 3), transposed(3, 2), tag="noncontig")


def _cholesky_samples() -> Iterator[Sample]:
    yield sample((3, 3))
    yield sample((1, 1))
    yield sample((2, 3, 3), tag="batched")
    yield sample((3, 3), upper=True)
    yield sample(transposed(2, 4, 4), tag="noncontig-batched")


def _qr_samples() -> Iterator[Sample]:
    yield sample((4, 3), tag="tall")
    yield sample((3, 3))
    yield sample((3, 5), tag="wide")
    yield sample((2, 4, 2), tag="batched")
    yield sample((4, 4), some=False)
    yield sample((2, 4), some=False, tag="wide")
    yield sample(transposed(4, 3), tag="noncontig")
    yield sample(transposed(2, 3, 4), tag="noncontig-wide")


def _linalg_qr_samples() -> Iterator[Sample]:
    yield sample((4, 3), mode="reduced")
    yield sample((3, 4), mode="complete")
    yield sample((2, 3, 3), mode="complete")
    yield sample(transposed(5, 3), mode="reduced", tag="noncontig")


def _svdvals_samples() -> Iterator[Sample]:
    yield sample((3, 3))
    yield sample((4, 2), tag="tall")
    yield sample((2, 5), tag="wide")
    yield sample((2, 3, 3), tag="batched")
    yield sample((1, 1))
    yield sample(transposed(4, 3), tag="noncontig")


# -- rows ------------------------------------------------------------------------------------------------
def _row(name: str, op: Any, ref: Any, samples: Any, domain: Any, **options: Any) -> OpInfo:
    return OpInfo(name, op, ref, samples, domain=domain, tolerances=_TOLERANCES, **options)


DECOMPOSITIONS_ROWS: list[OpInfo] = [
    _row("inverse", lambda a: cr.inverse(a), lambda a: torch.inverse(a), _square_samples, DOMINANT,
         second_order_torch=True),
    _row("inverse", lambda a: a.inverse(), lambda a: a.inverse(),
         listed(sample(transposed(3, 3), tag="noncontig")), DOMINANT, variant="method"),
    _row("linalg.inv", lambda a: chainrule.linalg.inv(a), lambda a: torch.linalg.inv(a),
         listed(sample((3, 3)), sample(transposed(2, 3, 3), tag="noncontig")), DOMINANT),
    _row("linalg.solve", lambda a, b, **kw: chainrule.linalg.solve(a, b, **kw),
         lambda a, b, **kw: torch.linalg.solve(a, b, **kw), _solve_samples, (DOMINANT, NORMAL),
         second_order_torch=True),
    # det of a 1x1 matrix is linear: PyTorch's first derivative is outside its graph, so no second-order check
    _row("det", lambda a: cr.det(a), lambda a: torch.det(a),
         listed(*(each for each in _square_samples() if each.args[0].shape != (1, 1))), DOMINANT,
         second_order_torch=True),
    _row("det", lambda a: chainrule.linalg.det(a), lambda a: torch.linalg.det(a),
         listed(sample((1, 1)), sample(transposed(2, 3, 3), tag="noncontig")), DOMINANT, variant="linalg"),
    _row("slogdet", lambda a: cr.slogdet(a), lambda a: torch.slogdet(a), _square_samples, DOMINANT,
         second_order_torch=True),
    _row("slogdet", lambda a: chainrule.linalg.slogdet(a), lambda a: torch.linalg.slogdet(a),
         listed(sample(transposed(2, 3, 3), tag="noncontig")), DOMINANT, variant="linalg"),
    _row("logdet", lambda a: cr.logdet(a), lambda a: torch.logdet(a), _square_samples, POSITIVE_DETERMINANT),
    _row("cholesky", lambda a, **kw: cr.cholesky(_symmetric(a), **kw),
         lambda a, **kw: _quiet(torch.cholesky)(_symmetric(a), **kw), _cholesky_samples, SPD,
         second_order_torch=True),
    _row("cholesky", lambda a, **kw: chainrule.linalg.cholesky(_symmetric(a), **kw),
         lambda a, **kw: torch.linalg.cholesky(_symmetric(a), **kw),
         listed(sample((3, 3), upper=True), sample(transposed(3, 3), tag="noncontig")), SPD, variant="linalg"),
    _row("qr", lambda a, **kw: cr.qr(a, **kw), lambda a, **kw: _quiet(torch.qr)(a, **kw), _qr_samples, NORMAL,
         second_order_torch=True),
    _row("linalg.qr", lambda a, **kw: chainrule.linalg.qr(a, **kw), lambda a, **kw: torch.linalg.qr(a, **kw),
         _linalg_qr_samples, NORMAL),
    _row("linalg.svdvals", lambda a: chainrule.linalg.svdvals(a), lambda a: torch.linalg.svdvals(a),
         _svdvals_samples, NORMAL, second_order_torch=True),
]

"""The rows of chainrule.ops.sampling: `normal` with tensor mean and std, the one sampling op with a gradient
(the reparameterisation mean + std * z: d/dmean = 1, d/dstd = z).

Each call reseeds the generator, so the finite differences of gradcheck see the same draw z every time. PyTorch
draws other numbers from another generator, so the rows have no torch twin; tests/ops/test_sampling.py checks
the values and gradients against the formula instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import chainrule as cr
from tests.ops.op_table.info import POSITIVE, REAL, OpInfo, Sample, sample, strided, transposed

SEED = 1234


def _seeded_normal(mean: cr.Tensor, std: Any) -> cr.Tensor:
    cr.manual_seed(SEED)
    return cr.normal(mean, std)


def _tensor_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4))
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample((), (2, 3), tag="broadcast")
    yield sample((), ())
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")


def _mean_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample(())
    yield sample(transposed(3, 4), tag="noncontig")


SAMPLING_ROWS: list[OpInfo] = [
    OpInfo("normal", _seeded_normal, None, _tensor_samples, (REAL, POSITIVE)),
    OpInfo("normal", lambda mean: _seeded_normal(mean, 0.5), None, _mean_samples, variant="mean"),
    OpInfo("normal", lambda std: _seeded_normal(0.5, std), None, _mean_samples, POSITIVE, variant="std"),
]

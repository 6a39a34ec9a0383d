"""The rows of the functional layers (linear, layer_norm, batch_norm, embedding, dropout, dropout2d) against
torch.nn.functional.

Inputs, weights and biases are Gaussian leaves. Anything that gets no gradient (indices, running statistics)
is a NumPy array among the sample's kwargs. Training-mode dropout draws its own mask, so its rows reseed
before every call (the same mask for every finite difference) and have no PyTorch twin; their masks are checked
in tests/ops/test_nn_ops.py and test_pooling.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    NORMAL,
    OpInfo,
    Sample,
    constant,
    functional,
    sample,
    strided,
    torch,
    torch_constant,
    transposed,
)

INDICES_1D = numpy.array([1, 3, 3, 0, 5, 1, 1])
INDICES_2D = numpy.array([[0, 2, 2, 4], [4, 0, 1, 2]])
RUNNING_MEAN = numpy.array([0.5, -1.0, 0.25])
RUNNING_VAR = numpy.array([2.0, 0.5, 1.5])


def _linear_samples() -> Iterator[Sample]:
    # input 1-D, 2-D, 3-D; with and without bias; non-contiguous input and weight
    yield sample((3,), (4, 3), (4,), tag="1d")
    yield sample((5, 3), (4, 3), (4,), tag="2d")
    yield sample((2, 5, 3), (4, 3), (4,), tag="3d")
    yield sample((3,), (4, 3), tag="1d-nobias")
    yield sample((5, 3), (4, 3), tag="2d-nobias")
    yield sample((2, 5, 3), (4, 3), tag="3d-nobias")
    yield sample(transposed(5, 3), (4, 3), (4,), tag="noncontig-input")
    yield sample((5, 3), transposed(4, 3), (4,), tag="noncontig-weight")
    yield sample(transposed(2, 5, 3), transposed(4, 3), tag="3d-noncontig-both")


def _layer_norm_samples() -> Iterator[Sample]:
    # normalized_shape of 1 and 2 dimensions (an int or a tuple), with and without weight and bias
    yield sample((3, 4), normalized_shape=4, tag="1dim")
    yield sample((2, 3, 4), (4,), (4,), normalized_shape=(4,), tag="1dim-affine")
    yield sample((4, 2, 3), normalized_shape=(2, 3), tag="2dim")
    yield sample((4, 2, 3), (2, 3), (2, 3), normalized_shape=(2, 3), eps=1e-6, tag="2dim-affine")
    yield sample((3, 4), (4,), normalized_shape=(4,), tag="weight-only")
    yield sample(transposed(5, 4), normalized_shape=4, tag="noncontig")


def _layer_norm(library: Callable) -> Callable:
    """layer_norm(x, normalized_shape, *weight_and_bias, eps=...): PyTorch takes normalized_shape only as a tuple."""

    def call(x, *affine, normalized_shape, **kwargs):
        if library is torch_constant and isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        functional = cr.nn.functional if library is constant else torch.nn.functional
        return functional.layer_norm(x, normalized_shape, *affine, **kwargs)

    return call


def _group_norm_samples() -> Iterator[Sample]:
    yield sample((2, 4, 3), num_groups=2)
    yield sample((2, 6, 2, 3), (6,), (6,), num_groups=3, tag="affine-4d")
    yield sample((3, 4, 5), (4,), (4,), num_groups=4, eps=1e-6, tag="one-channel-groups")
    yield sample(transposed(2, 4, 5), (4,), num_groups=1, tag="noncontig-weight-only")


def _group_norm(library: Callable) -> Callable:
    """group_norm(x, num_groups, *weight_and_bias, eps=...): the table passes num_groups by name."""

    def call(x, *affine, num_groups, **kwargs):
        functional = cr.nn.functional if library is constant else torch.nn.functional
        return functional.group_norm(x, num_groups, *affine, **kwargs)

    return call


def _cosine_similarity_samples() -> Iterator[Sample]:
    yield sample((4, 3), (4, 3))
    yield sample((2, 3, 5), (3, 1), dim=1, tag="broadcast")
    yield sample((5,), (5,), dim=0, tag="1d")
    yield sample(transposed(3, 4), (3, 4), dim=0, tag="noncontig")


def _pairwise_distance_samples() -> Iterator[Sample]:
    yield sample((4, 3), (4, 3))
    yield sample((4, 3), (1, 3), p=1.0, keepdim=True, tag="p1-broadcast")
    yield sample(transposed(4, 3), (4, 3), p=3.0, tag="noncontig-p3")


def _batch_norm_samples() -> Iterator[Sample]:
    # training (batch statistics) on (N, C) and (N, C, L), and evaluation (running statistics)
    yield sample((6, 3), (3,), (3,), training=True, tag="train-2d")
    yield sample((4, 3, 5), (3,), (3,), training=True, tag="train-3d")
    yield sample((4, 3, 2), training=True, tag="train-3d-plain")
    yield sample(transposed(4, 3, 5), (3,), (3,), training=True, tag="train-3d-noncontig")
    yield sample((6, 3), (3,), (3,), running_mean=RUNNING_MEAN, running_var=RUNNING_VAR, training=False,
                 tag="eval-2d")
    yield sample((4, 3, 5), (3,), (3,), running_mean=RUNNING_MEAN, running_var=RUNNING_VAR, training=False,
                 tag="eval-3d")


def _batch_norm(library: Callable) -> Callable:
    """batch_norm(x, running_mean, running_var, *weight_and_bias, **kwargs), the statistics NumPy constants."""

    def call(x, *affine, running_mean=None, running_var=None, **kwargs):
        functional = cr.nn.functional if library is constant else torch.nn.functional
        return functional.batch_norm(x, library(running_mean, x), library(running_var, x), *affine, **kwargs)

    return call


def _embedding(library: Callable) -> Callable:
    """embedding(indices, weight, **kwargs): the weight is the input, the indices a NumPy constant."""

    def call(weight, indices, **kwargs):
        functional = cr.nn.functional if library is constant else torch.nn.functional
        return functional.embedding(library(indices, weight), weight, **kwargs)

    return call


def _embedding_samples() -> Iterator[Sample]:
    # repeated indices, 1-D and 2-D index tensors
    yield sample((6, 3), indices=INDICES_1D, tag="1d")
    yield sample((5, 4), indices=INDICES_2D, tag="2d")
    yield sample(transposed(6, 3), indices=INDICES_2D, tag="2d-noncontig")


def _embedding_padding_samples() -> Iterator[Sample]:
    yield sample((6, 3), indices=INDICES_1D, padding_idx=1, tag="1d")
    yield sample((5, 4), indices=INDICES_2D, padding_idx=-1, tag="2d-negative")
    yield sample(transposed(6, 3), indices=INDICES_1D, padding_idx=3, tag="1d-noncontig")


def _dropout_samples() -> Iterator[Sample]:
    # p = 0 and evaluation are the identity, p = 1 gives zeros; training otherwise is random
    yield sample((3, 4), p=0.0)
    yield sample((3, 4), p=1.0)
    yield sample((3, 4), p=0.5, training=False)
    yield sample(strided(3, 4), p=0.0, tag="noncontig")


def _dropout2d_samples() -> Iterator[Sample]:
    # whole channels, on (N, C, H, W) and unbatched (C, H, W)
    yield sample((2, 3, 4, 5), p=0.0)
    yield sample((2, 3, 2, 2), p=1.0)
    yield sample(transposed(2, 3, 4, 5), p=0.5, training=False, tag="noncontig")


def _seeded(name: str) -> Callable:
    """Training-mode dropout with the same mask on every call, so that finite differences see one function."""

    def call(x, p):
        cr.manual_seed(1234)
        return getattr(cr.nn.functional, name)(x, p, training=True)

    return call


def _seeded_dropout_samples() -> Iterator[Sample]:
    yield sample((4, 5), p=0.3)
    yield sample(transposed(4, 5), p=0.3, tag="noncontig")


def _seeded_dropout2d_samples() -> Iterator[Sample]:
    yield sample((3, 4, 2, 3), p=0.4)
    yield sample(transposed(4, 2, 3), p=0.4, tag="unbatched-noncontig")


def _row(name: str, op: Callable, ref: Callable | None, samples, variant: str = "", **options) -> OpInfo:
    return OpInfo(name, op, ref, samples, NORMAL, variant, every_device=True, **options)


NN_ROWS: list[OpInfo] = [
    _row("linear", *functional("linear"), _linear_samples),
    _row("layer_norm", _layer_norm(constant), _layer_norm(torch_constant), _layer_norm_samples),
    _row("batch_norm", _batch_norm(constant), _batch_norm(torch_constant), _batch_norm_samples),
    _row("embedding", _embedding(constant), _embedding(torch_constant), _embedding_samples),
    _row("embedding", _embedding(constant), _embedding(torch_constant), _embedding_padding_samples, "padding",
         gradient_convention="the padding row is read in forward but gets a zero gradient, as in PyTorch"),
    _row("group_norm", _group_norm(constant), _group_norm(torch_constant), _group_norm_samples),
    _row("cosine_similarity", *functional("cosine_similarity"), _cosine_similarity_samples),
    _row("pairwise_distance", *functional("pairwise_distance"), _pairwise_distance_samples),
    _row("dropout", *functional("dropout"), _dropout_samples),
    _row("dropout", _seeded("dropout"), None, _seeded_dropout_samples, "seeded"),
    _row("dropout2d", *functional("dropout2d"), _dropout2d_samples),
    _row("dropout2d", _seeded("dropout2d"), None, _seeded_dropout2d_samples, "seeded"),
]

"""The rows of chainrule.ops.layout: flips and rolls, triangles and diagonals, slicing and splitting, repeats
and grids, moved dimensions, Tensor.unfold, atleast_nd and block_diag.

Every op here moves entries without arithmetic, so any input values do; what the samples vary is dims (negative
ones too), offsets, sizes, overlapping unfold windows, 0-d inputs where PyTorch takes them, and non-contiguous
inputs (the views among these ops must read them through their strides).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy

import chainrule as cr
from tests.ops.op_table.info import OpInfo, Sample, sample, strided, torch, transposed


def _function(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """op and ref calling chainrule.<name> and torch.<name> with the inputs positionally and the kwargs by name
    (NumPy integer arrays as int64 tensors: repeat_interleave's counts)."""

    def op(*inputs: cr.Tensor, **kwargs: Any) -> Any:
        kwargs = {k: cr.tensor(v, device=inputs[0].device) if isinstance(v, numpy.ndarray) else v
                  for k, v in kwargs.items()}
        return getattr(cr, name)(*inputs, **kwargs)

    def ref(*inputs: Any, **kwargs: Any) -> Any:
        kwargs = {k: torch.from_numpy(v) if isinstance(v, numpy.ndarray) else v for k, v in kwargs.items()}
        return getattr(torch, name)(*inputs, **kwargs)

    return op, ref


def _method(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def op(x: Any, **kwargs: Any) -> Any:
        return getattr(x, name)(**kwargs)

    return op, op


def _split(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """PyTorch's split functions take indices_or_sections positionally only (their keywords are overloads')."""
    op, ref = _function(name)
    return (lambda x, indices_or_sections, **kw: op(x, indices_or_sections, **kw),
            lambda x, indices_or_sections, **kw: ref(x, indices_or_sections, **kw))


def _row(name: str, samples: Callable[[], Iterator[Sample]], variant: str = "", method: bool = False) -> OpInfo:
    op, ref = _method(name) if method else _split(name) if name.endswith("split") else _function(name)
    return OpInfo(name, op, ref, samples, variant=variant)


def _samples(*samples: Sample) -> Callable[[], Iterator[Sample]]:
    return lambda: iter(samples)


def _meshgrid(library: Any) -> Callable[..., Any]:
    def call(*inputs: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # without indexing=, both warn
            return library.meshgrid(*inputs, **kwargs)

    return call


LAYOUT_ROWS: list[OpInfo] = [
    _row("flip", _samples(
        sample((3, 4), dims=(0,)),
        sample((2, 3, 4), dims=(0, -1)),
        sample((2, 3, 4), dims=[2, 1, 0]),
        sample((), dims=(0,), tag="0d"),
        sample((3, 4), dims=(), tag="no-dims"),
        sample(transposed(3, 4), dims=(1,), tag="noncontig"),
    )),
    _row("fliplr", _samples(sample((3, 4)), sample((2, 3, 4)), sample(strided(3, 4), tag="noncontig"))),
    _row("flipud", _samples(sample((3,)), sample((3, 4)), sample(transposed(3, 4), tag="noncontig"))),
    _row("roll", _samples(
        sample((3, 4), shifts=1, dims=0),
        sample((3, 4), shifts=(-1, 5), dims=(1, 0)),
        sample((2, 3, 4), shifts=(2, 2), dims=(-1, -1), tag="same-dim-twice"),
        sample((3, 4), shifts=7, tag="flattened"),
        sample((3, 4), shifts=0, dims=1, tag="no-shift"),
        sample((), shifts=3, tag="0d"),
        sample(transposed(3, 4), shifts=(1, -2), dims=(0, 1), tag="noncontig"),
        sample(strided(3, 4), shifts=-5, tag="noncontig-flattened"),
    )),
    _row("rot90", _samples(
        sample((3, 4)),
        sample((3, 4), k=2),
        sample((3, 4), k=3),
        sample((3, 4), k=-1),
        sample((3, 4), k=4),
        sample((2, 3, 4), k=1, dims=(2, 0)),
        sample(transposed(2, 3, 4), k=1, dims=[-1, 1], tag="noncontig"),
    )),
    _row("tril", _samples(
        sample((3, 4)),
        sample((4, 3), diagonal=1),
        sample((2, 3, 4), diagonal=-1),
        sample((3, 4), diagonal=-5, tag="empty"),
        sample(transposed(2, 4, 3), diagonal=2, tag="noncontig"),
    )),
    _row("triu", _samples(
        sample((3, 4)),
        sample((4, 3), diagonal=-1),
        sample((2, 3, 4), diagonal=1),
        sample(strided(3, 4), diagonal=4, tag="noncontig-empty"),
    )),
    _row("diag", _samples(
        sample((3,)),
        sample((3,), diagonal=2),
        sample((3,), diagonal=-1),
        sample((3, 4)),
        sample((3, 4), diagonal=1),
        sample((4, 3), diagonal=-2),
        sample((3, 4), diagonal=5, tag="empty"),
        sample(transposed(3, 4), diagonal=-1, tag="noncontig"),
        sample(strided(4), diagonal=1, tag="noncontig"),
    )),
    _row("diagonal", _samples(
        sample((3, 4)),
        sample((3, 4), offset=2),
        sample((4, 3), offset=-1),
        sample((2, 3, 4), offset=1, dim1=2, dim2=0),
        sample((2, 3, 4), dim1=-1, dim2=-2),
        sample(transposed(2, 3, 4), offset=-1, dim1=1, dim2=2, tag="noncontig"),
    )),
    _row("diag_embed", _samples(
        sample((3,)),
        sample((2, 3), offset=1),
        sample((2, 3), offset=-2, dim1=0, dim2=2),
        sample((2, 3), dim1=-1, dim2=0),
        sample(strided(2, 3), offset=1, dim1=1, dim2=-1, tag="noncontig"),
    )),
    _row("diagflat", _samples(
        sample((3,)),
        sample((2, 2), offset=1),
        sample((), offset=-1, tag="0d"),
        sample(transposed(2, 3), offset=-1, tag="noncontig"),
    )),
    _row("narrow", _samples(
        sample((4, 3), dim=0, start=1, length=2),
        sample((2, 5), dim=-1, start=-3, length=3),
        sample((2, 5), dim=1, start=5, length=0, tag="empty"),
        sample(transposed(3, 4), dim=1, start=0, length=2, tag="noncontig"),
    )),
    # unbind, tensor_split, meshgrid and the splits return tuples: each piece gets its own upstream gradient
    _row("unbind", _samples(
        sample((3, 2)),
        sample((2, 3, 4), dim=-1),
        sample(transposed(3, 4), dim=1, tag="noncontig"),
    )),
    _row("unflatten", _samples(
        sample((2, 6), dim=1, sizes=(2, 3)),
        sample((6, 2), dim=0, sizes=(-1, 2, 1)),
        sample((2, 6, 2), dim=-2, sizes=(3, -1)),
        sample(transposed(3, 4), dim=1, sizes=(2, 2), tag="noncontig"),
    )),
    _row("repeat_interleave", _samples(
        sample((2, 3), repeats=2),
        sample((2, 3), repeats=2, dim=1),
        sample((3, 2), repeats=numpy.array([1, 0, 3]), dim=0, tag="counts"),
        sample((2, 3), repeats=numpy.array([2]), dim=-1, tag="one-count"),
        sample((), repeats=3, tag="0d"),
        sample(transposed(3, 2), repeats=numpy.array([2, 1]), dim=1, tag="noncontig-counts"),
    )),
    OpInfo("meshgrid", _meshgrid(cr), _meshgrid(torch), _samples(
        sample((2,), (3,), indexing="ij"),
        sample((2,), (3,), (4,), indexing="xy"),
        sample((2,), (3,), tag="no-indexing"),
        sample((), (3,), indexing="ij", tag="0d"),
        sample(strided(2), (3,), indexing="xy", tag="noncontig"),
    )),
    _row("cartesian_prod", _samples(
        sample((2,), (3,)),
        sample((2,), (1,), (3,)),
        sample((3,), tag="one"),
        sample(strided(2), (3,), tag="noncontig"),
    )),
    _row("tensor_split", _samples(
        sample((7,), indices_or_sections=3),
        sample((2, 7), indices_or_sections=(1, 5, 2, 9), dim=1, tag="indices"),
        sample((7, 2), indices_or_sections=[-2], dim=0, tag="negative"),
        sample((3, 2), indices_or_sections=5, tag="more-sections-than-entries"),
        sample(transposed(4, 5), indices_or_sections=2, dim=-1, tag="noncontig"),
    )),
    _row("hsplit", _samples(
        sample((6,), indices_or_sections=3),
        sample((2, 6), indices_or_sections=(1, 4)),
        sample(transposed(2, 4), indices_or_sections=2, tag="noncontig"),
    )),
    _row("vsplit", _samples(
        sample((4, 3), indices_or_sections=2),
        sample(strided(4, 3), indices_or_sections=[3], tag="noncontig"),
    )),
    _row("dsplit", _samples(
        sample((2, 3, 4), indices_or_sections=2),
        sample(transposed(2, 4, 3), indices_or_sections=[1], tag="noncontig"),
    )),
    _row("movedim", _samples(
        sample((2, 3, 4), source=0, destination=2),
        sample((2, 3, 4), source=(0, 1), destination=(2, 0)),
        sample((2, 3, 4), source=[-1], destination=[0]),
        sample((), source=0, destination=0, tag="0d"),
        sample(transposed(2, 3, 4), source=(2, 0), destination=(0, 1), tag="noncontig"),
    )),
    _row("moveaxis", _samples(
        sample((2, 3, 4), source=-1, destination=0),
        sample(strided(2, 3, 4), source=(0, 2), destination=(1, 0), tag="noncontig"),
    )),
    _row("swapaxes", _samples(
        sample((2, 3, 4), axis0=0, axis1=2),
        sample(transposed(3, 4), axis0=-1, axis1=0, tag="noncontig"),
    )),
    _row("swapdims", _samples(
        sample((2, 3, 4), dim0=1, dim1=-1),
        sample((), dim0=0, dim1=0, tag="0d"),
        sample(strided(3, 4), dim0=0, dim1=1, tag="noncontig"),
    )),
    _row("unfold", _samples(
        sample((7,), dimension=0, size=3, step=2, tag="overlapping"),
        sample((2, 7), dimension=1, size=2, step=3, tag="gaps"),
        sample((2, 7, 3), dimension=1, size=5, step=1, tag="overlapping"),
        sample((4, 3), dimension=0, size=4, step=1, tag="one-window"),
        sample((4, 3), dimension=-1, size=0, step=2, tag="empty-windows"),
        sample((), dimension=0, size=1, step=1, tag="0d"),
        sample(transposed(6, 4), dimension=0, size=2, step=2, tag="noncontig"),
        sample(strided(3, 8), dimension=1, size=3, step=1, tag="noncontig"),
    ), method=True),
    _row("atleast_1d", _samples(sample(()), sample((3,)), sample((), (2, 3), tag="several"),
                                sample(transposed(2, 3), tag="noncontig"))),
    _row("atleast_2d", _samples(sample(()), sample((3,)), sample((3,), (), (2, 3, 4), tag="several"),
                                sample(strided(3), tag="noncontig"))),
    _row("atleast_3d", _samples(sample(()), sample((3,)), sample((2, 3)), sample((3,), (2, 3), tag="several"),
                                sample(transposed(2, 3), tag="noncontig"))),
    _row("block_diag", _samples(
        sample((2, 3), (1, 2)),
        sample((2, 3), (), (4,), (0, 2), tag="0d-1d-empty"),
        sample((3,), tag="one"),
        sample(transposed(2, 3), strided(2, 2), tag="noncontig"),
    )),
]

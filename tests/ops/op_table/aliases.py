"""The rows of chainrule.ops.aliases: PyTorch's other names of existing ops (two samples each: the full set runs
on the op they alias) and the small compositions with a computation path of their own (square, reciprocal,
clamp_min/clamp_max, addcmul, addcdiv, tile, broadcast_to, select, take, split_with_sizes, matrix_power,
adjoint, t), with the usual samples: broadcasting, non-contiguous inputs, 0-d where PyTorch allows.

clamp_min/clamp_max keep x a distance from the bound (0), reciprocal and addcdiv's divisor away from 0, and
matrix_power's matrices are near 2I, well conditioned for the negative powers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    NONZERO,
    REAL,
    Domain,
    OpInfo,
    Sample,
    constant,
    fixed,
    sample,
    strided,
    torch,
    transposed,
)


# -- sample generators -------------------------------------------------------------------------------
def _short_samples() -> Iterator[Sample]:
    """For aliases: the full set runs on the name they alias."""
    yield sample((3, 4))
    yield sample(())
    yield sample(transposed(2, 3), tag="noncontig")


def _unary_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample(())
    yield sample(transposed(3, 4), tag="noncontig")
    yield sample(strided(5), tag="noncontig")


def _short_binary_samples() -> Iterator[Sample]:
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample((), (2, 3), tag="broadcast")
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")


def _bound_samples(name: str) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        yield sample((3, 4), **{name: 0.0})
        yield sample((), **{name: 0.0})
        yield sample(transposed(3, 4), **{name: 0.0}, tag="noncontig")

    return samples


def _ternary_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4), (3, 4))
    yield sample((3, 1), (1, 4), (4,), tag="broadcast")
    yield sample((), (2, 3), (), tag="broadcast")
    yield sample((), (), ())
    yield sample(transposed(3, 4), strided(3, 4), (3, 4), tag="noncontig")


def _tile_samples() -> Iterator[Sample]:
    yield sample((2, 3), dims=(2, 1))
    yield sample((2, 3), dims=(3,), tag="short")
    yield sample((3,), dims=(2, 2), tag="long")
    yield sample((), dims=(2,))
    yield sample(transposed(2, 3), dims=(1, 2), tag="noncontig")


def _broadcast_to_samples() -> Iterator[Sample]:
    yield sample((3, 1), size=(3, 4))
    yield sample((4,), size=(2, 3, 4))
    yield sample((), size=(2, 3))
    yield sample(strided(3, 1), size=(2, -1, 4), tag="noncontig")


def _select_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=0, index=1)
    yield sample((3, 4), dim=-1, index=-1)
    yield sample((4,), dim=0, index=2)
    yield sample(transposed(3, 4), dim=1, index=2, tag="noncontig")


def _take_samples() -> Iterator[Sample]:
    yield sample((3, 4), index=numpy.array([0, 5, 11, -1]), tag="index")
    yield sample((3, 4), index=numpy.array([[1, 1], [7, 1]]), tag="repeated")
    yield sample((), index=numpy.array([0, 0]), tag="index")
    yield sample(transposed(3, 4), index=numpy.array([[0, 1, 2], [3, 4, -5]]), tag="noncontig")


def _split_with_sizes_samples() -> Iterator[Sample]:
    yield sample((5, 3), split_sizes=(2, 3), dim=0)
    yield sample((3, 5), split_sizes=(1, 0, 4), dim=-1)
    yield sample(transposed(5, 3), split_sizes=(1, 1, 1), dim=1, tag="noncontig")


def _near_2i(*shape: int, seed: int) -> numpy.ndarray:
    """Matrices 2I + noise in [-0.3, 0.3]: invertible and well conditioned."""
    noise = numpy.random.default_rng(seed).uniform(-0.3, 0.3, shape)
    return noise + 2 * numpy.eye(shape[-1])


def _matrix_power_samples() -> Iterator[Sample]:
    for n in (1, 2, 3, 5, -1, -2):
        yield sample(fixed(_near_2i(3, 3, seed=abs(n) + 10 * (n < 0))), n=n)
    yield sample(fixed(_near_2i(2, 2, 2, seed=7)), n=3, tag="batch")
    yield sample(fixed(_near_2i(3, 3, seed=8), "transposed"), n=2, tag="noncontig")
    yield sample(fixed(_near_2i(3, 3, seed=9), "transposed"), n=-3, tag="noncontig")


def _adjoint_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((2, 3, 4))
    yield sample(transposed(3, 4), tag="noncontig")


def _t_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((4,))
    yield sample(())
    yield sample(transposed(3, 4), tag="noncontig")


def _concat_samples() -> Iterator[Sample]:
    yield sample((2, 3), (2, 1), dim=1)
    yield sample(transposed(3, 4), strided(3, 4), dim=0, tag="noncontig")


# -- the table ---------------------------------------------------------------------------------------
def _same(name: str, samples: Callable[[], Iterator[Sample]] = _short_samples, domain: Domain = REAL) -> OpInfo:
    """A row calling chainrule.<name>(*inputs, **kwargs) and torch.<name>(*inputs, **kwargs)."""
    function = getattr(cr, name)
    return OpInfo(name, lambda *xs, **kw: function(*xs, **kw), lambda *xs, **kw: getattr(torch, name)(*xs, **kw),
                  samples, domain)


def _with_index(name: str, samples: Callable[[], Iterator[Sample]]) -> OpInfo:
    """chainrule.<name>(x, index) and torch.<name>(x, index), index a NumPy array made a constant tensor."""
    function = getattr(cr, name)
    return OpInfo(name, lambda x, index: function(x, constant(index, x)),
                  lambda x, index: getattr(torch, name)(x, torch.from_numpy(index)), samples)


ALIASES_ROWS: list[OpInfo] = [
    # other names: two samples each
    _same("absolute", domain=NONZERO),
    _same("negative"),
    _same("positive"),
    _same("conj"),
    _same("resolve_conj"),
    _same("resolve_neg"),
    _same("multiply", _short_binary_samples),
    _same("subtract", _short_binary_samples),
    OpInfo("subtract", lambda x, y: cr.subtract(x, y, alpha=-2.5), lambda x, y: torch.subtract(x, y, alpha=-2.5),
           _short_binary_samples, variant="alpha"),
    _same("divide", _short_binary_samples, (REAL, NONZERO)),
    _same("true_divide", _short_binary_samples, (REAL, NONZERO)),
    OpInfo("concat", lambda *xs, dim: cr.concat(xs, dim), lambda *xs, dim: torch.concat(xs, dim), _concat_samples),
    OpInfo("concatenate", lambda *xs, dim: cr.concatenate(xs, axis=dim),
           lambda *xs, dim: torch.concatenate(xs, axis=dim), _concat_samples),
    _same("ravel"),
    # compositions with their own path
    _same("square", _unary_samples),
    _same("reciprocal", _unary_samples, NONZERO),
    _same("clamp_min", _bound_samples("min"), NONZERO),
    _same("clamp_max", _bound_samples("max"), NONZERO),
    _same("addcmul", _ternary_samples),
    OpInfo("addcmul", lambda *xs: cr.addcmul(*xs, value=-0.5), lambda *xs: torch.addcmul(*xs, value=-0.5),
           _ternary_samples, variant="value"),
    _same("addcdiv", _ternary_samples, (REAL, REAL, NONZERO)),
    OpInfo("addcdiv", lambda *xs: cr.addcdiv(*xs, value=2.0), lambda *xs: torch.addcdiv(*xs, value=2.0),
           _ternary_samples, (REAL, REAL, NONZERO), variant="value"),
    _same("tile", _tile_samples),
    _same("broadcast_to", _broadcast_to_samples),
    _same("select", _select_samples),
    _with_index("take", _take_samples),
    _same("split_with_sizes", _split_with_sizes_samples),
    _same("matrix_power", _matrix_power_samples),
    _same("adjoint", _adjoint_samples),
    _same("t", _t_samples),
]

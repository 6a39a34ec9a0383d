"""The rows of the core ops (chainrule.ops): arithmetic, elementwise, reductions, shape and indexing, and the
tails of the numerical primitives (chainrule/ops/_numerics.py) through the ops built on them.

Input values come from the row's domain: positive for log/sqrt/pow bases, away from the kinks of
abs/relu/clamp, and without ties for max/min/maximum (where the gradient is a convention, not a limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy

import chainrule as cr
from tests.ops.op_table.info import (
    HIGH_LATTICE,
    LOW_LATTICE,
    LOWER_BOUND,
    NO_TIES,
    NONZERO,
    POSITIVE,
    REAL,
    TAILS,
    UPPER_BOUND,
    Domain,
    OpInfo,
    Sample,
    Uniform,
    sample,
    strided,
    torch,
    transposed,
)


def _cr_index(index: Any, device: cr.device) -> Any:
    """NumPy arrays inside an index become chainrule tensors on the indexed tensor's device."""
    if isinstance(index, tuple):
        return tuple(_cr_index(part, device) for part in index)
    return cr.tensor(index, device=device) if isinstance(index, numpy.ndarray) else index


def _torch_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_torch_index(part) for part in index)
    return torch.from_numpy(index) if isinstance(index, numpy.ndarray) else index


def _mask(*shape: int) -> numpy.ndarray:
    """A fixed boolean mask with both values in it."""
    return (numpy.arange(math.prod(shape)) % 3 != 1).reshape(shape)


def _reverse_dims(x: Any) -> Any:
    """PyTorch's x.T, without its deprecation warning for tensors that are not 2-D."""
    return x.permute(*range(x.ndim - 1, -1, -1))


# -- sample generators -------------------------------------------------------------------------------
def _unary_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample(())
    yield sample((2, 3, 2))
    yield sample(transposed(3, 4), tag="noncontig")
    yield sample(strided(5), tag="noncontig")


def _binary_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4))
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample((2, 3, 4), (4,), tag="broadcast")
    yield sample((3, 1), (2, 1, 4), tag="broadcast")
    yield sample((), (2, 3), tag="broadcast")
    yield sample((2, 3), (), tag="broadcast")
    yield sample((), ())
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")
    yield sample(strided(2, 1), transposed(3, 2, 4), tag="noncontig-broadcast")


def _scalar_samples(*constants: float) -> Callable[[], Iterator[Sample]]:
    def samples() -> Iterator[Sample]:
        for constant in constants:
            yield sample((3, 4), scalar=constant)
            yield sample((), scalar=constant)
        yield sample(transposed(3, 4), scalar=constants[0], tag="noncontig")
        yield sample(strided(2, 3), scalar=constants[-1], tag="noncontig")

    return samples


def _matmul_samples() -> Iterator[Sample]:
    yield sample((4,), (4,), tag="1d@1d")
    yield sample((4,), (4, 2), tag="1d@2d")
    yield sample((3, 4), (4,), tag="2d@1d")
    yield sample((3, 4), (4, 2), tag="2d@2d")
    yield sample((2, 3, 4), (2, 4, 2), tag="batched")
    yield sample((2, 1, 3, 4), (5, 4, 2), tag="batched-broadcast")
    yield sample((2, 3, 4), (4, 2), tag="3d@2d")
    yield sample((2, 3, 4), (4,), tag="3d@1d")
    yield sample((4,), (2, 4, 3), tag="1d@3d")
    yield sample((3, 4), (2, 4, 2), tag="2d@3d")
    yield sample(transposed(3, 4), strided(4, 2), tag="noncontig")
    yield sample(transposed(2, 3, 4), transposed(4, 2), tag="noncontig-batched")


def _clamp_samples() -> Iterator[Sample]:
    yield sample((3, 4), min=-0.5)
    yield sample((3, 4), max=0.5)
    yield sample((3, 4), min=-0.5, max=0.5)
    yield sample((), min=-0.5, max=0.5)
    yield sample(transposed(3, 4), min=-0.5, max=0.5, tag="noncontig")


def _clamp_tensor_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4), (3, 4))
    yield sample((3, 4), (1, 4), (3, 1), tag="broadcast")
    yield sample((2, 3), (), (), tag="0d-bounds")
    yield sample(transposed(3, 4), strided(3, 4), (4,), tag="noncontig")


def _where_samples() -> Iterator[Sample]:
    yield sample((3, 4), (3, 4), condition=_mask(3, 4))
    yield sample((3, 1), (1, 4), condition=_mask(3, 4), tag="broadcast")
    yield sample((1, 4), (3, 4), condition=_mask(3, 1), tag="broadcast-condition")
    yield sample((), (2, 3), condition=_mask(2, 3), tag="0d")
    yield sample(transposed(3, 4), strided(3, 4), condition=_mask(3, 4), tag="noncontig")


def _where_scalar_samples() -> Iterator[Sample]:
    yield sample((3, 4), condition=_mask(3, 4), scalar=0.0)
    yield sample((3, 1), condition=_mask(3, 4), scalar=-1.5, tag="broadcast")
    yield sample(strided(3, 4), condition=_mask(3, 4), scalar=2.0, tag="noncontig")


def _sum_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=(0, 2))
    yield sample((2, 3, 4), dim=(0, 2), keepdim=True)
    yield sample((2, 3, 4), dim=-1, keepdim=False)
    yield sample(())
    yield sample((), dim=0, keepdim=True)
    yield sample(transposed(3, 4), dim=0, tag="noncontig")
    yield sample(strided(3, 4), dim=1, keepdim=True, tag="noncontig")


def _amax_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=(0, 2), keepdim=True)
    yield sample((2, 3, 4), dim=-1)
    yield sample(())
    yield sample(transposed(3, 4), dim=1, tag="noncontig")


def _max_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((2, 3, 4), dim=-1, keepdim=False)
    yield sample((2, 3, 4), dim=1, keepdim=True)
    yield sample(())
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), tag="noncontig")


def _std_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((3, 4), unbiased=False)
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((3, 4), dim=1, unbiased=False, keepdim=True)
    yield sample((2, 3, 4), dim=(0, 2), correction=0)
    yield sample((3, 4), dim=1, correction=2)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")
    yield sample(strided(3, 4), dim=0, keepdim=True, tag="noncontig")


def _var_samples() -> Iterator[Sample]:
    yield from _std_samples()
    yield sample((), correction=0)


def _logsumexp_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=1)
    yield sample((3, 4), dim=0, keepdim=True)
    yield sample((3, 4), dim=(0, 1))
    yield sample((2, 3, 4), dim=-1, keepdim=True)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")


def _reshape_samples() -> Iterator[Sample]:
    yield sample((3, 4), shape=(2, 6))
    yield sample((3, 4), shape=(-1,))
    yield sample((2, 3, 4), shape=(4, -1))
    yield sample((), shape=(1, 1))
    yield sample(transposed(3, 4), shape=(12,), tag="noncontig")
    yield sample(strided(3, 4), shape=(2, 2, 3), tag="noncontig")


def _view_samples() -> Iterator[Sample]:
    yield sample((3, 4), shape=(2, 6))
    yield sample((2, 3, 4), shape=(6, -1))
    yield sample((), shape=(1,))
    yield sample(strided(3, 4), shape=(3, 2, 2), tag="noncontig")


def _flatten_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4))
    yield sample((2, 3, 4), start_dim=1)
    yield sample((2, 3, 4), start_dim=0, end_dim=1)
    yield sample(())
    yield sample(transposed(3, 4), tag="noncontig")


def _squeeze_samples() -> Iterator[Sample]:
    yield sample((1, 3, 1))
    yield sample((1, 3, 1), dim=0)
    yield sample((1, 3, 1), dim=-1)
    yield sample((1, 3, 1), dim=1)
    yield sample((1, 3, 1), dim=(0, 2))
    yield sample(strided(1, 3), tag="noncontig")


def _unsqueeze_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=0)
    yield sample((3, 4), dim=-1)
    yield sample((3, 4), dim=1)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=1, tag="noncontig")


def _transpose_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4), dim0=0, dim1=2)
    yield sample((3, 4), dim0=-1, dim1=-2)
    yield sample((2, 3, 4), dim0=1, dim1=1)
    yield sample(transposed(3, 4), dim0=0, dim1=1, tag="noncontig")


def _permute_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4), dims=(2, 0, 1))
    yield sample((2, 3, 4), dims=(-1, 0, 1))
    yield sample(transposed(3, 4), dims=(1, 0), tag="noncontig")
    yield sample(strided(2, 3, 2), dims=(1, 2, 0), tag="noncontig")


def _reverse_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((2, 3, 4))
    yield sample(transposed(3, 4), tag="noncontig")


def _mT_samples() -> Iterator[Sample]:
    yield sample((3, 4))
    yield sample((2, 3, 4))
    yield sample(transposed(2, 3, 4), tag="noncontig")


def _expand_samples() -> Iterator[Sample]:
    yield sample((3, 1), shape=(3, 4))
    yield sample((4,), shape=(2, 3, 4))
    yield sample((3, 1), shape=(-1, 4))
    yield sample((), shape=(2, 3))
    yield sample(strided(1, 3), shape=(4, 3), tag="noncontig")


def _repeat_samples() -> Iterator[Sample]:
    yield sample((2, 3), repeats=(2, 1))
    yield sample((2, 3), repeats=(2, 1, 2))
    yield sample((), repeats=(3,))
    yield sample(strided(2, 3), repeats=(1, 2), tag="noncontig")


def _getitem_samples() -> Iterator[Sample]:
    yield sample((4, 5), index=slice(1, 3), tag="slice")
    yield sample((4, 5), index=(slice(None, None, 2), slice(1, None, 2)), tag="slice-steps")
    yield sample((4, 5), index=(slice(-3, None), slice(None, -1)), tag="slice-negative")
    yield sample((4, 5), index=2, tag="int")
    yield sample((4, 5), index=(-1, -2), tag="int-negative")
    yield sample((4, 5), index=(None, slice(1, 3), None), tag="none")
    yield sample((2, 3, 4), index=(Ellipsis, 1), tag="ellipsis")
    yield sample((2, 3), index=(Ellipsis, None), tag="ellipsis-none")
    yield sample((4, 5), index=numpy.array([0, 2, 0, 0]), tag="int-array-repeated")
    yield sample((3, 4), index=numpy.array([[0, 1], [1, 1]]), tag="int-array-2d-repeated")
    yield sample((4, 5), index=(numpy.array([0, 2, 0]), numpy.array([1, 1, 1])), tag="int-arrays-repeated")
    yield sample((4, 5), index=[0, 2, 2], tag="list-repeated")
    yield sample((4, 5), index=_mask(4, 5), tag="bool-mask")
    yield sample((4, 5), index=_mask(4), tag="bool-mask-rows")
    yield sample((4, 5), index=(numpy.array([2, 0, 2]), slice(1, 4)), tag="mixed-array-slice")
    yield sample((4, 5), index=(slice(None, None, 2), numpy.array([3, 0, 3])), tag="mixed-slice-array")
    yield sample((4, 5), index=(1, numpy.array([0, 0, 4])), tag="mixed-int-array")
    yield sample((2, 3, 4), index=(None, Ellipsis, numpy.array([1, 1])), tag="mixed-none-ellipsis-array")
    yield sample(transposed(4, 5), index=(slice(1, None, 2), -1), tag="noncontig-slice")
    yield sample(strided(4, 5), index=numpy.array([3, 3, 1]), tag="noncontig-array")
    yield sample((), index=Ellipsis, tag="0d-ellipsis")
    yield sample((), index=None, tag="0d-none")


def _cat_samples() -> Iterator[Sample]:
    yield sample((2, 3), (4, 3), dim=0)
    yield sample((2, 3), (2, 1), (2, 2), dim=1)
    yield sample((2, 3), (2, 3), dim=-1)
    yield sample(transposed(3, 4), strided(3, 4), dim=0, tag="noncontig")


def _stack_samples() -> Iterator[Sample]:
    yield sample((3,), (3,), dim=0)
    yield sample((2, 3), (2, 3), (2, 3), dim=1)
    yield sample((2, 3), (2, 3), dim=-1)
    yield sample((), (), dim=0)
    yield sample(transposed(3, 4), strided(3, 4), dim=1, tag="noncontig")


def _split_samples() -> Iterator[Sample]:
    yield sample((5, 3), split_size_or_sections=2, dim=0)
    yield sample((3, 5), split_size_or_sections=[1, 3, 1], dim=1)
    yield sample((4, 6), split_size_or_sections=3, dim=-1)
    yield sample(transposed(5, 3), split_size_or_sections=2, dim=0, tag="noncontig")


def _chunk_samples() -> Iterator[Sample]:
    yield sample((5, 3), chunks=2, dim=0)
    yield sample((3, 4), chunks=3, dim=1)
    yield sample((6,), chunks=3, dim=0)
    yield sample(strided(3, 5), chunks=2, dim=1, tag="noncontig")


def _pad_samples() -> Iterator[Sample]:
    yield sample((2, 5), pad=(1, 2), mode="constant", value=0.5)
    yield sample((2, 3, 4), pad=(1, 1, 2, 0))
    yield sample((2, 5), pad=(2, 1), mode="reflect")
    yield sample((2, 3, 4), pad=(1, 2, 2, 1), mode="reflect")
    yield sample((2, 5), pad=(2, 3), mode="replicate")
    yield sample((2, 3, 4), pad=(1, 0, 2, 2), mode="replicate")
    yield sample((2, 5), pad=(2, 3), mode="circular")
    yield sample((2, 3, 4), pad=(1, 2, 1, 1), mode="circular")
    yield sample(transposed(3, 4), pad=(1, 2), mode="reflect", tag="noncontig")
    yield sample(strided(3, 4), pad=(2, 1), mode="constant", value=-1.0, tag="noncontig")


def _index_select_samples() -> Iterator[Sample]:
    yield sample((4, 3), dim=0, index=numpy.array([2, 0, 2, 2]), tag="repeated")
    yield sample((3, 4), dim=1, index=numpy.array([3, 1]), tag="distinct")
    yield sample((2, 3, 4), dim=-1, index=numpy.array([0, 0, 3]), tag="repeated")
    yield sample(transposed(3, 4), dim=0, index=numpy.array([1, 1]), tag="noncontig-repeated")


def _sum_to_size_samples() -> Iterator[Sample]:
    yield sample((2, 3, 4), size=(3, 1))
    yield sample((2, 3, 4), size=(1, 4))
    yield sample((3, 4), size=(4,))
    yield sample((3, 4), size=(1, 1))
    yield sample(transposed(3, 4), size=(3, 1), tag="noncontig")


def _to_samples() -> Iterator[Sample]:
    yield sample((3, 4), dtype="float32")
    yield sample((3, 4), dtype="float64")
    yield sample((), dtype="float32")
    yield sample(transposed(3, 4), dtype="float32", tag="noncontig")


# -- the table ---------------------------------------------------------------------------------------
def _unary(name: str, op: Callable, ref: Callable, domain: Domain = REAL, variant: str = "") -> OpInfo:
    return OpInfo(name, op, ref, _unary_samples, domain, variant)


def _softmax_samples() -> Iterator[Sample]:
    yield sample((3, 4), dim=1)
    yield sample((2, 3, 4), dim=0)
    yield sample((), dim=0)
    yield sample(transposed(3, 4), dim=-1, tag="noncontig")


def _cross_entropy_samples() -> Iterator[Sample]:
    yield sample((4, 5), target=numpy.array([0, 4, 2, 1]), tag="indices")
    yield sample((2, 3, 4), target=numpy.array([[0, 2, 1, 1], [2, 0, 0, 1]]), tag="indices")
    yield sample((4, 5), target=numpy.array([0, 4, 2, 1]), label_smoothing=0.1, tag="indices")
    yield sample(transposed(4, 5), target=numpy.array([3, 0, 2, 1]), tag="indices-noncontig")


def _target_like_samples() -> Iterator[Sample]:
    yield sample((3, 4), target=numpy.linspace(0.0, 1.0, 12).reshape(3, 4))
    yield sample((), target=numpy.array(0.25))
    yield sample(strided(5), target=numpy.linspace(0.0, 1.0, 5), tag="noncontig")


_F = cr.nn.functional


def _tf():
    return torch.nn.functional


# The tails of every numerical primitive (chainrule/ops/_numerics.py) and of the ops built on it: values of
# magnitude 10 to 40 with both signs (huge/tiny magnitudes for log1p), against PyTorch and by gradcheck.
TAIL_ROWS: list[OpInfo] = [
    _unary("sigmoid", cr.sigmoid, lambda x: torch.sigmoid(x), TAILS, "tails"),
    _unary("tanh", cr.tanh, lambda x: torch.tanh(x), TAILS, "tails"),
    _unary("exp", cr.exp, lambda x: torch.exp(x), TAILS, "tails"),
    _unary("log1p", cr.log1p, lambda x: torch.log1p(x), Uniform(1e-9, 1e-6), "tiny"),
    _unary("log1p", cr.log1p, lambda x: torch.log1p(x), Uniform(1e6, 1e9), "huge"),
    _unary("silu", _F.silu, lambda x: _tf().silu(x), TAILS, "tails"),
    _unary("softplus", _F.softplus, lambda x: _tf().softplus(x), TAILS, "tails"),
    _unary("gelu", _F.gelu, lambda x: _tf().gelu(x), TAILS, "tails"),
    _unary("gelu", _F.gelu, lambda x: _tf().gelu(x), Uniform(-8.0, -4.0), "left"),
    OpInfo("softmax", lambda x, dim: _F.softmax(x, dim), lambda x, dim: torch.softmax(x, dim), _softmax_samples,
           TAILS, "tails"),
    OpInfo("log_softmax", lambda x, dim: _F.log_softmax(x, dim), lambda x, dim: torch.log_softmax(x, dim),
           _softmax_samples, TAILS, "tails"),
    OpInfo("logsumexp", lambda x, **kw: cr.logsumexp(x, **kw), lambda x, **kw: torch.logsumexp(x, **kw),
           _softmax_samples, TAILS, "tails"),
    OpInfo("cross_entropy",
           lambda x, target, **kw: _F.cross_entropy(x, cr.tensor(target, device=x.device), **kw),
           lambda x, target, **kw: _tf().cross_entropy(x, torch.from_numpy(target), **kw),
           _cross_entropy_samples, TAILS, "tails"),
    OpInfo("binary_cross_entropy_with_logits",
           lambda x, target: _F.binary_cross_entropy_with_logits(x, cr.tensor(target, dtype=x.dtype, device=x.device)),
           lambda x, target: _tf().binary_cross_entropy_with_logits(x, torch.from_numpy(target).to(x.dtype)),
           _target_like_samples, TAILS, "tails"),
]


CORE_ROWS: list[OpInfo] = [
    # arithmetic: tensor-tensor, and with a Python scalar on either side
    OpInfo("add", lambda x, y: x + y, lambda x, y: x + y, _binary_samples),
    OpInfo("add", lambda x, scalar: x + scalar, lambda x, scalar: x + scalar, _scalar_samples(2.5, -3),
           variant="scalar"),
    OpInfo("add", lambda x, scalar: scalar + x, lambda x, scalar: scalar + x, _scalar_samples(2.5, -3),
           variant="rscalar"),
    OpInfo("sub", lambda x, y: x - y, lambda x, y: x - y, _binary_samples),
    OpInfo("sub", lambda x, scalar: x - scalar, lambda x, scalar: x - scalar, _scalar_samples(2.5, -3),
           variant="scalar"),
    OpInfo("sub", lambda x, scalar: scalar - x, lambda x, scalar: scalar - x, _scalar_samples(2, -1.5),
           variant="rscalar"),
    OpInfo("mul", lambda x, y: x * y, lambda x, y: x * y, _binary_samples),
    OpInfo("mul", lambda x, scalar: x * scalar, lambda x, scalar: x * scalar, _scalar_samples(2.5, -3),
           variant="scalar"),
    OpInfo("mul", lambda x, scalar: scalar * x, lambda x, scalar: scalar * x, _scalar_samples(2.5, -3),
           variant="rscalar"),
    OpInfo("div", lambda x, y: x / y, lambda x, y: x / y, _binary_samples, (REAL, NONZERO)),
    OpInfo("div", lambda x, scalar: x / scalar, lambda x, scalar: x / scalar, _scalar_samples(2.5, -3),
           variant="scalar"),
    OpInfo("div", lambda x, scalar: scalar / x, lambda x, scalar: scalar / x, _scalar_samples(2, -1.5),
           NONZERO, variant="rscalar"),
    OpInfo("pow", lambda x, y: x**y, lambda x, y: x**y, _binary_samples, (POSITIVE, REAL)),
    OpInfo("pow", lambda x, scalar: x**scalar, lambda x, scalar: x**scalar, _scalar_samples(3, 0.5, 2, -1.5),
           POSITIVE, variant="scalar"),
    OpInfo("pow", lambda x, scalar: scalar**x, lambda x, scalar: scalar**x, _scalar_samples(2, 0.5),
           variant="rscalar"),
    _unary("neg", lambda x: -x, lambda x: -x),
    OpInfo("matmul", lambda x, y: x @ y, lambda x, y: x @ y, _matmul_samples),
    # elementwise
    _unary("exp", cr.exp, lambda x: torch.exp(x)),
    _unary("log", cr.log, lambda x: torch.log(x), POSITIVE),
    _unary("log1p", cr.log1p, lambda x: torch.log1p(x), Uniform(-0.5, 2.0)),
    _unary("sqrt", cr.sqrt, lambda x: torch.sqrt(x), POSITIVE),
    _unary("abs", cr.abs, lambda x: torch.abs(x), NONZERO),
    _unary("sign", cr.sign, lambda x: torch.sign(x), NONZERO),
    _unary("sin", cr.sin, lambda x: torch.sin(x)),
    _unary("cos", cr.cos, lambda x: torch.cos(x)),
    _unary("tanh", cr.tanh, lambda x: torch.tanh(x)),
    _unary("sigmoid", cr.sigmoid, lambda x: torch.sigmoid(x)),
    _unary("relu", cr.relu, lambda x: torch.relu(x), NONZERO),
    OpInfo("clamp", lambda x, **kw: cr.clamp(x, **kw), lambda x, **kw: torch.clamp(x, **kw), _clamp_samples,
           Uniform(avoid=(-0.5, 0.5))),
    OpInfo("clamp", lambda x, low, high: cr.clamp(x, low, high), lambda x, low, high: torch.clamp(x, low, high),
           _clamp_tensor_samples, (LOW_LATTICE, LOWER_BOUND, UPPER_BOUND), variant="tensor"),
    OpInfo("maximum", cr.maximum, lambda x, y: torch.maximum(x, y), _binary_samples, (LOW_LATTICE, HIGH_LATTICE)),
    OpInfo("minimum", cr.minimum, lambda x, y: torch.minimum(x, y), _binary_samples, (LOW_LATTICE, HIGH_LATTICE)),
    OpInfo("where",
           lambda x, y, condition: cr.where(cr.tensor(condition, device=x.device), x, y),
           lambda x, y, condition: torch.where(torch.from_numpy(condition), x, y),
           _where_samples),
    OpInfo("where",
           lambda x, condition, scalar: cr.where(cr.tensor(condition, device=x.device), x, scalar),
           lambda x, condition, scalar: torch.where(torch.from_numpy(condition), x, scalar),
           _where_scalar_samples, variant="scalar"),
    # reductions
    OpInfo("sum", lambda x, **kw: cr.sum(x, **kw), lambda x, **kw: torch.sum(x, **kw), _sum_samples),
    OpInfo("mean", lambda x, **kw: cr.mean(x, **kw), lambda x, **kw: torch.mean(x, **kw), _sum_samples),
    OpInfo("amax", lambda x, **kw: cr.amax(x, **kw), lambda x, **kw: torch.amax(x, **kw), _amax_samples, NO_TIES),
    OpInfo("amin", lambda x, **kw: cr.amin(x, **kw), lambda x, **kw: torch.amin(x, **kw), _amax_samples, NO_TIES),
    # with dim, max/min return (values, indices): both are compared, values are differentiated
    OpInfo("max", lambda x, **kw: cr.max(x, **kw), lambda x, **kw: torch.max(x, **kw), _max_samples, NO_TIES),
    OpInfo("min", lambda x, **kw: cr.min(x, **kw), lambda x, **kw: torch.min(x, **kw), _max_samples, NO_TIES),
    OpInfo("var", lambda x, **kw: x.var(**kw), lambda x, **kw: x.var(**kw), _var_samples),
    OpInfo("std", lambda x, **kw: x.std(**kw), lambda x, **kw: x.std(**kw), _std_samples),
    OpInfo("logsumexp", lambda x, **kw: cr.logsumexp(x, **kw), lambda x, **kw: torch.logsumexp(x, **kw),
           _logsumexp_samples),
    OpInfo("sum_to_size", lambda x, size: x.sum_to_size(size), lambda x, size: x.sum_to_size(size),
           _sum_to_size_samples),
    # shape
    OpInfo("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape), _reshape_samples),
    OpInfo("view", lambda x, shape: x.view(*shape), lambda x, shape: x.view(*shape), _view_samples),
    OpInfo("flatten", lambda x, **kw: x.flatten(**kw), lambda x, **kw: x.flatten(**kw), _flatten_samples),
    OpInfo("squeeze", lambda x, **kw: x.squeeze(**kw), lambda x, **kw: x.squeeze(**kw), _squeeze_samples),
    OpInfo("unsqueeze", lambda x, dim: x.unsqueeze(dim), lambda x, dim: x.unsqueeze(dim), _unsqueeze_samples),
    OpInfo("transpose", lambda x, dim0, dim1: x.transpose(dim0, dim1), lambda x, dim0, dim1: x.transpose(dim0, dim1),
           _transpose_samples),
    OpInfo("permute", lambda x, dims: x.permute(*dims), lambda x, dims: x.permute(*dims), _permute_samples),
    OpInfo("T", lambda x: x.T, _reverse_dims, _reverse_samples),
    OpInfo("mT", lambda x: x.mT, lambda x: x.mT, _mT_samples),
    OpInfo("expand", lambda x, shape: x.expand(*shape), lambda x, shape: x.expand(*shape), _expand_samples),
    OpInfo("repeat", lambda x, repeats: x.repeat(*repeats), lambda x, repeats: x.repeat(*repeats), _repeat_samples),
    OpInfo("getitem", lambda x, index: x[_cr_index(index, x.device)], lambda x, index: x[_torch_index(index)],
           _getitem_samples),
    OpInfo("cat", lambda *xs, dim: cr.cat(xs, dim), lambda *xs, dim: torch.cat(xs, dim), _cat_samples),
    OpInfo("stack", lambda *xs, dim: cr.stack(xs, dim), lambda *xs, dim: torch.stack(xs, dim), _stack_samples),
    # split and chunk return every piece: each gets its own upstream gradient
    OpInfo("split", lambda x, **kw: cr.split(x, **kw), lambda x, **kw: torch.split(x, **kw), _split_samples),
    OpInfo("chunk", lambda x, **kw: cr.chunk(x, **kw), lambda x, **kw: torch.chunk(x, **kw), _chunk_samples),
    OpInfo("pad", lambda x, **kw: cr.pad(x, **kw), lambda x, **kw: torch.nn.functional.pad(x, **kw), _pad_samples),
    OpInfo("index_select",
           lambda x, dim, index: cr.index_select(x, dim, cr.tensor(index, device=x.device)),
           lambda x, dim, index: torch.index_select(x, dim, torch.from_numpy(index)),
           _index_select_samples),
    _unary("clone", cr.clone, lambda x: torch.clone(x)),
    # float64 -> float32 rounds to 1e-7: finite differences need a step far above that (the op is linear)
    OpInfo("to", lambda x, dtype: x.to(getattr(cr, dtype)), lambda x, dtype: x.to(getattr(torch, dtype)),
           _to_samples, gradcheck_eps=1e-2),
]


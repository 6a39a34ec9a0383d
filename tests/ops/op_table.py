"""The op table: every differentiable op, its PyTorch twin, its sample inputs and their domain.

One row per op, as PyTorch's OpInfo. The generic tests (test_gradcheck.py, test_torch_equality.py) loop
over OP_TABLE, so adding an op means adding a row here. A row's `op` is called with chainrule tensors and
`ref` with torch tensors: the sample's inputs positionally, its kwargs by name. Inputs are the tensors
that get gradients; anything else (an index array, a `where` mask) is a NumPy array in the kwargs, turned
into a tensor on the inputs' device inside the callable.

Input values come from the row's domain: positive for log/sqrt/pow bases, away from the kinks of
abs/relu/clamp, and without ties for max/min/maximum (where the gradient is a convention, not a limit).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy

import chainrule as cr

try:
    import torch
except ImportError:  # the table needs only chainrule; the torch-equality tests skip without torch
    torch = None


# -- input domains -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Uniform:
    """Uniform values in [low, high], at least `margin` away from each point in `avoid`."""

    low: float = -2.0
    high: float = 2.0
    avoid: tuple[float, ...] = ()
    margin: float = 0.1

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        values = numpy.asarray(rng.uniform(self.low, self.high, shape))
        for _ in range(100):
            bad = numpy.zeros(shape, dtype=bool)
            for point in self.avoid:
                bad |= numpy.abs(values - point) < self.margin
            if not bad.any():
                return values
            values[bad] = rng.uniform(self.low, self.high, int(bad.sum()))
        raise ValueError(f"{self} could not draw values away from {self.avoid}")


@dataclass(frozen=True)
class Distinct:
    """All elements different, spaced at least (high - low) / n apart: no ties for max/min reductions."""

    low: float = -2.0
    high: float = 2.0

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        count = math.prod(shape)
        steps = rng.permutation(count) + 0.5
        return (self.low + (self.high - self.low) * steps / count).reshape(shape)


@dataclass(frozen=True)
class Lattice:
    """Values offset + k * step in [low, high]: two lattices with different offsets never tie."""

    offset: float
    step: float = 0.5
    low: float = -2.0
    high: float = 2.0

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        count = int((self.high - self.low) / self.step)
        return self.low + self.offset + self.step * rng.integers(0, count, shape)


@dataclass(frozen=True)
class Tails:
    """Values of magnitude in [low, high] with random signs: the tails where a careless formula rounds to 0
    or overflows (sigmoid(-20) is 2.06e-9, not 0)."""

    low: float = 10.0
    high: float = 40.0

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        magnitudes = numpy.asarray(rng.uniform(self.low, self.high, shape))
        return numpy.where(rng.random(shape) < 0.5, -magnitudes, magnitudes)


Domain = Uniform | Distinct | Lattice | Tails
TAILS = Tails()
REAL = Uniform()
POSITIVE = Uniform(0.5, 2.0)
NONZERO = Uniform(avoid=(0.0,), margin=0.5)
NO_TIES = Distinct()
# maximum/minimum: x on 0.1 + k/2, y on 0.35 + k/2, so |x - y| >= 0.15 everywhere, broadcasting included
LOW_LATTICE, HIGH_LATTICE = Lattice(0.1), Lattice(0.35)
# clamp with tensor bounds: lower bound < 0 < upper bound, both 0.15 away from every x on LOW_LATTICE
LOWER_BOUND, UPPER_BOUND = Lattice(0.25, low=-2.0, high=0.0), Lattice(0.25, low=0.0, high=2.0)


# -- samples -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Arg:
    """One input tensor: its shape and how it is laid out in memory."""

    shape: tuple[int, ...]
    layout: str = "contiguous"  # or "transposed" (a .mT view) or "strided" (every 2nd element of the last dim)

    def __str__(self) -> str:
        text = "x".join(map(str, self.shape)) or "0d"
        return text + {"contiguous": "", "transposed": ".T", "strided": ".step2"}[self.layout]


def transposed(*shape: int) -> Arg:
    """An input that is the .mT view of a contiguous tensor: the leaf itself is not contiguous."""
    return Arg(shape, "transposed")


def strided(*shape: int) -> Arg:
    """An input that is x[..., ::2] of a contiguous tensor: the leaf itself is not contiguous."""
    return Arg(shape, "strided")


@dataclass(frozen=True)
class Sample:
    """Inputs (shapes and layouts) and keyword arguments for one call of an op."""

    args: tuple[Arg, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    tag: str = ""

    @property
    def name(self) -> str:
        """Readable test id: tag, printable kwargs, shapes (`broadcast-3x1+1x4`, `dim=1-keepdim=True-3x4`)."""
        parts = [self.tag] if self.tag else []
        parts += [f"{key}={_show(value)}" for key, value in self.kwargs.items() if _show(value) is not None]
        parts.append("+".join(map(str, self.args)))
        return "-".join(parts)

    @property
    def noncontiguous(self) -> bool:
        return any(arg.layout != "contiguous" for arg in self.args)


def _show(value: Any) -> str | None:
    """A kwarg as it appears in a test id; None for arrays and indices, which the sample's tag describes."""
    if isinstance(value, bool | int | float | str):
        return str(value)
    if isinstance(value, tuple | list) and all(isinstance(v, int) for v in value):
        return ",".join(map(str, value))
    return None


def sample(*args: tuple | Arg, tag: str = "", **kwargs: Any) -> Sample:
    """`sample((3, 1), (1, 4), tag="broadcast")`: plain tuples are contiguous inputs of that shape."""
    return Sample(tuple(arg if isinstance(arg, Arg) else Arg(tuple(arg)) for arg in args), kwargs, tag)


# -- rows --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpInfo:
    """One op: how to call it in chainrule and in PyTorch, on which inputs, and what it supports."""

    name: str
    op: Callable[..., Any]
    ref: Callable[..., Any]
    samples: Callable[[], Iterator[Sample]]
    domain: Domain | tuple[Domain, ...] = REAL  # one for all inputs, or one per input
    variant: str = ""  # a second calling convention of the same op (`sub.rscalar`: 2 - x)
    gradcheck_eps: float = 1e-6

    @property
    def id(self) -> str:
        return f"{self.name}.{self.variant}" if self.variant else self.name

    def make_inputs(self, sample: Sample, dtype: str = "float64", device: str = "cpu") -> list[cr.Tensor]:
        """Leaf tensors requiring grad, with values from the domain, laid out as the sample says.

        The values depend only on the row and the sample, so every dtype and device gets the same ones.
        """
        rng = numpy.random.default_rng(zlib.crc32(f"{self.id}-{sample.name}".encode()))
        leaves = []
        for index, arg in enumerate(sample.args):
            domain = self.domain[index] if isinstance(self.domain, tuple) else self.domain
            values = domain.sample(arg.shape, rng).astype(dtype)
            if arg.layout == "transposed":
                leaf = cr.tensor(numpy.ascontiguousarray(values.swapaxes(-1, -2)), device=device).mT
            elif arg.layout == "strided":
                base = numpy.zeros((*arg.shape[:-1], 2 * arg.shape[-1]), dtype=dtype)
                base[..., ::2] = values
                leaf = cr.tensor(base, device=device)[..., ::2]
            else:
                leaf = cr.tensor(values, device=device)
            leaves.append(leaf.detach().requires_grad_())
        return leaves


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


OP_TABLE: list[OpInfo] = [
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
    *TAIL_ROWS,
]


def cases() -> list[tuple[OpInfo, Sample]]:
    """Every (row, sample) pair, in table order."""
    return [(row, each) for row in OP_TABLE for each in row.samples()]

"""The parts of a row of the op table: input domains, samples (input shapes, layouts, fixed values and keyword
arguments) and OpInfo, the row itself; and the helpers rows share to call an op in both libraries.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping
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


@dataclass(frozen=True)
class Normal:
    """Gaussian values of mean 0 and standard deviation `scale`: weights, activations and hidden states of
    smooth layers (convolutions, normalization, recurrent cells), where no value is special."""

    scale: float = 1.0

    def sample(self, shape: tuple, rng: numpy.random.Generator) -> numpy.ndarray:
        return numpy.asarray(rng.standard_normal(shape)) * self.scale


Domain = Uniform | Distinct | Lattice | Tails | Normal
TAILS = Tails()
REAL = Uniform()
POSITIVE = Uniform(0.5, 2.0)
NONZERO = Uniform(avoid=(0.0,), margin=0.5)
NO_TIES = Distinct()
NORMAL = Normal()
# maximum/minimum: x on 0.1 + k/2, y on 0.35 + k/2, so |x - y| >= 0.15 everywhere, broadcasting included
LOW_LATTICE, HIGH_LATTICE = Lattice(0.1), Lattice(0.35)
# clamp with tensor bounds: lower bound < 0 < upper bound, both 0.15 away from every x on LOW_LATTICE
LOWER_BOUND, UPPER_BOUND = Lattice(0.25, low=-2.0, high=0.0), Lattice(0.25, low=0.0, high=2.0)


# -- samples -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Arg:
    """One input tensor: its shape, how it is laid out in memory and, optionally, its values.

    Without `values` the row's domain draws them. With them (float64, of the arg's shape) the input is exactly
    those values (cast to the dtype under test): for inputs that depend on one another, such as a regression
    loss's input drawn around its target, or a log-probability input computed from logits.
    """

    shape: tuple[int, ...]
    layout: str = "contiguous"  # or "transposed" (a .mT view) or "strided" (every 2nd element of the last dim)
    values: numpy.ndarray | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        text = "x".join(map(str, self.shape)) or "0d"
        return text + {"contiguous": "", "transposed": ".T", "strided": ".step2"}[self.layout]


def transposed(*shape: int) -> Arg:
    """An input that is the .mT view of a contiguous tensor: the leaf itself is not contiguous."""
    return Arg(shape, "transposed")


def strided(*shape: int) -> Arg:
    """An input that is x[..., ::2] of a contiguous tensor: the leaf itself is not contiguous."""
    return Arg(shape, "strided")


def fixed(values: Any, layout: str = "contiguous") -> Arg:
    """An input with exactly these values (see Arg), laid out as `layout`."""
    values = numpy.asarray(values, dtype=numpy.float64)
    return Arg(values.shape, layout, values)


@dataclass(frozen=True)
class Sample:
    """Inputs (shapes, layouts, maybe values) and keyword arguments for one call of an op.

    The inputs are the tensors that get gradients, passed positionally. Anything else is a keyword argument:
    Python values as they are, NumPy arrays (class indices, masks, class weights, running statistics) turned
    into constant tensors inside the row's callables (see `constant` and `functional`).
    """

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
# rtol and atol of the comparisons with PyTorch, by dtype, unless a row sets its own
TOLERANCES: Mapping[str, Mapping[str, float]] = {
    "float64": {"rtol": 1e-10, "atol": 1e-12},
    "float32": {"rtol": 1e-5, "atol": 1e-6},
}


@dataclass(frozen=True)
class OpInfo:
    """One op: how to call it in chainrule and in PyTorch, on which inputs, and what it supports.

    `op` is called with chainrule tensors and `ref` with torch tensors: the sample's inputs positionally, its
    kwargs by name. Every row goes through the same checks (tests/ops/harness.py): gradcheck, gradgradcheck,
    the create_graph backward against the plain one, and, where it has a twin, values and gradients against
    PyTorch in float64 and float32 on each device. The fields below the samples tune those checks per row.
    """

    name: str  # the function the row exercises (a name in chainrule.ops, nn.functional, ops.recurrent or Tensor)
    op: Callable[..., Any]
    ref: Callable[..., Any] | None  # None: no deterministic PyTorch twin (seeded dropout); no torch comparison
    samples: Callable[[], Iterator[Sample]]
    domain: Domain | tuple[Domain, ...] = REAL  # one for all inputs, or one per input
    variant: str = ""  # a second calling convention of the same op (`sub.rscalar`: 2 - x)
    gradcheck_eps: float = 1e-6
    # per-dtype rtol/atol for the PyTorch comparison, where summation order differs by more than TOLERANCES
    # allows (a fused recurrence, im2col products in float32); None: TOLERANCES
    tolerances: Mapping[str, Mapping[str, float]] | None = None
    # gradcheck, gradgradcheck and the create_graph check on every device, not only the CPU: for ops whose
    # backward has device-specific code (im2col, pooling windows, scatter-adds). The PyTorch comparison runs
    # every row on every device anyway.
    every_device: bool = False
    # also compare second-order gradients (d/d inputs of |first-order gradients|^2) with PyTorch's
    second_order_torch: bool = False
    # non-empty where the first-order gradient is a convention, not the derivative, and says which: the padding
    # row of embedding is read in forward yet gets a zero gradient (as in PyTorch), so gradcheck must report a
    # mismatch rather than pass; gradgradcheck, create_graph and the PyTorch comparison run as usual
    gradient_convention: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}.{self.variant}" if self.variant else self.name

    def tolerance(self, dtype: str) -> Mapping[str, float]:
        """rtol and atol for comparing this row with PyTorch in `dtype`."""
        return (self.tolerances or TOLERANCES)[dtype]

    def make_inputs(self, sample: Sample, dtype: str = "float64", device: str = "cpu") -> list[cr.Tensor]:
        """Leaf tensors requiring grad, with the sample's values or values from the domain, laid out as the
        sample says.

        The values depend only on the row and the sample, so every dtype and device gets the same ones.
        """
        rng = numpy.random.default_rng(zlib.crc32(f"{self.id}-{sample.name}".encode()))
        leaves = []
        for index, arg in enumerate(sample.args):
            domain = self.domain[index] if isinstance(self.domain, tuple) else self.domain
            drawn = domain.sample(arg.shape, rng) if arg.values is None else arg.values
            assert drawn.shape == arg.shape, f"{arg}: values of shape {drawn.shape}"
            values = drawn.astype(dtype)
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


# -- calling an op in both libraries -----------------------------------------------------------------
def constant(value: Any, like: cr.Tensor) -> Any:
    """A NumPy array as a constant chainrule tensor on `like`'s device (floating arrays in `like`'s dtype,
    integer and boolean ones as they are); anything else as it is."""
    if not isinstance(value, numpy.ndarray):
        return value
    return cr.tensor(value, dtype=like.dtype if value.dtype.kind == "f" else None, device=like.device)


def torch_constant(value: Any, like: Any) -> Any:
    """`constant` for PyTorch: a NumPy array as a torch tensor (floating ones in `like`'s dtype)."""
    if not isinstance(value, numpy.ndarray):
        return value
    tensor = torch.from_numpy(value)
    return tensor.to(like.dtype) if value.dtype.kind == "f" else tensor


def functional(name: str, ignore_warning: str = "") -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`op` and `ref` of a row calling chainrule.nn.functional.<name> and torch.nn.functional.<name> with the
    sample's inputs positionally and its kwargs by name, NumPy arrays among the kwargs as constants like the
    first input. `ignore_warning` silences a warning PyTorch gives about its own call (a deprecation)."""

    def op(*inputs: cr.Tensor, **kwargs: Any) -> Any:
        return getattr(cr.nn.functional, name)(*inputs, **{k: constant(v, inputs[0]) for k, v in kwargs.items()})

    def ref(*inputs: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            if ignore_warning:
                warnings.filterwarnings("ignore", message=ignore_warning)
            return getattr(torch.nn.functional, name)(*inputs,
                                                      **{k: torch_constant(v, inputs[0]) for k, v in kwargs.items()})

    return op, ref


def listed(*samples: Sample) -> Callable[[], Iterator[Sample]]:
    """A row's `samples` from a fixed list."""
    return lambda: iter(samples)


# -- sample sets shared by the elementwise families ---------------------------------------------------
def unary_samples(**kwargs) -> Callable[[], Iterator[Sample]]:
    """The samples of an elementwise function of one tensor: 2-D, 0-d, 3-D, transposed and strided."""
    def samples() -> Iterator[Sample]:
        yield sample((3, 4), **kwargs)
        yield sample((), **kwargs)
        yield sample((2, 3, 2), **kwargs)
        yield sample(transposed(3, 4), tag="noncontig", **kwargs)
        yield sample(strided(5), tag="noncontig", **kwargs)

    return samples


def short_samples() -> Iterator[Sample]:
    """For aliases and tail rows: the full set runs on the name they alias."""
    yield sample((3, 4))
    yield sample(transposed(2, 3), tag="noncontig")


def binary_samples() -> Iterator[Sample]:
    """The samples of an elementwise function of two tensors: equal shapes, every kind of broadcast, 0-d, and
    non-contiguous operands."""
    yield sample((3, 4), (3, 4))
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample((2, 3, 4), (4,), tag="broadcast")
    yield sample((), (2, 3), tag="broadcast")
    yield sample((2, 3), (), tag="broadcast")
    yield sample((), ())
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")
    yield sample(strided(2, 1), transposed(3, 2, 4), tag="noncontig-broadcast")


def short_binary_samples() -> Iterator[Sample]:
    """Three samples of a binary function, for aliases and tail rows."""
    yield sample((3, 4), (3, 4))
    yield sample((3, 1), (1, 4), tag="broadcast")
    yield sample(transposed(3, 4), strided(3, 4), tag="noncontig")


def scalar_samples(*constants: float) -> Callable[[], Iterator[Sample]]:
    """A tensor with each Python number in `constants` (the keyword argument `scalar`), and one transposed."""
    def samples() -> Iterator[Sample]:
        for constant in constants:
            yield sample((3, 4), scalar=constant)
            yield sample((), scalar=constant)
        yield sample(transposed(3, 4), scalar=constants[0], tag="noncontig")

    return samples

"""Random sampling PyTorch has as functions and in-place methods: bernoulli, multinomial, normal, poisson,
randperm, and uniform_/normal_/bernoulli_/exponential_/geometric_/cauchy_/log_normal_/random_, drawing from
the library's generators (chainrule.manual_seed makes them reproducible).

Every draw starts from `backend.random_uniform`/`random_normal`/`random_integers` (or, for Poisson counts,
the same generators' Poisson sampler): the other distributions are transforms of uniforms by their inverse
CDF, so they run unchanged on CuPy and a checkpoint's generator state replays them. Only `normal` with
tensor arguments has a gradient (the reparameterisation mean + std * z); the rest are constants to autograd.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks
from chainrule.tensor import Tensor, _wrap

__all__: list[str] = ["bernoulli", "multinomial", "normal", "poisson", "randperm"]


# -- shared helpers ----------------------------------------------------------------------------------------
def _no_generator(generator: Any, op: str) -> None:
    """chainrule has one generator per device, seeded by manual_seed; it has no Generator objects to pass."""
    if generator is not None:
        raise TypeError(
            f"{op}: generator= is not supported; chainrule draws from one global generator per device: seed "
            "it with chainrule.manual_seed(seed) and save/restore it with chainrule.get_rng_state()/set_rng_state()"
        )


def _require_tensor(value: Any, op: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: expected a chainrule Tensor, got {type(value).__name__}")


def _require_floating(tensor: Tensor, op: str) -> None:
    """PyTorch raises NotImplementedError (a RuntimeError) for a continuous distribution on an integer tensor."""
    if tensor.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}: needs a floating-point tensor, got {backend.dtype_name(tensor.dtype)}; "
            "convert it first (x = x.float())"
        )


def _draw_dtype(dtype: numpy.dtype) -> numpy.dtype:
    """float64 tensors draw in float64; the rest in float32 (CuPy's generators make only float32/64)."""
    return backend.float64 if dtype == backend.float64 or dtype.kind != "f" else backend.float32


def _uniform(tensor: Tensor) -> Any:
    """Uniform [0, 1) draws of the tensor's shape, on its device."""
    return backend.random_uniform(tensor.shape, _draw_dtype(tensor.dtype), tensor.device)


def _standard_normal(tensor: Tensor) -> Any:
    return backend.random_normal(tensor.shape, _draw_dtype(tensor.dtype), tensor.device)


def _write(tensor: Tensor, values: Any) -> Tensor:
    """Copy `values` into the tensor's memory (a view writes through to its base) and bump its version."""
    tensor._data[...] = values
    tensor._bump_version()
    return tensor


def _start_inplace(tensor: Tensor, op: str, generator: Any) -> None:
    _require_tensor(tensor, op)
    _no_generator(generator, op)
    tensor._check_inplace(f"{op}()")


def _from_to(args: tuple, kwargs: dict, op: str, default_to: Any) -> tuple[Any, Any]:
    """PyTorch's `from`/`to` arguments (positional, or by keyword through **kwargs: `from` is a Python keyword)."""
    unknown = set(kwargs) - {"from", "to"}
    if unknown or len(args) > 2:
        raise TypeError(f"{op}() takes (from, to) as arguments, got {len(args)} positional and keywords "
                        f"{sorted(kwargs)}")
    names = ("from", "to") if len(args) != 1 or op == "uniform_" else ("to",)
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name in values:
            raise TypeError(f"{op}() got multiple values for argument '{name}'")
        values[name] = value
    return values.get("from", 0), values.get("to", default_to)


# -- in-place fills (Tensor methods) -----------------------------------------------------------------------
def uniform_(input: Tensor, *args: float, generator: Any = None, **kwargs: float) -> Tensor:
    """Fill with values drawn from U(from, to): `x.uniform_(-1, 1)` or `x.uniform_(**{'from': -1, 'to': 1})`."""
    _start_inplace(input, "uniform_", generator)
    _require_floating(input, "uniform_")
    low, high = _from_to(args, kwargs, "uniform_", 1.0)
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    return _write(input, _uniform(input) * (high - low) + low)


def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    _start_inplace(input, "normal_", generator)
    _require_floating(input, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _write(input, _standard_normal(input) * std + mean)


def _probability_array(p: Any, like: Tensor, op: str) -> Any:
    """`p` as a float or an array on `like`'s device, checked to lie in [0, 1] (NaN fails)."""
    if isinstance(p, Tensor):
        if p.device != like.device:
            raise RuntimeError(f"{op}: p is on {p.device} but the tensor is on {like.device}; move p with "
                               f".to('{like.device}')")
        array = p._data
        if array.size and not bool(((array >= 0) & (array <= 1)).all()):
            raise RuntimeError(f"{op}: every probability in p must be in [0, 1]; clamp them first "
                               "(p.clamp(0, 1))")
        return array
    if not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")
    return p


def bernoulli_(input: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 where a uniform draw falls below `p` (a float, or a tensor broadcast to the shape), else 0."""
    _start_inplace(input, "bernoulli_", generator)
    probability = _probability_array(p, input, "bernoulli_")
    try:
        values = _uniform(input) < probability
    except ValueError:
        raise RuntimeError(f"bernoulli_: p of shape {p.shape} does not broadcast to the tensor's shape "
                           f"{input.shape}") from None
    if values.shape != input.shape:
        raise RuntimeError(f"bernoulli_: p of shape {p.shape} does not broadcast to the tensor's shape {input.shape}")
    return _write(input, values)


def exponential_(input: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with Exp(lambd) draws, -log(1 - u) / lambd for u ~ U(0, 1)."""
    _start_inplace(input, "exponential_", generator)
    _require_floating(input, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    xp = backend.array_module(input._data)
    return _write(input, -xp.log1p(-_uniform(input)) / lambd)


def geometric_(input: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...): floor(log(1-u) /
    log(1-p)) + 1."""
    _start_inplace(input, "geometric_", generator)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    xp = backend.array_module(input._data)
    uniform = backend.random_uniform(input.shape, backend.float64, input.device)
    return _write(input, xp.floor(xp.log1p(-uniform) / math.log1p(-p)) + 1)


def cauchy_(input: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with Cauchy(median, sigma) draws, median + sigma * tan(pi (u - 1/2))."""
    _start_inplace(input, "cauchy_", generator)
    _require_floating(input, "cauchy_")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    xp = backend.array_module(input._data)
    return _write(input, median + sigma * xp.tan(math.pi * (_uniform(input) - 0.5)))


def log_normal_(input: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Tensor:
    """Fill with exp(N(mean, std^2)) draws: the logarithm of the values is normal."""
    _start_inplace(input, "log_normal_", generator)
    _require_floating(input, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    xp = backend.array_module(input._data)
    return _write(input, xp.exp(_standard_normal(input) * std + mean))


def _largest_integer(dtype: numpy.dtype) -> int:
    """The largest value `random_()` draws by default: the dtype's maximum, or 2^digits for floats (beyond it
    not every integer is representable)."""
    if dtype.kind == "b":
        return 1
    if dtype.kind == "f":
        return 2 ** (numpy.finfo(dtype).nmant + 1)
    return int(numpy.iinfo(dtype).max)


def random_(input: Tensor, *args: int, generator: Any = None, **kwargs: int) -> Tensor:
    """Fill with integers drawn uniformly from [from, to): `x.random_(10)` is [0, 10), `x.random_(2, 10)`
    [2, 10); without `to`, up to the largest integer the dtype holds exactly."""
    _start_inplace(input, "random_", generator)
    low, high = _from_to(args, kwargs, "random_", None)
    for name, value in (("from", low), ("to", high)):
        if value is not None and not _checks.is_int(value):
            raise TypeError(f"random_: '{name}' must be an integer, got {value!r}")
    largest = _largest_integer(input.dtype)
    high = min(largest + 1, 2**63 - 1) if high is None else int(high)
    low = int(low)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if input.dtype.kind in "iu":
        info = numpy.iinfo(input.dtype)
        if low < info.min or high - 1 > info.max:
            raise RuntimeError(f"random_: [{low}, {high}) is out of bounds for {backend.dtype_name(input.dtype)} "
                               f"(values from {info.min} to {info.max})")
    values = backend.random_integers(low, high, input.shape, backend.int64, input.device)
    return _write(input, values)


# -- functions ---------------------------------------------------------------------------------------------
def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """Draws of 0 or 1 with the probabilities in `input` (or with probability `p` everywhere), in input's dtype.

    Example: `mask = chainrule.bernoulli(chainrule.full((3, 4), 0.8))`.
    """
    _require_tensor(input, "bernoulli")
    _no_generator(generator, "bernoulli")
    result = _wrap(backend.array_module(input._data).empty(input.shape, input.dtype), False, None)
    if p is not None:
        return bernoulli_(result, p)
    _require_floating(input, "bernoulli")
    return bernoulli_(result, input)


def _multinomial_checks(input: Tensor, num_samples: int, replacement: bool) -> None:
    _require_tensor(input, "multinomial")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got "
                           f"{backend.dtype_name(input.dtype)}; convert the weights with .float()")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if not _checks.is_int(num_samples):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {categories}); pass replacement=True or ask for at most {categories}"
        )
    weights = input._data
    if weights.size == 0 and input.ndim == 2 and input.shape[0] == 0:
        return
    if not bool(((weights >= 0) & (weights < math.inf)).all()):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if weights.size == 0 or not bool((weights.sum(axis=-1) > 0).all()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0): every row "
                           "needs a positive weight")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
    """Category indices (int64) drawn with the (unnormalised, non-negative) weights of each row of `input`.

    Without replacement the indices of a row are distinct: the top `num_samples` of w / E with E ~ Exp(1)
    (the exponential race, which draws without replacement in proportion to w). With replacement each draw
    inverts the row's cumulative weights at a uniform point.
    Example: `chainrule.multinomial(chainrule.tensor([0.2, 0.8]), 5, replacement=True)`.
    """
    _multinomial_checks(input, num_samples, replacement)
    _no_generator(generator, "multinomial")
    xp = backend.array_module(input._data)
    weights = input._data.astype(backend.float64).reshape(-1, input.shape[-1])
    rows = weights.shape[0]
    if not replacement:
        uniform = backend.random_uniform(weights.shape, backend.float64, input.device)
        with backend._errstate(xp):
            keys = weights / -xp.log1p(-uniform)  # u = 0 gives an infinite key: that category comes first
        indices = xp.argsort(-keys, axis=-1)[:, :num_samples]
    else:
        cumulative = xp.cumsum(weights, axis=-1)
        points = backend.random_uniform((rows, num_samples), backend.float64, input.device) * cumulative[:, -1:]
        # a row's last positive weight: where a point that rounds up to the total must land
        last_positive = weights.shape[1] - 1 - xp.argmax(weights[:, ::-1] > 0, axis=-1)
        indices = xp.empty((rows, num_samples), dtype=backend.int64)
        for row in range(rows):
            found = xp.searchsorted(cumulative[row], points[row], side="right")
            indices[row] = xp.minimum(found, last_positive[row])
    indices = indices.astype(backend.int64)
    return _wrap(indices if input.ndim == 2 else indices[0], False, None)


class Normal(Function):
    """mean + std * z with z ~ N(0, 1) drawn in forward (reparameterisation): d/dmean = 1, d/dstd = z."""

    def forward(self, mean, std):
        shape = numpy.broadcast_shapes(mean.shape, std.shape)
        dtype = mean.dtype
        self.noise = backend.random_normal(shape, _draw_dtype(dtype), backend.device_of(mean)).astype(dtype)
        self.shapes = mean.shape, std.shape
        return mean + std * self.noise

    def backward(self, grad):
        mean_shape, std_shape = self.shapes
        return sum_to(grad, mean_shape), sum_to(grad * self.noise, std_shape)


def _check_std(std: Any) -> None:
    if isinstance(std, Tensor):
        if std.numel() and not bool((std._data >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean: Tensor | float, std: Tensor | float = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std^2): tensor mean and/or std broadcast together (differentiable in both:
    d/dmean = 1, d/dstd = z, the standard normal draw), or float mean and std with a `size`.

    Example: `chainrule.normal(mu, sigma)` (a reparameterised sample), `chainrule.normal(0.0, 1.0, (2, 3))`.
    """
    _no_generator(generator, "normal")
    _check_std(std)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal: with a float mean and std, give the size: normal(0.0, 1.0, (2, 3)); or pass "
                            "mean or std as a tensor")
        shape = _checks.parse_size((size,) if _checks.is_int(size) else tuple(size), "normal")
        dtype = backend.get_default_dtype() if dtype is None else backend.to_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"normal: needs a floating dtype, got {backend.dtype_name(dtype)}")
        noise = backend.random_normal(shape, _draw_dtype(dtype), backend.to_device(device))
        result = _wrap((noise * std + mean).astype(dtype), False, None)
        if requires_grad:
            result.requires_grad = True
        return result
    if size is not None:
        raise TypeError("normal: size is only accepted with a float mean and std; a tensor mean or std sets the "
                        "shape of the result")
    like = mean if isinstance(mean, Tensor) else std
    mean = _checks.as_operand(mean, like, "normal")
    std = _checks.as_operand(std, like, "normal")
    for value in (mean, std):
        _require_floating(value, "normal")
    mean, std = _checks.promoted([mean, std], "normal")
    try:
        return Normal().apply(mean, std)
    except ValueError as error:
        raise _checks.broadcast_error("normal", mean, std, error) from None


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Poisson counts with the rates in `input`, in input's dtype (the counts carry no gradient)."""
    _require_tensor(input, "poisson")
    _no_generator(generator, "poisson")
    _require_floating(input, "poisson")
    rates = input._data
    if rates.size and not bool((rates >= 0).all()):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative (and not NaN)")
    xp = backend.array_module(rates)
    # NumPy: the CPU generator; CuPy: its global generator, which manual_seed seeds as well
    counts = backend.cpu_generator().poisson(rates) if xp is numpy else xp.random.poisson(rates)
    return _wrap(xp.asarray(counts).astype(input.dtype), False, None)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless `dtype` says otherwise), ordered by uniform draws.

    Example: `order = chainrule.randperm(len(dataset))`.
    """
    _no_generator(generator, "randperm")
    if not _checks.is_int(n):
        raise TypeError(f"randperm: n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    dtype = backend.int64 if dtype is None else backend.to_dtype(dtype)
    if n > 0 and n - 1 > _largest_integer(dtype):
        raise RuntimeError(f"randperm: n={n} is too large for {backend.dtype_name(dtype)} (its values go up to "
                           f"{_largest_integer(dtype)}); use dtype=chainrule.int64")
    device = backend.to_device(device)
    xp = backend.array_module_of_device(device)
    keys = backend.random_uniform((n,), backend.float64, device)
    result = _wrap(xp.argsort(keys).astype(dtype), False, None)
    if requires_grad:
        result.requires_grad = True
    return result


METHODS: dict[str, Callable[..., Any]] = {
    "bernoulli": bernoulli,
    "bernoulli_": bernoulli_,
    "cauchy_": cauchy_,
    "exponential_": exponential_,
    "geometric_": geometric_,
    "log_normal_": log_normal_,
    "multinomial": multinomial,
    "normal_": normal_,
    "random_": random_,
    "uniform_": uniform_,
}

# Functions whose results carry no gradient: the op table's coverage test skips them. `normal` with tensor
# arguments is differentiable and has rows in tests/ops/op_table/sampling.py.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset({"bernoulli", "multinomial", "poisson", "randperm"})

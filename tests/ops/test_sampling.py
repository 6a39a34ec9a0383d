"""Random sampling (chainrule/ops/sampling.py): reproducibility under manual_seed, shapes and dtypes, moments of
the distributions (with fixed seeds, so each bound is checked on one known draw and can't flake), the same
distributions as PyTorch's (quantiles, not values: the generators differ), error messages, and the in-place
rules shared with fill_/zero_."""

from __future__ import annotations

from collections.abc import Callable

import numpy
import pytest
import torch

import chainrule as cr

N = 100_000

# name -> a call filling a float tensor in place; both libraries take the same arguments
FILLS: dict[str, Callable] = {
    "uniform_": lambda x: x.uniform_(-2, 3),
    "normal_": lambda x: x.normal_(1.5, 2.0),
    "bernoulli_": lambda x: x.bernoulli_(0.3),
    "exponential_": lambda x: x.exponential_(2.0),
    "geometric_": lambda x: x.geometric_(0.2),
    "cauchy_": lambda x: x.cauchy_(1.0, 0.5),
    "log_normal_": lambda x: x.log_normal_(0.5, 0.4),
    "random_": lambda x: x.random_(3, 17),
}


def _draw(name: str, seed: int, size: int = N, dtype: cr.dtype = cr.float64) -> numpy.ndarray:
    cr.manual_seed(seed)
    return FILLS[name](cr.zeros(size, dtype=dtype)).numpy()


# -- reproducibility ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FILLS))
def test_fills_are_reproducible_under_manual_seed(name: str) -> None:
    first, again, other = _draw(name, 7, 1000), _draw(name, 7, 1000), _draw(name, 8, 1000)
    numpy.testing.assert_array_equal(first, again)
    assert (first != other).any()


FUNCTIONS: dict[str, Callable] = {
    "bernoulli": lambda: cr.bernoulli(cr.full((50,), 0.5)),
    "multinomial": lambda: cr.multinomial(cr.ones(2, 20), 10),
    "multinomial.replacement": lambda: cr.multinomial(cr.ones(20), 30, replacement=True),
    "normal": lambda: cr.normal(cr.zeros(50), cr.ones(50)),
    "normal.size": lambda: cr.normal(0.0, 1.0, (50,)),
    "poisson": lambda: cr.poisson(cr.full((50,), 4.0)),
    "randperm": lambda: cr.randperm(50),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_are_reproducible_under_manual_seed(name: str) -> None:
    draws = []
    for seed in (3, 3, 4):
        cr.manual_seed(seed)
        draws.append(FUNCTIONS[name]().numpy())
    numpy.testing.assert_array_equal(draws[0], draws[1])
    assert (draws[0] != draws[2]).any()


def test_rng_state_replays_the_draws() -> None:
    cr.manual_seed(0)
    state = cr.get_rng_state()
    first = cr.zeros(100).normal_().numpy(), cr.multinomial(cr.ones(10), 5).numpy(), cr.randperm(10).numpy()
    cr.set_rng_state(state)
    again = cr.zeros(100).normal_().numpy(), cr.multinomial(cr.ones(10), 5).numpy(), cr.randperm(10).numpy()
    for a, b in zip(first, again, strict=True):
        numpy.testing.assert_array_equal(a, b)


# -- moments (fixed seeds: the bounds are several standard errors wide, checked on one known draw) ---------------
def test_uniform_moments_and_range() -> None:
    values = _draw("uniform_", 0)
    assert values.min() >= -2 and values.max() < 3
    assert abs(values.mean() - 0.5) < 0.03 and abs(values.var() - 25 / 12) < 0.03


def test_normal_moments() -> None:
    values = _draw("normal_", 0)
    assert abs(values.mean() - 1.5) < 0.02 and abs(values.std() - 2.0) < 0.02


def test_bernoulli_frequency_and_values() -> None:
    values = _draw("bernoulli_", 0)
    assert set(numpy.unique(values)) == {0.0, 1.0}
    assert abs(values.mean() - 0.3) < 0.005


def test_exponential_moments() -> None:
    values = _draw("exponential_", 0)
    assert values.min() >= 0 and abs(values.mean() - 0.5) < 0.01 and abs(values.std() - 0.5) < 0.01


def test_geometric_counts_trials_to_first_success() -> None:
    values = _draw("geometric_", 0)
    assert values.min() == 1 and (values == numpy.round(values)).all()
    assert abs(values.mean() - 5.0) < 0.05  # 1/p
    assert abs((values == 1).mean() - 0.2) < 0.005  # P(first trial succeeds) = p


def test_cauchy_median_and_quartiles() -> None:
    values = _draw("cauchy_", 0)
    quartiles = numpy.quantile(values, [0.25, 0.5, 0.75])
    numpy.testing.assert_allclose(quartiles, [0.5, 1.0, 1.5], atol=0.02)  # median -/+ sigma


def test_log_normal_has_normal_logarithm() -> None:
    logs = numpy.log(_draw("log_normal_", 0))
    assert abs(logs.mean() - 0.5) < 0.01 and abs(logs.std() - 0.4) < 0.01


def test_random_draws_every_integer_of_the_range() -> None:
    values = _draw("random_", 0)
    assert set(numpy.unique(values)) == set(range(3, 17))
    assert abs(values.mean() - 9.5) < 0.05


def test_poisson_mean_and_variance() -> None:
    cr.manual_seed(0)
    rates = cr.tensor([0.0, 0.5, 7.0], dtype=cr.float64).expand(N, 3)
    counts = cr.poisson(rates).numpy()
    assert counts.dtype == numpy.float64 and (counts[:, 0] == 0).all()
    numpy.testing.assert_allclose(counts[:, 1:].mean(0), [0.5, 7.0], atol=0.03)
    numpy.testing.assert_allclose(counts[:, 1:].var(0), [0.5, 7.0], atol=0.1)


def test_multinomial_frequencies_follow_unnormalised_weights() -> None:
    cr.manual_seed(0)
    weights = cr.tensor([[1.0, 0.0, 3.0, 6.0], [0.0, 5.0, 0.0, 5.0]])
    draws = cr.multinomial(weights, N, replacement=True).numpy()
    assert draws.shape == (2, N) and draws.dtype == numpy.int64
    numpy.testing.assert_allclose(numpy.bincount(draws[0], minlength=4) / N, [0.1, 0.0, 0.3, 0.6], atol=0.005)
    numpy.testing.assert_allclose(numpy.bincount(draws[1], minlength=4) / N, [0.0, 0.5, 0.0, 0.5], atol=0.005)


def test_multinomial_without_replacement_draws_distinct_categories_in_weight_order() -> None:
    cr.manual_seed(0)
    weights = cr.tensor([1.0, 2.0, 3.0, 4.0, 0.0]).expand(20_000, 5)
    draws = cr.multinomial(weights, 4).numpy()
    assert all(len(set(row)) == 4 for row in draws[:500])
    assert (draws != 4).all()  # a zero weight is drawn only after every positive one
    # the first draw is proportional to the weights, as with replacement
    numpy.testing.assert_allclose(numpy.bincount(draws[:, 0], minlength=5) / 20_000, [0.1, 0.2, 0.3, 0.4, 0],
                                  atol=0.01)
    # all categories: the zero weight comes last
    assert (cr.multinomial(cr.tensor([0.0, 1.0, 0.0, 1.0]), 4).numpy()[:2] % 2 == 1).all()


def test_normal_with_tensor_arguments_broadcasts_and_follows_each_element() -> None:
    cr.manual_seed(0)
    mean = cr.tensor([[-5.0], [5.0]], dtype=cr.float64)
    std = cr.tensor([0.1, 1.0, 3.0], dtype=cr.float64)
    draws = numpy.stack([cr.normal(mean, std).numpy() for _ in range(20_000)])
    assert draws.shape == (20_000, 2, 3)
    numpy.testing.assert_allclose(draws.mean(0), [[-5] * 3, [5] * 3], atol=0.07)
    numpy.testing.assert_allclose(draws.std(0), [[0.1, 1.0, 3.0]] * 2, rtol=0.03)


def test_randperm_is_a_permutation() -> None:
    cr.manual_seed(0)
    order = cr.randperm(1000)
    assert order.dtype == cr.int64 and sorted(order.tolist()) == list(range(1000))
    assert (order.numpy() != numpy.arange(1000)).any()
    assert cr.randperm(0).shape == (0,)
    assert cr.randperm(5, dtype=cr.float32).dtype == cr.float32


# -- the same distributions as PyTorch (its draws differ: compare quantiles) ----------------------------------
@pytest.mark.parametrize("name", sorted(FILLS))
def test_fill_quantiles_match_pytorch(name: str) -> None:
    ours = _draw(name, 1)
    torch.manual_seed(1)
    theirs = FILLS[name](torch.zeros(N, dtype=torch.float64)).numpy()
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    ours_q, theirs_q = numpy.quantile(ours, levels), numpy.quantile(theirs, levels)
    spread = theirs_q[-1] - theirs_q[0]
    numpy.testing.assert_allclose(ours_q, theirs_q, atol=0.03 * spread)


# -- dtypes, shapes, devices ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [cr.float16, cr.float32, cr.float64])
def test_fills_keep_dtype_and_shape(dtype: cr.dtype) -> None:
    cr.manual_seed(0)
    for name, fill in FILLS.items():
        x = cr.zeros(4, 5, dtype=dtype)
        assert fill(x) is x, name
        assert x.dtype == dtype and x.shape == (4, 5) and x.device == cr.device("cpu"), name


def test_random_defaults_per_dtype() -> None:
    cr.manual_seed(0)
    assert set(cr.zeros(1000, dtype=cr.bool).random_().tolist()) == {False, True}
    small = cr.zeros(10_000, dtype=cr.uint8).random_().numpy()
    assert small.min() >= 0 and small.max() > 250
    halves = cr.zeros(10_000, dtype=cr.float16).random_().numpy().astype(numpy.float64)
    assert halves.max() <= 2048 and (halves == numpy.round(halves)).all()
    assert 0 <= cr.zeros(1000, dtype=cr.int64).random_(5).numpy().max() < 5
    assert cr.zeros(1000, dtype=cr.int32).random_(to=3).numpy().max() == 2
    assert cr.zeros(1000).random_(**{"from": -4, "to": -2}).numpy().tolist().count(-4) > 400


def test_geometric_and_bernoulli_fill_integer_tensors() -> None:
    cr.manual_seed(0)
    counts = cr.zeros(1000, dtype=cr.int64).geometric_(0.5)
    assert counts.dtype == cr.int64 and counts.numpy().min() == 1
    bits = cr.zeros(1000, dtype=cr.int32).bernoulli_(cr.full((1000,), 0.5))
    assert set(bits.tolist()) == {0, 1}


def test_bernoulli_tensor_probabilities_broadcast_and_result_dtype() -> None:
    cr.manual_seed(0)
    x = cr.zeros(3, 4).bernoulli_(cr.tensor([0.0, 1.0, 0.0, 1.0]))
    numpy.testing.assert_array_equal(x.numpy(), [[0, 1, 0, 1]] * 3)
    assert cr.bernoulli(cr.full((2, 3), 0.5, dtype=cr.float64)).dtype == cr.float64
    assert cr.zeros(3, dtype=cr.float64).bernoulli().shape == (3,)
    assert (cr.bernoulli(cr.zeros(5), 1.0).numpy() == 1).all()  # p overrides the tensor's values
    probabilities = cr.full((4,), 0.5, requires_grad=True)
    assert not cr.bernoulli(probabilities).requires_grad


def test_normal_overloads_shapes_and_dtypes() -> None:
    cr.manual_seed(0)
    assert cr.normal(0.0, 1.0, (2, 3)).dtype == cr.float32
    assert cr.normal(0.0, 1.0, size=(2, 3), dtype=cr.float64).dtype == cr.float64
    assert cr.normal(2.0, 0.0, 4).tolist() == [2.0] * 4
    assert cr.normal(cr.zeros(2, 1), 1.0).shape == (2, 1)
    assert cr.normal(0.0, cr.ones(3, dtype=cr.float64)).dtype == cr.float64
    assert cr.normal(cr.zeros(2, 1), cr.ones(3)).shape == (2, 3)
    assert cr.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad


def test_normal_gradients_are_the_reparameterisation() -> None:
    cr.manual_seed(0)
    mean = cr.tensor([[0.5], [-1.0]], dtype=cr.float64, requires_grad=True)
    std = cr.tensor([0.5, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    sample = cr.normal(mean, std)
    (sample * sample).sum().backward()  # d/dmean = sum 2y, d/dstd = sum 2y z with z = (y - mean) / std
    y, noise = sample.numpy(), (sample.numpy() - mean.detach().numpy()) / std.detach().numpy()
    numpy.testing.assert_allclose(mean.grad.numpy(), (2 * y).sum(1, keepdims=True))
    numpy.testing.assert_allclose(std.grad.numpy(), (2 * y * noise).sum(0))
    # the same formula in PyTorch with the same noise gives the same gradients
    torch_mean = torch.tensor(mean.detach().numpy(), requires_grad=True)
    torch_std = torch.tensor(std.detach().numpy(), requires_grad=True)
    torch_sample = torch_mean + torch_std * torch.from_numpy(noise)
    (torch_sample * torch_sample).sum().backward()
    numpy.testing.assert_allclose(std.grad.numpy(), torch_std.grad.numpy())


def test_tensor_methods_are_bound() -> None:
    cr.manual_seed(0)
    weights = cr.tensor([0.2, 0.8])
    assert weights.multinomial(3, replacement=True).shape == (3,)
    assert weights.bernoulli().shape == (2,)


# -- in place, outside autograd --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FILLS))
def test_fills_refuse_tensors_that_require_grad(name: str) -> None:
    leaf = cr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}\(\) would change a leaf tensor that requires grad"):
        FILLS[name](leaf)
    with cr.no_grad():
        FILLS[name](leaf)  # an initialisation, as nn.init does
    assert leaf.requires_grad


def test_fills_bump_the_version_and_write_through_views() -> None:
    base = cr.zeros(4, 6, dtype=cr.float64)
    column = base[:, 1]
    column.normal_()
    assert (base.numpy()[:, 1] != 0).all() and (numpy.delete(base.numpy(), 1, axis=1) == 0).all()
    weight = cr.ones(3, requires_grad=True)
    saved = cr.zeros(3, requires_grad=False)
    product = weight * saved  # mul saves `saved` for weight's gradient
    saved.uniform_()
    with pytest.raises(RuntimeError, match="input 1 of Mul was changed"):
        product.sum().backward()


# -- errors ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: cr.zeros(3).uniform_(1, 0), RuntimeError, r"from=1 > to=0"),
    (lambda: cr.zeros(3).uniform_(0, 1, 2), TypeError, r"uniform_\(\) takes \(from, to\)"),
    (lambda: cr.zeros(3).uniform_(a=1), TypeError, r"uniform_\(\) takes \(from, to\)"),
    (lambda: cr.zeros(3).normal_(0, -1), RuntimeError, r"std >= 0.0, but found std -1"),
    (lambda: cr.zeros(3).exponential_(0), RuntimeError, r"lambda > 0.0, but found lambda=0"),
    (lambda: cr.zeros(3).geometric_(1.0), RuntimeError, r"p to be in \(0, 1\), but got p=1.0"),
    (lambda: cr.zeros(3).cauchy_(0, -1), RuntimeError, r"sigma > 0.0, but found sigma=-1"),
    (lambda: cr.zeros(3).log_normal_(0, 0), RuntimeError, r"std > 0.0, but found std=0"),
    (lambda: cr.zeros(3).bernoulli_(1.5), RuntimeError, r"p to be in \[0, 1\], but got p=1.5"),
    (lambda: cr.zeros(3).bernoulli_(cr.tensor([0.1, 2.0, 0.3])), RuntimeError, r"must be in \[0, 1\]"),
    (lambda: cr.zeros(3).bernoulli_(cr.full((2, 3), 0.5)), RuntimeError, r"does not broadcast"),
    (lambda: cr.bernoulli(cr.tensor([0.5, float("nan")])), RuntimeError, r"must be in \[0, 1\]"),
    (lambda: cr.bernoulli(cr.tensor([0, 1])), NotImplementedError, r"needs a floating-point tensor"),
    (lambda: cr.zeros(3, dtype=cr.int64).uniform_(), NotImplementedError, r"needs a floating-point tensor"),
    (lambda: cr.zeros(3, dtype=cr.int64).normal_(), NotImplementedError, r"chainrule.int64"),
    (lambda: cr.zeros(3).random_(5, 2), RuntimeError, r"from=5 >= to=2"),
    (lambda: cr.zeros(3).random_(0.5, 2), TypeError, r"'from' must be an integer"),
    (lambda: cr.zeros(3, dtype=cr.uint8).random_(-1, 5), RuntimeError, r"out of bounds for chainrule.uint8"),
    (lambda: cr.zeros(3, dtype=cr.uint8).random_(0, 300), RuntimeError, r"out of bounds for chainrule.uint8"),
    (lambda: cr.multinomial(cr.tensor([1.0, 2.0]), 3), RuntimeError, r"without replacement \(3 > 2\)"),
    (lambda: cr.multinomial(cr.tensor([1.0, 2.0]), 0), RuntimeError, r"cannot sample n_sample <= 0"),
    (lambda: cr.multinomial(cr.tensor([1.0, -2.0]), 1), RuntimeError, r"`inf`, `nan` or element < 0"),
    (lambda: cr.multinomial(cr.tensor([1.0, float("inf")]), 1), RuntimeError, r"`inf`, `nan` or element < 0"),
    (lambda: cr.multinomial(cr.tensor([1.0, float("nan")]), 1), RuntimeError, r"`inf`, `nan` or element < 0"),
    (lambda: cr.multinomial(cr.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), RuntimeError, r"sum of probabilities <= 0"),
    (lambda: cr.multinomial(cr.tensor([1, 2]), 1), RuntimeError, r"floating-point dtypes .* chainrule.int64"),
    (lambda: cr.multinomial(cr.ones(2, 2, 2), 1), RuntimeError, r"1 or 2 dim, got shape \(2, 2, 2\)"),
    (lambda: cr.normal(0.0, -1.0, (2,)), RuntimeError, r"std >= 0.0, but found std -1"),
    (lambda: cr.normal(cr.zeros(2), -cr.ones(2)), RuntimeError, r"all elements of std >= 0.0"),
    (lambda: cr.normal(cr.zeros(2), cr.ones(3)), RuntimeError, r"shapes \(2,\) and \(3,\) do not broadcast"),
    (lambda: cr.normal(0.0, 1.0), TypeError, r"give the size"),
    (lambda: cr.normal(cr.zeros(2), 1.0, (2,)), TypeError, r"size is only accepted with a float mean and std"),
    (lambda: cr.normal(cr.zeros(2, dtype=cr.int64), 1.0), NotImplementedError, r"floating-point"),
    (lambda: cr.poisson(cr.tensor([-1.0, 2.0])), RuntimeError, r"rate to be non-negative"),
    (lambda: cr.poisson(cr.tensor([1, 2])), NotImplementedError, r"floating-point"),
    (lambda: cr.randperm(-1), ValueError, r"n must be non-negative, got -1"),
    (lambda: cr.randperm(300, dtype=cr.uint8), RuntimeError, r"n=300 is too large for chainrule.uint8"),
    (lambda: cr.zeros(3).normal_(generator=object()), TypeError, r"generator= is not supported.*manual_seed"),
    (lambda: cr.randperm(3, generator=object()), TypeError, r"randperm: generator= is not supported"),
])
def test_errors_name_the_problem(call: Callable, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_multinomial_edge_shapes() -> None:
    assert cr.multinomial(cr.zeros(0, 3), 2).shape == (0, 2)
    assert cr.multinomial(cr.tensor([0.0, 0.0, 1.0]), 1).tolist() == [2]
    assert cr.multinomial(cr.tensor([[0.0, 1.0]]), 4, replacement=True).tolist() == [[1, 1, 1, 1]]

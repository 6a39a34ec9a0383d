"""chainrule.nn.init: shapes, in-place writes, statistics against the formulas, seeding, and PyTorch's gains,
fans and error messages."""

from __future__ import annotations

import math
import warnings

import numpy
import pytest

import chainrule as cr
from chainrule.nn import init
from tests.conftest import to_numpy as _numpy

SIZE = (500, 500)  # 250,000 draws: sample means within ~0.002 std, sample stds within ~0.2%

RANDOM_INITIALIZERS = {
    "uniform_": lambda t: init.uniform_(t, -1.0, 2.0),
    "normal_": lambda t: init.normal_(t, 0.5, 2.0),
    "xavier_uniform_": lambda t: init.xavier_uniform_(t, gain=2.0),
    "xavier_normal_": lambda t: init.xavier_normal_(t),
    "kaiming_uniform_": lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_normal_": lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
    "orthogonal_": lambda t: init.orthogonal_(t),
    "trunc_normal_": lambda t: init.trunc_normal_(t, std=0.02),
}
ALL_INITIALIZERS = {
    **RANDOM_INITIALIZERS,
    "constant_": lambda t: init.constant_(t, 0.25),
    "zeros_": init.zeros_,
    "ones_": init.ones_,
    "eye_": init.eye_,
}



@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ALL_INITIALIZERS))
def test_fills_in_place_keeping_shape_dtype_and_leaf(name: str, dtype: str, device: str) -> None:
    tensor = cr.full((6, 4), float("nan"), dtype=dtype, device=device).requires_grad_()
    array, version = tensor._data, tensor._version[0]

    result = ALL_INITIALIZERS[name](tensor)

    assert result is tensor
    assert tensor._data is array, "the initializer must write into the existing array"
    assert tensor.shape == (6, 4) and tensor.dtype == cr.backend.to_dtype(dtype) and tensor.device == cr.device(device)
    assert numpy.isfinite(_numpy(tensor)).all()
    assert tensor._version[0] > version, "an in-place write must bump the version"
    assert tensor.grad_fn is None and tensor.requires_grad, "no graph may be recorded"


def test_writes_through_a_view() -> None:
    weights = cr.zeros(4, 6)
    column_block = cr.from_numpy(weights._data[:, :3])
    init.ones_(column_block)
    numpy.testing.assert_array_equal(weights.numpy(), numpy.hstack([numpy.ones((4, 3)), numpy.zeros((4, 3))]))


@pytest.mark.parametrize("name", sorted(RANDOM_INITIALIZERS))
def test_manual_seed_makes_it_reproducible(name: str) -> None:
    draws = []
    for seed in (7, 7, 8):
        cr.manual_seed(seed)
        draws.append(_numpy(RANDOM_INITIALIZERS[name](cr.empty(20, 30))).copy())
    numpy.testing.assert_array_equal(draws[0], draws[1])
    assert not numpy.array_equal(draws[0], draws[2])


def _assert_mean_std(values: numpy.ndarray, mean: float, std: float) -> None:
    assert abs(values.mean() - mean) < 0.01 * std, f"mean {values.mean()} vs {mean}"
    assert values.std() == pytest.approx(std, rel=0.01), f"std {values.std()} vs {std}"


def test_uniform_statistics() -> None:
    values = _numpy(init.uniform_(cr.empty(*SIZE), -2.0, 3.0))
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert values.min() < -1.99 and values.max() > 2.99
    _assert_mean_std(values, 0.5, 5.0 / math.sqrt(12))


def test_normal_statistics() -> None:
    _assert_mean_std(_numpy(init.normal_(cr.empty(*SIZE), 1.5, 2.0)), 1.5, 2.0)


def test_constant_zeros_ones_eye() -> None:
    numpy.testing.assert_array_equal(_numpy(init.constant_(cr.empty(3, 2), 0.5)), numpy.full((3, 2), 0.5))
    numpy.testing.assert_array_equal(_numpy(init.zeros_(cr.ones(3))), numpy.zeros(3))
    numpy.testing.assert_array_equal(_numpy(init.ones_(cr.zeros(2, 2, 2, dtype="int64"))), numpy.ones((2, 2, 2)))
    numpy.testing.assert_array_equal(_numpy(init.eye_(cr.empty(3, 5))), numpy.eye(3, 5))
    numpy.testing.assert_array_equal(_numpy(init.eye_(cr.empty(4, 2))), numpy.eye(4, 2))


def test_xavier_statistics() -> None:
    fan_out, fan_in = 300, 700
    gain = init.calculate_gain("tanh")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    values = _numpy(init.xavier_uniform_(cr.empty(fan_out, fan_in), gain=gain))
    assert numpy.abs(values).max() <= bound and numpy.abs(values).max() > 0.999 * bound
    _assert_mean_std(values, 0.0, bound / math.sqrt(3))
    values = _numpy(init.xavier_normal_(cr.empty(fan_out, fan_in), gain=gain))
    _assert_mean_std(values, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def test_kaiming_uniform_statistics_and_linear_default() -> None:
    # Linear's reset_parameters: a=sqrt(5) gives bound = 1 / sqrt(fan_in)
    values = _numpy(init.kaiming_uniform_(cr.empty(200, 1000), a=math.sqrt(5)))
    assert numpy.abs(values).max() <= 1 / math.sqrt(1000)
    _assert_mean_std(values, 0.0, 1 / math.sqrt(1000) / math.sqrt(3))
    values = _numpy(init.kaiming_uniform_(cr.empty(1000, 200), mode="fan_out", nonlinearity="relu"))
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 1000)
    assert numpy.abs(values).max() <= bound and numpy.abs(values).max() > 0.999 * bound


def test_kaiming_normal_statistics_with_conv_fans() -> None:
    weight = cr.empty(64, 32, 5, 5)  # fan_in = 32 * 25 = 800, fan_out = 64 * 25 = 1600
    _assert_mean_std(_numpy(init.kaiming_normal_(weight, nonlinearity="relu")), 0.0, math.sqrt(2.0 / 800))
    _assert_mean_std(_numpy(init.kaiming_normal_(weight, a=0.2, mode="fan_out")), 0.0,
                     math.sqrt(2.0 / (1 + 0.2**2)) / math.sqrt(1600))


def test_kaiming_on_zero_elements_warns_and_does_nothing() -> None:
    tensor = cr.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(tensor) is tensor
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(tensor)


@pytest.mark.parametrize("shape", [(500, 500), (200, 500), (500, 200), (16, 3, 3, 3)])
def test_orthogonal_is_orthogonal(shape: tuple) -> None:
    values = _numpy(init.orthogonal_(cr.empty(*shape, dtype="float64"), gain=2.0)).reshape(shape[0], -1) / 2.0
    rows, cols = values.shape
    gram = values @ values.T if rows <= cols else values.T @ values
    numpy.testing.assert_allclose(gram, numpy.eye(min(rows, cols)), atol=1e-10)


def test_orthogonal_is_not_biased_by_qr_signs() -> None:
    # without the sign correction, diag(R) > 0 makes Q's diagonal mostly positive
    diagonals = [numpy.diag(_numpy(init.orthogonal_(cr.empty(8, 8)))) for _ in range(200)]
    assert abs(numpy.mean(numpy.sign(diagonals))) < 0.1


def test_trunc_normal_bounds_and_statistics(torch) -> None:
    values = _numpy(init.trunc_normal_(cr.empty(*SIZE)))
    assert values.min() >= -2.0 and values.max() <= 2.0
    assert values.min() < -1.99 and values.max() > 1.99
    # N(0, 1) truncated to [-2, 2]: variance 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2))
    phi = math.exp(-2.0) / math.sqrt(2 * math.pi)
    _assert_mean_std(values, 0.0, math.sqrt(1 - 4 * phi / math.erf(2 / math.sqrt(2))))

    values = _numpy(init.trunc_normal_(cr.empty(*SIZE, dtype="float64"), mean=1.0, std=0.5, a=0.5, b=3.0))
    expected = torch.nn.init.trunc_normal_(torch.empty(*SIZE, dtype=torch.float64), mean=1.0, std=0.5, a=0.5, b=3.0)
    assert values.min() >= 0.5 and values.max() <= 3.0
    _assert_mean_std(values, expected.mean().item(), expected.std().item())


def test_normal_inverse_cdf_matches_torch_ndtri(torch) -> None:
    p = numpy.concatenate([numpy.linspace(1e-9, 1 - 1e-9, 10001), numpy.logspace(-300, -3, 200)])
    expected = torch.special.ndtri(torch.from_numpy(p)).numpy()
    numpy.testing.assert_allclose(init._normal_icdf(p), expected, rtol=2e-9, atol=1e-12)


NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity: str, torch) -> None:
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("slope", [None, 0, 0.2, 1, 3.5])
def test_leaky_relu_gain_matches_torch(slope, torch) -> None:
    assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (5, 3, 7), (8, 4, 3, 3), (2, 3, 4, 5, 6), (6, 1, 0)])
def test_fans_match_torch(shape: tuple, torch) -> None:
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(cr.empty(*shape)) == expected


@pytest.mark.parametrize("function", [init._calculate_fan_in_and_fan_out, init.xavier_uniform_, init.xavier_normal_,
                                      init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("shape", [(5,), ()])
def test_fans_need_two_dimensions(function, shape: tuple) -> None:
    with pytest.raises(ValueError, match=r"Fan in and fan out can not be computed for tensor with fewer than 2 "
                                         r"dimensions \(got shape \((5,)?\)\)"):
        function(cr.empty(shape))


def test_unknown_nonlinearity_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"Unsupported nonlinearity 'gelu'; use one of linear, conv1d, .*sigmoid, "
                                         r"tanh, relu, leaky_relu, selu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="Unsupported nonlinearity 'swish'"):
        init.kaiming_uniform_(cr.empty(3, 3), nonlinearity="swish")


@pytest.mark.parametrize("param", ["0.1", True, [0.1]])
def test_bad_negative_slope(param) -> None:
    with pytest.raises(ValueError, match=rf"negative_slope {param!r} not a valid number".replace("[", r"\[")):
        init.calculate_gain("leaky_relu", param)


def test_unknown_mode_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"Mode 'fan_avg' not supported, please use one of 'fan_in', 'fan_out'"):
        init.kaiming_normal_(cr.empty(3, 3), mode="fan_avg")
    init.kaiming_normal_(cr.empty(3, 3), mode="FAN_OUT")  # case-insensitive, as PyTorch


def test_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"Only tensors with 2 dimensions are supported, got shape \(2, 2, 2\)"):
        init.eye_(cr.empty(2, 2, 2))
    with pytest.raises(ValueError, match=r"Only tensors with 2 or more dimensions are supported, got shape \(4,\)"):
        init.orthogonal_(cr.empty(4))


def test_random_initializers_need_floating_tensors_and_tensors() -> None:
    with pytest.raises(TypeError, match=r"normal_ needs a floating-point tensor, got chainrule\.int64"):
        init.normal_(cr.zeros(3, dtype="int64"))
    with pytest.raises(TypeError, match="uniform_ expects a chainrule Tensor, got ndarray"):
        init.uniform_(numpy.zeros(3))


def test_trunc_normal_warns_when_mean_is_far_outside_the_bounds() -> None:
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(cr.empty(10), mean=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(cr.empty(10), mean=1.0)


def test_initialized_parameter_still_trains() -> None:
    weight = cr.empty(3, 2, requires_grad=True)
    init.xavier_uniform_(weight)
    (weight * 2.0).sum().backward()
    numpy.testing.assert_array_equal(_numpy(weight.grad), numpy.full((3, 2), 2.0, dtype="float32"))

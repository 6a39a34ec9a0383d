"""The activation functions of chainrule.ops.activation, beyond their rows in the op table
(tests/ops/op_table/activation.py, run by test_gradcheck.py and test_torch_equality.py): the gradient at 0
against PyTorch's convention, the implicit softmax dim, dtype casts, numerical stability and accuracy at large
|x|, empty inputs, and the error messages.
"""

from __future__ import annotations

import math
import warnings

import numpy
import pytest

import chainrule as cr
from chainrule.ops._numerics import erfc as _erfc
from chainrule.ops.activation import elu, gelu, leaky_relu, log_softmax, silu, softmax, softplus

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the tests that use it take the torch fixture, which skips them
    torch = F = None

AT_ZERO = [
    ("leaky_relu", lambda m, x: m.leaky_relu(x, 0.2)),
    ("leaky_relu-negative-slope", lambda m, x: m.leaky_relu(x, -0.3)),
    ("elu", lambda m, x: m.elu(x, 1.5)),
    ("elu-negative-alpha", lambda m, x: m.elu(x, -0.5)),
    ("softplus-at-threshold", lambda m, x: m.softplus(x, 2.0, 0.0)),
    ("gelu-at-0", lambda m, x: m.gelu(x)),
    ("silu-at-0", lambda m, x: m.silu(x)),
]


@pytest.mark.torch
@pytest.mark.parametrize("function", [pytest.param(f, id=name) for name, f in AT_ZERO])
def test_gradient_at_0_follows_torch(function, torch) -> None:
    values = [-1.0, 0.0, 2.0]
    leaf = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    torch_leaf = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    function(cr.ops.activation, leaf).sum().backward()
    function(F, torch_leaf).sum().backward()
    numpy.testing.assert_allclose(leaf.grad.numpy(), torch_leaf.grad.numpy(), rtol=1e-15, atol=0)


@pytest.mark.torch
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_implicit_softmax_dim_is_torchs_and_silent(ndim: int, torch) -> None:
    values = numpy.random.default_rng(ndim).standard_normal((2, 3, 4, 5)[:ndim])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = [softmax(cr.tensor(values)), log_softmax(cr.tensor(values))]
    implicit = 0 if ndim in (0, 1, 3) else 1
    for out, function in zip(ours, [F.softmax, F.log_softmax], strict=True):
        numpy.testing.assert_allclose(out.numpy(), function(torch.from_numpy(values), dim=implicit).numpy(),
                                      rtol=1e-12)


def test_softmax_dtype_casts_first_and_the_gradient_keeps_the_input_dtype() -> None:
    x = cr.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    for function in (softmax, log_softmax):
        out = function(x, dim=1, dtype=cr.float64)
        assert out.dtype == cr.float64
        reference = function(x.detach().double(), dim=1)
        numpy.testing.assert_array_equal(out.detach().numpy(), reference.numpy())
        out.sum().backward()
        assert x.grad.dtype == cr.float32
        x.grad = None


# -- numerical stability and accuracy -----------------------------------------------------------------
def test_softmax_and_log_softmax_of_huge_logits_stay_finite() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp
        probabilities = softmax(cr.tensor([1000.0, 1001.0, -1000.0], dtype=cr.float64), dim=0).numpy()
        logs = log_softmax(cr.tensor([-5000.0, 0.0], dtype=cr.float64), dim=0).numpy()
    expected = numpy.exp([-1.0, 0.0]) / numpy.exp([-1.0, 0.0]).sum()
    numpy.testing.assert_allclose(probabilities, [*expected, 0.0], rtol=1e-15)
    numpy.testing.assert_array_equal(logs, [-5000.0, 0.0])


def test_softplus_is_the_identity_above_threshold_without_overflow() -> None:
    x = cr.tensor([25.0, 800.0, 21.0, -800.0], dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = softplus(x)
        big_threshold = softplus(x.detach(), threshold=1e4).numpy()  # PyTorch's exp overflows to inf here
        out.sum().backward()
    numpy.testing.assert_array_equal(out.detach().numpy(), [25.0, 800.0, 21.0, 0.0])
    numpy.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0, 0.0])
    numpy.testing.assert_allclose(big_threshold, [25.0 + math.exp(-25.0), 800.0, 21.0 + math.exp(-21.0), 0.0],
                                  rtol=1e-15)


def test_elu_gradient_keeps_its_relative_accuracy_far_left() -> None:
    x = cr.tensor([-30.0, -600.0], dtype=cr.float64, requires_grad=True)
    elu(x, alpha=2.0).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), 2.0 * numpy.exp([-30.0, -600.0]), rtol=1e-15)


@pytest.mark.parametrize("value", [-10.0, -30.0])
def test_gelu_and_silu_keep_their_relative_accuracy_in_the_left_tail(value: float) -> None:
    x = cr.tensor([value], dtype=cr.float64)
    # erfc(y) has condition number ~2 y^2 there: rounding x / sqrt(2) alone costs ~x^2 ulp; 0 would be off by 100%
    expected = value * 0.5 * math.erfc(-value / math.sqrt(2))
    numpy.testing.assert_allclose(gelu(x).numpy(), [expected], rtol=1e3 * numpy.finfo(float).eps)
    numpy.testing.assert_allclose(silu(x).numpy(), [value / (1 + math.exp(-value))], rtol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_erfc_matches_torch_over_all_three_ranges(dtype: str, torch) -> None:
    values = numpy.concatenate([numpy.linspace(-30.0, 30.0, 6001), [0.0, 0.46875, -4.0, 4.0, 1e-300]])
    values = values.astype(dtype)
    ours = _erfc(values)
    expected = torch.special.erfc(torch.from_numpy(values)).numpy()
    assert ours.dtype == values.dtype and ours.shape == values.shape
    tolerance = {"float64": 2e-15, "float32": 1e-6}[dtype]
    tiny = numpy.finfo(dtype).tiny  # below it both are subnormal or 0
    numpy.testing.assert_allclose(ours, expected, rtol=tolerance, atol=tiny * 1e3)
    edges = _erfc(numpy.array([numpy.inf, -numpy.inf, numpy.nan], dtype=dtype))
    numpy.testing.assert_array_equal(edges, [0.0, 2.0, numpy.nan])
    assert _erfc(numpy.array(0.5, dtype=dtype)).shape == ()


def test_gelu_of_float16_is_float16_and_close_to_float64() -> None:
    values = numpy.linspace(-6.0, 6.0, 25)
    half = gelu(cr.tensor(values, dtype=cr.float16))
    assert half.dtype == cr.float16
    numpy.testing.assert_allclose(half.numpy(), gelu(cr.tensor(values, dtype=cr.float64)).numpy(),
                                  rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("function", [leaky_relu, elu, gelu, silu, softplus, lambda x: softmax(x, 1),
                                      lambda x: log_softmax(x, 1)])
def test_empty_input_gives_empty_output_and_gradient(function) -> None:
    x = cr.zeros(3, 0, requires_grad=True)
    out = function(x)
    assert out.shape == (3, 0)
    out.sum().backward()
    assert x.grad.shape == (3, 0)


# -- errors ---------------------------------------------------------------------------------------------
def _x() -> cr.Tensor:
    return cr.zeros(2, 3)


ERRORS = [
    ("gelu_approximate", lambda: gelu(_x(), approximate="exact"), ValueError,
     r"gelu: approximate must be 'none' or 'tanh', got 'exact'"),
    ("softmax_dim", lambda: softmax(_x(), dim=2), IndexError,
     r"softmax: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)"),
    ("log_softmax_dim", lambda: log_softmax(_x(), dim=-3), IndexError,
     r"log_softmax: dim -3 is out of range for a tensor with 2 dimensions"),
    ("softmax_dim_type", lambda: softmax(_x(), dim=1.0), TypeError, r"softmax: dim must be an int, got float 1\.0"),
    ("softmax_dtype", lambda: softmax(_x(), dim=1, dtype="complex64"), TypeError, r"unsupported dtype 'complex64'"),
    ("softmax_int", lambda: softmax(cr.tensor([1, 2]), dim=0), TypeError,
     r"softmax: needs a floating-point tensor, got chainrule\.int64; convert it with \.float\(\)"),
    ("elu_int", lambda: elu(cr.tensor([1, 2])), TypeError, r"elu: needs a floating-point tensor, got chainrule\.int64"),
    ("gelu_list", lambda: gelu([1.0, 2.0]), TypeError, r"gelu: expected a Tensor as input, got list"),
    ("log_softmax_array", lambda: log_softmax(numpy.zeros(3), 0), TypeError,
     r"log_softmax: expected a Tensor as input, got ndarray"),
    ("leaky_relu_slope", lambda: leaky_relu(_x(), "0.1"), TypeError,
     r"leaky_relu: negative_slope must be a real number, got str '0\.1'"),
    ("elu_alpha_bool", lambda: elu(_x(), True), TypeError, r"elu: alpha must be a real number, got bool True"),
    ("softplus_beta_0", lambda: softplus(_x(), beta=0), ValueError, r"softplus: beta must be nonzero"),
    ("softplus_threshold", lambda: softplus(_x(), threshold=None), TypeError,
     r"softplus: threshold must be a real number, got NoneType None"),
]


@pytest.mark.parametrize(("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_error_message(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

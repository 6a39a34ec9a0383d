"""The activation functions of chainrule.ops.activation, beyond their rows in the op table
(tests/ops/op_table/activation.py, run by test_gradcheck.py and test_torch_equality.py): the gradient at the
kinks against PyTorch's convention, the implicit softmax dim, dtype casts, numerical stability and accuracy at
large |x|, normalize at and below eps, inplace=True, the Tensor methods and top-level names, empty inputs, and
the error messages.
"""

from __future__ import annotations

import math
import warnings

import numpy
import pytest

import chainrule as cr
from chainrule.ops import activation
from chainrule.ops._numerics import erfc as _erfc
from chainrule.ops.activation import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    normalize,
    prelu,
    relu6,
    rrelu,
    selu,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)

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
    ("celu", lambda m, x: m.celu(x, 0.5)),
    ("celu-negative-alpha", lambda m, x: m.celu(x, -0.5)),
    ("selu", lambda m, x: m.selu(x)),
    ("rrelu", lambda m, x: m.rrelu(x, 0.1, 0.3)),
    ("softsign", lambda m, x: m.softsign(x)),
    ("relu6", lambda m, x: m.relu6(x)),
    ("hardshrink-lambd-0", lambda m, x: m.hardshrink(x, 0.0)),
    ("softshrink-lambd-0", lambda m, x: m.softshrink(x, 0.0)),
    ("threshold-at-0", lambda m, x: m.threshold(x, 0.0, 1.5)),
    ("mish-at-0", lambda m, x: m.mish(x)),
    ("hardswish-at-0", lambda m, x: m.hardswish(x)),
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


# (name, function of (module, x), the kinks): PyTorch's gradient there is a convention to match
KINKS = [
    ("hardtanh", lambda m, x: m.hardtanh(x), [-1.0, 1.0]),
    ("hardtanh-bounds", lambda m, x: m.hardtanh(x, -2.0, 3.0), [-2.0, 3.0]),
    ("relu6", lambda m, x: m.relu6(x), [0.0, 6.0]),
    ("hardsigmoid", lambda m, x: m.hardsigmoid(x), [-3.0, 3.0]),
    ("hardswish", lambda m, x: m.hardswish(x), [-3.0, 3.0]),
    ("hardshrink", lambda m, x: m.hardshrink(x), [-0.5, 0.5]),
    ("softshrink", lambda m, x: m.softshrink(x, 1.5), [-1.5, 1.5]),
    ("threshold", lambda m, x: m.threshold(x, 1.0, 5.0), [1.0]),
    ("normalize-p1-zero-elements", lambda m, x: m.normalize(x.reshape(1, -1), p=1.0), [0.0, 2.0, 0.0, -1.0]),
    ("normalize-p0.5-zero-elements", lambda m, x: m.normalize(x.reshape(1, -1), p=0.5), [0.0, 2.0, 0.0, -1.0]),
    ("normalize-p3-zero-elements", lambda m, x: m.normalize(x.reshape(1, -1), p=3.0), [0.0, 2.0, 0.0, -1.0]),
    ("normalize-zero-slice", lambda m, x: m.normalize(x.reshape(2, 2)), [0.0, 0.0, 3.0, -4.0]),
    ("normalize-zero-slice-p3", lambda m, x: m.normalize(x.reshape(2, 2), p=3.0), [0.0, 0.0, 3.0, -4.0]),
    ("normalize-zero-slice-inf", lambda m, x: m.normalize(x.reshape(2, 2), p=math.inf), [0.0, 0.0, 3.0, -4.0]),
    ("normalize-at-eps", lambda m, x: m.normalize(x.reshape(1, 2), eps=5.0), [3.0, -4.0]),
]


@pytest.mark.torch
@pytest.mark.parametrize(("function", "values"), [pytest.param(f, v, id=name) for name, f, v in KINKS])
def test_value_and_gradient_at_kinks_follow_torch(function, values, torch) -> None:
    leaf = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    torch_leaf = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    out, expected = function(cr.ops.activation, leaf), function(F, torch_leaf)
    numpy.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-15, atol=0)
    upstream = numpy.linspace(0.5, 2.0, out.numel()).reshape(out.shape)
    out.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(leaf.grad.numpy(), torch_leaf.grad.numpy(), rtol=1e-15, atol=0)


@pytest.mark.torch
def test_prelu_gradients_at_0_follow_torch(torch) -> None:
    values, slopes = [[-1.0, 0.0, 2.0], [0.0, -3.0, 0.5]], [0.25, -0.5, 2.0]
    x, w = cr.tensor(values, dtype=cr.float64, requires_grad=True), cr.tensor(slopes, dtype=cr.float64,
                                                                              requires_grad=True)
    tx, tw = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (values, slopes))
    prelu(x, w).sum().backward()
    F.prelu(tx, tw).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    numpy.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())


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


@pytest.mark.torch
def test_dtype_can_come_third_as_in_torch_softmax(torch) -> None:
    x = cr.tensor([[1.0, 2.0, 3.0]])
    for function in (softmax, softmin, log_softmax):
        assert function(x, 1, cr.float64).dtype == cr.float64  # torch.softmax(x, dim, dtype)
        assert function(x, 1, 3, cr.float64).dtype == cr.float64  # F.softmax(x, dim, _stacklevel, dtype)
        assert function(x, 1, 3).dtype == cr.float32
    expected = F.softmin(torch.tensor([[1.0, 2.0, 3.0]]), 1, dtype=torch.float64).numpy()
    numpy.testing.assert_allclose(softmin(x, 1, dtype=cr.float64).numpy(), expected, rtol=1e-15)


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


@pytest.mark.torch
@pytest.mark.parametrize("name", ["logsigmoid", "mish", "selu", "celu", "softsign", "tanhshrink"])
def test_tails_match_torch_without_overflow_warnings(name: str, torch) -> None:
    values = [-800.0, -40.0, -17.0, -1e-3, 0.0, 1e-3, 17.0, 40.0, 800.0]
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    torch_x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(activation, name)(x)
        out.sum().backward()
    expected = getattr(F, name)(torch_x)
    expected.sum().backward()
    numpy.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-15, atol=1e-300)
    numpy.testing.assert_allclose(x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-14, atol=1e-300)


def test_logsigmoid_keeps_its_relative_accuracy_in_both_tails() -> None:
    x = cr.tensor([-800.0, -40.0, 40.0, 700.0], dtype=cr.float64, requires_grad=True)
    out = logsigmoid(x)
    out.sum().backward()
    # log(sigmoid(40)) = -log1p(exp(-40)) ~ -4.2e-18: 1 + exp(-40) rounds to 1, which would give 0
    numpy.testing.assert_allclose(out.detach().numpy(), [-800.0, -40.0, -math.exp(-40.0), -math.exp(-700.0)],
                                  rtol=1e-15)
    numpy.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, math.exp(-40.0), math.exp(-700.0)], rtol=1e-15)


def test_celu_gradient_keeps_its_relative_accuracy_far_left() -> None:
    x = cr.tensor([-60.0, -1200.0], dtype=cr.float64, requires_grad=True)
    celu(x, alpha=2.0).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), numpy.exp([-30.0, -600.0]), rtol=1e-15)


@pytest.mark.torch
def test_selu_uses_torchs_constants(torch) -> None:
    values = numpy.array([-3.0, -0.5, 0.5, 2.0])
    numpy.testing.assert_array_equal(selu(cr.tensor(values)).numpy(), F.selu(torch.from_numpy(values)).numpy())
    numpy.testing.assert_allclose(selu(cr.tensor(values, dtype=cr.float32)).numpy(),
                                  F.selu(torch.from_numpy(values).float()).numpy(), rtol=1e-7)


def test_normalize_divides_small_slices_by_eps() -> None:
    x = cr.tensor([[0.0, 0.0], [3e-13, 4e-13], [3.0, 4.0]], dtype=cr.float64, requires_grad=True)
    out = normalize(x, dim=1)
    numpy.testing.assert_allclose(out.detach().numpy(), [[0.0, 0.0], [0.3, 0.4], [0.6, 0.8]], rtol=1e-15)
    out.sum().backward()
    assert numpy.isfinite(x.grad.numpy()).all()
    numpy.testing.assert_allclose(x.grad.numpy()[:2], 1e12, rtol=1e-15)  # d(x / eps)/dx: the norm is constant
    numpy.testing.assert_allclose(x.grad.numpy()[2], [0.032, -0.024], rtol=1e-14)  # (I - y y^T) 1 / ||x||


@pytest.mark.torch
@pytest.mark.parametrize(("p", "dim"), [(2.0, (0, 2)), (1.0, (-1, 0)), (math.inf, 1), (3, [1, 2])])
def test_normalize_over_several_dims_matches_torch(p, dim, torch) -> None:
    values = numpy.random.default_rng(3).uniform(0.5, 2.0, (2, 3, 4)) * numpy.array([1.0, -1.0, 1.0, -1.0])
    x = cr.tensor(values, requires_grad=True)
    torch_x = torch.from_numpy(values).requires_grad_()
    out, expected = normalize(x, p, dim), F.normalize(torch_x, p, dim)
    numpy.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-13)
    out.backward(cr.ones(2, 3, 4, dtype=cr.float64))
    expected.backward(torch.ones(2, 3, 4, dtype=torch.float64))
    numpy.testing.assert_allclose(x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gelu_of_float16_is_float16_and_close_to_float64() -> None:
    values = numpy.linspace(-6.0, 6.0, 25)
    half = gelu(cr.tensor(values, dtype=cr.float16))
    assert half.dtype == cr.float16
    numpy.testing.assert_allclose(half.numpy(), gelu(cr.tensor(values, dtype=cr.float64)).numpy(),
                                  rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("function", [
    leaky_relu, elu, gelu, silu, softplus, lambda x: softmax(x, 1), lambda x: log_softmax(x, 1),
    lambda x: softmin(x, 1), celu, selu, rrelu, mish, logsigmoid, softsign, tanhshrink, hardtanh, relu6, hardsigmoid,
    hardswish, hardshrink, softshrink, lambda x: threshold(x, 0.5, 1.0), glu, normalize, lambda x: normalize(x, 3.0),
    lambda x: prelu(x, cr.tensor([0.25])),
])
def test_empty_input_gives_empty_output_and_gradient(function) -> None:
    x = cr.zeros(3, 0, requires_grad=True)
    out = function(x)
    assert out.shape == (3, 0)
    out.sum().backward()
    assert x.grad.shape == (3, 0)


# -- inplace=True ----------------------------------------------------------------------------------------
INPLACE = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}),
    ("selu", {}), ("silu", {}), ("mish", {}), ("rrelu", {"lower": 0.1, "upper": 0.3}), ("hardtanh", {}),
    ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}), ("threshold", {"threshold": 0.5, "value": -1.0}),
]
INPLACE_PARAMS = [pytest.param(name, kwargs, id=name) for name, kwargs in INPLACE]
VALUES = [[-4.0, -2.5, -0.5, 0.2], [0.7, 1.5, 3.5, 7.0]]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_inplace_writes_into_an_input_that_needs_no_gradient_as_torch(name, kwargs, torch) -> None:
    function = getattr(cr.nn.functional, name)
    x = cr.tensor(VALUES, dtype=cr.float64)
    torch_x = torch.tensor(VALUES, dtype=torch.float64)
    expected = function(x.clone(), **kwargs).numpy()
    out = function(x, inplace=True, **kwargs)
    getattr(F, name)(torch_x, inplace=True, **kwargs)
    assert out is x
    numpy.testing.assert_array_equal(x.numpy(), expected)
    numpy.testing.assert_allclose(x.numpy(), torch_x.numpy(), rtol=1e-15)


@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_inplace_change_invalidates_a_graph_that_saved_the_input(name, kwargs) -> None:
    x = cr.tensor(VALUES, dtype=cr.float64)
    weight = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    product = x * weight  # saves x for weight's gradient
    getattr(cr.nn.functional, name)(x, inplace=True, **kwargs)
    with pytest.raises(RuntimeError, match="modified in place"):
        product.sum().backward()


@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_inplace_writes_through_a_view_into_its_base(name, kwargs) -> None:
    base = cr.tensor(VALUES, dtype=cr.float64)
    expected = base.numpy().copy()
    expected[:, 1:] = getattr(cr.nn.functional, name)(base[:, 1:].clone(), **kwargs).numpy()
    getattr(cr.nn.functional, name)(base[:, 1:], inplace=True, **kwargs)
    numpy.testing.assert_array_equal(base.numpy(), expected)


@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_inplace_under_no_grad_writes_into_a_leaf_that_requires_grad(name, kwargs) -> None:
    x = cr.tensor(VALUES, dtype=cr.float64, requires_grad=True)
    expected = getattr(cr.nn.functional, name)(x.detach().clone(), **kwargs).numpy()
    with cr.no_grad():
        out = getattr(cr.nn.functional, name)(x, inplace=True, **kwargs)
    assert out is x and x.requires_grad and x.grad_fn is None
    numpy.testing.assert_array_equal(x.detach().numpy(), expected)


@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_inplace_where_autograd_records_computes_out_of_place(name, kwargs) -> None:
    function = getattr(cr.nn.functional, name)
    for x in (cr.tensor(VALUES, dtype=cr.float64, requires_grad=True),
              cr.tensor(VALUES, dtype=cr.float64, requires_grad=True) * 1.0):  # a leaf, and a tensor in the graph
        out = function(x, inplace=True, **kwargs)
        assert out is not x
        numpy.testing.assert_array_equal(x.detach().numpy(), VALUES)
        reference = function(x, **kwargs)
        numpy.testing.assert_array_equal(out.detach().numpy(), reference.detach().numpy())
        gradients = [cr.autograd.grad(y.sum(), x, retain_graph=True)[0].numpy() for y in (out, reference)]
        numpy.testing.assert_array_equal(*gradients)


@pytest.mark.parametrize(("name", "kwargs"), INPLACE_PARAMS)
def test_without_inplace_the_input_is_unchanged(name, kwargs) -> None:
    x = cr.tensor(VALUES, dtype=cr.float64)
    out = getattr(cr.nn.functional, name)(x, **kwargs)
    assert out is not x
    numpy.testing.assert_array_equal(x.numpy(), VALUES)


# -- Tensor methods and top-level names ---------------------------------------------------------------------
@pytest.mark.torch
def test_method_and_top_level_names_are_torchs(torch) -> None:
    assert sorted(activation.METHODS) == ["hardshrink", "log_softmax", "prelu", "softmax"]
    for name in activation.METHODS:
        assert hasattr(torch.Tensor, name), name
    for name in activation.__all__:
        assert hasattr(torch, name), name
        assert name in cr.nn.functional.__all__, name
    assert not activation.NOT_DIFFERENTIABLE


@pytest.mark.torch
def test_methods_match_torchs_tensor_methods(torch) -> None:
    values = numpy.random.default_rng(5).standard_normal((2, 3, 4))
    x, torch_x = cr.tensor(values), torch.from_numpy(values)
    methods = activation.METHODS
    calls = [
        (lambda m, t: m["softmax"](t, -1), lambda t: t.softmax(-1)),
        (lambda m, t: m["softmax"](t, 1, cr.float32), lambda t: t.softmax(1, torch.float32)),
        (lambda m, t: m["log_softmax"](t, dim=0), lambda t: t.log_softmax(dim=0)),
        (lambda m, t: m["hardshrink"](t), lambda t: t.hardshrink()),
        (lambda m, t: m["hardshrink"](t, 1.0), lambda t: t.hardshrink(1.0)),
        (lambda m, t: m["prelu"](t, cr.tensor([0.1, -0.2, 0.3], dtype=cr.float64)),
         lambda t: t.prelu(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))),
    ]
    for ours, theirs in calls:
        out, expected = ours(methods, x), theirs(torch_x)
        assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
        numpy.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


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
    ("celu_alpha_0", lambda: celu(_x(), 0.0), RuntimeError, r"celu: alpha must be nonzero"),
    ("celu_int", lambda: celu(cr.tensor([1, 2])), TypeError,
     r"celu: needs a floating-point tensor, got chainrule\.int64"),
    ("selu_list", lambda: selu([1.0]), TypeError, r"selu: expected a Tensor as input, got list"),
    ("hardtanh_bounds", lambda: hardtanh(_x(), 1.0, -1.0), ValueError,
     r"hardtanh: min_val cannot be greater than max_val, got min_val=1\.0 and max_val=-1\.0"),
    ("hardtanh_bound_type", lambda: hardtanh(_x(), "0"), TypeError, r"hardtanh: min_val must be a real number"),
    ("relu6_int", lambda: relu6(cr.tensor([1, 7])), TypeError, r"relu6: needs a floating-point tensor"),
    ("hardsigmoid_int", lambda: hardsigmoid(cr.tensor([1])), TypeError, r"hardsigmoid: needs a floating-point"),
    ("hardswish_int", lambda: hardswish(cr.tensor([1])), TypeError, r"hardswish: needs a floating-point"),
    ("mish_int", lambda: mish(cr.tensor([1])), TypeError, r"mish: needs a floating-point"),
    ("logsigmoid_int", lambda: logsigmoid(cr.tensor([1])), TypeError, r"logsigmoid: needs a floating-point"),
    ("softsign_int", lambda: softsign(cr.tensor([1])), TypeError, r"softsign: needs a floating-point"),
    ("tanhshrink_int", lambda: tanhshrink(cr.tensor([1])), TypeError, r"tanhshrink: needs a floating-point"),
    ("hardshrink_lambd", lambda: hardshrink(_x(), None), TypeError, r"hardshrink: lambd must be a real number"),
    ("softshrink_negative", lambda: softshrink(_x(), -1.0), RuntimeError,
     r"softshrink: lambd must be non-negative, got -1\.0"),
    ("threshold_value", lambda: threshold(_x(), 0.5, "1"), TypeError,
     r"threshold: value must be a real number, got str '1'"),
    ("rrelu_bounds", lambda: rrelu(_x(), 0.5, 0.1), RuntimeError,
     r"rrelu: lower must not exceed upper, got lower=0\.5 and upper=0\.1; swap them"),
    ("rrelu_training", lambda: rrelu(_x(), training=True), NotImplementedError,
     r"rrelu: training=True \(a random slope per element\) is not implemented; pass training=False"),
    ("glu_odd", lambda: glu(cr.zeros(2, 3)), RuntimeError,
     r"glu: dimension -1 of the input of shape \(2, 3\) has odd size 3; .* pad or slice that dimension"),
    ("glu_0d", lambda: glu(cr.tensor(1.0)), RuntimeError, r"glu: needs a tensor with a dimension to split"),
    ("glu_dim", lambda: glu(cr.zeros(2, 4), dim=2), IndexError, r"glu: dim 2 is out of range"),
    ("softmin_dim", lambda: softmin(_x(), dim=-3), IndexError, r"softmin: dim -3 is out of range"),
    ("prelu_count", lambda: prelu(cr.zeros(2, 3), cr.zeros(2)), RuntimeError,
     r"prelu: weight has 2 slopes but the input of shape \(2, 3\) has 3 channels .*; give 1 slope or 3"),
    ("prelu_1d_input", lambda: prelu(cr.zeros(3), cr.zeros(3)), RuntimeError,
     r"prelu: weight has 3 slopes but the input of shape \(3,\) has 1 channel "),
    ("prelu_2d_weight", lambda: prelu(cr.zeros(2, 3), cr.zeros(3, 1)), RuntimeError,
     r"prelu: weight must be 0-d or 1-d \(one slope, or one per channel\), got shape \(3, 1\)"),
    ("prelu_dtype", lambda: prelu(cr.zeros(2, 3), cr.zeros(3, dtype=cr.float64)), TypeError,
     r"prelu: expected tensors of the same dtype, got chainrule\.float32 and chainrule\.float64"),
    ("prelu_weight_type", lambda: prelu(cr.zeros(2, 3), 0.25), TypeError, r"prelu: weight must be a Tensor, got float"),
    ("normalize_p_0", lambda: normalize(_x(), p=0), ValueError,
     r"normalize: p must be positive \(a p-norm\) or inf, got 0"),
    ("normalize_p_minus_inf", lambda: normalize(_x(), p=-math.inf), ValueError, r"normalize: p must be positive"),
    ("normalize_dim", lambda: normalize(cr.zeros(3)), IndexError, r"normalize: dim 1 is out of range"),
    ("normalize_int", lambda: normalize(cr.tensor([[3, 4]])), TypeError, r"normalize: needs a floating-point"),
    ("normalize_eps", lambda: normalize(_x(), eps="0"), TypeError, r"normalize: eps must be a real number"),
]


@pytest.mark.parametrize(("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_error_message(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

"""The activation layers of chainrule.nn.layers.activation: each equals its functional form and torch.nn's
layer (forward and gradient), prints as torch.nn's does, holds no state (PReLU: its slopes), writes into its
input with inplace=True where autograd records nothing, and rejects bad arguments with a message when it is
built.

One table of (constructor arguments, functional form) drives the tests; a row's layer is built with the
same name and arguments in both libraries.
"""

from __future__ import annotations

import warnings

import numpy
import pytest

import chainrule as cr
from chainrule import ops
from chainrule.nn.layers import activation as layers
from chainrule.ops import activation as functional

LAYERS = [
    # (layer name, args, kwargs, the functional form it must equal)
    ("ReLU", (), {}, ops.relu),
    ("ReLU", (), {"inplace": True}, ops.relu),
    ("LeakyReLU", (), {}, lambda x: functional.leaky_relu(x, 0.01)),
    ("LeakyReLU", (0.2,), {}, lambda x: functional.leaky_relu(x, 0.2)),
    ("LeakyReLU", (), {"negative_slope": -0.5}, lambda x: functional.leaky_relu(x, -0.5)),
    ("LeakyReLU", (0.3,), {"inplace": True}, lambda x: functional.leaky_relu(x, 0.3)),
    ("ELU", (), {}, functional.elu),
    ("ELU", (2,), {"inplace": True}, lambda x: functional.elu(x, 2.0)),
    ("GELU", (), {}, functional.gelu),
    ("GELU", ("tanh",), {}, lambda x: functional.gelu(x, "tanh")),
    ("SiLU", (), {}, functional.silu),
    ("SiLU", (True,), {}, functional.silu),
    ("Sigmoid", (), {}, ops.sigmoid),
    ("Tanh", (), {}, ops.tanh),
    ("Softplus", (), {}, functional.softplus),
    ("Softplus", (2,), {"threshold": 1.5}, lambda x: functional.softplus(x, 2.0, 1.5)),
    ("Softmax", (), {}, lambda x: functional.softmax(x, 1)),  # implicit dim of a 2-d input: 1
    ("Softmax", (0,), {}, lambda x: functional.softmax(x, 0)),
    ("LogSoftmax", (), {"dim": -1}, lambda x: functional.log_softmax(x, -1)),
    ("LogSoftmax", (), {}, lambda x: functional.log_softmax(x, 1)),
    ("Softmin", (), {}, lambda x: functional.softmin(x, 1)),
    ("Softmin", (0,), {}, lambda x: functional.softmin(x, 0)),
    ("CELU", (), {}, functional.celu),
    ("CELU", (2.0,), {"inplace": True}, lambda x: functional.celu(x, 2.0)),
    ("CELU", (), {"alpha": -0.5}, lambda x: functional.celu(x, -0.5)),
    ("SELU", (), {}, functional.selu),
    ("SELU", (True,), {}, functional.selu),
    ("Hardtanh", (), {}, functional.hardtanh),
    ("Hardtanh", (-2.0, 1.5), {"inplace": True}, lambda x: functional.hardtanh(x, -2.0, 1.5)),
    ("Hardtanh", (), {"min_val": 0, "max_val": 2}, lambda x: functional.hardtanh(x, 0, 2)),
    ("ReLU6", (), {}, functional.relu6),
    ("ReLU6", (True,), {}, functional.relu6),
    ("Hardsigmoid", (), {}, functional.hardsigmoid),
    ("Hardsigmoid", (), {"inplace": True}, functional.hardsigmoid),
    ("Hardswish", (), {}, functional.hardswish),
    ("Hardswish", (True,), {}, functional.hardswish),
    ("Mish", (), {}, functional.mish),
    ("Mish", (), {"inplace": True}, functional.mish),
    ("LogSigmoid", (), {}, functional.logsigmoid),
    ("Softsign", (), {}, functional.softsign),
    ("Tanhshrink", (), {}, functional.tanhshrink),
    ("Hardshrink", (), {}, functional.hardshrink),
    ("Hardshrink", (1,), {}, lambda x: functional.hardshrink(x, 1)),
    ("Softshrink", (), {}, functional.softshrink),
    ("Softshrink", (), {"lambd": 0.8}, lambda x: functional.softshrink(x, 0.8)),
    ("Threshold", (0.1, 20), {}, lambda x: functional.threshold(x, 0.1, 20)),
    ("Threshold", (1.0,), {"value": -2.0, "inplace": True}, lambda x: functional.threshold(x, 1.0, -2.0)),
    ("GLU", (), {}, functional.glu),
    ("GLU", (1,), {}, lambda x: functional.glu(x, 1)),
]


def _id(row) -> str:
    name, args, kwargs, _ = row
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


ROWS = [pytest.param(*row, id=_id(row)) for row in LAYERS]


def _input(dtype=cr.float64) -> cr.Tensor:
    # values away from 0, where leaky_relu, elu and relu have their kink
    # and from the other kinks of the table: +-1, +-1.5, 2, +-3, 6, +-lambd, the thresholds
    values = numpy.array([[-2.5, -0.7, 0.4, 1.3], [3.1, -1.2, 0.9, -0.3], [0.2, 2.2, -3.3, 1.7]])
    return cr.tensor(values, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize(("name", "args", "kwargs", "function"), ROWS)
def test_layer_equals_its_functional_form(name, args, kwargs, function) -> None:
    layer = getattr(layers, name)(*args, **kwargs)
    x = _input()
    before = x.detach().numpy().copy()
    out = layer(x)
    numpy.testing.assert_array_equal(out.detach().numpy(), function(x).detach().numpy())
    # x requires grad: with inplace=True the result is computed out of place
    numpy.testing.assert_array_equal(x.detach().numpy(), before, err_msg="the input in the graph changed")
    assert list(layer.parameters()) == []
    assert layer.state_dict() == {}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "args", "kwargs", "function"), ROWS)
def test_layer_matches_torch_forward_and_backward(name, args, kwargs, function, dtype, torch) -> None:
    ours = getattr(layers, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    x = _input(getattr(cr, dtype))
    torch_x = torch.from_numpy(x.detach().numpy().copy()).requires_grad_()
    out = ours(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's deprecation warning for Softmax(dim=None)
        expected = theirs(torch_x.clone())  # a torch layer with inplace=True may not change a leaf
    tolerance = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}[dtype]
    if name == "Hardsigmoid" and dtype == "float64":  # PyTorch's backward uses 1/6 rounded to float32 there
        tolerance = {"rtol": 1e-7, "atol": 1e-12}
    numpy.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tolerance)
    upstream = numpy.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(x.grad.numpy(), torch_x.grad.numpy(), **tolerance)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs", "function"), ROWS)
def test_repr_is_torchs(name, args, kwargs, function, torch) -> None:
    assert repr(getattr(layers, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_repr_inside_a_container_shows_the_arguments() -> None:
    model = cr.nn.Sequential(layers.LeakyReLU(0.2), layers.Softmax(dim=1))
    assert repr(model) == "Sequential(\n  (0): LeakyReLU(negative_slope=0.2)\n  (1): Softmax(dim=1)\n)"


def test_softmax_layer_with_dim_none_picks_torchs_dimension_for_3d_input() -> None:
    x = cr.randn(2, 3, 4, dtype=cr.float64)
    numpy.testing.assert_array_equal(layers.Softmax()(x).numpy(), functional.softmax(x, 0).numpy())


INPLACE_ROWS = [pytest.param(*row, id=_id(row)) for row in LAYERS
                if row[2].get("inplace") is True or (row[1] and row[1][-1] is True)]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs", "function"), INPLACE_ROWS)
def test_inplace_layer_writes_into_an_input_that_needs_no_gradient(name, args, kwargs, function, torch) -> None:
    x = _input().detach()
    torch_x = torch.from_numpy(x.numpy().copy())
    expected = function(x.clone()).numpy()
    out = getattr(layers, name)(*args, **kwargs)(x)
    getattr(torch.nn, name)(*args, **kwargs)(torch_x)
    assert out is x
    numpy.testing.assert_array_equal(x.numpy(), expected)
    numpy.testing.assert_allclose(x.numpy(), torch_x.numpy(), rtol=1e-15)


def test_new_layers_are_in_nn_with_torchs_names() -> None:
    names = ["CELU", "GLU", "SELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish",
             "PReLU", "ReLU6", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold"]
    for name in names:
        assert getattr(cr.nn, name) is getattr(layers, name), name
        assert name in cr.nn.__all__, name
    assert issubclass(layers.ReLU6, layers.Hardtanh)  # as in PyTorch
    assert (layers.ReLU6().min_val, layers.ReLU6().max_val) == (0.0, 6.0)


def test_hardtanh_takes_torchs_deprecated_names_with_a_warning() -> None:
    with pytest.warns(FutureWarning, match="`min_value` is deprecated; use `min_val`"):
        layer = layers.Hardtanh(min_value=-2.0)
    with pytest.warns(FutureWarning, match="`max_value` is deprecated; use `max_val`"):
        other = layers.Hardtanh(max_value=0.5)
    assert (layer.min_val, layer.max_val, other.min_val, other.max_val) == (-2.0, 1.0, -1.0, 0.5)


# -- PReLU: the layer with a parameter ------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize(("args", "shape"), [((), (3, 4)), ((4,), (3, 4)), ((3,), (2, 3, 5)), ((2, 0.1), (2, 2, 2, 3))])
def test_prelu_matches_torch_forward_and_backward(args, shape, torch) -> None:
    ours, theirs = layers.PReLU(*args, dtype=cr.float64), torch.nn.PReLU(*args, dtype=torch.float64)
    numpy.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert repr(ours) == repr(theirs)
    values = numpy.random.default_rng(2).uniform(-2.0, 2.0, shape)
    x = cr.tensor(values, requires_grad=True)
    torch_x = torch.from_numpy(values).requires_grad_()
    out, expected = ours(x), theirs(torch_x)
    numpy.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-15)
    upstream = numpy.random.default_rng(3).standard_normal(shape)
    out.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-14)
    numpy.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_prelu_holds_its_slopes_as_a_parameter() -> None:
    layer = layers.PReLU(3, init=0.5)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.dtype == cr.float32 and layer.weight.requires_grad
    numpy.testing.assert_array_equal(layer.weight.detach().numpy(), [0.5, 0.5, 0.5])
    assert list(layer.state_dict()) == ["weight"]
    with cr.no_grad():
        layer.weight.fill_(2.0)
    layer.reset_parameters()
    numpy.testing.assert_array_equal(layer.weight.detach().numpy(), [0.5, 0.5, 0.5])


ERRORS = [
    ("GELU_approximate", lambda: layers.GELU("exact"), ValueError,
     r"GELU: approximate must be 'none' or 'tanh', got 'exact'"),
    ("LeakyReLU_slope", lambda: layers.LeakyReLU("0.1"), TypeError,
     r"LeakyReLU: negative_slope must be a real number, got str '0\.1'"),
    ("ELU_alpha", lambda: layers.ELU(alpha=None), TypeError, r"ELU: alpha must be a real number, got NoneType None"),
    ("Softplus_beta_0", lambda: layers.Softplus(beta=0), ValueError, r"Softplus: beta must be nonzero"),
    ("Softplus_threshold", lambda: layers.Softplus(threshold="20"), TypeError,
     r"Softplus: threshold must be a real number, got str '20'"),
    ("Softmax_dim_type", lambda: layers.Softmax(dim=1.5), TypeError,
     r"Softmax: dim must be an int or None, got float 1\.5"),
    ("LogSoftmax_dim_bool", lambda: layers.LogSoftmax(dim=True), TypeError,
     r"LogSoftmax: dim must be an int or None, got bool True"),
    ("Softmax_dim_range", lambda: layers.Softmax(dim=2)(cr.zeros(2, 3)), IndexError,
     r"softmax: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)"),
    ("GELU_int_input", lambda: layers.GELU()(cr.tensor([1, 2])), TypeError,
     r"gelu: needs a floating-point tensor, got chainrule\.int64"),
    ("CELU_alpha_0", lambda: layers.CELU(0.0), ValueError, r"CELU: alpha must be nonzero"),
    ("CELU_alpha_type", lambda: layers.CELU("1"), TypeError, r"CELU: alpha must be a real number, got str '1'"),
    ("Hardtanh_bounds", lambda: layers.Hardtanh(1.0, -1.0), ValueError,
     r"Hardtanh: max_val must be greater than min_val, got min_val=1\.0 and max_val=-1\.0"),
    ("Hardtanh_equal_bounds", lambda: layers.Hardtanh(1.0, 1.0), ValueError,
     r"Hardtanh: max_val must be greater than min_val"),
    ("Hardtanh_bound_type", lambda: layers.Hardtanh(None), TypeError,
     r"Hardtanh: min_val must be a real number, got NoneType None"),
    ("Hardshrink_lambd", lambda: layers.Hardshrink("0.5"), TypeError, r"Hardshrink: lambd must be a real number"),
    ("Softshrink_negative", lambda: layers.Softshrink(-0.5), ValueError,
     r"Softshrink: lambd must be non-negative, got -0\.5"),
    ("Threshold_value", lambda: layers.Threshold(0.1, None), TypeError,
     r"Threshold: value must be a real number, got NoneType None"),
    ("Threshold_missing", lambda: layers.Threshold(0.1), TypeError, r"value"),
    ("GLU_dim", lambda: layers.GLU(1.0), TypeError, r"GLU: dim must be an int, got float 1\.0"),
    ("GLU_odd", lambda: layers.GLU(0)(cr.zeros(3, 4)), RuntimeError, r"glu: dimension 0 .* has odd size 3"),
    ("Softmin_dim", lambda: layers.Softmin(dim="1"), TypeError, r"Softmin: dim must be an int or None, got str"),
    ("PReLU_count", lambda: layers.PReLU(0), ValueError, r"PReLU: num_parameters must be a positive int, got 0"),
    ("PReLU_init", lambda: layers.PReLU(init="0.25"), TypeError, r"PReLU: init must be a real number"),
    ("PReLU_channels", lambda: layers.PReLU(3)(cr.zeros(2, 4)), RuntimeError,
     r"prelu: weight has 3 slopes but the input of shape \(2, 4\) has 4 channels"),
]


@pytest.mark.parametrize(("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_error_message(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

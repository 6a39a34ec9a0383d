"""The activation layers of chainrule.nn.layers.activation: each equals its functional form and torch.nn's
layer (forward and gradient), prints as torch.nn's does, holds no state, and rejects bad arguments with a
message when it is built.

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
]


def _id(row) -> str:
    name, args, kwargs, _ = row
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


ROWS = [pytest.param(*row, id=_id(row)) for row in LAYERS]


def _input(dtype=cr.float64) -> cr.Tensor:
    # values away from 0, where leaky_relu, elu and relu have their kink
    values = numpy.array([[-2.5, -0.7, 0.4, 1.3], [3.1, -1.2, 0.9, -0.3], [0.2, 2.2, -3.3, 1.7]])
    return cr.tensor(values, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize(("name", "args", "kwargs", "function"), ROWS)
def test_layer_equals_its_functional_form(name, args, kwargs, function) -> None:
    layer = getattr(layers, name)(*args, **kwargs)
    x = _input()
    before = x.detach().numpy().copy()
    out = layer(x)
    numpy.testing.assert_array_equal(out.detach().numpy(), function(x).detach().numpy())
    numpy.testing.assert_array_equal(x.detach().numpy(), before, err_msg="the input changed (inplace is emulated)")
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
]


@pytest.mark.parametrize(("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_error_message(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

"""Conv1d, Conv2d, ConvTranspose2d against torch.nn: forward and backward with torch's weights, state_dict layout,
repr, padding modes, ConvTranspose2d's output_size, PyTorch's default initialization, and the modules' errors.

One table of layer specs (constructor arguments shared by both libraries, and an input shape) drives the generic
tests, so adding a configuration means adding a row.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy
import pytest

import chainrule as cr
from chainrule.nn.layers.conv import Conv1d, Conv2d, ConvTranspose2d
from tests.conftest import to_numpy as _numpy

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-5}}
LAYERS = {"Conv1d": Conv1d, "Conv2d": Conv2d, "ConvTranspose2d": ConvTranspose2d}


@dataclass(frozen=True)
class Spec:
    """`<name>(*args, **kwargs)` in chainrule and torch.nn, called on a standard normal input of `input_shape`."""

    id: str
    name: str
    args: tuple
    kwargs: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] = ()

    def make(self):
        return LAYERS[self.name](*self.args, **self.kwargs)

    def make_torch(self, torch):
        return getattr(torch.nn, self.name)(*self.args, **self.kwargs)

    def input(self, dtype: str) -> numpy.ndarray:
        return numpy.random.default_rng(zlib.crc32(self.id.encode())).standard_normal(self.input_shape).astype(dtype)


SPECS = [
    Spec("conv2d", "Conv2d", (3, 4, 3), input_shape=(2, 3, 6, 5)),
    Spec("conv2d-all-arguments", "Conv2d", (4, 6, (3, 2)),
         {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2, "bias": False}, (2, 4, 7, 6)),
    Spec("conv2d-depthwise-same", "Conv2d", (3, 6, 3), {"padding": "same", "groups": 3}, (2, 3, 5, 5)),
    Spec("conv2d-same-even-kernel", "Conv2d", (2, 3, (2, 4)), {"padding": "same"}, (2, 2, 5, 6)),
    Spec("conv2d-valid-unbatched", "Conv2d", (2, 3, 3), {"padding": "valid"}, (2, 5, 4)),
    Spec("conv2d-reflect", "Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 2, 5, 4)),
    Spec("conv2d-replicate", "Conv2d", (2, 3, 3), {"padding": (2, 1), "padding_mode": "replicate"}, (2, 2, 4, 4)),
    Spec("conv2d-circular", "Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "circular", "stride": 2},
         (2, 2, 5, 5)),
    Spec("conv2d-reflect-same-even-dilated", "Conv2d", (2, 3, (4, 3)),
         {"padding": "same", "dilation": (1, 2), "padding_mode": "reflect"}, (2, 2, 6, 6)),
    Spec("conv2d-circular-unbatched", "Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (2, 4, 4)),
    Spec("conv1d", "Conv1d", (3, 4, 3), input_shape=(2, 3, 7)),
    Spec("conv1d-all-arguments", "Conv1d", (4, 6, 3),
         {"stride": 2, "padding": 2, "dilation": 2, "groups": 2, "bias": False}, (2, 4, 9)),
    Spec("conv1d-same-even-kernel-unbatched", "Conv1d", (2, 3, 4), {"padding": "same"}, (2, 6)),
    Spec("conv1d-replicate", "Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "replicate"}, (2, 2, 5)),
    Spec("conv_transpose2d", "ConvTranspose2d", (3, 2, 3), input_shape=(2, 3, 4, 3)),
    Spec("conv_transpose2d-all-arguments", "ConvTranspose2d", (4, 6, (3, 2)),
         {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2, "dilation": (1, 2),
          "bias": False}, (2, 4, 3, 3)),
    Spec("conv_transpose2d-unbatched", "ConvTranspose2d", (2, 3, 4), {"stride": 2, "padding": 1}, (2, 3, 3)),
]
PARAMS = [pytest.param(spec, id=spec.id) for spec in SPECS]



def _pair(spec: Spec, dtype: str, device: str, torch):
    """(chainrule module, torch module) with torch's parameters loaded into chainrule's."""
    reference = spec.make_torch(torch).to(getattr(torch, dtype))
    module = spec.make().to(getattr(cr, dtype)).to(device)
    module.load_state_dict({key: value.numpy() for key, value in reference.state_dict().items()})
    return module, reference


def test_table_ids_are_unique() -> None:
    ids = [spec.id for spec in SPECS]
    assert len(ids) == len(set(ids))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", PARAMS)
def test_forward_backward_match_torch(spec: Spec, dtype: str, device: str, torch) -> None:
    module, reference = _pair(spec, dtype, device, torch)
    values = spec.input(dtype)
    x = cr.tensor(values, device=device, requires_grad=True)
    torch_x = torch.from_numpy(values.copy()).requires_grad_()

    out, expected = module(x), reference(torch_x)
    assert out.shape == tuple(expected.shape)
    assert out.dtype.name == dtype
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])

    upstream = numpy.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(_numpy(x.grad), torch_x.grad.numpy(), **TOLERANCES[dtype], err_msg="input")
    torch_parameters = dict(reference.named_parameters())
    assert [name for name, _ in module.named_parameters()] == list(torch_parameters)
    for name, parameter in module.named_parameters():
        numpy.testing.assert_allclose(_numpy(parameter.grad), torch_parameters[name].grad.numpy(),
                                      **TOLERANCES[dtype], err_msg=name)


@pytest.mark.torch
@pytest.mark.parametrize("spec", PARAMS)
def test_state_dict_layout_and_repr_match_torch(spec: Spec, torch) -> None:
    module, reference = spec.make(), spec.make_torch(torch)
    state, expected = module.state_dict(), reference.state_dict()
    assert list(state) == list(expected)
    for key, value in state.items():
        assert value.shape == tuple(expected[key].shape), key
        assert value.dtype.name == str(expected[key].dtype).removeprefix("torch."), key
    assert repr(module) == repr(reference)


@pytest.mark.torch
def test_attributes_match_torch(torch) -> None:
    names = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "output_padding", "groups",
             "padding_mode", "transposed")
    for spec in SPECS:
        module, reference = spec.make(), spec.make_torch(torch)
        assert {name: getattr(module, name) for name in names} == {name: getattr(reference, name) for name in names}


@pytest.mark.torch
@pytest.mark.parametrize("output_size", [(9, 9), (10, 10), (9, 10), (2, 3, 10, 9)], ids=str)
def test_conv_transpose2d_output_size_matches_torch(output_size: tuple, torch) -> None:
    spec = Spec("output-size", "ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1}, (2, 3, 5, 5))
    module, reference = _pair(spec, "float64", "cpu", torch)
    values = spec.input("float64")
    out, expected = module(cr.tensor(values), output_size), reference(torch.from_numpy(values), output_size)
    assert out.shape == tuple(expected.shape)
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES["float64"])


def test_a_small_network_trains() -> None:
    """Conv2d and ConvTranspose2d in a chain: the loss of a tiny autoencoder falls under SGD."""
    encoder, decoder = Conv2d(1, 4, 3, stride=2, padding=1), ConvTranspose2d(4, 1, 3, stride=2, padding=1,
                                                                             output_padding=1)
    x = cr.randn(8, 1, 8, 8)
    losses = []
    for _ in range(30):
        loss = ((decoder(encoder(x).relu()) - x) ** 2).mean()
        for parameter in (*encoder.parameters(), *decoder.parameters()):
            parameter.grad = None
        loss.backward()
        for parameter in (*encoder.parameters(), *decoder.parameters()):
            parameter._data -= 0.5 * parameter.grad._data
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


# -- initialization ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("layer", "fan_in"), [
    (Conv2d(64, 128, 3), 64 * 9), (Conv1d(32, 256, 5, groups=4), 8 * 5), (ConvTranspose2d(128, 64, 4), 64 * 16),
], ids=["conv2d", "conv1d-groups", "conv_transpose2d"])
def test_default_init_statistics(layer, fan_in: int) -> None:
    """PyTorch's default: W ~ U(+-1/sqrt(fan_in)) (kaiming_uniform_ with a=sqrt(5)), b ~ U(+-1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    weight, bias = layer.weight.numpy(), layer.bias.numpy()
    assert numpy.abs(weight).max() <= bound and numpy.abs(bias).max() <= bound
    assert numpy.abs(weight).max() > 0.99 * bound  # the whole interval is used
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert bias.std() == pytest.approx(bound / math.sqrt(3), rel=0.25)


def test_init_is_reproducible_and_follows_dtype() -> None:
    cr.manual_seed(3)
    first = Conv2d(2, 3, 3, dtype=cr.float64)
    cr.manual_seed(3)
    second = Conv2d(2, 3, 3, dtype=cr.float64)
    numpy.testing.assert_array_equal(first.weight.numpy(), second.weight.numpy())
    assert first.weight.dtype == cr.float64 and first.bias.dtype == cr.float64
    assert Conv2d(2, 3, 3).weight.dtype == cr.float32


# -- errors ------------------------------------------------------------------------------------------------
def _raises(error: type, message: str, function, *args, **kwargs) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        function(*args, **kwargs)


def test_forward_errors() -> None:
    _raises(ValueError, "Conv2d(3, 16, kernel_size=(3, 3)) expected 3 input channels, got 1 (input shape "
            "(8, 1, 28, 28))", Conv2d(3, 16, 3), cr.randn(8, 1, 28, 28))
    _raises(ValueError, "Conv2d(3, 16, kernel_size=(3, 3)) expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            "shape (8, 3)", Conv2d(3, 16, 3), cr.randn(8, 3))
    _raises(ValueError, "Conv1d(2, 4, kernel_size=(3,)) expected 2 input channels, got 5 (input shape (5, 9))",
            Conv1d(2, 4, 3), cr.randn(5, 9))
    _raises(ValueError, "Conv1d(2, 4, kernel_size=(3,)) expects a 2-D (C, L) or 3-D (N, C, L) input, got shape "
            "(1, 1, 2, 9)", Conv1d(2, 4, 3), cr.randn(1, 1, 2, 9))
    _raises(ValueError, "ConvTranspose2d(4, 2, kernel_size=(3, 3)) expected 4 input channels, got 2 (input shape "
            "(1, 2, 5, 5))", ConvTranspose2d(4, 2, 3), cr.randn(1, 2, 5, 5))
    _raises(TypeError, "Conv2d(3, 16, kernel_size=(3, 3)) expects a Tensor input, got ndarray", Conv2d(3, 16, 3),
            numpy.zeros((1, 3, 5, 5)))
    _raises(ValueError, "conv2d: kernel size (3, 3) (dilated) is larger than the padded input (2, 2) (input shape "
            "(1, 3, 2, 2), weight shape (16, 3, 3, 3))", Conv2d(3, 16, 3), cr.randn(1, 3, 2, 2))


def test_output_size_errors() -> None:
    layer, x = ConvTranspose2d(3, 2, 3, stride=2, padding=1), cr.randn(2, 3, 5, 5)
    _raises(ValueError, "ConvTranspose2d: requested an output size of (11, 9), but valid sizes range from (9, 9) to "
            "(10, 10) (for an input of (5, 5))", layer, x, (11, 9))
    _raises(ValueError, "ConvTranspose2d: for a 4-D input, output_size must have 2 or 4 elements, got 3",
            layer, x, (3, 9, 9))


def test_constructor_errors() -> None:
    _raises(ValueError, "Conv2d: in_channels (3) must be divisible by groups (2)", Conv2d, 3, 4, 3, groups=2)
    _raises(ValueError, "Conv2d: out_channels (5) must be divisible by groups (2)", Conv2d, 4, 5, 3, groups=2)
    _raises(ValueError, "Conv2d: groups must be a positive int, got 0", Conv2d, 4, 4, 3, groups=0)
    _raises(ValueError, "Conv1d: in_channels must be a positive int, got 0", Conv1d, 0, 4, 3)
    _raises(ValueError, "Conv2d: out_channels must be a positive int, got 2.0", Conv2d, 2, 2.0, 3)
    _raises(ValueError, "Conv2d: kernel_size must be positive, got (0, 3)", Conv2d, 2, 2, (0, 3))
    _raises(TypeError, "Conv2d: kernel_size must be an int or a tuple of 2 ints, got (3, 3, 3)", Conv2d, 2, 2,
            (3, 3, 3))
    _raises(ValueError, "Conv2d: stride must be positive, got (0, 0)", Conv2d, 2, 2, 3, stride=0)
    _raises(ValueError, "Conv2d: padding must be non-negative, got (-1, 0)", Conv2d, 2, 2, 3, padding=(-1, 0))
    _raises(ValueError, "Conv1d: dilation must be positive, got (0,)", Conv1d, 2, 2, 3, dilation=0)
    _raises(ValueError, "Conv2d: invalid padding 'full', should be 'valid', 'same', an int or a tuple", Conv2d, 2, 2,
            3, padding="full")
    _raises(ValueError, "Conv2d: padding='same' is not supported for strided convolutions, got stride (1, 2)",
            Conv2d, 2, 2, 3, padding="same", stride=(1, 2))
    _raises(ValueError, "Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'edge'",
            Conv2d, 2, 2, 3, padding_mode="edge")
    _raises(ValueError, "ConvTranspose2d: padding_mode must be one of 'zeros', got 'reflect'", ConvTranspose2d, 2, 2,
            3, padding_mode="reflect")
    _raises(ValueError, "ConvTranspose2d: invalid padding 'same', should be an int or a tuple of ints",
            ConvTranspose2d, 2, 2, 3, padding="same")
    _raises(ValueError, "ConvTranspose2d: output_padding must be non-negative, got (-1, -1)", ConvTranspose2d, 2, 2,
            3, output_padding=-1)

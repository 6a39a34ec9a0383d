"""The pooling, upsampling, Dropout2d and BatchNorm2d modules against torch.nn: reprs, forward and backward, the
arguments they keep, train/eval behaviour, BatchNorm2d's running statistics and state_dict, and their errors.

The modules are imported from their files (chainrule.nn.layers.pooling, ...) and built from one table of
constructor arguments shared with torch.nn.
"""

from __future__ import annotations

import re
import zlib

import numpy
import pytest

import chainrule as cr
from chainrule.nn.layers.dropout import Dropout2d
from chainrule.nn.layers.normalization import BatchNorm2d
from chainrule.nn.layers.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    Upsample,
)
from tests.conftest import to_numpy as _numpy

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}
MODULES = {module.__name__: module for module in (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d,
                                                  MaxPool1d, MaxPool2d, Upsample, Dropout2d, BatchNorm2d)}

# (name, args, kwargs, input shape)
SPECS = [
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", (3, 2, 1, 2, False, True), {}, (3, 11)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 2, 7, 9)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "return_indices": True}, (2, 2, 7, 7)),
    ("AvgPool1d", (3,), {}, (2, 3, 10)),
    ("AvgPool1d", (3, 2, 1, True, False), {}, (3, 10)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3, 2, 1, True, False, 2), {}, (2, 2, 7, 7)),
    ("AvgPool2d", ((2, 3),), {"stride": (1, 2), "count_include_pad": False}, (3, 6, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", (3,), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", ((None, 4),), {}, (3, 7, 9)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 4, 5, 5)),
    ("Upsample", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    ("Upsample", (), {"size": (3, 7)}, (2, 3, 4, 5)),
    ("Upsample", (), {"scale_factor": (2, 1.5)}, (1, 2, 3, 4)),
    ("Upsample", (), {"size": 7, "mode": "nearest"}, (2, 3, 5)),
    ("Dropout2d", (), {}, (2, 3, 4, 5)),
    ("Dropout2d", (0.3, True), {}, (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 6)),
    ("BatchNorm2d", (3,), {"momentum": None, "affine": False}, (4, 3, 2, 2)),
    ("BatchNorm2d", (3,), {"eps": 1e-3, "track_running_stats": False}, (4, 3, 2, 3)),
]
PARAMS = [pytest.param(*spec, id=f"{spec[0]}-{index}") for index, spec in enumerate(SPECS)]



def _input(shape: tuple, dtype: str) -> numpy.ndarray:
    """Distinct values (a permutation), so that no max-pool window has a tie."""
    count = int(numpy.prod(shape))
    rng = numpy.random.default_rng(zlib.crc32(str(shape).encode()))
    return ((rng.permutation(count) - count / 2) / count * 4).reshape(shape).astype(dtype)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), PARAMS)
def test_repr_matches_torch(name: str, args: tuple, kwargs: dict, shape: tuple, torch) -> None:
    assert repr(MODULES[name](*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), PARAMS)
def test_forward_backward_match_torch(name: str, args: tuple, kwargs: dict, shape: tuple, dtype: str, device: str,
                                      torch) -> None:
    """Training mode for everything but Dropout2d (random in training; compared in eval mode)."""
    module = MODULES[name](*args, **kwargs).to(getattr(cr, dtype)).to(device)
    reference = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    if name == "Dropout2d":
        module.eval()
        reference.eval()
    values = _input(shape, dtype)
    x = cr.tensor(values, device=device, requires_grad=True)
    torch_x = torch.from_numpy(values.copy()).requires_grad_()
    out, expected = module(x), reference(torch_x)
    if kwargs.get("return_indices"):
        (out, indices), (expected, expected_indices) = out, expected
        numpy.testing.assert_array_equal(_numpy(indices), expected_indices.numpy())
    assert out.shape == tuple(expected.shape)
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])

    upstream = numpy.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(_numpy(x.grad), torch_x.grad.numpy(), **TOLERANCES[dtype], err_msg="input")
    torch_parameters = dict(reference.named_parameters())
    assert [name for name, _ in module.named_parameters()] == list(torch_parameters)
    for parameter_name, parameter in module.named_parameters():
        numpy.testing.assert_allclose(_numpy(parameter.grad), torch_parameters[parameter_name].grad.numpy(),
                                      **TOLERANCES[dtype], err_msg=parameter_name)


@pytest.mark.torch
def test_pooling_modules_keep_torch_attributes(torch) -> None:
    for name, args, kwargs, _ in SPECS:
        if name in ("Dropout2d", "BatchNorm2d"):
            continue
        module, reference = MODULES[name](*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
        for attribute in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices",
                          "count_include_pad", "divisor_override", "output_size", "size", "scale_factor", "mode"):
            if hasattr(reference, attribute):
                assert getattr(module, attribute) == getattr(reference, attribute), f"{name}.{attribute}"


# -- Dropout2d ---------------------------------------------------------------------------------------------
def test_dropout2d_module_drops_channels_in_training_only(device: str) -> None:
    layer = Dropout2d(0.5)
    values = numpy.random.default_rng(2).uniform(0.5, 1.5, (8, 10, 3, 3))
    x = cr.tensor(values, device=device, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    per_channel = _numpy(out).reshape(8, 10, 9)
    kept = per_channel[..., 0] != 0
    assert (((per_channel != 0) == kept[..., None]).all())  # a channel is kept or dropped as a whole
    assert 0 < kept.sum() < kept.size
    mask = numpy.broadcast_to(kept[..., None, None] * 2.0, values.shape)
    numpy.testing.assert_allclose(_numpy(out), values * mask, rtol=1e-15)
    numpy.testing.assert_allclose(_numpy(x.grad), mask, rtol=1e-15)
    layer.eval()
    assert layer(x) is x


def test_dropout2d_module_probability_error() -> None:
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1, but got -0\.1$"):
        Dropout2d(-0.1)


# -- BatchNorm2d ---------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False}, {"momentum": 0.3},
                                    {"track_running_stats": False}],
                         ids=["default", "cumulative", "no-affine", "momentum-0.3", "untracked"])
def test_batch_norm2d_running_statistics_and_eval_match_torch(kwargs: dict, dtype: str, device: str, torch) -> None:
    module = BatchNorm2d(3, **kwargs).to(getattr(cr, dtype)).to(device)
    reference = torch.nn.BatchNorm2d(3, **kwargs).to(getattr(torch, dtype))
    if module.affine:  # random weights, so that the parameter gradients are not the trivial ones
        weights = numpy.random.default_rng(3).uniform(0.5, 1.5, (2, 3)).astype(dtype)
        module.load_state_dict({**module.state_dict(), "weight": weights[0], "bias": weights[1]})
        with torch.no_grad():
            reference.weight.copy_(torch.from_numpy(weights[0]))
            reference.bias.copy_(torch.from_numpy(weights[1]))
    rng = numpy.random.default_rng(2)
    for step in range(4):
        batch = (rng.standard_normal((4 + step, 3, 5, 4)) * 3.0 - 1.0).astype(dtype)
        x = cr.tensor(batch, device=device, requires_grad=True)
        torch_x = torch.from_numpy(batch).requires_grad_()
        out, expected = module(x), reference(torch_x)
        numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])
        (out * out).sum().backward()
        (expected * expected).sum().backward()
        numpy.testing.assert_allclose(_numpy(x.grad), torch_x.grad.numpy(), rtol=1e-4 if dtype == "float32" else
                                      1e-9, atol=1e-4 if dtype == "float32" else 1e-10)
    for name, parameter in reference.named_parameters():
        numpy.testing.assert_allclose(_numpy(getattr(module, name).grad), parameter.grad.numpy(), rtol=1e-4,
                                      err_msg=name)
    state, expected_state = module.state_dict(), reference.state_dict()
    assert list(state) == list(expected_state)
    for key, value in state.items():
        numpy.testing.assert_allclose(_numpy(value), expected_state[key].numpy(), **TOLERANCES[dtype], err_msg=key)
    if module.track_running_stats:
        assert module.num_batches_tracked.item() == 4

    saved = {key: _numpy(value).copy() for key, value in state.items()}
    batch = rng.standard_normal((2, 3, 3, 3)).astype(dtype)
    module.eval()
    reference.eval()
    out, expected = module(cr.tensor(batch, device=device)), reference(torch.from_numpy(batch))
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])
    for key, value in module.state_dict().items():  # evaluation leaves the running statistics alone
        numpy.testing.assert_array_equal(_numpy(value), saved[key], err_msg=key)


@pytest.mark.torch
def test_batch_norm2d_state_dict_keys_match_torch(torch) -> None:
    for kwargs in ({}, {"affine": False}, {"track_running_stats": False}, {"affine": False,
                                                                            "track_running_stats": False}):
        assert list(BatchNorm2d(4, **kwargs).state_dict()) == list(torch.nn.BatchNorm2d(4, **kwargs).state_dict())


def test_batch_norm2d_errors() -> None:
    with pytest.raises(ValueError, match=re.escape("BatchNorm2d expected 4D input, got 3D input of shape (3, 4, 5)")):
        BatchNorm2d(3)(cr.randn(3, 4, 5))
    with pytest.raises(ValueError, match=re.escape("BatchNorm2d(3) expected 3 channels in dimension 1 of the input, "
                                                   "got input of shape (2, 4, 5, 5)")):
        BatchNorm2d(3)(cr.randn(2, 4, 5, 5))


# -- errors reach the user through the modules ------------------------------------------------------------------
def test_module_errors_name_the_function_and_shapes() -> None:
    with pytest.raises(ValueError, match=re.escape("max_pool2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got "
                                                   "2D input of shape (4, 4)")):
        MaxPool2d(2)(cr.randn(4, 4))
    with pytest.raises(ValueError, match=re.escape("avg_pool2d: pad should be at most half of effective kernel size, "
                                                   "but got pad=2, kernel_size=3")):
        AvgPool2d(3, padding=2)(cr.randn(1, 1, 6, 6))
    with pytest.raises(ValueError, match=re.escape("interpolate: mode 'bicubic' is not supported; "
                                                            "chainrule supports mode='nearest'")):
        Upsample(scale_factor=2, mode="bicubic")(cr.randn(1, 1, 3, 3))

"""Pooling, adaptive pooling, nearest interpolation and dropout2d beyond their rows in the op table
(tests/ops/op_table/pooling.py and nn.py, run by test_gradcheck.py and test_torch_equality.py): max pooling's
ties, indices and integer inputs, what its backward keeps, the disjoint-window fast path against the
accumulating one, PyTorch's nearest-index rule over many sizes, dropout2d's channel mask, and every error
message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy
import pytest

import chainrule as cr
from chainrule.ops import pooling
from chainrule.ops.dropout import dropout2d
from chainrule.ops.interpolate import interpolate, upsample
from chainrule.ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from tests.conftest import to_numpy as _numpy


# -- max pooling: ties, indices, integers, what backward keeps ---------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 2, "stride": 1, "dilation": 2, "ceil_mode": True},
], ids=["k2", "k3-s1", "k3-s2-p1", "dilation-ceil"])
def test_max_pool_ties_go_to_the_first_maximum_as_torch(kwargs: dict, device: str, torch) -> None:
    values = numpy.random.default_rng(4).integers(0, 3, (2, 3, 7, 8)).astype(numpy.float64)  # many ties
    x = cr.tensor(values, device=device, requires_grad=True)
    torch_x = torch.from_numpy(values).requires_grad_()
    out, indices = max_pool2d(x, return_indices=True, **kwargs)
    expected, expected_indices = torch.nn.functional.max_pool2d(torch_x, return_indices=True, **kwargs)
    numpy.testing.assert_array_equal(_numpy(indices), expected_indices.numpy())
    upstream = numpy.random.default_rng(5).standard_normal(out.shape)
    out.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(_numpy(x.grad), torch_x.grad.numpy(), rtol=1e-12)


@pytest.mark.torch
def test_max_pool1d_indices_match_torch(device: str, torch) -> None:
    values = numpy.random.default_rng(6).permutation(2 * 3 * 13).reshape(2, 3, 13).astype(numpy.float32)
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}
    _, indices = max_pool1d(cr.tensor(values, device=device), return_indices=True, **kwargs)
    _, expected = torch.nn.functional.max_pool1d(torch.from_numpy(values), return_indices=True, **kwargs)
    numpy.testing.assert_array_equal(_numpy(indices), expected.numpy())


@pytest.mark.torch
def test_max_pool_of_integers_matches_torch(device: str, torch) -> None:
    values = numpy.random.default_rng(7).integers(-50, 50, (2, 3, 7, 7))
    out = max_pool2d(cr.tensor(values, device=device), 3, stride=2, padding=1)
    expected = torch.nn.functional.max_pool2d(torch.from_numpy(values), 3, stride=2, padding=1)
    assert out.dtype == cr.int64
    numpy.testing.assert_array_equal(_numpy(out), expected.numpy())


def test_max_pool_keeps_only_small_argmax_indices_for_backward(device: str) -> None:
    x = cr.randn(4, 3, 8, 8, device=device, requires_grad=True)
    node = max_pool2d(x, 2).grad_fn
    assert node.argmax.shape == (4, 3, 4, 4)
    assert node.argmax.dtype == numpy.uint8  # one byte per output, not the input or the window copy
    assert not hasattr(node, "inputs") and not hasattr(node, "output")


# -- the disjoint-window fast path against the accumulating one -------------------------------------------
@pytest.mark.parametrize(("size", "kernel", "stride", "padding", "dilation", "ceil_mode", "disjoint"), [
    ((26, 26), (2, 2), (2, 2), (0, 0), (1, 1), False, True),  # the benchmark CNN's MaxPool2d(2)
    ((11, 11), (2, 2), (2, 2), (0, 0), (1, 1), False, True),  # odd size: the last row and column unused
    ((11, 9), (2, 2), (2, 2), (0, 0), (1, 1), True, True),  # ceil mode: the last windows run past the input
    ((10, 10), (3, 2), (3, 3), (1, 1), (1, 1), False, True),  # padding, stride > kernel
    ((12, 12), (2, 2), (3, 3), (0, 0), (2, 2), False, True),  # dilated windows that still don't overlap
    ((12, 12), (2, 2), (2, 2), (0, 0), (2, 2), False, False),  # dilated windows that interleave
    ((9, 9), (3, 3), (2, 2), (1, 1), (1, 1), False, False),  # overlapping windows
], ids=["k2", "k2-odd", "k2-ceil", "pad-gaps", "dilated-disjoint", "dilated-overlap", "overlap"])
def test_disjoint_fast_path_equals_accumulating_path(size, kernel, stride, padding, dilation, ceil_mode, disjoint,
                                                     device: str) -> None:
    windows = pooling._Windows(size, kernel, stride, padding, dilation, ceil_mode)
    assert windows.disjoint == disjoint
    rows = cr.randn(windows.count, 2, 3, *windows.output, dtype=cr.float64, device=device)._data
    fast = windows.scatter(rows, (2, 3, *size))
    windows.disjoint = False
    accumulated = windows.scatter(rows, (2, 3, *size))
    host = [array.get() if hasattr(array, "get") else array for array in (fast, accumulated)]  # CuPy to NumPy
    numpy.testing.assert_array_equal(*host)


def test_max_pool2d_fast_and_generic_paths_agree(monkeypatch: pytest.MonkeyPatch, device: str) -> None:
    values = numpy.random.default_rng(8).integers(0, 4, (4, 5, 11, 13)).astype(numpy.float32)  # with ties
    upstream = cr.randn(4, 5, 5, 6, device=device)

    def run() -> tuple[numpy.ndarray, numpy.ndarray]:
        x = cr.tensor(values, device=device, requires_grad=True)
        out = max_pool2d(x, 2)
        out.backward(upstream)
        return _numpy(out), _numpy(x.grad)

    fast = run()
    original = pooling._Windows.__init__

    def overlapping(self, *args):
        original(self, *args)
        self.disjoint = False

    monkeypatch.setattr(pooling._Windows, "__init__", overlapping)
    generic = run()
    numpy.testing.assert_array_equal(fast[0], generic[0])
    numpy.testing.assert_array_equal(fast[1], generic[1])


# -- interpolate: PyTorch's float32 index rule over many sizes --------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scale_factor", [0.3, 0.5, 0.7, 1.3, 1.5, 1.7, 2.0, 2.2, 2.5, 3.0, 3.3])
def test_nearest_indices_match_torch_for_many_sizes(scale_factor: float, dtype: str, torch) -> None:
    for length in range(3, 17):
        values = numpy.arange(2.0 * length, dtype=dtype).reshape(1, 2, length)
        for kwargs in ({"scale_factor": scale_factor}, {"size": max(1, round(length * scale_factor))},
                       {"scale_factor": scale_factor, "recompute_scale_factor": True}):
            if int(length * scale_factor) == 0:
                continue
            out = interpolate(cr.tensor(values), **kwargs)
            expected = torch.nn.functional.interpolate(torch.from_numpy(values), **kwargs)
            numpy.testing.assert_array_equal(out.numpy(), expected.numpy(), err_msg=f"length {length}, {kwargs}")


def test_upsample_is_interpolate() -> None:
    x = cr.randn(1, 2, 3, 4)
    numpy.testing.assert_array_equal(upsample(x, scale_factor=2).numpy(), interpolate(x, scale_factor=2).numpy())


# -- dropout2d ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("shape", [(16, 12, 3, 4), (200, 3, 4)], ids=["batched", "unbatched"])
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest(p: float, shape: tuple, device: str) -> None:
    values = numpy.random.default_rng(9).uniform(0.5, 1.5, shape)  # no zeros: the mask shows in the output
    x = cr.tensor(values, device=device, requires_grad=True)
    cr.manual_seed(3)
    out = dropout2d(x, p)
    out.sum().backward()
    kept = (_numpy(out) != 0).reshape(*shape[:-2], -1)
    channel_kept = kept[..., 0]
    assert (kept == channel_kept[..., None]).all(), "a channel was partly dropped"
    mask = numpy.broadcast_to(channel_kept[..., None, None] / (1 - p), shape)
    numpy.testing.assert_allclose(_numpy(out), values * mask, rtol=1e-15)
    numpy.testing.assert_allclose(_numpy(x.grad), mask, rtol=1e-15)  # the gradient is the scaled mask
    assert abs(1 - channel_kept.mean() - p) < 0.1

    cr.manual_seed(3)
    numpy.testing.assert_array_equal(_numpy(dropout2d(cr.tensor(values, device=device), p)), _numpy(out))


def test_dropout2d_identity_cases(device: str) -> None:
    x = cr.randn(2, 3, 4, 5, device=device)
    numpy.testing.assert_array_equal(_numpy(dropout2d(x, 0.0)), _numpy(x))
    numpy.testing.assert_array_equal(_numpy(dropout2d(x, 0.7, training=False)), _numpy(x))
    numpy.testing.assert_array_equal(_numpy(dropout2d(x, 1.0)), numpy.zeros((2, 3, 4, 5), dtype=numpy.float32))


# -- errors -------------------------------------------------------------------------------------------------
def _raises(error: type, message: str, function: Callable, *args, **kwargs) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        function(*args, **kwargs)


def test_pooling_errors() -> None:
    x = cr.randn(1, 1, 4, 4)
    _raises(ValueError, "max_pool2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got 2D input of shape (4, 4)",
            max_pool2d, cr.randn(4, 4), 2)
    _raises(ValueError, "max_pool1d: expected a 2D (C, L) or 3D (N, C, L) input, got 1D input of shape (4,)",
            max_pool1d, cr.randn(4), 2)
    _raises(ValueError, "avg_pool2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got 5D input of shape "
            "(1, 1, 1, 4, 4)", avg_pool2d, cr.randn(1, 1, 1, 4, 4), 2)
    _raises(ValueError, "max_pool2d: pad should be at most half of effective kernel size, but got pad=2, "
            "kernel_size=3", max_pool2d, x, 3, padding=2)
    _raises(ValueError, "max_pool2d: pad should be at most half of effective kernel size, but got pad=3, "
            "kernel_size=2 and dilation=3", max_pool2d, x, 2, padding=(0, 3), dilation=3)
    _raises(ValueError, "avg_pool1d: pad should be at most half of effective kernel size, but got pad=2, "
            "kernel_size=2", avg_pool1d, cr.randn(1, 8), 2, padding=2)
    _raises(ValueError, "max_pool2d: the kernel (size (3, 3) with dilation) is larger than the padded input (2, 2) "
            "of input shape (1, 1, 2, 2): output size would be (0, 0); use a smaller kernel_size or more padding",
            max_pool2d, cr.randn(1, 1, 2, 2), 3)
    _raises(ValueError, "max_pool1d: the kernel (size (5,) with dilation) is larger than the padded input (4,) of "
            "input shape (2, 4): output size would be (0,); use a smaller kernel_size or more padding",
            max_pool1d, cr.randn(2, 4), 3, dilation=2)
    _raises(ValueError, "max_pool2d: kernel_size must be positive, got (0, 0)", max_pool2d, x, 0)
    _raises(ValueError, "max_pool2d: stride must be positive, got (2, 0)", max_pool2d, x, 2, stride=(2, 0))
    _raises(ValueError, "avg_pool2d: padding must be non-negative, got (-1, -1)", avg_pool2d, x, 2, padding=-1)
    _raises(ValueError, "max_pool1d: dilation must be positive, got (0,)", max_pool1d, cr.randn(1, 8), 2, dilation=0)
    _raises(TypeError, "max_pool2d: kernel_size must be an int or a tuple of 2 ints, got (2, 2, 2)",
            max_pool2d, x, (2, 2, 2))
    _raises(TypeError, "avg_pool2d: stride must be an int or a tuple of 2 ints, got 1.5", avg_pool2d, x, 2, 1.5)
    _raises(TypeError, "avg_pool2d: expected a floating-point input, got chainrule.int64",
            avg_pool2d, cr.tensor([[[1, 2]]]), 1)
    _raises(TypeError, "max_pool1d: expected a floating-point or integer input, got chainrule.bool",
            max_pool1d, cr.tensor([[True, False]]), 1)
    _raises(ValueError, "avg_pool2d: divisor_override must be a non-zero int, got 0", avg_pool2d, x, 2,
            divisor_override=0)


def test_adaptive_pooling_errors() -> None:
    _raises(ValueError, "adaptive_avg_pool2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got 2D input of "
            "shape (4, 4)", adaptive_avg_pool2d, cr.randn(4, 4), 2)
    _raises(ValueError, "adaptive_avg_pool2d: output_size must be a non-negative int or a tuple of 2 (non-negative "
            "ints or None), got (2, 2, 2)", adaptive_avg_pool2d, cr.randn(1, 4, 4), (2, 2, 2))
    _raises(ValueError, "adaptive_avg_pool1d: output_size must be a non-negative int or a tuple of 1 (non-negative "
            "ints or None), got -1", adaptive_avg_pool1d, cr.randn(1, 4), -1)
    _raises(ValueError, "adaptive_avg_pool2d: expected an input with non-zero spatial size, got input of shape "
            "(1, 1, 0, 4)", adaptive_avg_pool2d, cr.randn(1, 1, 0, 4), 2)
    _raises(TypeError, "adaptive_avg_pool1d: expected a floating-point input, got chainrule.int64",
            adaptive_avg_pool1d, cr.tensor([[1, 2]]), 1)


def test_interpolate_errors() -> None:
    x = cr.randn(1, 1, 4, 4)
    _raises(ValueError, "interpolate: mode 'bilinear' is not supported; chainrule supports mode='nearest'",
            interpolate, x, scale_factor=2, mode="bilinear")
    _raises(ValueError, "interpolate: align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear", interpolate, x, scale_factor=2, align_corners=True)
    _raises(ValueError, "interpolate: anti-alias option is restricted to bilinear and bicubic modes",
            interpolate, x, scale_factor=2, antialias=True)
    _raises(ValueError, "interpolate: expected a 3D (N, C, L) or 4D (N, C, H, W) input, got 2D input of shape (4, 4); "
            "add a batch dimension with unsqueeze(0)", interpolate, cr.randn(4, 4), size=2)
    _raises(ValueError, "interpolate: only one of size or scale_factor should be defined",
            interpolate, x, size=2, scale_factor=2)
    _raises(ValueError, "interpolate: either size or scale_factor should be defined", interpolate, x)
    _raises(ValueError, "interpolate: input and size must have the same number of spatial dimensions, got input of "
            "shape (1, 1, 4, 4) (2 spatial) and size=(2,)", interpolate, x, size=(2,))
    _raises(ValueError, "interpolate: input and scale_factor must have the same number of spatial dimensions, got "
            "input of shape (1, 1, 4) (1 spatial) and scale_factor=(2, 2)", interpolate, cr.randn(1, 1, 4),
            scale_factor=(2, 2))
    _raises(TypeError, "interpolate: size must be an int or a tuple of 2 ints, got 2.5", interpolate, x, size=2.5)
    _raises(ValueError, "interpolate: scale_factor must be positive, got -1.0", interpolate, x, scale_factor=-1.0)
    _raises(ValueError, "interpolate: output size must be positive, got (0, 0) for input of shape (1, 1, 4, 4)",
            interpolate, x, scale_factor=0.1)
    _raises(ValueError, "interpolate: output size must be positive, got (0, 3) for input of shape (1, 1, 4, 4)",
            interpolate, x, size=(0, 3))


def test_dropout2d_errors() -> None:
    _raises(ValueError, "dropout probability has to be between 0 and 1, but got 1.5", dropout2d, cr.randn(1, 2, 3, 3),
            1.5)
    _raises(ValueError, "dropout2d: expected a 3D (C, H, W) or 4D (N, C, H, W) input, got 2D input of shape (3, 4); "
            "use dropout for element-wise dropout", dropout2d, cr.randn(3, 4))
    _raises(TypeError, "dropout2d: needs a floating-point tensor, got chainrule.int64",
            dropout2d, cr.tensor([[[1, 2]]]))

"""Pooling, adaptive pooling, nearest interpolation and dropout2d: gradients against finite differences (first and
second order), values, gradients and indices against torch.nn.functional, the disjoint-window fast path against
the accumulating one, and every error message.

One table of cases drives the gradcheck, gradgradcheck and PyTorch-equality tests. Inputs are a random
permutation of distinct values, so no window of a max pool has a tie (where the gradient is a convention).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck
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
from tests.ops import harness

# the upsample rows compare against torch.nn.functional.upsample, which PyTorch keeps but warns about
pytestmark = pytest.mark.filterwarnings("ignore:`nn.functional.upsample` is deprecated:UserWarning")
TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


@dataclass(frozen=True)
class Case:
    """`function(input, **kwargs)` in chainrule and `torch.nn.functional.<name>(input, **kwargs)` in torch.

    A layout of "transposed" makes the input the transposed view of a contiguous array (not contiguous).
    """

    id: str
    name: str
    shape: tuple[int, ...]
    kwargs: dict
    layout: str = "contiguous"

    @property
    def function(self) -> Callable:
        return getattr(F, self.name)  # the public functional, wherever in chainrule.ops it lives

    def leaf(self, dtype: str = "float64", device: str = "cpu") -> cr.Tensor:
        rng = numpy.random.default_rng(zlib.crc32(self.id.encode()))
        count = int(numpy.prod(self.shape))
        values = ((rng.permutation(count) - count / 2) / count).reshape(self.shape).astype(dtype)
        if self.layout == "transposed":
            leaf = cr.tensor(numpy.ascontiguousarray(values.swapaxes(-1, -2)), device=device).swapaxes(-1, -2)
            assert not leaf.data.flags.c_contiguous
        else:
            leaf = cr.tensor(values, device=device)
        return leaf.detach().requires_grad_()

    def call(self, input: cr.Tensor) -> cr.Tensor:
        out = self.function(input, **self.kwargs)
        return out[0] if isinstance(out, tuple) else out


def _max2(id, shape, layout="contiguous", **kwargs):
    return Case(f"max_pool2d-{id}", "max_pool2d", shape, kwargs, layout)


def _avg2(id, shape, layout="contiguous", **kwargs):
    return Case(f"avg_pool2d-{id}", "avg_pool2d", shape, kwargs, layout)


CASES = [
    _max2("k2", (2, 3, 6, 8), kernel_size=2),
    _max2("k2-odd-floor", (2, 2, 7, 9), kernel_size=2),
    _max2("k2-odd-ceil", (2, 2, 7, 9), kernel_size=2, ceil_mode=True),
    _max2("k3-s1-overlap", (2, 2, 5, 6), kernel_size=3, stride=1),
    _max2("k3-s2-p1", (2, 2, 7, 8), kernel_size=3, stride=2, padding=1),
    _max2("k3-s2-p1-ceil", (1, 2, 8, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True),
    _max2("rect", (2, 2, 6, 7), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    _max2("dilation", (1, 2, 8, 9), kernel_size=3, stride=1, dilation=2),
    _max2("dilation-pad-ceil", (2, 2, 9, 7), kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(2, 1),
          ceil_mode=True),
    _max2("stride-gt-kernel", (2, 2, 8, 8), kernel_size=2, stride=3),
    _max2("k1", (1, 2, 3, 4), kernel_size=1),
    _max2("unbatched", (3, 7, 7), kernel_size=3, stride=2, padding=1),
    _max2("transposed", (2, 3, 6, 8), "transposed", kernel_size=2),
    _max2("transposed-overlap", (2, 2, 7, 6), "transposed", kernel_size=3, stride=2, padding=1),
    _max2("indices", (2, 2, 7, 8), kernel_size=3, stride=2, padding=1, return_indices=True),
    Case("max_pool1d-k2", "max_pool1d", (2, 3, 10), {"kernel_size": 2}),
    Case("max_pool1d-k3-s2-p1-ceil", "max_pool1d", (2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                                 "ceil_mode": True}),
    Case("max_pool1d-dilation", "max_pool1d", (2, 2, 11), {"kernel_size": 3, "stride": 1, "dilation": 3}),
    Case("max_pool1d-unbatched", "max_pool1d", (3, 11), {"kernel_size": 2, "stride": 1}),
    Case("max_pool1d-transposed", "max_pool1d", (2, 4, 9), {"kernel_size": 3, "stride": 2}, "transposed"),
    _avg2("k2", (2, 3, 6, 8), kernel_size=2),
    _avg2("k3-s1-overlap", (2, 2, 5, 6), kernel_size=3, stride=1),
    _avg2("k3-s2-p1", (2, 2, 7, 8), kernel_size=3, stride=2, padding=1),
    _avg2("k3-s2-p1-exclude-pad", (2, 2, 7, 8), kernel_size=3, stride=2, padding=1, count_include_pad=False),
    _avg2("ceil-pad", (2, 2, 8, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True),
    _avg2("ceil-pad-exclude-pad", (2, 2, 8, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True,
          count_include_pad=False),
    _avg2("rect-divisor", (2, 2, 6, 7), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), divisor_override=4),
    _avg2("unbatched", (3, 7, 7), kernel_size=2),
    _avg2("transposed", (2, 3, 7, 6), "transposed", kernel_size=3, stride=2, padding=1),
    Case("avg_pool1d-k2", "avg_pool1d", (2, 3, 10), {"kernel_size": 2}),
    Case("avg_pool1d-ceil-exclude-pad", "avg_pool1d", (2, 3, 10), {"kernel_size": 4, "stride": 3, "padding": 2,
                                                                    "ceil_mode": True, "count_include_pad": False}),
    Case("avg_pool1d-unbatched", "avg_pool1d", (3, 11), {"kernel_size": 3, "stride": 1, "padding": 1}),
    Case("adaptive_avg_pool2d-uneven", "adaptive_avg_pool2d", (2, 3, 7, 5), {"output_size": (3, 2)}),
    Case("adaptive_avg_pool2d-global", "adaptive_avg_pool2d", (2, 3, 4, 5), {"output_size": 1}),
    Case("adaptive_avg_pool2d-keep-height", "adaptive_avg_pool2d", (2, 2, 4, 7), {"output_size": (None, 3)}),
    Case("adaptive_avg_pool2d-grow", "adaptive_avg_pool2d", (1, 2, 3, 4), {"output_size": (5, 6)}),
    Case("adaptive_avg_pool2d-unbatched", "adaptive_avg_pool2d", (3, 7, 6), {"output_size": 4}),
    Case("adaptive_avg_pool2d-transposed", "adaptive_avg_pool2d", (2, 2, 6, 7), {"output_size": (4, 3)},
         "transposed"),
    Case("adaptive_avg_pool1d-uneven", "adaptive_avg_pool1d", (2, 3, 10), {"output_size": 4}),
    Case("interpolate-size", "interpolate", (2, 2, 5, 7), {"size": (9, 3)}),
    Case("interpolate-scale-2", "interpolate", (2, 2, 3, 4), {"scale_factor": 2}),
    Case("interpolate-scale-fraction", "interpolate", (2, 2, 5, 7), {"scale_factor": 1.7}),
    Case("interpolate-scale-pair", "interpolate", (1, 2, 6, 5), {"scale_factor": (0.5, 2.5)}),
    Case("interpolate-recompute", "interpolate", (1, 2, 5, 7), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    Case("interpolate-1d", "interpolate", (2, 3, 5), {"size": 12}),
    Case("interpolate-transposed", "interpolate", (2, 2, 5, 4), {"scale_factor": 3}, "transposed"),
    Case("upsample-scale-2", "upsample", (2, 2, 3, 4), {"scale_factor": 2}),
    Case("upsample-size-1d", "upsample", (2, 3, 5), {"size": 8}, "transposed"),
]
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def test_table_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", PARAMS)
def test_gradcheck(case: Case, device: str) -> None:
    assert gradcheck(case.call, [case.leaf("float64", device)])


@pytest.mark.parametrize("case", PARAMS)
def test_gradgradcheck(case: Case, device: str) -> None:
    assert gradgradcheck(case.call, [case.leaf("float64", device)])


@pytest.mark.parametrize("case", PARAMS)
def test_create_graph_gradients_equal_plain_backward(case: Case, device: str) -> None:
    """The differentiable backward (create_graph=True) gives the same first-order gradient as the plain one."""
    leaf = case.leaf("float64", device)
    harness.assert_create_graph_equals_plain_backward([case.call(leaf)], [leaf])


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", PARAMS)
def test_values_gradients_and_indices_match_torch(case: Case, dtype: str, device: str, torch) -> None:
    leaf = case.leaf(dtype, device)
    torch_leaf = torch.from_numpy(_numpy(leaf).copy()).requires_grad_()
    result = case.function(leaf, **case.kwargs)
    expected = getattr(torch.nn.functional, case.name)(torch_leaf, **case.kwargs)
    if case.kwargs.get("return_indices"):
        (result, indices), (expected, expected_indices) = result, expected
        assert indices.dtype == cr.int64 and not indices.requires_grad
        numpy.testing.assert_array_equal(_numpy(indices), expected_indices.numpy())
    assert result.shape == tuple(expected.shape)
    assert result.dtype.name == dtype
    numpy.testing.assert_allclose(_numpy(result), expected.detach().numpy(), **TOLERANCES[dtype])

    upstream = numpy.random.default_rng(0).standard_normal(result.shape).astype(dtype)
    result.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    assert leaf.grad.shape == leaf.shape
    numpy.testing.assert_allclose(_numpy(leaf.grad), torch_leaf.grad.numpy(), **TOLERANCES[dtype])


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
    rows = cr.randn(windows.count, 2, 3, *windows.output, dtype=cr.float64, device=device).data
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

"""conv1d, conv2d, conv_transpose2d beyond their rows in the op table (tests/ops/op_table/conv.py, run by
test_gradcheck.py and test_torch_equality.py): gradients of one operand only, the per-image layout against the
batched product, the adjoint identity, the docstring examples, and every error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy
import pytest

import chainrule as cr
from chainrule.ops import conv as conv_module
from chainrule.ops.conv import conv1d, conv2d, conv_transpose2d
from tests.conftest import to_numpy as _numpy

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}}
OPS = {"conv1d": conv1d, "conv2d": conv2d, "conv_transpose2d": conv_transpose2d}


@pytest.mark.torch
@pytest.mark.parametrize("wanted", [(True, False, False), (False, True, False), (False, False, True)],
                         ids=["input-only", "weight-only", "bias-only"])
@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_gradient_of_one_operand_only(op: str, wanted: tuple, torch) -> None:
    """Backward skips the gradients nobody asked for, and the one asked for is still right."""
    shapes = ((2, 4, 5, 5), (4, 2, 3, 3), (4,))  # valid for both: 4 channels in, 4 out, groups 2
    kwargs = {"stride": 2, "padding": 1, "groups": 2}
    rng = numpy.random.default_rng(5)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    leaves = [cr.tensor(array, requires_grad=flag) for array, flag in zip(arrays, wanted, strict=True)]
    torch_leaves = [torch.from_numpy(array).requires_grad_(flag) for array, flag in zip(arrays, wanted, strict=True)]
    OPS[op](*leaves, **kwargs).sum().backward()
    getattr(torch.nn.functional, op)(*torch_leaves, **kwargs).sum().backward()
    for leaf, torch_leaf, flag in zip(leaves, torch_leaves, wanted, strict=True):
        if flag:
            numpy.testing.assert_allclose(_numpy(leaf.grad), torch_leaf.grad.numpy(), **TOLERANCES["float64"])
        else:
            assert leaf.grad is None


@pytest.mark.parametrize("wanted", [(True, True, True), (False, True, True), (True, False, False)],
                         ids=["all", "weight-and-bias", "input-only"])
def test_per_image_products_equal_the_batched_product(wanted: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layout chosen by image size (conv._per_image) changes no value or gradient (benchmark CNN's layer 1)."""
    rng = numpy.random.default_rng(6)
    arrays = [rng.standard_normal(shape) for shape in ((8, 1, 28, 28), (32, 1, 3, 3), (32,))]
    upstream = cr.tensor(rng.standard_normal((8, 32, 26, 26)))

    def run() -> list[numpy.ndarray]:
        leaves = [cr.tensor(array, requires_grad=flag) for array, flag in zip(arrays, wanted, strict=True)]
        out = conv2d(*leaves)
        out.backward(upstream)
        return [_numpy(out)] + [_numpy(leaf.grad) for leaf in leaves if leaf.requires_grad]

    assert conv_module._per_image((26, 26), ((1, 1), ((0, 0), (0, 0)), (1, 1), 1))
    per_image = run()
    monkeypatch.setattr(conv_module, "_per_image", lambda out_size, geometry: False)
    batched = run()
    for ours, theirs in zip(per_image, batched, strict=True):
        numpy.testing.assert_allclose(ours, theirs, **TOLERANCES["float64"])


def test_docstring_examples_give_the_shapes_they_state() -> None:
    assert conv1d(cr.randn(8, 3, 50), cr.randn(16, 3, 5), padding="same").shape == (8, 16, 50)
    assert conv2d(cr.randn(64, 1, 28, 28), cr.randn(32, 1, 3, 3)).shape == (64, 32, 26, 26)
    assert conv_transpose2d(cr.randn(8, 16, 7, 7), cr.randn(16, 8, 4, 4), stride=2, padding=1).shape == (8, 8, 14, 14)


def test_conv_transpose2d_is_the_input_gradient_of_conv2d() -> None:
    """<conv2d(x, W), y> = <x, conv_transpose2d(y, W)>: the two ops are adjoint."""
    rng = numpy.random.default_rng(2)
    x, weight = cr.tensor(rng.standard_normal((2, 4, 7, 6))), cr.tensor(rng.standard_normal((6, 2, 3, 2)))
    kwargs = {"stride": 2, "padding": 1, "dilation": (1, 2), "groups": 2}
    out = conv2d(x, weight, **kwargs)
    y = cr.tensor(rng.standard_normal(out.shape))
    back = conv_transpose2d(y, weight, output_padding=(0, 1), **kwargs)
    assert back.shape == x.shape
    assert (out * y).sum().item() == pytest.approx((x * back).sum().item(), rel=1e-12)


# -- errors ------------------------------------------------------------------------------------------------
def _raises(error: type, message: str, function: Callable, *args, **kwargs) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        function(*args, **kwargs)


def test_conv2d_shape_errors() -> None:
    weight = cr.randn(16, 3, 3, 3)
    _raises(ValueError, "conv2d: expected 3 input channels, got 1 (input shape (8, 1, 28, 28), weight shape "
            "(16, 3, 3, 3))", conv2d, cr.randn(8, 1, 28, 28), weight)
    _raises(ValueError, "conv2d: expected 3 input channels, got 4 (input shape (4, 6, 6), weight shape (16, 3, 3, 3))",
            conv2d, cr.randn(4, 6, 6), weight)
    _raises(ValueError, "conv2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (8, 3)",
            conv2d, cr.randn(8, 3), weight)
    _raises(ValueError, "conv2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (1, 2, 3, 8, 8)",
            conv2d, cr.randn(1, 2, 3, 8, 8), weight)
    _raises(ValueError, "conv2d: weight must be 4-D (out_channels, in_channels/groups, kH, kW), got shape (16, 3, 3)",
            conv2d, cr.randn(2, 3, 8, 8), cr.randn(16, 3, 3))
    _raises(ValueError, "conv2d: kernel size (5, 5) (dilated) is larger than the padded input (3, 3) (input shape "
            "(1, 3, 3, 3), weight shape (2, 3, 5, 5))", conv2d, cr.randn(1, 3, 3, 3), cr.randn(2, 3, 5, 5))
    _raises(ValueError, "conv2d: kernel size (5, 3) (dilated) is larger than the padded input (4, 6) (input shape "
            "(1, 3, 2, 4), weight shape (2, 3, 3, 3))", conv2d, cr.randn(1, 3, 2, 4), cr.randn(2, 3, 3, 3),
            padding=1, dilation=(2, 1))
    _raises(ValueError, "conv2d: bias must have shape (16,) to match weight (16, 3, 3, 3), got (8,)",
            conv2d, cr.randn(2, 3, 8, 8), weight, cr.randn(8))


def test_conv_group_errors() -> None:
    _raises(ValueError, "conv2d: out_channels 6 (weight shape (6, 2, 3, 3)) must be divisible by groups 4",
            conv2d, cr.randn(1, 8, 5, 5), cr.randn(6, 2, 3, 3), groups=4)
    _raises(ValueError, "conv2d: expected 8 input channels, got 6 (input shape (1, 6, 5, 5), weight shape "
            "(8, 2, 3, 3))", conv2d, cr.randn(1, 6, 5, 5), cr.randn(8, 2, 3, 3), groups=4)
    _raises(ValueError, "conv1d: groups must be a positive int, got 0", conv1d, cr.randn(1, 2, 5), cr.randn(2, 2, 3),
            groups=0)
    _raises(ValueError, "conv2d: groups must be a positive int, got 1.0", conv2d, cr.randn(1, 2, 5, 5),
            cr.randn(2, 2, 3, 3), groups=1.0)
    _raises(ValueError, "conv_transpose2d: in_channels 6 (weight shape (6, 2, 3, 3)) must be divisible by groups 4",
            conv_transpose2d, cr.randn(1, 6, 5, 5), cr.randn(6, 2, 3, 3), groups=4)


def test_conv_argument_errors() -> None:
    x, weight = cr.randn(1, 2, 6, 6), cr.randn(3, 2, 3, 3)
    _raises(ValueError, "conv2d: stride must be positive, got (0, 1)", conv2d, x, weight, stride=(0, 1))
    _raises(ValueError, "conv2d: dilation must be positive, got (0, 0)", conv2d, x, weight, dilation=0)
    _raises(ValueError, "conv2d: padding must be non-negative, got (-1, -1)", conv2d, x, weight, padding=-1)
    _raises(TypeError, "conv2d: stride must be an int or a tuple of 2 ints, got (1, 2, 3)", conv2d, x, weight,
            stride=(1, 2, 3))
    _raises(TypeError, "conv2d: padding must be an int or a tuple of 2 ints, got 1.5", conv2d, x, weight, padding=1.5)
    _raises(TypeError, "conv1d: dilation must be an int or a tuple of 1 ints, got True", conv1d, cr.randn(1, 2, 6),
            cr.randn(3, 2, 3), dilation=True)
    _raises(ValueError, "conv2d: invalid padding string 'full', should be one of 'valid', 'same'", conv2d, x, weight,
            padding="full")
    _raises(ValueError, "conv2d: padding='same' is not supported for strided convolutions, got stride (2, 1)",
            conv2d, x, weight, padding="same", stride=(2, 1))


def test_conv_operand_errors() -> None:
    x, weight = cr.randn(1, 2, 6, 6), cr.randn(3, 2, 3, 3)
    _raises(TypeError, "conv2d: input must be a Tensor, got ndarray", conv2d, numpy.zeros((1, 2, 6, 6)), weight)
    _raises(TypeError, "conv2d: weight must be a Tensor, got list", conv2d, x, [[1.0]])
    _raises(TypeError, "conv2d: bias must be a Tensor, got list", conv2d, x, weight, [0.0, 0.0, 0.0])
    _raises(TypeError, "conv2d: expected tensors of the same dtype, got chainrule.float32 and chainrule.float64; "
            "convert one, e.g. .to(chainrule.float32)", conv2d, x, weight.double())
    _raises(TypeError, "conv2d: expected tensors of the same dtype, got chainrule.float32 and chainrule.float64; "
            "convert one, e.g. .to(chainrule.float32)", conv2d, x, weight, cr.zeros(3, dtype=cr.float64))
    _raises(TypeError, "conv2d: expected a floating-point input, got chainrule.int64; use .float()",
            conv2d, cr.zeros(1, 2, 6, 6, dtype=cr.int64), cr.zeros(3, 2, 3, 3, dtype=cr.int64))


def test_conv_transpose2d_errors() -> None:
    x, weight = cr.randn(1, 4, 5, 5), cr.randn(4, 2, 3, 3)
    _raises(ValueError, "conv_transpose2d: expected 4 input channels, got 2 (input shape (1, 2, 5, 5), weight shape "
            "(4, 2, 3, 3))", conv_transpose2d, cr.randn(1, 2, 5, 5), weight)
    _raises(ValueError, "conv_transpose2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape (4, 5)",
            conv_transpose2d, cr.randn(4, 5), weight)
    _raises(ValueError, "conv_transpose2d: weight must be 4-D (in_channels, out_channels/groups, kH, kW), got shape "
            "(4, 2, 3)", conv_transpose2d, x, cr.randn(4, 2, 3))
    _raises(ValueError, "conv_transpose2d: bias must have shape (4,) to match weight (4, 2, 3, 3), got (2,)",
            conv_transpose2d, x, weight, cr.randn(2), groups=2)
    _raises(ValueError, "conv_transpose2d: output_padding (2, 0) must be smaller than either stride (2, 2) or "
            "dilation (1, 1)", conv_transpose2d, x, weight, stride=2, output_padding=(2, 0))
    _raises(ValueError, "conv_transpose2d: the output size (-1, -1) is not positive (input shape (1, 4, 5, 5), "
            "weight shape (4, 2, 3, 3), stride (1, 1), padding (4, 4)); reduce the padding",
            conv_transpose2d, x, weight, padding=4)
    _raises(ValueError, "conv_transpose2d: padding must be an int or a tuple of 2 ints ('same' and 'valid' are for "
            "convolutions), got 'same'", conv_transpose2d, x, weight, padding="same")
    _raises(ValueError, "conv_transpose2d: stride must be positive, got (0, 0)", conv_transpose2d, x, weight, stride=0)

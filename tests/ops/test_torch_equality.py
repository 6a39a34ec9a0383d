"""Every op of the op table against PyTorch: forward values (and shapes and dtypes) and the gradients of
every input for one random upstream gradient, in float64 and float32, on each device (torch on the CPU);
second-order gradients for the rows that ask; and the gradient conventions at kinks and ties."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from tests.conftest import to_numpy as _numpy
from tests.ops import harness
from tests.ops.op_table import OP_TABLE, OpInfo, Sample

CASES = harness.params([row for row in OP_TABLE if row.ref is not None])  # rows with a PyTorch twin
SECOND_ORDER = harness.params([row for row in OP_TABLE if row.second_order_torch])


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("row", "each"), CASES)
def test_values_and_gradients_match_torch(row: OpInfo, each: Sample, dtype: str, device: str, torch) -> None:
    harness.check_against_torch(row, each, dtype, device, torch)


@pytest.mark.torch
@pytest.mark.parametrize(("row", "each"), SECOND_ORDER)
def test_second_order_gradients_match_torch(row: OpInfo, each: Sample, device: str, torch) -> None:
    harness.check_second_order_against_torch(row, each, device, torch)


# -- at kinks and ties the gradient is a convention: chainrule's must be PyTorch's ---------------------
def _pair(x, y):
    return [x, y]


KINKS_AND_TIES = [
    ("relu-at-0", lambda m, x: m.relu(x), [[-1.0, 0.0, 2.0]]),
    ("abs-at-0", lambda m, x: m.abs(x), [[-1.0, 0.0, 2.0]]),
    ("sign-at-0", lambda m, x: m.sign(x), [[-1.0, 0.0, 2.0]]),
    ("clamp-at-bounds", lambda m, x: m.clamp(x, -0.5, 0.5), [[-0.5, 0.0, 0.5, 1.0]]),
    ("clamp-min-at-bound", lambda m, x: m.clamp(x, min=0.0), [[-1.0, 0.0, 1.0]]),
    ("maximum-ties", lambda m, x, y: m.maximum(x, y), _pair([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])),
    ("minimum-ties", lambda m, x, y: m.minimum(x, y), _pair([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])),
    ("amax-ties", lambda m, x: m.amax(x, dim=1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]),
    ("amin-ties", lambda m, x: m.amin(x, dim=(0, 1)), [[[1.0, 0.0], [0.0, 2.0]]]),
    ("max-all-ties", lambda m, x: m.max(x), [[1.0, 3.0, 3.0]]),
    ("min-all-ties", lambda m, x: m.min(x), [[[0.0, 3.0], [0.0, 0.0]]]),
    ("max-dim-ties", lambda m, x: m.max(x, dim=1).values, [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]),
    ("min-dim-ties", lambda m, x: m.min(x, dim=0).values, [[[1.0, 0.0], [1.0, 0.0]]]),
    ("max-dim-tie-indices", lambda m, x: m.max(x, dim=1).indices * 1.0, [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]),
    ("sqrt-at-0", lambda m, x: m.sqrt(x), [[0.0, 1.0]]),
    ("pow-base-0", lambda m, x, y: m.pow(x, y), _pair([0.0, 0.0, 0.0, 2.0], [2.0, 0.5, 0.0, 1.0])),
    ("pow-scalar-exponent-0-at-0", lambda m, x: x**0, [[0.0, 1.0]]),
    ("pow-scalar-exponent-2-at-0", lambda m, x: x**2, [[0.0, 1.0]]),
    ("std-of-constant", lambda m, x: x.std(), [[1.0, 1.0, 1.0]]),
]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf gradients here are on purpose
@pytest.mark.parametrize(("function", "values"), [pytest.param(f, v, id=name) for name, f, v in KINKS_AND_TIES])
def test_gradients_at_kinks_and_ties_follow_torch(function, values, torch) -> None:
    leaves = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in values]
    torch_leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = function(cr, *leaves)
    expected = function(torch, *torch_leaves)
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), rtol=1e-12, atol=0)
    if not expected.requires_grad:
        return
    upstream = numpy.arange(1.0, 1.0 + expected.numel()).reshape(tuple(expected.shape))
    out.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    for index, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves, strict=True)):
        numpy.testing.assert_allclose(_numpy(leaf.grad), torch_leaf.grad.numpy(), rtol=1e-12, atol=0,
                                      err_msg=f"gradient of input {index}")

"""Every op of the op table against PyTorch: forward values (and shapes and dtypes) and the gradients of
every input for one random upstream gradient, in float64 and float32, on each device (torch on the CPU)."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from tests.ops.op_table import OpInfo, Sample, cases

CASES = [pytest.param(row, each, id=f"{row.id}-{each.name}") for row, each in cases()]
TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


def _as_list(result) -> list:
    """An op's outputs as a list: split/chunk give tuples, max/min with dim give (values, indices)."""
    return list(result) if isinstance(result, tuple | list) else [result]


def _numpy(tensor: cr.Tensor) -> numpy.ndarray:
    return tensor.detach().cpu().numpy()


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("row", "each"), CASES)
def test_values_and_gradients_match_torch(row: OpInfo, each: Sample, dtype: str, device: str, torch) -> None:
    leaves = row.make_inputs(each, dtype, device)
    for arg, leaf in zip(each.args, leaves, strict=True):
        assert leaf.data.flags.c_contiguous == (arg.layout == "contiguous"), f"{arg} has the wrong layout"
        assert leaf.device == cr.device(device)
    torch_leaves = [torch.from_numpy(_numpy(leaf).copy()).requires_grad_() for leaf in leaves]

    outputs = _as_list(row.op(*leaves, **each.kwargs))
    expected = _as_list(row.ref(*torch_leaves, **each.kwargs))
    assert len(outputs) == len(expected), f"{len(outputs)} outputs, torch gives {len(expected)}"
    tolerance = TOLERANCES[dtype]
    for index, (out, ref) in enumerate(zip(outputs, expected, strict=True)):
        where = f"output {index}"
        assert out.shape == tuple(ref.shape), where
        assert out.dtype.name == str(ref.dtype).removeprefix("torch."), where
        numpy.testing.assert_allclose(_numpy(out), ref.detach().numpy(), **tolerance, err_msg=where)

    rng = numpy.random.default_rng(0)
    differentiable = [i for i, out in enumerate(outputs) if out.dtype.kind == "f"]
    upstream = [rng.standard_normal(outputs[i].shape).astype(outputs[i].dtype) for i in differentiable]
    cr.autograd.backward([outputs[i] for i in differentiable], [cr.tensor(g, device=device) for g in upstream])
    torch.autograd.backward([expected[i] for i in differentiable], [torch.from_numpy(g) for g in upstream])
    for index, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves, strict=True)):
        where = f"gradient of input {index}"
        assert leaf.grad is not None, where
        assert leaf.grad.shape == leaf.shape, where
        assert leaf.grad.dtype == leaf.dtype, where
        assert leaf.grad.device == leaf.device, where
        numpy.testing.assert_allclose(_numpy(leaf.grad), torch_leaf.grad.numpy(), **tolerance, err_msg=where)


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

"""The checks every row of the op table goes through, written once: gradcheck, gradgradcheck, the create_graph
backward against the plain one, values and gradients against PyTorch, and (for the rows that ask) second-order
gradients against PyTorch.

test_gradcheck.py and test_torch_equality.py run them over OP_TABLE (tests/ops/op_table/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck
from tests.conftest import DEVICES, to_numpy
from tests.ops.op_table import OpInfo, Sample

# the create_graph gradients are the plain ones up to rounding: both run the same rule, or a vjp on Tensors
CREATE_GRAPH_TOLERANCE = {"rtol": 1e-12, "atol": 1e-14}


def params(rows: list[OpInfo]) -> list[Any]:
    """One pytest parameter (row, sample) per sample of each row, with the id `row.id-sample.name`."""
    return [pytest.param(row, each, id=f"{row.id}-{each.name}") for row in rows for each in row.samples()]


def device_params(rows: list[OpInfo]) -> list[Any]:
    """(row, sample, device) for the finite-difference checks: the CPU for every row, and every other device
    (with its skip marks) for the rows with `every_device`; ids `row.id-sample.name-device`."""
    return [pytest.param(row, each, device.values[0], id=f"{row.id}-{each.name}-{device.id}", marks=device.marks)
            for row in rows for each in row.samples()
            for device in DEVICES if row.every_device or device.values[0] == "cpu"]


def _function(row: OpInfo, each: Sample) -> Callable:
    return lambda *inputs: row.op(*inputs, **each.kwargs)


def _inputs(row: OpInfo, each: Sample, dtype: str = "float64", device: str = "cpu") -> list[cr.Tensor]:
    """The row's leaves for the sample, checked to have the shapes, layouts and device the sample asks for."""
    inputs = row.make_inputs(each, dtype, device)
    for arg, tensor in zip(each.args, inputs, strict=True):
        assert tensor.shape == arg.shape
        assert tensor._data.flags.c_contiguous == (arg.layout == "contiguous"), f"{arg} has the wrong layout"
        assert tensor.device == cr.device(device)
    return inputs


def _as_list(result) -> list:
    """An op's outputs as a list: split/chunk give tuples, max/min with dim give (values, indices), an LSTM
    (output, h_n, c_n)."""
    return list(result) if isinstance(result, tuple | list) else [result]


def check_gradcheck(row: OpInfo, each: Sample, device: str = "cpu") -> None:
    """gradcheck; for a row whose gradient is a convention (row.gradient_convention), gradcheck must find it."""
    inputs = _inputs(row, each, device=device)
    if row.gradient_convention:
        with pytest.raises(GradcheckError, match="gradient mismatch for input"):
            gradcheck(_function(row, each), inputs, eps=row.gradcheck_eps)
        return
    assert gradcheck(_function(row, each), inputs, eps=row.gradcheck_eps)


def check_gradgradcheck(row: OpInfo, each: Sample, device: str = "cpu") -> None:
    assert gradgradcheck(_function(row, each), _inputs(row, each, device=device), eps=row.gradcheck_eps)


def check_create_graph_equals_plain_backward(row: OpInfo, each: Sample, device: str = "cpu") -> None:
    """The differentiable backward (create_graph=True) computes the same first-order gradients as the plain one.

    gradgradcheck differentiates whatever the differentiable backward returns, so one that is smooth but wrong
    passes it; this compares the two modes directly (backward run on Tensors, or an op's explicit vjp).
    """
    inputs = _inputs(row, each, device=device)
    outputs = [out for out in _as_list(row.op(*inputs, **each.kwargs)) if out.dtype.kind == "f"]
    assert_create_graph_equals_plain_backward(outputs, inputs)


def assert_create_graph_equals_plain_backward(outputs: list, inputs: list) -> None:
    """The gradients of `outputs` with respect to `inputs` for one random upstream gradient, in both modes: equal
    (to CREATE_GRAPH_TOLERANCE), the same ones None (unused), and those of create_graph inside the graph."""
    rng = numpy.random.default_rng(0)
    upstream = [cr.tensor(rng.standard_normal(out.shape), device=out.device, requires_grad=True) for out in outputs]
    plain = cr.autograd.grad(outputs, inputs, upstream, retain_graph=True, allow_unused=True)
    graphed = cr.autograd.grad(outputs, inputs, upstream, create_graph=True, allow_unused=True)
    for index, (expected, actual) in enumerate(zip(plain, graphed, strict=True)):
        assert (expected is None) == (actual is None), f"input {index}"
        if expected is None:
            continue
        assert actual.requires_grad, f"input {index}: create_graph=True gave a gradient outside the graph"
        assert actual.shape == expected.shape
        numpy.testing.assert_allclose(to_numpy(actual), to_numpy(expected), **CREATE_GRAPH_TOLERANCE,
                                      err_msg=f"input {index}")


def _torch_leaves(leaves: list[cr.Tensor], torch) -> list:
    return [torch.from_numpy(to_numpy(leaf).copy()).requires_grad_() for leaf in leaves]


def check_against_torch(row: OpInfo, each: Sample, dtype: str, device: str, torch) -> None:
    """Forward values, shapes and dtypes, and the gradients of every input for one random upstream gradient
    (which backward must leave as it is), against the row's PyTorch twin run on the CPU, to row.tolerance.
    Integer outputs (indices) must equal PyTorch's and stay outside the graph."""
    leaves = _inputs(row, each, dtype, device)
    torch_leaves = _torch_leaves(leaves, torch)

    outputs = _as_list(row.op(*leaves, **each.kwargs))
    expected = _as_list(row.ref(*torch_leaves, **each.kwargs))
    assert len(outputs) == len(expected), f"{len(outputs)} outputs, torch gives {len(expected)}"
    tolerance = row.tolerance(dtype)
    for index, (out, ref) in enumerate(zip(outputs, expected, strict=True)):
        where = f"output {index}"
        assert out.shape == tuple(ref.shape), where
        assert out.dtype.name == str(ref.dtype).removeprefix("torch."), where
        assert out.device == cr.device(device), where
        if out.dtype.kind != "f":
            assert not out.requires_grad, f"{where}: an integer output requires grad"
        numpy.testing.assert_allclose(to_numpy(out), ref.detach().numpy(), **tolerance, err_msg=where)

    rng = numpy.random.default_rng(0)
    differentiable = [i for i, out in enumerate(outputs) if out.dtype.kind == "f"]
    upstream = [rng.standard_normal(outputs[i].shape).astype(outputs[i].dtype) for i in differentiable]
    upstream_tensors = [cr.tensor(g, device=device) for g in upstream]
    cr.autograd.backward([outputs[i] for i in differentiable], upstream_tensors)
    torch.autograd.backward([expected[i] for i in differentiable], [torch.from_numpy(g) for g in upstream])
    for tensor, array in zip(upstream_tensors, upstream, strict=True):
        numpy.testing.assert_array_equal(to_numpy(tensor), array, err_msg="backward changed its upstream gradient")
    for index, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves, strict=True)):
        where = f"gradient of input {index}"
        assert leaf.grad is not None, where
        assert leaf.grad.shape == leaf.shape, where
        assert leaf.grad.dtype == leaf.dtype, where
        assert leaf.grad.device == leaf.device, where
        numpy.testing.assert_allclose(to_numpy(leaf.grad), torch_leaf.grad.numpy(), **tolerance, err_msg=where)


def check_second_order_against_torch(row: OpInfo, each: Sample, device: str, torch) -> None:
    """d/d(inputs) of sum |d out/d inputs . upstream|^2, through the differentiable backward of both libraries,
    in float64. An input whose first-order gradient depends on no input (a bias) gets no second-order gradient
    from PyTorch: chainrule's must then be None or zero."""
    leaves = _inputs(row, each, "float64", device)
    torch_leaves = _torch_leaves(leaves, torch)
    outputs = [out for out in _as_list(row.op(*leaves, **each.kwargs)) if out.dtype.kind == "f"]
    expected = [out for out in _as_list(row.ref(*torch_leaves, **each.kwargs)) if out.dtype.is_floating_point]
    rng = numpy.random.default_rng(1)
    upstream = [rng.standard_normal(out.shape) for out in outputs]
    firsts = cr.autograd.grad(outputs, leaves, [cr.tensor(u, device=device) for u in upstream], create_graph=True)
    torch_firsts = torch.autograd.grad(expected, torch_leaves, [torch.from_numpy(u) for u in upstream],
                                       create_graph=True)
    sum(((first * first).sum() for first in firsts), cr.tensor(0.0, dtype=cr.float64, device=device)).backward()
    sum((first * first).sum() for first in torch_firsts).backward()
    for index, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves, strict=True)):
        if torch_leaf.grad is None:
            assert leaf.grad is None or not to_numpy(leaf.grad).any(), f"second-order gradient of input {index}"
            continue
        numpy.testing.assert_allclose(to_numpy(leaf.grad), torch_leaf.grad.numpy(), **row.tolerance("float64"),
                                      err_msg=f"second-order gradient of input {index}")

"""The functional layers (linear, layer_norm, batch_norm, embedding, dropout, one_hot): gradients against finite
differences (first and second order), values and gradients against torch.nn.functional, and every error message.

One table of cases drives the gradcheck, gradgradcheck and PyTorch-equality tests; a case with `ref=None` has no
deterministic PyTorch twin (training-mode dropout draws its own mask) and is checked against its mask instead.
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
from tests.conftest import to_numpy as _numpy
from tests.ops import harness

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


@dataclass(frozen=True)
class Case:
    """One call of a functional op: `op(*leaves)` in chainrule, `ref(*leaves)` in torch (None: no twin).

    `shapes` are the leaves' shapes (each gets a gradient); a layout of "transposed" makes that leaf the
    transposed view of a contiguous tensor, so the leaf itself is not contiguous. Anything that gets no
    gradient (indices, running statistics) is a NumPy constant inside `op` and `ref`.
    """

    id: str
    op: Callable
    ref: Callable | None
    shapes: tuple[tuple[int, ...], ...]
    layouts: tuple[str, ...] = ()
    # False where the gradient is a convention, not a derivative: the padding row of embedding is read in
    # forward, yet gets a zero gradient (as in PyTorch), so finite differences disagree with it by design
    first_order_is_derivative: bool = True

    @property
    def name(self) -> str:
        """The functional the row exercises: its id starts with it (`layer_norm-2dim` calls F.layer_norm)."""
        return self.id.split("-")[0]

    def leaves(self, dtype: str = "float64", device: str = "cpu") -> list[cr.Tensor]:
        rng = numpy.random.default_rng(zlib.crc32(self.id.encode()))
        result = []
        for index, shape in enumerate(self.shapes):
            values = rng.standard_normal(shape).astype(dtype)
            if index < len(self.layouts) and self.layouts[index] == "transposed":
                leaf = cr.tensor(numpy.ascontiguousarray(values.swapaxes(-1, -2)), device=device).swapaxes(-1, -2)
                assert not leaf.data.flags.c_contiguous
            else:
                leaf = cr.tensor(values, device=device)
            result.append(leaf.detach().requires_grad_())
        return result


def _torch():
    import torch

    return torch


# -- constants shared by chainrule's op and torch's ref ----------------------------------------------------
INDICES_1D = numpy.array([1, 3, 3, 0, 5, 1, 1])
INDICES_2D = numpy.array([[0, 2, 2, 4], [4, 0, 1, 2]])
RUNNING_MEAN = numpy.array([0.5, -1.0, 0.25])
RUNNING_VAR = numpy.array([2.0, 0.5, 1.5])


def _constant(values: numpy.ndarray, like: cr.Tensor) -> cr.Tensor:
    """A NumPy constant as a tensor of `like`'s device (and dtype, for floating constants)."""
    dtype = like.dtype if values.dtype.kind == "f" else None
    return cr.tensor(values, dtype=dtype, device=like.device)


def _torch_constant(values: numpy.ndarray, like):
    tensor = _torch().from_numpy(values)
    return tensor.to(like.dtype) if values.dtype.kind == "f" else tensor


def _seeded_dropout(x: cr.Tensor, p: float, function: Callable = F.dropout) -> cr.Tensor:
    """Training-mode dropout with the same mask on every call, so that finite differences see one function."""
    cr.manual_seed(1234)
    return function(x, p, training=True)


def _batch_norm_eval(x, weight, bias):
    return F.batch_norm(x, _constant(RUNNING_MEAN, x), _constant(RUNNING_VAR, x), weight, bias, training=False)


def _torch_batch_norm_eval(x, weight, bias):
    mean, var = _torch_constant(RUNNING_MEAN, x), _torch_constant(RUNNING_VAR, x)
    return _torch().nn.functional.batch_norm(x, mean, var, weight, bias, training=False)


def _tf():
    return _torch().nn.functional


CASES = [
    # linear: input 1-D, 2-D, 3-D; with and without bias; non-contiguous input and weight
    Case("linear-1d", F.linear, lambda x, w, b: _tf().linear(x, w, b), ((3,), (4, 3), (4,))),
    Case("linear-2d", F.linear, lambda x, w, b: _tf().linear(x, w, b), ((5, 3), (4, 3), (4,))),
    Case("linear-3d", F.linear, lambda x, w, b: _tf().linear(x, w, b), ((2, 5, 3), (4, 3), (4,))),
    Case("linear-1d-nobias", F.linear, lambda x, w: _tf().linear(x, w), ((3,), (4, 3))),
    Case("linear-2d-nobias", F.linear, lambda x, w: _tf().linear(x, w), ((5, 3), (4, 3))),
    Case("linear-3d-nobias", F.linear, lambda x, w: _tf().linear(x, w), ((2, 5, 3), (4, 3))),
    Case("linear-transposed-input", F.linear, lambda x, w, b: _tf().linear(x, w, b), ((5, 3), (4, 3), (4,)),
         ("transposed",)),
    Case("linear-transposed-weight", F.linear, lambda x, w, b: _tf().linear(x, w, b), ((5, 3), (4, 3), (4,)),
         ("contiguous", "transposed")),
    Case("linear-3d-transposed-both", F.linear, lambda x, w: _tf().linear(x, w), ((2, 5, 3), (4, 3)),
         ("transposed", "transposed")),
    # layer_norm: normalized_shape of 1 and 2 dimensions, with and without weight/bias
    Case("layer_norm-1dim", lambda x: F.layer_norm(x, 4), lambda x: _tf().layer_norm(x, (4,)), ((3, 4),)),
    Case("layer_norm-1dim-affine", lambda x, w, b: F.layer_norm(x, (4,), w, b),
         lambda x, w, b: _tf().layer_norm(x, (4,), w, b), ((2, 3, 4), (4,), (4,))),
    Case("layer_norm-2dim", lambda x: F.layer_norm(x, (2, 3)), lambda x: _tf().layer_norm(x, (2, 3)),
         ((4, 2, 3),)),
    Case("layer_norm-2dim-affine", lambda x, w, b: F.layer_norm(x, (2, 3), w, b, eps=1e-6),
         lambda x, w, b: _tf().layer_norm(x, (2, 3), w, b, eps=1e-6), ((4, 2, 3), (2, 3), (2, 3))),
    Case("layer_norm-weight-only", lambda x, w: F.layer_norm(x, (4,), w),
         lambda x, w: _tf().layer_norm(x, (4,), w), ((3, 4), (4,))),
    Case("layer_norm-transposed", lambda x: F.layer_norm(x, 4), lambda x: _tf().layer_norm(x, (4,)), ((5, 4),),
         ("transposed",)),
    # batch_norm: training (batch statistics) on (N, C) and (N, C, L), and evaluation (running statistics)
    Case("batch_norm-train-2d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         lambda x, w, b: _tf().batch_norm(x, None, None, w, b, training=True), ((6, 3), (3,), (3,))),
    Case("batch_norm-train-3d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
         lambda x, w, b: _tf().batch_norm(x, None, None, w, b, training=True), ((4, 3, 5), (3,), (3,))),
    Case("batch_norm-train-3d-plain", lambda x: F.batch_norm(x, None, None, training=True),
         lambda x: _tf().batch_norm(x, None, None, training=True), ((4, 3, 2),)),
    Case("batch_norm-eval-2d", _batch_norm_eval, _torch_batch_norm_eval, ((6, 3), (3,), (3,))),
    Case("batch_norm-eval-3d", _batch_norm_eval, _torch_batch_norm_eval, ((4, 3, 5), (3,), (3,))),
    # embedding: repeated indices, padding_idx, 1-D and 2-D index tensors
    Case("embedding-1d", lambda w: F.embedding(_constant(INDICES_1D, w), w),
         lambda w: _tf().embedding(_torch_constant(INDICES_1D, w), w), ((6, 3),)),
    Case("embedding-2d", lambda w: F.embedding(_constant(INDICES_2D, w), w),
         lambda w: _tf().embedding(_torch_constant(INDICES_2D, w), w), ((5, 4),)),
    Case("embedding-1d-padding", lambda w: F.embedding(_constant(INDICES_1D, w), w, padding_idx=1),
         lambda w: _tf().embedding(_torch_constant(INDICES_1D, w), w, padding_idx=1), ((6, 3),),
         first_order_is_derivative=False),
    Case("embedding-2d-negative-padding", lambda w: F.embedding(_constant(INDICES_2D, w), w, padding_idx=-1),
         lambda w: _tf().embedding(_torch_constant(INDICES_2D, w), w, padding_idx=-1), ((5, 4),),
         first_order_is_derivative=False),
    # dropout: p = 0 and evaluation are the identity, p = 1 gives zeros; training otherwise is random
    Case("dropout-p0", lambda x: F.dropout(x, 0.0), lambda x: _tf().dropout(x, 0.0), ((3, 4),)),
    Case("dropout-p1", lambda x: F.dropout(x, 1.0), lambda x: _tf().dropout(x, 1.0), ((3, 4),)),
    Case("dropout-eval", lambda x: F.dropout(x, 0.5, training=False),
         lambda x: _tf().dropout(x, 0.5, training=False), ((3, 4),)),
    Case("dropout-train-seeded", lambda x: _seeded_dropout(x, 0.3), None, ((4, 5),)),
    # dropout2d: whole channels, on (N, C, H, W) and unbatched (C, H, W); the same identities and a seeded mask
    Case("dropout2d-p0", lambda x: F.dropout2d(x, 0.0), lambda x: _tf().dropout2d(x, 0.0), ((2, 3, 4, 5),)),
    Case("dropout2d-p1", lambda x: F.dropout2d(x, 1.0), lambda x: _tf().dropout2d(x, 1.0), ((2, 3, 2, 2),)),
    Case("dropout2d-eval", lambda x: F.dropout2d(x, 0.5, training=False),
         lambda x: _tf().dropout2d(x, 0.5, training=False), ((2, 3, 4, 5),), ("transposed",)),
    Case("dropout2d-train-seeded", lambda x: _seeded_dropout(x, 0.4, F.dropout2d), None, ((3, 4, 2, 3),)),
    Case("dropout2d-train-seeded-unbatched", lambda x: _seeded_dropout(x, 0.4, F.dropout2d), None, ((4, 2, 3),),
         ("transposed",)),
]
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_gradcheck(case: Case, device: str) -> None:
    if not case.first_order_is_derivative:
        with pytest.raises(cr.autograd.GradcheckError, match="gradient mismatch for input 0"):
            gradcheck(case.op, case.leaves("float64", device))
        return
    assert gradcheck(case.op, case.leaves("float64", device))


@pytest.mark.parametrize("case", PARAMS)
def test_gradgradcheck(case: Case, device: str) -> None:
    assert gradgradcheck(case.op, case.leaves("float64", device))


@pytest.mark.parametrize("case", PARAMS)
def test_create_graph_gradients_equal_plain_backward(case: Case, device: str) -> None:
    """The differentiable backward (create_graph=True) gives the same first-order gradients as the plain one."""
    leaves = case.leaves("float64", device)
    harness.assert_create_graph_equals_plain_backward([case.op(*leaves)], leaves)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", [param for param in PARAMS if param.values[0].ref is not None])
def test_values_and_gradients_match_torch(case: Case, dtype: str, device: str, torch) -> None:
    leaves = case.leaves(dtype, device)
    torch_leaves = [torch.from_numpy(_numpy(leaf).copy()).requires_grad_() for leaf in leaves]
    out = case.op(*leaves)
    expected = case.ref(*torch_leaves)
    assert out.shape == tuple(expected.shape)
    assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])

    upstream = numpy.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    for index, (leaf, torch_leaf) in enumerate(zip(leaves, torch_leaves, strict=True)):
        assert leaf.grad is not None, f"input {index} got no gradient"
        assert leaf.grad.shape == leaf.shape
        numpy.testing.assert_allclose(_numpy(leaf.grad), torch_leaf.grad.numpy(), **TOLERANCES[dtype],
                                      err_msg=f"gradient of input {index}")


def test_table_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


# -- batch_norm's running statistics ---------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["2d", "3d"])
def test_batch_norm_running_statistics_match_torch(shape: tuple, dtype: str, device: str, torch) -> None:
    """r = (1 - momentum) r + momentum * batch statistic (unbiased variance), after several training calls."""
    rng = numpy.random.default_rng(7)
    running_mean = cr.zeros(3, dtype=dtype, device=device)
    running_var = cr.ones(3, dtype=dtype, device=device)
    torch_mean, torch_var = torch.zeros(3, dtype=getattr(torch, dtype)), torch.ones(3, dtype=getattr(torch, dtype))
    for momentum in (0.1, 0.1, 0.3, 0.1):
        batch = (rng.standard_normal(shape) * 2.0 + 1.5).astype(dtype)
        F.batch_norm(cr.tensor(batch, device=device), running_mean, running_var, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.from_numpy(batch), torch_mean, torch_var, training=True,
                                       momentum=momentum)
    numpy.testing.assert_allclose(_numpy(running_mean), torch_mean.numpy(), **TOLERANCES[dtype])
    numpy.testing.assert_allclose(_numpy(running_var), torch_var.numpy(), **TOLERANCES[dtype])

    batch = rng.standard_normal(shape).astype(dtype)
    out = F.batch_norm(cr.tensor(batch, device=device), running_mean, running_var, training=False)
    expected = torch.nn.functional.batch_norm(torch.from_numpy(batch), torch_mean, torch_var, training=False)
    numpy.testing.assert_allclose(_numpy(out), expected.numpy(), **TOLERANCES[dtype])


def test_batch_norm_eval_leaves_running_statistics_alone(device: str) -> None:
    running_mean = cr.tensor(RUNNING_MEAN, device=device)
    running_var = cr.tensor(RUNNING_VAR, device=device)
    F.batch_norm(cr.randn(4, 3, dtype=cr.float64, device=device), running_mean, running_var, training=False)
    numpy.testing.assert_array_equal(_numpy(running_mean), RUNNING_MEAN)
    numpy.testing.assert_array_equal(_numpy(running_var), RUNNING_VAR)


# -- embedding ---------------------------------------------------------------------------------------------
def test_embedding_gradient_counts_repeats_and_skips_padding_row(device: str) -> None:
    weight = cr.randn(6, 2, dtype=cr.float64, device=device, requires_grad=True)
    indices = cr.tensor(INDICES_1D, device=device)  # [1, 3, 3, 0, 5, 1, 1]
    F.embedding(indices, weight, padding_idx=3).sum().backward()
    expected = numpy.array([1.0, 3.0, 0.0, 0.0, 0.0, 1.0])[:, None] * numpy.ones((1, 2))  # row 3 is padding
    numpy.testing.assert_array_equal(_numpy(weight.grad), expected)


def test_embedding_forward_picks_rows(device: str) -> None:
    weight = cr.tensor(numpy.arange(15.0).reshape(5, 3), device=device)
    out = F.embedding(cr.tensor(INDICES_2D, device=device), weight)
    assert out.shape == (2, 4, 3)
    numpy.testing.assert_array_equal(_numpy(out), numpy.arange(15.0).reshape(5, 3)[INDICES_2D])


# -- dropout -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_gradient_is_the_scaled_mask(p: float, device: str) -> None:
    values = numpy.random.default_rng(3).uniform(0.5, 1.5, (40, 50))  # no zeros: the mask shows in the output
    x = cr.tensor(values, device=device, requires_grad=True)
    cr.manual_seed(5)
    out = F.dropout(x, p)
    out.sum().backward()
    mask = (_numpy(out) != 0) / (1 - p)
    numpy.testing.assert_allclose(_numpy(x.grad), mask, rtol=1e-15)
    numpy.testing.assert_allclose(_numpy(out), values * mask, rtol=1e-15)
    assert abs((_numpy(out) == 0).mean() - p) < 0.05  # 2000 draws: the fraction dropped is about p

    cr.manual_seed(5)
    again = F.dropout(cr.tensor(values, device=device), p)
    numpy.testing.assert_array_equal(_numpy(again), _numpy(out))  # the same seed draws the same mask


def test_dropout_identity_cases_keep_values(device: str) -> None:
    x = cr.randn(3, 4, device=device)
    numpy.testing.assert_array_equal(_numpy(F.dropout(x, 0.0)), _numpy(x))
    numpy.testing.assert_array_equal(_numpy(F.dropout(x, 0.7, training=False)), _numpy(x))
    numpy.testing.assert_array_equal(_numpy(F.dropout(x, 1.0)), numpy.zeros((3, 4), dtype=numpy.float32))


# -- one_hot -----------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize(("labels", "num_classes"), [
    ([0, 2, 1, 2], -1), ([0, 2, 1, 2], 5), ([[1, 0], [3, 3]], -1), ([[1, 0], [3, 3]], 4), (3, 5), ([], 3),
], ids=["1d", "1d-classes", "2d", "2d-classes", "0d", "empty"])
def test_one_hot_matches_torch(labels, num_classes: int, device: str, torch) -> None:
    array = numpy.array(labels, dtype=numpy.int64)
    out = F.one_hot(cr.tensor(array, device=device), num_classes)
    expected = torch.nn.functional.one_hot(torch.from_numpy(array), num_classes)
    assert out.dtype == cr.int64
    assert out.shape == tuple(expected.shape)
    numpy.testing.assert_array_equal(_numpy(out), expected.numpy())


# -- errors ------------------------------------------------------------------------------------------------
def _raises(error: type, message: str, function: Callable, *args, **kwargs) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        function(*args, **kwargs)


def test_linear_errors() -> None:
    x, weight, bias = cr.randn(64, 100), cr.randn(10, 784), cr.randn(10)
    _raises(RuntimeError, "linear: input and weight shapes cannot be multiplied (64x100 and 784x10): the input's "
            "last dimension must be in_features = 784, got input shape (64, 100)", F.linear, x, weight, bias)
    _raises(RuntimeError, "linear: input and weight shapes cannot be multiplied (2x5x100 and 784x10): the input's "
            "last dimension must be in_features = 784, got input shape (2, 5, 100)",
            F.linear, cr.randn(2, 5, 100), weight)
    _raises(RuntimeError, "linear: input and weight shapes cannot be multiplied (1x100 and 784x10): the input's "
            "last dimension must be in_features = 784, got input shape (100,)", F.linear, cr.randn(100), weight)
    _raises(RuntimeError, "linear: bias must have shape (10,) to match weight (10, 784), got (5,)",
            F.linear, cr.randn(64, 784), weight, cr.randn(5))
    _raises(RuntimeError, "linear: bias must have shape (10,) to match weight (10, 784), got (1, 10)",
            F.linear, cr.randn(64, 784), weight, cr.randn(1, 10))
    _raises(RuntimeError, "linear: weight must be 2-D (out_features, in_features), got shape (784,)",
            F.linear, cr.randn(64, 784), cr.randn(784))
    _raises(TypeError, "linear: input must be a Tensor, got ndarray", F.linear, numpy.zeros((2, 784)), weight)
    _raises(TypeError, "linear: bias must be a Tensor, got list", F.linear, cr.randn(2, 784), weight, [0.0] * 10)


def test_embedding_errors() -> None:
    weight = cr.randn(10, 3)
    _raises(IndexError, "embedding: index 10 is out of range for 10 embeddings (indices must be in [0, 9])",
            F.embedding, cr.tensor([[1, 10], [2, 3]]), weight)
    _raises(IndexError, "embedding: index -1 is out of range for 10 embeddings (indices must be in [0, 9])",
            F.embedding, cr.tensor([0, -1]), weight)
    _raises(TypeError, "embedding: indices must be an integer tensor (int64), got chainrule.float32; use .long()",
            F.embedding, cr.tensor([1.0, 2.0]), weight)
    _raises(TypeError, "embedding: indices must be an integer tensor (int64), got list; use .long()",
            F.embedding, [1, 2], weight)
    _raises(ValueError, "embedding: weight must be 2-D (num_embeddings, embedding_dim), got (10,)",
            F.embedding, cr.tensor([1]), cr.randn(10))
    _raises(ValueError, "embedding: padding_idx 10 must be within num_embeddings 10",
            F.embedding, cr.tensor([1]), weight, padding_idx=10)
    _raises(ValueError, "embedding: padding_idx -11 must be within num_embeddings 10",
            F.embedding, cr.tensor([1]), weight, padding_idx=-11)


def test_layer_norm_errors() -> None:
    _raises(ValueError, "layer_norm: expected input whose last dimensions are (5,), got input of shape (3, 4)",
            F.layer_norm, cr.randn(3, 4), 5)
    _raises(ValueError, "layer_norm: expected input whose last dimensions are (3, 4), got input of shape (2, 4, 3)",
            F.layer_norm, cr.randn(2, 4, 3), (3, 4))
    _raises(ValueError, "layer_norm: expected input whose last dimensions are (2, 3, 4), got input of shape (3, 4)",
            F.layer_norm, cr.randn(3, 4), (2, 3, 4))


def test_batch_norm_errors() -> None:
    _raises(ValueError, "batch_norm: expected more than 1 value per channel when training, got input of shape "
            "(1, 3); use a batch of at least 2 (or eval mode)", F.batch_norm, cr.randn(1, 3), None, None,
            training=True)
    _raises(ValueError, "batch_norm: expected more than 1 value per channel when training, got input of shape "
            "(1, 3, 1); use a batch of at least 2 (or eval mode)", F.batch_norm, cr.randn(1, 3, 1), cr.zeros(3),
            cr.ones(3), training=True)
    _raises(ValueError, "batch_norm: expected input of shape (N, C) or (N, C, L...), got (3,)",
            F.batch_norm, cr.randn(3), None, None, training=True)
    _raises(ValueError, "batch_norm: running_mean must have shape (3,) for input (4, 3), got (4,)",
            F.batch_norm, cr.randn(4, 3), cr.zeros(4), cr.ones(3))
    _raises(ValueError, "batch_norm: weight must have shape (3,) for input (4, 3, 2), got (2,)",
            F.batch_norm, cr.randn(4, 3, 2), None, None, cr.ones(2), training=True)


def test_batch_norm_single_value_is_fine_in_eval() -> None:
    out = F.batch_norm(cr.tensor([[3.0, 1.0]]), cr.tensor([1.0, 1.0]), cr.tensor([4.0, 1.0]), eps=0.0)
    numpy.testing.assert_allclose(out.numpy(), [[1.0, 0.0]])


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_error(p: float) -> None:
    _raises(ValueError, f"dropout probability has to be between 0 and 1, but got {p}", F.dropout, cr.randn(3), p)


def test_dropout_integer_error() -> None:
    _raises(TypeError, "dropout: needs a floating-point tensor, got chainrule.int64", F.dropout, cr.tensor([1, 2]), 0.5)


def test_one_hot_errors() -> None:
    _raises(ValueError, "one_hot: class value 5 is out of range for num_classes=3", F.one_hot, cr.tensor([0, 5]), 3)
    _raises(ValueError, "one_hot: class values must be non-negative, got -2", F.one_hot, cr.tensor([1, -2]))
    _raises(TypeError, "one_hot: expects an integer (int64) tensor of class indices", F.one_hot,
            cr.tensor([1.0, 0.0]))

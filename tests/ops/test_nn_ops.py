"""The functional layers (linear, layer_norm, batch_norm, embedding, dropout, one_hot) beyond their rows in the
op table (tests/ops/op_table/nn.py, run by test_gradcheck.py and test_torch_equality.py): batch_norm's running
statistics, embedding's gradient and rows, training-mode dropout's mask (its rows have no PyTorch twin),
one_hot, and every error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from tests.conftest import to_numpy as _numpy
from tests.ops.op_table.nn import INDICES_1D, INDICES_2D, RUNNING_MEAN, RUNNING_VAR

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


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

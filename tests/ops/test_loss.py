"""The losses of chainrule.ops.loss beyond their rows in the op table (tests/ops/op_table/loss.py, run by
test_gradcheck.py and test_torch_equality.py): stability for huge logits, edge cases (every target ignored,
unbatched targets, weights that require grad) and the error messages.
"""

from __future__ import annotations

import re

import numpy
import pytest

import chainrule as cr
from chainrule.ops import loss as L


# -- stability ------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_is_finite_for_huge_logits(dtype: str, label_smoothing: float, torch) -> None:
    import torch.nn.functional as F

    logits = numpy.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    labels = numpy.array([1, 2, 0])
    x, x_torch = cr.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = L.cross_entropy(x, cr.tensor(labels), label_smoothing=label_smoothing)
    expected = F.cross_entropy(x_torch, torch.tensor(labels), label_smoothing=label_smoothing)
    loss.backward()
    expected.backward()
    assert numpy.isfinite(loss.item())
    numpy.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-6)
    assert numpy.isfinite(x.grad.numpy()).all()
    numpy.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bce_with_logits_is_finite_for_huge_logits(dtype: str, torch) -> None:
    import torch.nn.functional as F

    logits = numpy.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dtype)
    target = numpy.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype=dtype)
    pos_weight = numpy.array([2.0], dtype=dtype)
    x, x_torch = cr.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = L.binary_cross_entropy_with_logits(x, cr.tensor(target), pos_weight=cr.tensor(pos_weight))
    expected = F.binary_cross_entropy_with_logits(x_torch, torch.tensor(target), pos_weight=torch.tensor(pos_weight))
    loss.backward()
    expected.backward()
    assert numpy.isfinite(loss.item())
    numpy.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-6)
    numpy.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy(), rtol=1e-6)


@pytest.mark.torch
def test_bce_clamps_the_log_at_minus_100(torch) -> None:
    import torch.nn.functional as F

    probabilities = numpy.array([0.0, 1.0, 0.0, 1.0])
    target = numpy.array([1.0, 0.0, 0.0, 1.0])
    x, x_torch = cr.tensor(probabilities, requires_grad=True), torch.tensor(probabilities, requires_grad=True)
    loss = L.binary_cross_entropy(x, cr.tensor(target), reduction="none")
    expected = F.binary_cross_entropy(x_torch, torch.tensor(target), reduction="none")
    numpy.testing.assert_allclose(loss.numpy(), [100.0, 100.0, 0.0, 0.0])
    numpy.testing.assert_allclose(loss.numpy(), expected.detach().numpy())
    loss.sum().backward()
    expected.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy())


# -- edge cases ----------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_all_targets_ignored_give_nan_mean_and_zero_gradient(label_smoothing: float, torch) -> None:
    import torch.nn.functional as F

    logits = numpy.random.default_rng(3).standard_normal((3, 4))
    labels = numpy.full(3, -100)
    x = cr.tensor(logits, requires_grad=True)
    loss = L.cross_entropy(x, cr.tensor(labels), label_smoothing=label_smoothing)
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), label_smoothing=label_smoothing)
    assert numpy.isnan(loss.item()) and numpy.isnan(expected.item())
    loss.backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.zeros((3, 4)))


def test_unbatched_cross_entropy_equals_a_batch_of_one() -> None:
    logits = cr.tensor([0.5, -1.0, 2.0])
    single = L.cross_entropy(logits, cr.tensor(2), reduction="none")
    batch = L.cross_entropy(logits.reshape(1, 3), cr.tensor([2]), reduction="none")
    assert single.shape == ()
    numpy.testing.assert_allclose(single.item(), batch.numpy()[0])


def test_class_index_loss_takes_no_gradient_for_the_target() -> None:
    x = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    loss = L.cross_entropy(x, cr.tensor([0, 1, 3]))
    (grad,) = cr.autograd.grad(loss, [x])
    # the softmax minus the one-hot rows sum to 0
    numpy.testing.assert_allclose(grad.numpy().sum(axis=1), numpy.zeros(3), atol=1e-15)


def test_weights_that_require_grad_are_refused_only_when_recording() -> None:
    x = cr.randn(3, 4, requires_grad=True)
    weight = cr.ones(4, requires_grad=True)
    with pytest.raises(ValueError, match=r"cross_entropy: weight requires grad.*pass weight\.detach\(\)"):
        L.cross_entropy(x, cr.tensor([0, 1, 3]), weight=weight)
    with cr.no_grad():
        assert L.cross_entropy(x, cr.tensor([0, 1, 3]), weight=weight).shape == ()


# -- errors -------------------------------------------------------------------------------------------------
def _x(*shape: int, dtype=None) -> cr.Tensor:
    return cr.zeros(*shape, dtype=dtype)


def _i(*values: int) -> cr.Tensor:
    return cr.tensor(list(values))


def _p(*shape: int) -> cr.Tensor:
    return cr.full(shape, 0.5)


ERRORS = [
    ("reduction", lambda: L.mse_loss(_x(3), _x(3), reduction="avg"), ValueError,
     "mse_loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    ("kl_reduction", lambda: L.kl_div(_x(3), _x(3), reduction="batch"), ValueError,
     "kl_div: reduction must be one of 'mean', 'batchmean', 'sum', 'none', got 'batch'"),
    ("ce_reduction", lambda: L.cross_entropy(_x(2, 3), _i(0, 1), reduction=None), ValueError,
     "cross_entropy: reduction must be one of 'mean', 'sum', 'none', got None"),
    ("label_too_big", lambda: L.cross_entropy(_x(2, 10), _i(3, 12)), ValueError,
     "cross_entropy: target label 12 is out of range for 10 classes (labels must be in [0, 9])"),
    ("label_negative", lambda: L.cross_entropy(_x(2, 10), _i(-1, 2)), ValueError,
     "cross_entropy: target label -1 is out of range for 10 classes (labels must be in [0, 9])"),
    ("label_negative_not_ignored", lambda: L.cross_entropy(_x(2, 10), _i(-100, 2), ignore_index=-1), ValueError,
     "cross_entropy: target label -100 is out of range for 10 classes (labels must be in [0, 9])"),
    ("nll_label", lambda: L.nll_loss(_x(2, 3), _i(0, 3)), ValueError,
     "nll_loss: target label 3 is out of range for 3 classes (labels must be in [0, 2])"),
    ("target_shape", lambda: L.cross_entropy(_x(64, 10), cr.zeros(64, 1, dtype=cr.int64)), ValueError,
     "cross_entropy: expected target of shape (64,) for input (64, 10), got (64, 1); reshape it, e.g. "
     "target.view(64); for class probabilities, pass a float target of shape (64, 10)"),
    ("target_shape_4d", lambda: L.cross_entropy(_x(2, 3, 4, 5), cr.zeros(2, 3, 4, dtype=cr.int64)), ValueError,
     "cross_entropy: expected target of shape (2, 4, 5) for input (2, 3, 4, 5), got (2, 3, 4)"),
    ("nll_target_shape", lambda: L.nll_loss(_x(4, 3), _i(0, 1)), ValueError,
     "nll_loss: expected target of shape (4,) for input (4, 3), got (2,)"),
    ("float_indices", lambda: L.cross_entropy(_x(64, 10), _x(64)), TypeError,
     "cross_entropy: expected class indices of an integer dtype (int64), got a chainrule.float32 target of "
     "shape (64,) for input (64, 10); convert it with .long(); for class probabilities"),
    ("int_probabilities", lambda: L.cross_entropy(_x(4, 3), cr.zeros(4, 3, dtype=cr.int64)), TypeError,
     "cross_entropy: a target of the input's shape (4, 3) holds class probabilities and must be floating "
     "point, got chainrule.int64; convert it with .to(chainrule.float32), or pass class indices of shape (4,)"),
    ("probabilities_dtype", lambda: L.cross_entropy(_x(4, 3), _x(4, 3, dtype=cr.float64)), TypeError,
     "cross_entropy: expected target of dtype chainrule.float32 like the input, got a chainrule.float64 target"),
    ("probabilities_ignore", lambda: L.cross_entropy(_x(4, 3), _p(4, 3), ignore_index=0), ValueError,
     "cross_entropy: ignore_index=0 is not supported for class-probability targets"),
    ("int_logits", lambda: L.cross_entropy(cr.zeros(2, 3, dtype=cr.int64), _i(0, 1)), TypeError,
     "cross_entropy: input must be floating point, got a chainrule.int64 tensor of shape (2, 3)"),
    ("scalar_logits", lambda: L.cross_entropy(_x(), _i(0)), ValueError,
     "cross_entropy: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor"),
    ("smoothing_range", lambda: L.cross_entropy(_x(2, 3), _i(0, 1), label_smoothing=1.5), ValueError,
     "cross_entropy: label_smoothing must be between 0.0 and 1.0, got 1.5"),
    ("weight_size", lambda: L.cross_entropy(_x(2, 3), _i(0, 1), weight=_x(5)), ValueError,
     "cross_entropy: weight must be a 1-D tensor of 3 class weights, got shape (5,)"),
    ("weight_dtype", lambda: L.nll_loss(_x(2, 3), _i(0, 1), weight=_x(3, dtype=cr.float64)), TypeError,
     "nll_loss: expected weight of dtype chainrule.float32 like the input, got a chainrule.float64 weight"),
    ("target_not_tensor", lambda: L.mse_loss(_x(3), [1.0, 2.0, 3.0]), TypeError,
     "mse_loss: target must be a Tensor, got list"),
    ("input_not_tensor", lambda: L.l1_loss(1.0, _x(3)), TypeError, "l1_loss: input must be a Tensor, got float"),
    ("mse_broadcast", lambda: L.mse_loss(_x(64, 1), _x(64)), ValueError,
     "mse_loss: input of shape (64, 1) and target of shape (64,) differ; PyTorch would broadcast them (with a "
     "warning), which is rarely intended: reshape the target, e.g. target.view(64, 1)"),
    ("l1_broadcast", lambda: L.l1_loss(_x(3), _x(4)), ValueError,
     "l1_loss: input of shape (3,) and target of shape (4,) differ; PyTorch would broadcast them (with a "
     "warning), which is rarely intended: make them match"),
    ("mse_dtype", lambda: L.mse_loss(_x(3), _x(3, dtype=cr.float64)), TypeError,
     "mse_loss: expected target of dtype chainrule.float32 like the input, got a chainrule.float64 target of "
     "shape (3,); convert it with .to(chainrule.float32)"),
    ("smooth_l1_beta", lambda: L.smooth_l1_loss(_x(3), _x(3), beta=-1.0), ValueError,
     "smooth_l1_loss: beta must be non-negative, got -1.0"),
    ("huber_delta", lambda: L.huber_loss(_x(3), _x(3), delta=0.0), ValueError,
     "huber_loss: delta must be positive, got 0.0"),
    ("bce_range", lambda: L.binary_cross_entropy(cr.tensor([0.5, 1.5, -0.25]), _p(3)), ValueError,
     "binary_cross_entropy: all elements of input must be between 0 and 1, got values in [-0.25, 1.5]; apply "
     "sigmoid first, or use binary_cross_entropy_with_logits on the logits"),
    ("bce_shape", lambda: L.binary_cross_entropy(_p(3), _p(3, 1)), ValueError,
     "binary_cross_entropy: input of shape (3,) and target of shape (3, 1) differ"),
    ("bce_weight_shape", lambda: L.binary_cross_entropy(_p(3, 4), _p(3, 4), weight=_p(3)), ValueError,
     "binary_cross_entropy: weight of shape (3,) does not broadcast to the input's shape (3, 4)"),
    ("pos_weight_shape", lambda: L.binary_cross_entropy_with_logits(_x(3, 4), _p(3, 4), pos_weight=_p(2)),
     ValueError, "binary_cross_entropy_with_logits: pos_weight of shape (2,) does not broadcast to the input's "
     "shape (3, 4)"),
    ("pos_weight_grad", lambda: L.binary_cross_entropy_with_logits(_x(3), _p(3), pos_weight=cr.ones(
        3, requires_grad=True)), ValueError, "binary_cross_entropy_with_logits: pos_weight requires grad, but the "
     "loss is not differentiable with respect to it (as in PyTorch); pass pos_weight.detach()"),
    ("kl_shape", lambda: L.kl_div(_x(2, 3), _x(3)), ValueError,
     "kl_div: input of shape (2, 3) and target of shape (3,) differ"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*row[1:], id=row[0]) for row in ERRORS])
def test_errors(call, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_bce_rejects_targets_outside_0_1() -> None:
    probabilities = cr.tensor([0.2, 0.5, 0.9])
    fix = ("the target is the probability of the positive class: map labels such as {-1, 1} or {1, 2} to {0, 1}, "
           "or use a regression loss (mse_loss) for unbounded targets")
    for target, shown in (([1.0, 2.0, 1.0], "values in [1.0, 2.0]"), ([-1.0, 1.0, 0.5], "values in [-1.0, 1.0]"),
                          ([0.0, float("nan"), 1.0], "NaN")):
        message = f"binary_cross_entropy: all elements of target must be between 0 and 1, got {shown}; "
        with pytest.raises(ValueError, match=re.escape(message + fix)):
            L.binary_cross_entropy(probabilities, cr.tensor(target))
    loss = L.binary_cross_entropy(probabilities, cr.tensor([0.0, 1.0, 0.25]), reduction="none")  # the bounds are in
    numpy.testing.assert_allclose(loss.numpy(), [-numpy.log(0.8), -numpy.log(0.5), -0.25 * numpy.log(0.9) -
                                                 0.75 * numpy.log(0.1)], rtol=1e-6)

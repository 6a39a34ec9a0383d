"""The losses of chainrule.ops.loss: one table of cases drives gradcheck, gradgradcheck and equality with
torch.nn.functional (values and gradients, float64 and float32); then stability, edge cases and errors.

A case names the function (the same in both libraries), its positional arrays (input, target), which of
them get gradients, and its options; arrays among the options (weight, pos_weight) become tensors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck
from chainrule.ops import loss as L
from tests.conftest import to_numpy as _numpy

REDUCTIONS = ("mean", "sum", "none")
TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


@dataclass
class Case:
    id: str
    function: str
    args: tuple  # NumPy arrays: input, target
    grads: tuple  # which args require grad
    kwargs: dict = field(default_factory=dict)

    def tensors(self, library: str, dtype: str = "float64", device: str = "cpu") -> tuple[list, dict]:
        """The case's args and kwargs as chainrule ('cr') or torch tensors, float arrays in `dtype`."""
        args = [self._tensor(array, library, dtype, device, grad) for array, grad in zip(self.args, self.grads,
                                                                                        strict=True)]
        kwargs = {key: self._tensor(value, library, dtype, device, False) if isinstance(value, numpy.ndarray)
                  else value for key, value in self.kwargs.items()}
        return args, kwargs

    @staticmethod
    def _tensor(array: numpy.ndarray, library: str, dtype: str, device: str, grad: bool) -> Any:
        if array.dtype.kind == "f":
            array = array.astype(dtype)
        if library == "cr":
            return cr.tensor(array, device=device, requires_grad=grad)
        import torch

        return torch.tensor(array, requires_grad=grad)

    def call(self, library_module: Any, args: list, kwargs: dict) -> Any:
        return getattr(library_module, self.function)(*args, **kwargs)


def _rng(seed: int) -> numpy.random.Generator:
    return numpy.random.default_rng(seed)


def _labels(rng, shape: tuple, classes: int, ignore: int | None = None) -> numpy.ndarray:
    labels = rng.integers(0, classes, shape)
    if ignore is not None:
        labels.reshape(-1)[:: 2] = ignore  # every other target ignored, the first one included
    return labels.astype(numpy.int64)


def _away_from(rng, shape: tuple, points: tuple, low: float = -2.0, high: float = 2.0, margin: float = 0.1):
    values = rng.uniform(low, high, shape)
    for point in points:
        near = numpy.abs(values - point) < margin
        values[near] = point + numpy.where(values[near] >= point, margin, -margin) * 2
    return values


# input shape, target shape: unbatched, (N, C), 3-D and 4-D
CLASS_LAYOUTS = [((4,), ()), ((3, 4), (3,)), ((2, 4, 3), (2, 3)), ((2, 3, 2, 2), (2, 2, 2))]


def _classification_cases() -> list[Case]:
    cases = []
    for layout, (shape, target_shape) in enumerate(CLASS_LAYOUTS):
        classes = shape[1] if len(shape) > 1 else shape[0]
        rng = _rng(layout)
        logits = rng.standard_normal(shape)
        weight = rng.uniform(0.5, 2.0, classes)
        options = {
            "plain": ({}, None),
            "weight": ({"weight": weight}, None),
            "ignore": ({}, -100),
            "ignore1": ({"ignore_index": 1}, 1),
            "smooth": ({"label_smoothing": 0.2}, None),
            "all": ({"weight": weight, "label_smoothing": 0.3, "ignore_index": 2}, 2),
        }
        for name, (kwargs, ignore) in options.items():
            if ignore is not None and target_shape == ():
                continue  # an unbatched target ignored would be a NaN mean; tested on its own
            labels = _labels(rng, target_shape, classes, ignore)
            for reduction in REDUCTIONS:
                options_here = {**kwargs, "reduction": reduction}
                cases.append(Case(f"ce-{len(shape)}d-{name}-{reduction}", "cross_entropy", (logits, labels),
                                  (True, False), options_here))
                if "label_smoothing" not in kwargs:
                    log_probs = logits - numpy.log(numpy.exp(logits).sum(axis=1 if len(shape) > 1 else 0,
                                                                           keepdims=True))
                    cases.append(Case(f"nll-{len(shape)}d-{name}-{reduction}", "nll_loss", (log_probs, labels),
                                      (True, False), options_here))
        if len(shape) <= 3:
            probabilities = rng.uniform(0.05, 1.0, shape)
            for name, kwargs in {"plain": {}, "weight": {"weight": weight}, "smooth": {"label_smoothing": 0.25},
                                 "all": {"weight": weight, "label_smoothing": 0.1}}.items():
                for reduction in REDUCTIONS:
                    cases.append(Case(f"ce-prob-{len(shape)}d-{name}-{reduction}", "cross_entropy",
                                      (logits, probabilities), (True, True), {**kwargs, "reduction": reduction}))
    return cases


def _regression_cases() -> list[Case]:
    cases = []
    rng = _rng(10)
    for function, kinks, extra in [
        ("mse_loss", (), [{}]),
        ("l1_loss", (0.0,), [{}]),
        ("smooth_l1_loss", (0.0, -1.0, 1.0, -0.5, 0.5), [{}, {"beta": 0.5}, {"beta": 0.0}]),
        ("huber_loss", (0.0, -1.0, 1.0, -0.5, 0.5), [{}, {"delta": 0.5}]),
    ]:
        for shape in [(5,), (2, 3)]:
            target = rng.standard_normal(shape)
            input = target + _away_from(rng, shape, kinks)
            for kwargs in extra:
                for reduction in REDUCTIONS:
                    label = "-".join(f"{k}{v}" for k, v in kwargs.items()) or "default"
                    cases.append(Case(f"{function}-{len(shape)}d-{label}-{reduction}", function, (input, target),
                                      (True, True), {**kwargs, "reduction": reduction}))
    return cases


def _binary_cases() -> list[Case]:
    cases = []
    rng = _rng(20)
    shape = (3, 4)
    probabilities = rng.uniform(0.05, 0.95, shape)
    target = rng.uniform(0.0, 1.0, shape)
    logits = rng.standard_normal(shape) * 2
    weight = rng.uniform(0.5, 2.0, (4,))
    row_weight = rng.uniform(0.5, 2.0, (3, 1))
    pos_weight = rng.uniform(0.5, 3.0, (4,))
    for reduction in REDUCTIONS:
        for name, kwargs in {"plain": {}, "weight": {"weight": weight}, "rowweight": {"weight": row_weight}}.items():
            cases.append(Case(f"bce-{name}-{reduction}", "binary_cross_entropy", (probabilities, target),
                              (True, True), {**kwargs, "reduction": reduction}))
        for name, kwargs in {"plain": {}, "weight": {"weight": row_weight}, "pos": {"pos_weight": pos_weight},
                             "both": {"weight": weight, "pos_weight": pos_weight}}.items():
            cases.append(Case(f"bcelogits-{name}-{reduction}", "binary_cross_entropy_with_logits",
                              (logits, target), (True, True), {**kwargs, "reduction": reduction}))
    log_probs = numpy.log(rng.uniform(0.1, 1.0, shape))
    kl_target = rng.uniform(0.1, 1.0, shape)
    for reduction in (*REDUCTIONS, "batchmean"):
        cases.append(Case(f"kl-{reduction}", "kl_div", (log_probs, kl_target), (True, True),
                          {"reduction": reduction}))
        cases.append(Case(f"kl-logtarget-{reduction}", "kl_div", (log_probs, numpy.log(kl_target)), (True, True),
                          {"reduction": reduction, "log_target": True}))
    return cases


CASES = _classification_cases() + _regression_cases() + _binary_cases()
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def _function(case: Case, kwargs: dict):
    return lambda *args: case.call(L, list(args), kwargs)


# -- the table: finite differences and PyTorch -------------------------------------------------------
@pytest.mark.parametrize("case", PARAMS)
def test_gradcheck(case: Case) -> None:
    args, kwargs = case.tensors("cr")
    assert gradcheck(_function(case, kwargs), args)


@pytest.mark.parametrize("case", PARAMS)
def test_gradgradcheck(case: Case) -> None:
    args, kwargs = case.tensors("cr")
    assert gradgradcheck(_function(case, kwargs), args)


@pytest.mark.parametrize("case", PARAMS)
def test_differentiable_backward_gives_the_same_gradients(case: Case) -> None:
    """gradgradcheck checks vjp against itself; here its first-order values must equal backward's."""
    args, kwargs = case.tensors("cr")
    wanted = [arg for arg, grad in zip(args, case.grads, strict=True) if grad]
    loss = case.call(L, args, kwargs)
    upstream = cr.tensor(_rng(1).standard_normal(loss.shape))
    plain = cr.autograd.grad(loss, wanted, upstream, retain_graph=True)
    graphed = cr.autograd.grad(loss, wanted, upstream, create_graph=True)
    for index, (first, second) in enumerate(zip(plain, graphed, strict=True)):
        numpy.testing.assert_allclose(second.numpy(), first.numpy(), rtol=1e-12, atol=1e-14,
                                      err_msg=f"gradient of argument {index}")


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")  # torch's kl_div
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", PARAMS)
def test_matches_torch(case: Case, dtype: str, device: str, torch) -> None:
    import torch.nn.functional as F

    args, kwargs = case.tensors("cr", dtype, device)
    torch_args, torch_kwargs = case.tensors("torch", dtype)
    loss = case.call(L, args, kwargs)
    expected = case.call(F, torch_args, torch_kwargs)
    tolerance = TOLERANCES[dtype]
    assert loss.shape == tuple(expected.shape)
    assert loss.dtype.name == dtype
    numpy.testing.assert_allclose(_numpy(loss), _numpy(expected), **tolerance)

    upstream = _rng(0).standard_normal(loss.shape).astype(dtype)
    loss.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    for index, (arg, torch_arg) in enumerate(zip(args, torch_args, strict=True)):
        if not case.grads[index]:
            continue
        assert arg.grad.dtype == arg.dtype, f"gradient of argument {index}"
        numpy.testing.assert_allclose(_numpy(arg.grad), _numpy(torch_arg.grad), **tolerance,
                                      err_msg=f"gradient of argument {index}")


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

    logits = _rng(3).standard_normal((3, 4))
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

"""The loss modules of chainrule.nn.layers.loss: each equals its functional and PyTorch's module, keeps
class weights as buffers under PyTorch's state_dict keys, and prints its non-default options."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule.nn.layers import loss as nn_loss
from chainrule.ops import loss as F

RNG = numpy.random.default_rng(0)
LOGITS = RNG.standard_normal((4, 3))
LABELS = numpy.array([0, 2, -100, 1])
PROBABILITIES = RNG.uniform(0.05, 0.95, (4, 3))
TARGET = RNG.uniform(0.0, 1.0, (4, 3))
CLASS_WEIGHT = RNG.uniform(0.5, 2.0, 3)

# (module name, options with arrays for weights, functional name, input, target)
MODULES = [
    ("CrossEntropyLoss", {}, "cross_entropy", LOGITS, LABELS),
    ("CrossEntropyLoss", {"weight": CLASS_WEIGHT, "label_smoothing": 0.1, "reduction": "sum"}, "cross_entropy",
     LOGITS, LABELS),
    ("CrossEntropyLoss", {"ignore_index": 2, "reduction": "none"}, "cross_entropy", LOGITS, numpy.array([0, 2, 1, 1])),
    ("NLLLoss", {"weight": CLASS_WEIGHT}, "nll_loss", LOGITS, LABELS),
    ("MSELoss", {"reduction": "sum"}, "mse_loss", LOGITS, TARGET),
    ("L1Loss", {}, "l1_loss", LOGITS, TARGET),
    ("SmoothL1Loss", {"beta": 0.5}, "smooth_l1_loss", LOGITS, TARGET),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, "huber_loss", LOGITS, TARGET),
    ("BCELoss", {"weight": CLASS_WEIGHT}, "binary_cross_entropy", PROBABILITIES, TARGET),
    ("BCEWithLogitsLoss", {"pos_weight": CLASS_WEIGHT}, "binary_cross_entropy_with_logits", LOGITS, TARGET),
    ("BCEWithLogitsLoss", {"weight": CLASS_WEIGHT, "pos_weight": CLASS_WEIGHT}, "binary_cross_entropy_with_logits",
     LOGITS, TARGET),
    ("KLDivLoss", {"reduction": "batchmean"}, "kl_div", numpy.log(PROBABILITIES), TARGET),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, "kl_div", numpy.log(PROBABILITIES), numpy.log(TARGET)),
]
PARAMS = [pytest.param(*row, id=f"{row[0]}-{index}") for index, row in enumerate(MODULES)]


def _options(options: dict, make) -> dict:
    return {key: make(value) if isinstance(value, numpy.ndarray) else value for key, value in options.items()}


@pytest.mark.torch
@pytest.mark.parametrize(("name", "options", "functional", "input", "target"), PARAMS)
def test_module_equals_functional_and_torch(name, options, functional, input, target, torch) -> None:
    module = getattr(nn_loss, name)(**_options(options, cr.tensor))
    torch_module = getattr(torch.nn, name)(**_options(options, torch.tensor))
    x = cr.tensor(input, requires_grad=True)
    x_torch = torch.tensor(input, requires_grad=True)
    loss = module(x, cr.tensor(target))
    expected = torch_module(x_torch, torch.tensor(target))
    direct = getattr(F, functional)(cr.tensor(input), cr.tensor(target), **_options(options, cr.tensor))
    numpy.testing.assert_array_equal(loss.numpy(), direct.numpy())
    numpy.testing.assert_allclose(loss.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss.sum().backward()
    expected.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "options", "functional", "input", "target"), PARAMS)
def test_state_dict_keys_equal_torch(name, options, functional, input, target, torch) -> None:
    module = getattr(nn_loss, name)(**_options(options, cr.tensor))
    torch_module = getattr(torch.nn, name)(**_options(options, torch.tensor))
    assert list(module.state_dict()) == list(torch_module.state_dict())
    for key, value in torch_module.state_dict().items():
        numpy.testing.assert_array_equal(module.state_dict()[key].numpy(), value.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"])
def test_weight_buffers_are_registered_even_when_none(name: str, torch) -> None:
    module, torch_module = getattr(nn_loss, name)(), getattr(torch.nn, name)()
    assert list(module.state_dict()) == list(torch_module.state_dict()) == []
    assert module.weight is None
    assert list(dict(module.named_buffers())) == []


def test_weight_buffer_follows_the_module_dtype() -> None:
    criterion = nn_loss.CrossEntropyLoss(weight=cr.tensor([1.0, 2.0, 0.5])).double()
    assert criterion.weight.dtype == cr.float64
    loss = criterion(cr.tensor(LOGITS), cr.tensor(LABELS))
    assert loss.dtype == cr.float64


def test_load_state_dict_replaces_the_weight() -> None:
    criterion = nn_loss.NLLLoss(weight=cr.ones(3, dtype=cr.float64))
    criterion.load_state_dict({"weight": cr.tensor(CLASS_WEIGHT)})
    expected = F.nll_loss(cr.tensor(LOGITS), cr.tensor(LABELS), weight=cr.tensor(CLASS_WEIGHT))
    numpy.testing.assert_array_equal(criterion(cr.tensor(LOGITS), cr.tensor(LABELS)).numpy(), expected.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
                                  "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"])
def test_default_repr_equals_torch(name: str, torch) -> None:
    assert repr(getattr(nn_loss, name)()) == repr(getattr(torch.nn, name)()) == f"{name}()"


@pytest.mark.parametrize(("module", "text"), [
    (nn_loss.CrossEntropyLoss(weight=cr.ones(3), label_smoothing=0.1), "CrossEntropyLoss(label_smoothing=0.1)"),
    (nn_loss.CrossEntropyLoss(ignore_index=0, reduction="sum"), "CrossEntropyLoss(ignore_index=0, reduction='sum')"),
    (nn_loss.NLLLoss(reduction="none"), "NLLLoss(reduction='none')"),
    (nn_loss.MSELoss(reduction="sum"), "MSELoss(reduction='sum')"),
    (nn_loss.SmoothL1Loss(beta=0.5), "SmoothL1Loss(beta=0.5)"),
    (nn_loss.HuberLoss(reduction="none", delta=2.0), "HuberLoss(reduction='none', delta=2.0)"),
    (nn_loss.KLDivLoss(reduction="batchmean", log_target=True), "KLDivLoss(reduction='batchmean', log_target=True)"),
    (nn_loss.BCEWithLogitsLoss(reduction="sum"), "BCEWithLogitsLoss(reduction='sum')"),
])
def test_repr_shows_the_options_that_differ_from_the_defaults(module, text: str) -> None:
    assert repr(module) == text


def test_invalid_reduction_is_reported_by_the_functional() -> None:
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"):
        nn_loss.MSELoss(reduction="avg")(cr.zeros(2), cr.zeros(2))

"""The layer modules (Linear, Identity, Flatten, Unflatten, Dropout, LayerNorm, BatchNorm1d, Embedding) against
torch.nn: forward and backward with the same weights, state_dict layout, safetensors round trips both ways,
train/eval behaviour, default initialization, repr, and the error messages of the modules.

One table of layer specs (constructor name and arguments, shared by chainrule.nn and torch.nn, and an input)
drives the generic tests, so adding a layer means adding a row.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import init
from tests.conftest import to_numpy as _numpy

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


@dataclass(frozen=True)
class Spec:
    """A layer built as `nn.<name>(*args, **kwargs)` in both libraries, called on one input.

    `input_shape` gives a standard normal float input; `indices` an int64 input instead (Embedding).
    `mode` is the mode in which forward/backward are compared ("train" or "eval").
    """

    id: str
    name: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] = ()
    indices: tuple = ()
    mode: str = "train"

    def make(self) -> nn.Module:
        return getattr(nn, self.name)(*self.args, **self.kwargs)

    def make_torch(self, torch):
        return getattr(torch.nn, self.name)(*self.args, **self.kwargs)

    def input(self, dtype: str) -> numpy.ndarray:
        if self.indices:
            return numpy.array(self.indices, dtype=numpy.int64)
        rng = numpy.random.default_rng(zlib.crc32(self.id.encode()))
        return (rng.standard_normal(self.input_shape) * 1.5 + 0.5).astype(dtype)


SPECS = [
    Spec("linear", "Linear", (3, 4), input_shape=(5, 3)),
    Spec("linear-1d-input", "Linear", (3, 4), input_shape=(3,)),
    Spec("linear-3d-input-nobias", "Linear", (3, 4), {"bias": False}, input_shape=(2, 5, 3)),
    Spec("identity", "Identity", (7,), {"unused": True}, input_shape=(2, 3)),
    Spec("flatten", "Flatten", input_shape=(2, 3, 4)),
    Spec("flatten-0-1", "Flatten", (0, 1), input_shape=(2, 3, 4)),
    Spec("unflatten", "Unflatten", (1, (2, 5)), input_shape=(3, 10)),
    Spec("unflatten-inferred", "Unflatten", (-1, (2, -1)), input_shape=(3, 10)),
    Spec("dropout-eval", "Dropout", (0.2,), input_shape=(4, 5), mode="eval"),
    Spec("layer_norm", "LayerNorm", (5,), input_shape=(3, 5)),
    Spec("layer_norm-2dim", "LayerNorm", ((2, 3),), {"eps": 1e-6}, input_shape=(4, 2, 3)),
    Spec("layer_norm-no-affine", "LayerNorm", (5,), {"elementwise_affine": False}, input_shape=(3, 5)),
    Spec("layer_norm-no-bias", "LayerNorm", (5,), {"bias": False}, input_shape=(3, 5)),
    Spec("batch_norm", "BatchNorm1d", (3,), input_shape=(6, 3)),
    Spec("batch_norm-3d-input", "BatchNorm1d", (3,), input_shape=(4, 3, 5)),
    Spec("batch_norm-eval", "BatchNorm1d", (3,), input_shape=(6, 3), mode="eval"),
    Spec("batch_norm-no-affine", "BatchNorm1d", (3,), {"affine": False}, input_shape=(6, 3)),
    Spec("batch_norm-untracked", "BatchNorm1d", (3,), {"track_running_stats": False}, input_shape=(4, 3, 2)),
    Spec("batch_norm-untracked-eval", "BatchNorm1d", (3,), {"track_running_stats": False}, input_shape=(6, 3),
         mode="eval"),
    Spec("batch_norm-cumulative", "BatchNorm1d", (3,), {"momentum": None}, input_shape=(6, 3)),
    Spec("embedding", "Embedding", (10, 3), indices=((1, 4, 4), (9, 0, 1))),
    Spec("embedding-padding", "Embedding", (10, 3), {"padding_idx": 4}, indices=(1, 4, 4, 9, 4, 1)),
]
PARAMS = [pytest.param(spec, id=spec.id) for spec in SPECS]
WITH_STATE = [pytest.param(spec, id=spec.id) for spec in SPECS if spec.name in ("Linear", "BatchNorm1d", "Embedding")
              or (spec.name == "LayerNorm" and spec.kwargs.get("elementwise_affine", True))]



def _randomize_torch(module, torch) -> None:
    """Random parameters and running statistics, so that loading them is visible (norm layers start at 1 and 0)."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if tensor.is_floating_point():
                low = 0.5 if name.endswith("running_var") else -1.5
                tensor.copy_(torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype) * 2 + low)


def _randomize(module: nn.Module) -> None:
    for name, tensor in module.state_dict().items():
        if tensor.dtype.kind == "f":
            init.uniform_(tensor, 0.5 if name.endswith("running_var") else -1.5, 2.5)


def _pair(spec: Spec, dtype: str, device: str, torch):
    """(chainrule module, torch module) with torch's random state loaded into chainrule's, in `spec.mode`."""
    reference = spec.make_torch(torch).to(getattr(torch, dtype))
    _randomize_torch(reference, torch)
    module = spec.make().to(getattr(cr, dtype)).to(device)
    module.load_state_dict({key: value.numpy() for key, value in reference.state_dict().items()})
    if spec.mode == "eval":
        module.eval()
        reference.eval()
    return module, reference


def _assert_same_state(module: nn.Module, reference, dtype: str) -> None:
    expected = reference.state_dict()
    state = module.state_dict()
    assert list(state) == list(expected)
    for key, value in state.items():
        numpy.testing.assert_allclose(_numpy(value), expected[key].numpy(), **TOLERANCES[dtype], err_msg=key)


# -- forward and backward against torch ----------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", PARAMS)
def test_forward_backward_match_torch(spec: Spec, dtype: str, device: str, torch) -> None:
    module, reference = _pair(spec, dtype, device, torch)
    values = spec.input(dtype)
    x = cr.tensor(values, device=device, requires_grad=values.dtype.kind == "f")
    torch_x = torch.from_numpy(values.copy()).requires_grad_(values.dtype.kind == "f")

    out, expected = module(x), reference(torch_x)
    assert out.shape == tuple(expected.shape)
    assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])

    upstream = numpy.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(upstream, device=device))
    expected.backward(torch.from_numpy(upstream))
    if x.requires_grad:
        numpy.testing.assert_allclose(_numpy(x.grad), torch_x.grad.numpy(), **TOLERANCES[dtype], err_msg="input")
    torch_parameters = dict(reference.named_parameters())
    assert [name for name, _ in module.named_parameters()] == list(torch_parameters)
    for name, parameter in module.named_parameters():
        numpy.testing.assert_allclose(_numpy(parameter.grad), torch_parameters[name].grad.numpy(),
                                      **TOLERANCES[dtype], err_msg=name)
    _assert_same_state(module, reference, dtype)  # training updates the running statistics alike


# -- state_dict layout and safetensors round trips ---------------------------------------------------------
def _model(library):
    return library.Sequential(library.Linear(4, 3), library.BatchNorm1d(3), library.Dropout(0.1),
                              library.Sequential(library.LayerNorm(3), library.Linear(3, 2, bias=False)),
                              library.Embedding(5, 2))


@pytest.mark.torch
@pytest.mark.parametrize("spec", [*PARAMS, pytest.param("nested", id="nested-sequential")])
def test_state_dict_layout_matches_torch(spec, torch) -> None:
    module, reference = (_model(nn), _model(torch.nn)) if spec == "nested" else (spec.make(), spec.make_torch(torch))
    state, expected = module.state_dict(), reference.state_dict()
    assert list(state) == list(expected)
    for key, value in state.items():
        assert value.shape == tuple(expected[key].shape), key
        assert value.dtype.name == str(expected[key].dtype).removeprefix("torch."), key


def test_batch_norm_state_dict_entries() -> None:
    state = nn.BatchNorm1d(4).state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    count = state["num_batches_tracked"]
    assert (count.dtype, count.shape, count.item()) == (cr.int64, (), 0)
    assert list(nn.BatchNorm1d(4, affine=False, track_running_stats=False).state_dict()) == []


@pytest.mark.torch
@pytest.mark.parametrize("spec", WITH_STATE)
def test_safetensors_chainrule_to_torch(spec: Spec, tmp_path, torch) -> None:
    import safetensors.numpy
    import safetensors.torch

    module = spec.make().to(cr.float64)
    values = spec.input("float64")
    module(cr.tensor(values))  # one training step: num_batches_tracked becomes 1
    _randomize(module)
    path = str(tmp_path / "layer.safetensors")
    safetensors.numpy.save_file({key: value.numpy() for key, value in module.state_dict().items()}, path)

    reference = spec.make_torch(torch).double()
    reference.load_state_dict(safetensors.torch.load_file(path), strict=True)
    _assert_same_state(module, reference, "float64")
    module.eval()
    reference.eval()
    numpy.testing.assert_allclose(_numpy(module(cr.tensor(values))), reference(torch.from_numpy(values)).detach(),
                                  **TOLERANCES["float64"])


@pytest.mark.torch
@pytest.mark.parametrize("spec", WITH_STATE)
def test_safetensors_torch_to_chainrule(spec: Spec, tmp_path, torch) -> None:
    import safetensors.numpy
    import safetensors.torch

    reference = spec.make_torch(torch).double()
    values = spec.input("float64")
    reference(torch.from_numpy(values))
    _randomize_torch(reference, torch)
    path = str(tmp_path / "layer.safetensors")
    safetensors.torch.save_file(reference.state_dict(), path)

    module = spec.make().to(cr.float64)
    result = module.load_state_dict(safetensors.numpy.load_file(path))
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    _assert_same_state(module, reference, "float64")
    module.eval()
    reference.eval()
    numpy.testing.assert_allclose(_numpy(module(cr.tensor(values))), reference(torch.from_numpy(values)).detach(),
                                  **TOLERANCES["float64"])


def test_load_state_dict_errors_change_nothing() -> None:
    layer = nn.Linear(3, 2)
    before = layer.weight.numpy().copy()
    message = ("Error(s) in loading state_dict for Linear:\n"
               "  size mismatch for weight: copying a value of shape (3, 2), the parameter in the current model "
               "has shape (2, 3)\n"
               "  missing key: 'bias'\n"
               "  unexpected key: 'scale'")
    with pytest.raises(RuntimeError, match=f"^{re.escape(message)}$"):
        layer.load_state_dict({"weight": numpy.zeros((3, 2)), "scale": numpy.ones(1)})
    numpy.testing.assert_array_equal(layer.weight.numpy(), before)

    result = layer.load_state_dict({"weight": numpy.zeros((2, 3)), "scale": numpy.ones(1)}, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (["bias"], ["scale"])
    numpy.testing.assert_array_equal(layer.weight.numpy(), numpy.zeros((2, 3)))


# -- train / eval ----------------------------------------------------------------------------------------------
def test_dropout_train_and_eval() -> None:
    layer = nn.Dropout(0.5)
    x = cr.ones(20, 30)
    assert layer.training
    dropped = layer(x).numpy()
    assert set(numpy.unique(dropped)) == {0.0, 2.0}
    assert abs((dropped == 0).mean() - 0.5) < 0.1
    assert layer.eval() is layer and not layer.training
    numpy.testing.assert_array_equal(layer(x).numpy(), numpy.ones((20, 30)))
    assert layer.train() is layer and layer.training
    assert (layer(x).numpy() == 0).any()


def test_eval_reaches_nested_modules() -> None:
    model = _model(nn)
    model.eval()
    assert [module.training for module in model.modules()] == [False] * 8
    model.train()
    assert all(module.training for module in model.modules())


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False}, {"momentum": 0.3},
                                    {"track_running_stats": False}],
                         ids=["default", "cumulative", "no-affine", "momentum-0.3", "untracked"])
def test_batch_norm_eval_after_training_matches_torch(kwargs: dict, dtype: str, device: str, torch) -> None:
    module = nn.BatchNorm1d(3, **kwargs).to(getattr(cr, dtype)).to(device)
    reference = torch.nn.BatchNorm1d(3, **kwargs).to(getattr(torch, dtype))
    rng = numpy.random.default_rng(2)
    for step in range(4):
        shape = (8, 3) if step % 2 else (4, 3, 5)
        batch = (rng.standard_normal(shape) * 3.0 - 1.0).astype(dtype)
        out, expected = module(cr.tensor(batch, device=device)), reference(torch.from_numpy(batch))
        numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])
    _assert_same_state(module, reference, dtype)
    if module.track_running_stats:
        assert module.num_batches_tracked.item() == 4
        assert module.num_batches_tracked.dtype == cr.int64

    batch = rng.standard_normal((5, 3)).astype(dtype)
    train_out = module(cr.tensor(batch, device=device))
    reference(torch.from_numpy(batch))
    module.eval()
    reference.eval()
    out, expected = module(cr.tensor(batch, device=device)), reference(torch.from_numpy(batch))
    numpy.testing.assert_allclose(_numpy(out), expected.detach().numpy(), **TOLERANCES[dtype])
    if module.track_running_stats:  # eval uses the running statistics, not the batch's
        assert not numpy.allclose(_numpy(out), _numpy(train_out))
    _assert_same_state(module, reference, dtype)  # eval leaves them alone


# -- default initialization ------------------------------------------------------------------------------------
def test_linear_default_init_statistics() -> None:
    layer = nn.Linear(1024, 512)
    bound = 1 / math.sqrt(1024)
    weight, bias = layer.weight.numpy(), layer.bias.numpy()
    assert weight.shape == (512, 1024) and bias.shape == (512,)
    assert numpy.abs(weight).max() <= bound and numpy.abs(bias).max() <= bound
    assert numpy.abs(weight).max() > 0.999 * bound  # the whole interval is used
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert abs(weight.mean()) < 0.01 * bound
    assert bias.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_embedding_default_init_statistics() -> None:
    weight = nn.Embedding(1000, 64).weight.numpy()
    assert weight.std() == pytest.approx(1.0, rel=0.01)
    assert abs(weight.mean()) < 0.01
    padded = nn.Embedding(50, 8, padding_idx=-2).weight.numpy()
    numpy.testing.assert_array_equal(padded[48], numpy.zeros(8))
    assert (padded[:48] != 0).all()


def test_norm_layers_default_init() -> None:
    layer_norm = nn.LayerNorm((2, 3))
    numpy.testing.assert_array_equal(layer_norm.weight.numpy(), numpy.ones((2, 3)))
    numpy.testing.assert_array_equal(layer_norm.bias.numpy(), numpy.zeros((2, 3)))
    batch_norm = nn.BatchNorm1d(4)
    for name, expected in [("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1)]:
        numpy.testing.assert_array_equal(getattr(batch_norm, name).numpy(), numpy.full(4, expected), err_msg=name)
    assert [name for name, _ in batch_norm.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in batch_norm.named_buffers()] == ["running_mean", "running_var",
                                                                 "num_batches_tracked"]


def test_init_is_reproducible_with_manual_seed() -> None:
    def draw() -> list[numpy.ndarray]:
        return [nn.Linear(5, 4).weight.numpy(), nn.Linear(5, 4).bias.numpy(), nn.Embedding(6, 2).weight.numpy()]

    cr.manual_seed(3)
    first = draw()
    cr.manual_seed(3)
    for a, b in zip(first, draw(), strict=True):
        numpy.testing.assert_array_equal(a, b)
    cr.manual_seed(4)
    assert not numpy.array_equal(first[0], draw()[0])


def test_init_follows_dtype() -> None:
    assert nn.Linear(3, 4, dtype=cr.float64).weight.dtype == cr.float64
    assert nn.Embedding(3, 4, dtype=cr.float64).weight.dtype == cr.float64
    assert nn.LayerNorm(3).weight.dtype == cr.float32


# -- repr ------------------------------------------------------------------------------------------------------
REPR_CASES = [
    ("Linear", (3, 4), {}), ("Linear", (3, 4), {"bias": False}), ("LayerNorm", (10,), {}),
    ("LayerNorm", ((2, 3),), {"eps": 1e-6}), ("BatchNorm1d", (8,), {}),
    ("BatchNorm1d", (8,), {"momentum": None, "affine": False}), ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), {"padding_idx": 0}), ("Dropout", (0.2,), {}), ("Flatten", (), {}),
    ("Unflatten", (1, (2, 5)), {}), ("Identity", (), {}),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs"), [
    pytest.param(*case, id=f"{case[0]}{case[1]}{case[2] or ''}".replace(" ", "")) for case in REPR_CASES
])
def test_repr_matches_torch(name: str, args: tuple, kwargs: dict, torch) -> None:
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.torch
def test_nested_repr_matches_torch(torch) -> None:
    def build(library):
        return library.Sequential(library.Linear(4, 3), library.Dropout(0.1),
                                  library.Sequential(library.Identity(), library.Flatten()))

    assert repr(build(nn)) == repr(build(torch.nn))


# -- errors ----------------------------------------------------------------------------------------------------
def _raises(error: type, message: str, function, *args, **kwargs) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        function(*args, **kwargs)


def test_linear_errors() -> None:
    _raises(RuntimeError, "Linear(784, 10) expected input with last dimension 784, got (64, 100)",
            nn.Linear(784, 10), cr.randn(64, 100))
    _raises(RuntimeError, "Linear(784, 10) expected input with last dimension 784, got ()",
            nn.Linear(784, 10), cr.tensor(1.0))
    _raises(ValueError, "Linear: in_features must be a non-negative int, got -1", nn.Linear, -1, 3)
    _raises(ValueError, "Linear: out_features must be a non-negative int, got -3", nn.Linear, 3, -3)
    _raises(ValueError, "Linear: out_features must be a non-negative int, got 2.5", nn.Linear, 3, 2.5)


def test_batch_norm_errors() -> None:
    layer = nn.BatchNorm1d(3)
    _raises(ValueError, "BatchNorm1d expected 2D or 3D input, got 4D input of shape (2, 3, 4, 5)",
            layer, cr.randn(2, 3, 4, 5))
    _raises(ValueError, "BatchNorm1d expected 2D or 3D input, got 1D input of shape (3,)", layer, cr.randn(3))
    _raises(ValueError, "BatchNorm1d(3) expected 3 channels in dimension 1 of the input, got input of shape (4, 5)",
            layer, cr.randn(4, 5))
    _raises(ValueError, "batch_norm: expected more than 1 value per channel when training, got input of shape "
            "(1, 3); use a batch of at least 2 (or eval mode)", layer, cr.randn(1, 3))
    layer.eval()
    assert layer(cr.randn(1, 3)).shape == (1, 3)


def test_embedding_errors() -> None:
    _raises(ValueError, "Embedding: padding_idx 10 must be within num_embeddings 10", nn.Embedding, 10, 3,
            padding_idx=10)
    _raises(ValueError, "Embedding: padding_idx -11 must be within num_embeddings 10", nn.Embedding, 10, 3,
            padding_idx=-11)
    _raises(IndexError, "embedding: index 10 is out of range for 10 embeddings (indices must be in [0, 9])",
            nn.Embedding(10, 3), cr.tensor([3, 10]))


def test_other_layer_errors() -> None:
    _raises(ValueError, "dropout probability has to be between 0 and 1, but got 1.5", nn.Dropout, 1.5)
    _raises(ValueError, "layer_norm: expected input whose last dimensions are (4,), got input of shape (4, 3)",
            nn.LayerNorm(4), cr.randn(4, 3))
    _raises(ValueError, "Unflatten: unflattened_size (2, 5) must multiply to the size 9 of dimension 1 "
            "(input shape (3, 9))", nn.Unflatten(1, (2, 5)), cr.randn(3, 9))


def test_assigning_a_plain_tensor_to_a_parameter_is_an_error() -> None:
    layer = nn.Linear(3, 4)
    _raises(TypeError, "cannot assign Tensor as parameter 'weight' of Linear (Parameter or None expected); wrap "
            "it: nn.Parameter(tensor)", setattr, layer, "weight", cr.randn(4, 3))
    layer.weight = nn.Parameter(cr.zeros(4, 3))
    numpy.testing.assert_array_equal(layer(cr.ones(2, 3)).numpy(), numpy.tile(layer.bias.numpy(), (2, 1)))

"""RNN, LSTM, GRU and their cells against torch.nn: outputs, final states and every gradient with the same
weights (loaded through state_dict), state_dict layout, dropout between layers, repr, initialization, and
the error messages of the modules.

One table of specs (constructor name and arguments, shared by chainrule and torch; input shape; which initial
states are given) drives the comparisons, so adding a configuration means adding a row.
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
from chainrule.nn.layers import recurrent as layers
from tests.conftest import to_numpy as _numpy

TOLERANCES = {"float64": {"rtol": 1e-9, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-5}}


@dataclass(frozen=True)
class Spec:
    """`name(*args, **kwargs)` in both libraries, called on an input of `input_shape`; `states` says which
    initial states are passed ("" none, "h" or "hc"), shaped after the module and the input."""

    id: str
    name: str
    args: tuple
    kwargs: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] = ()
    states: str = ""

    @property
    def is_cell(self) -> bool:
        return self.name.endswith("Cell")

    def state_shape(self) -> tuple[int, ...]:
        hidden = self.args[1]
        if self.is_cell:
            return (*self.input_shape[:-1], hidden)
        count = self.kwargs.get("num_layers", 1) * (2 if self.kwargs.get("bidirectional") else 1)
        if len(self.input_shape) == 2:
            return (count, hidden)
        return (count, self.input_shape[0 if self.kwargs.get("batch_first") else 1], hidden)

    def arrays(self, dtype: str) -> list[numpy.ndarray]:
        """The input, then the initial states."""
        rng = numpy.random.default_rng(zlib.crc32(self.id.encode()))
        shapes = [self.input_shape] + [self.state_shape()] * len(self.states)
        return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


SPECS = [
    Spec("lstm", "LSTM", (4, 5), input_shape=(3, 2, 4)),
    Spec("lstm-state", "LSTM", (4, 5), input_shape=(3, 2, 4), states="hc"),
    Spec("lstm-2layers-bidirectional", "LSTM", (4, 5), {"num_layers": 2, "bidirectional": True},
         input_shape=(4, 2, 4), states="hc"),
    Spec("lstm-batch-first", "LSTM", (4, 5), {"batch_first": True}, input_shape=(2, 3, 4)),
    Spec("lstm-no-bias", "LSTM", (4, 5), {"bias": False}, input_shape=(3, 2, 4), states="hc"),
    Spec("lstm-length-1", "LSTM", (4, 5), {"num_layers": 2}, input_shape=(1, 3, 4)),
    Spec("lstm-unbatched", "LSTM", (4, 5), input_shape=(3, 4), states="hc"),
    Spec("lstm-unbatched-batch-first", "LSTM", (4, 5), {"batch_first": True, "bidirectional": True},
         input_shape=(3, 4)),
    Spec("gru", "GRU", (4, 5), input_shape=(3, 2, 4)),
    Spec("gru-2layers-state", "GRU", (4, 5), {"num_layers": 2}, input_shape=(3, 2, 4), states="h"),
    Spec("gru-bidirectional-batch-first", "GRU", (4, 5), {"bidirectional": True, "batch_first": True},
         input_shape=(2, 3, 4), states="h"),
    Spec("gru-no-bias", "GRU", (4, 5), {"bias": False}, input_shape=(3, 2, 4)),
    Spec("gru-length-1", "GRU", (4, 5), input_shape=(1, 2, 4), states="h"),
    Spec("gru-unbatched", "GRU", (4, 5), {"num_layers": 2}, input_shape=(3, 4), states="h"),
    Spec("rnn-tanh", "RNN", (4, 5), input_shape=(3, 2, 4), states="h"),
    Spec("rnn-relu-2layers-bidirectional", "RNN", (4, 5),
         {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}, input_shape=(3, 2, 4)),
    Spec("rnn-no-bias-batch-first", "RNN", (4, 5), {"bias": False, "batch_first": True}, input_shape=(2, 3, 4)),
    Spec("rnn-length-1-unbatched", "RNN", (4, 5), input_shape=(1, 4), states="h"),
    Spec("lstm-cell", "LSTMCell", (4, 5), input_shape=(3, 4), states="hc"),
    Spec("lstm-cell-no-state", "LSTMCell", (4, 5), input_shape=(3, 4)),
    Spec("lstm-cell-unbatched-no-bias", "LSTMCell", (4, 5), {"bias": False}, input_shape=(4,), states="hc"),
    Spec("gru-cell", "GRUCell", (4, 5), input_shape=(3, 4), states="h"),
    Spec("gru-cell-unbatched-no-bias", "GRUCell", (4, 5), {"bias": False}, input_shape=(4,)),
    Spec("rnn-cell", "RNNCell", (4, 5), input_shape=(3, 4), states="h"),
    Spec("rnn-cell-relu-unbatched", "RNNCell", (4, 5), {"nonlinearity": "relu"}, input_shape=(4,), states="h"),
]
PARAMS = [pytest.param(spec, id=spec.id) for spec in SPECS]



def _flatten(result) -> list:
    """The tensors of a result: output, h_n, c_n (or h, c) in order."""
    if isinstance(result, tuple | list):
        return [tensor for part in result for tensor in _flatten(part)]
    return [result]


def _call(module, arrays: list, states: str, make):
    """Call `module` on the input and the initial states made by `make` (tensors of either library)."""
    input, *initial = [make(array) for array in arrays]
    if not states:
        return module(input), input, initial
    hx = tuple(initial) if len(states) == 2 else initial[0]
    return module(input, hx), input, initial


def _pair(spec: Spec, dtype: str, device: str, torch):
    """(chainrule module, torch module) with torch's initial weights loaded into chainrule's."""
    torch.manual_seed(zlib.crc32(spec.id.encode()))
    reference = getattr(torch.nn, spec.name)(*spec.args, **spec.kwargs).to(getattr(torch, dtype))
    module = getattr(layers, spec.name)(*spec.args, **spec.kwargs).to(getattr(cr, dtype)).to(device)
    module.load_state_dict({key: value.numpy() for key, value in reference.state_dict().items()})
    return module, reference


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", PARAMS)
def test_forward_backward_match_torch(spec: Spec, dtype: str, device: str, torch) -> None:
    module, reference = _pair(spec, dtype, device, torch)
    arrays = spec.arrays(dtype)
    outs, x, states = _call(module, arrays, spec.states, lambda a: cr.tensor(a, device=device, requires_grad=True))
    expected, torch_x, torch_states = _call(reference, arrays, spec.states,
                                            lambda a: torch.from_numpy(a.copy()).requires_grad_())
    outs, expected = _flatten(outs), _flatten(expected)
    assert [out.shape for out in outs] == [tuple(e.shape) for e in expected]
    for index, (out, reference_out) in enumerate(zip(outs, expected, strict=True)):
        assert out.dtype.name == dtype
        numpy.testing.assert_allclose(_numpy(out), reference_out.detach().numpy(), **TOLERANCES[dtype],
                                      err_msg=f"output {index}")

    rng = numpy.random.default_rng(1)
    upstream = [rng.standard_normal(out.shape).astype(dtype) for out in outs]
    loss = sum((out * cr.tensor(u, device=device)).sum() for out, u in zip(outs, upstream, strict=True))
    loss.backward()
    sum((e * torch.from_numpy(u)).sum() for e, u in zip(expected, upstream, strict=True)).backward()
    for name, ours, theirs in [("input", x, torch_x), *zip(("h_0", "c_0"), states, torch_states, strict=False)]:
        numpy.testing.assert_allclose(_numpy(ours.grad), theirs.grad.numpy(), **TOLERANCES[dtype], err_msg=name)
    torch_parameters = dict(reference.named_parameters())
    assert [name for name, _ in module.named_parameters()] == list(torch_parameters)
    for name, parameter in module.named_parameters():
        numpy.testing.assert_allclose(_numpy(parameter.grad), torch_parameters[name].grad.numpy(),
                                      **TOLERANCES[dtype], err_msg=name)


@pytest.mark.torch
@pytest.mark.parametrize("spec", PARAMS)
def test_state_dict_layout_matches_torch(spec: Spec, torch) -> None:
    state = getattr(layers, spec.name)(*spec.args, **spec.kwargs).state_dict()
    expected = getattr(torch.nn, spec.name)(*spec.args, **spec.kwargs).state_dict()
    assert list(state) == list(expected)
    for key, value in state.items():
        assert value.shape == tuple(expected[key].shape), key
        assert value.dtype.name == str(expected[key].dtype).removeprefix("torch."), key


@pytest.mark.torch
def test_state_dict_round_trip_to_torch(torch) -> None:
    module = layers.GRU(3, 4, num_layers=2, bidirectional=True).double()
    reference = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    reference.load_state_dict({key: torch.from_numpy(value.numpy()) for key, value in module.state_dict().items()})
    values = numpy.random.default_rng(0).standard_normal((5, 2, 3))
    output, h_n = module(cr.tensor(values))
    expected, expected_h_n = reference(torch.from_numpy(values))
    numpy.testing.assert_allclose(_numpy(output), expected.detach().numpy(), **TOLERANCES["float64"])
    numpy.testing.assert_allclose(_numpy(h_n), expected_h_n.detach().numpy(), **TOLERANCES["float64"])


# -- dropout between layers --------------------------------------------------------------------------------------
@pytest.mark.torch
def test_dropout_is_identity_in_eval_mode(torch) -> None:
    spec = Spec("lstm-dropout", "LSTM", (4, 5), {"num_layers": 3, "dropout": 0.5}, input_shape=(3, 2, 4))
    module, reference = _pair(spec, "float64", "cpu", torch)
    module.eval()
    reference.eval()
    values = spec.arrays("float64")[0]
    (output, (h_n, c_n)), (expected, (expected_h_n, expected_c_n)) = module(cr.tensor(values)), \
        reference(torch.from_numpy(values))
    for ours, theirs in ((output, expected), (h_n, expected_h_n), (c_n, expected_c_n)):
        numpy.testing.assert_allclose(_numpy(ours), theirs.detach().numpy(), **TOLERANCES["float64"])


def test_dropout_is_active_in_training_between_layers_only() -> None:
    module = layers.GRU(4, 5, num_layers=2, dropout=0.5).double()
    x = cr.randn(6, 3, 4, dtype=cr.float64)
    trained = [_numpy(module(x)[0]) for _ in range(2)]
    assert not numpy.allclose(trained[0], trained[1])  # a new mask each call
    module.eval()
    evaluated = _numpy(module(x)[0])
    numpy.testing.assert_array_equal(evaluated, _numpy(module(x)[0]))
    assert not numpy.allclose(trained[0], evaluated)
    # the first layer's final state is computed before any dropout: the same in both modes
    module.train()
    numpy.testing.assert_allclose(_numpy(module(x)[1][0]), _numpy(module.eval()(x)[1][0]), rtol=1e-12)


@pytest.mark.torch
def test_dropout_one_zeroes_the_input_of_the_next_layer(torch) -> None:
    """With p=1 in training the second layer sees zeros: it equals a one-layer LSTM with layer 1's weights on zeros."""
    module = layers.LSTM(4, 5, num_layers=2, dropout=1.0).double()
    values = numpy.random.default_rng(0).standard_normal((3, 2, 4))
    output, (h_n, _) = module(cr.tensor(values))
    second = torch.nn.LSTM(5, 5).double()
    second.load_state_dict({key.replace("_l1", "_l0"): torch.from_numpy(value.numpy())
                            for key, value in module.state_dict().items() if key.endswith("_l1")})
    expected, (expected_h_n, _) = second(torch.zeros(3, 2, 5, dtype=torch.float64))
    numpy.testing.assert_allclose(_numpy(output), expected.detach().numpy(), **TOLERANCES["float64"])
    numpy.testing.assert_allclose(_numpy(h_n[1]), expected_h_n[0].detach().numpy(), **TOLERANCES["float64"])


def test_dropout_with_one_layer_warns() -> None:
    with pytest.warns(UserWarning, match=r"^LSTM: dropout applies between layers, so dropout=0.5 does nothing "
                                         r"with num_layers=1$"):
        layers.LSTM(3, 4, dropout=0.5)


# -- repr, initialization, create_graph, in-place checks ---------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("LSTM", (32, 128), {"batch_first": True}),
    ("GRU", (10, 20), {"num_layers": 2, "bidirectional": True}),
    ("RNN", (4, 8), {"nonlinearity": "relu"}),
    ("LSTM", (3, 4), {"num_layers": 2, "bias": False, "dropout": 0.25}),
    ("LSTMCell", (4, 8), {}),
    ("RNNCell", (4, 8), {"bias": False, "nonlinearity": "relu"}),
    ("GRUCell", (4, 8), {}),
])
def test_repr_matches_torch(name: str, args: tuple, kwargs: dict, torch) -> None:
    assert repr(getattr(layers, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_default_initialization_is_uniform_in_one_over_sqrt_hidden(name: str) -> None:
    module = getattr(layers, name)(6, 16, **({} if name.endswith("Cell") else {"num_layers": 2}))
    bound = 1 / math.sqrt(16)
    for key, parameter in module.named_parameters():
        values = parameter.numpy()
        assert values.min() >= -bound and values.max() <= bound, key
        assert values.std() > bound / 3, key  # spread over the interval, not constant
    cr.manual_seed(3)
    module.reset_parameters()
    first = module.weight_ih_l0 if hasattr(module, "weight_ih_l0") else module.weight_ih
    before = first.numpy().copy()
    module.reset_parameters()
    assert not numpy.array_equal(before, first.numpy())


def test_second_derivatives_through_a_module() -> None:
    module = layers.LSTM(2, 3).double()
    x = cr.randn(2, 2, 2, dtype=cr.float64, requires_grad=True)
    output, _ = module(x)
    (grad_x,) = cr.autograd.grad(output.sum(), [x], create_graph=True)
    (grad_x * grad_x).sum().backward()
    assert module.weight_hh_l0.grad is not None and numpy.isfinite(module.weight_hh_l0.grad.numpy()).all()
    assert module.weight_hh_l0.grad.numpy().any()


def test_changing_the_output_in_place_before_backward_raises() -> None:
    output, _ = layers.GRU(2, 3)(cr.randn(4, 1, 2))
    loss = output.sum()
    output._data[...] = 0
    output._bump_version()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_all_weights_and_flatten_parameters() -> None:
    module = layers.LSTM(3, 4, num_layers=2, bidirectional=True)
    module.flatten_parameters()
    assert len(module.all_weights) == 4
    assert [tuple(p.shape) for p in module.all_weights[2]] == [(16, 8), (16, 4), (16,), (16,)]


# -- errors ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: layers.LSTM(32, 128, num_layers=0), ValueError, "LSTM: num_layers must be an int of at least 1, got 0"),
    (lambda: layers.GRU(3, 4, dropout=1.5), ValueError, "GRU: dropout must be a probability in [0, 1], got 1.5"),
    (lambda: layers.LSTM(3, 4, dropout=-0.1), ValueError, "LSTM: dropout must be a probability in [0, 1], got -0.1"),
    (lambda: layers.RNN(3, 4, nonlinearity="sigmoid"), ValueError,
     "RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"),
    (lambda: layers.RNNCell(3, 4, nonlinearity="gelu"), ValueError,
     "RNNCell: nonlinearity must be 'tanh' or 'relu', got 'gelu'"),
    (lambda: layers.LSTM(3, 0), ValueError, "LSTM: hidden_size must be a positive int, got 0"),
    (lambda: layers.GRUCell(2.5, 4), ValueError, "GRUCell: input_size must be a positive int, got 2.5"),
])
def test_constructor_errors(make, error, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        make()


LSTM_32 = layers.LSTM(32, 128)
LSTM_32_BF = layers.LSTM(32, 128, batch_first=True)
GRU_2 = layers.GRU(3, 4, num_layers=2)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: LSTM_32(cr.randn(64, 50, 16)), ValueError,
     "LSTM: expected input of shape (L, N, 32) with batch_first=False or (L, 32) unbatched, got (64, 50, 16): "
     "its last dimension 16 must equal input_size=32"),
    (lambda: LSTM_32_BF(cr.randn(2, 64, 50, 32)), ValueError,
     "LSTM: expected input of shape (N, L, 32) with batch_first=True or (L, 32) unbatched, got (2, 64, 50, 32)"),
    (lambda: LSTM_32([[1.0] * 32]), TypeError, "LSTM: expected input to be a Tensor, got list"),
    (lambda: LSTM_32(cr.randn(5, 2, 32, dtype=cr.float64)), TypeError,
     "LSTM: input has dtype chainrule.float64 but the parameters chainrule.float32; convert one of them, e.g. "
     "input.to(chainrule.float32) or model.to(chainrule.float64)"),
    (lambda: LSTM_32(cr.randn(5, 2, 32), (cr.zeros(2, 2, 128), cr.zeros(1, 2, 128))), ValueError,
     "LSTM: expected h_0 of shape (1, 2, 128), got (2, 2, 128)"),
    (lambda: LSTM_32(cr.randn(5, 2, 32), (cr.zeros(1, 2, 128), cr.zeros(1, 3, 128))), ValueError,
     "LSTM: expected c_0 of shape (1, 2, 128), got (1, 3, 128)"),
    (lambda: LSTM_32(cr.randn(5, 32), (cr.zeros(1, 1, 128), cr.zeros(1, 1, 128))), ValueError,
     "LSTM: expected h_0 of shape (1, 128), got (1, 1, 128) (unbatched input takes unbatched states)"),
    (lambda: LSTM_32(cr.randn(5, 2, 32), cr.zeros(1, 2, 128)), TypeError,
     "LSTM: hx must be a tuple (h_0, c_0), got Tensor"),
    (lambda: GRU_2(cr.randn(5, 2, 3), cr.zeros(1, 2, 4)), ValueError,
     "GRU: expected h_0 of shape (2, 2, 4), got (1, 2, 4)"),
    (lambda: GRU_2(cr.randn(5, 2, 3), (cr.zeros(2, 2, 4),)), TypeError,
     "GRU: expected h_0 to be a Tensor of shape (2, 2, 4), got tuple"),
    (lambda: layers.LSTMCell(3, 4)(cr.randn(2, 5)), ValueError,
     "LSTMCell: expected input of shape (N, 3) or (3,) unbatched, got (2, 5): its last dimension must equal "
     "input_size=3"),
    (lambda: layers.GRUCell(3, 4)(cr.randn(2, 2, 3)), ValueError,
     "GRUCell: expected input of shape (N, 3) or (3,) unbatched, got (2, 2, 3)"),
    (lambda: layers.RNNCell(3, 4)(cr.randn(2, 3), cr.zeros(3, 4)), ValueError,
     "RNNCell: expected hx of shape (2, 4), got (3, 4)"),
    (lambda: layers.LSTMCell(3, 4)(cr.randn(2, 3), (cr.zeros(2, 4), cr.zeros(4))), ValueError,
     "LSTMCell: expected c of shape (2, 4), got (4,)"),
    (lambda: layers.LSTMCell(3, 4)(cr.randn(2, 3), cr.zeros(2, 4)), TypeError,
     "LSTMCell: hx must be a tuple (h, c), got Tensor"),
    (lambda: layers.GRUCell(3, 4)(cr.randn(2, 3, dtype=cr.float64)), TypeError,
     "GRUCell: input has dtype chainrule.float64 but the parameters chainrule.float32; convert one of them, e.g. "
     "input.to(chainrule.float32) or model.to(chainrule.float64)"),
])
def test_forward_errors(call, error, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_backward_twice_with_retain_graph_doubles_the_gradients(name: str) -> None:
    """The LSTM writes its gate gradients over the saved activations: a second backward must recompute them."""
    module = getattr(layers, name)(3, 4, num_layers=2).double()
    x = cr.randn(5, 2, 3, dtype=cr.float64, requires_grad=True)
    output, _ = module(x)
    output.sum().backward(retain_graph=True)
    once = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in module.parameters()]
    output.sum().backward()
    twice = [x.grad.numpy()] + [p.grad.numpy() for p in module.parameters()]
    for first, second in zip(once, twice, strict=True):
        numpy.testing.assert_allclose(second, 2 * first, rtol=1e-12)

"""The rows of the recurrent ops (chainrule.ops.recurrent) against torch's functions of the same names: the
cells (inputs, hidden states and weights as inputs) and the fused sequence functions (bidirectional, stacked,
batch_first, with and without biases).

Every input, hidden states included, is a Gaussian leaf of standard deviation 0.8. A sequence function takes
(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first): the sample's inputs
are the input, one (GRU, RNN) or two (LSTM) initial states and the flat list of weights, its kwargs the flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from chainrule.ops import recurrent
from tests.ops.op_table.info import Normal, OpInfo, Sample, sample, torch, transposed

N, I, H, L = 2, 3, 2, 3  # batch, input size, hidden size, length: tiny, for finite differences
# the fused recurrences sum over steps and gates in another order than PyTorch's, on every device: float64 to
# 1e-9, float32 to 1e-4 (the CPU passes at TOLERANCES; the looser bounds are the ones they have always been held to)
RECURRENT_TOLERANCES = {"float64": {"rtol": 1e-9, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-5}}
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _weights(gates: int, input_size: int, bias: bool, directions: int = 1, layers: int = 1) -> list[tuple]:
    shapes = []
    for layer in range(layers):
        for _ in range(directions):
            size = input_size if layer == 0 else H * directions
            shapes += [(gates * H, size), (gates * H, H)] + ([(gates * H,), (gates * H,)] if bias else [])
    return shapes


def _cell_samples(name: str) -> Callable[[], Iterator[Sample]]:
    states = [(N, H), (N, H)] if name == "lstm" else [(N, H)]

    def samples() -> Iterator[Sample]:
        yield sample((N, I), *states, *_weights(GATES[name], I, True))
        if name in ("lstm", "gru"):
            yield sample((N, I), *states, *_weights(GATES[name], I, False), tag="nobias")
        w_ih, *weights = _weights(GATES[name], I, True)
        yield sample(transposed(N, I), *states, transposed(*w_ih), *weights, tag="noncontig")

    return samples


def _sequence_samples(name: str, *configurations: dict) -> Callable[[], Iterator[Sample]]:
    """One sample per configuration (has_biases, num_layers, bidirectional, batch_first)."""

    def samples() -> Iterator[Sample]:
        for index, configuration in enumerate(configurations):
            flags = {"has_biases": True, "num_layers": 1, "bidirectional": False, "batch_first": False,
                     **configuration}
            directions = 2 if flags["bidirectional"] else 1
            states = [(flags["num_layers"] * directions, N, H)] * (2 if name == "lstm" else 1)
            w_ih, *weights = _weights(GATES[name], I, flags["has_biases"], directions, flags["num_layers"])
            shape = (N, L, I) if flags["batch_first"] else (L, N, I)
            yield sample(shape, *states, w_ih, *weights, **flags)
            if index == 0:  # the input and the first weight as transposed views
                yield sample(transposed(*shape), *states, transposed(*w_ih), *weights, **flags, tag="noncontig")

    return samples


def _cell(name: str, library: str) -> Callable:
    """<name>_cell(input, hx, [cx,] *weights); PyTorch's lstm_cell takes the states as one list [hx, cx]."""

    def call(x, *tensors):
        if library == "chainrule":
            return getattr(recurrent, f"{name}_cell")(x, *tensors)
        if name == "lstm":
            return torch.lstm_cell(x, list(tensors[:2]), *tensors[2:])
        return getattr(torch, f"{name}_cell")(x, *tensors)

    return call


def _sequence(name: str, library: str) -> Callable:
    """<name>(input, hx, params, has_biases, num_layers, 0.0, True, bidirectional, batch_first)."""
    states = 2 if name == "lstm" else 1

    def call(x, *tensors, has_biases, num_layers, bidirectional, batch_first):
        hx = tensors[0] if states == 1 else (tuple if library == "chainrule" else list)(tensors[:2])
        function = getattr(recurrent if library == "chainrule" else torch, name)
        return function(x, hx, list(tensors[states:]), has_biases, num_layers, 0.0, True, bidirectional, batch_first)

    return call


def _row(name: str, op: Callable, ref: Callable, samples: Callable[[], Iterator[Sample]]) -> OpInfo:
    return OpInfo(name, op, ref, samples, Normal(0.8), tolerances=RECURRENT_TOLERANCES)


RECURRENT_ROWS: list[OpInfo] = [
    *(_row(f"{name}_cell", _cell(name, "chainrule"), _cell(name, "torch"), _cell_samples(name))
      for name in ("lstm", "gru", "rnn_tanh", "rnn_relu")),
    _row("lstm", _sequence("lstm", "chainrule"), _sequence("lstm", "torch"), _sequence_samples(
        "lstm", {"bidirectional": True}, {"has_biases": False, "num_layers": 2, "batch_first": True})),
    _row("gru", _sequence("gru", "chainrule"), _sequence("gru", "torch"), _sequence_samples(
        "gru", {"bidirectional": True}, {"has_biases": False, "num_layers": 2})),
    _row("rnn_tanh", _sequence("rnn_tanh", "chainrule"), _sequence("rnn_tanh", "torch"), _sequence_samples(
        "rnn_tanh", {"num_layers": 2, "batch_first": True})),
    _row("rnn_relu", _sequence("rnn_relu", "chainrule"), _sequence("rnn_relu", "torch"), _sequence_samples(
        "rnn_relu", {"bidirectional": True, "has_biases": False})),
]

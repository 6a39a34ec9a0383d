"""Recurrent layers (RNN, LSTM, GRU) and cells (RNNCell, LSTMCell, GRUCell) with PyTorch's API.

Parameter names, shapes and order are PyTorch's (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
then `..._l0_reverse` and the next layers), so state_dicts move between the two unchanged. The math lives in
`chainrule.ops.recurrent`: one fused op per layer and direction.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from chainrule import backend
from chainrule.creation import empty, zeros
from chainrule.nn import init
from chainrule.nn.module import Module, Parameter
from chainrule.ops import recurrent
from chainrule.tensor import Tensor

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_FUNCTIONS = {"LSTM": recurrent.lstm, "GRU": recurrent.gru, "RNN_TANH": recurrent.rnn_tanh,
              "RNN_RELU": recurrent.rnn_relu}


def _check_size(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")


def _check_nonlinearity(owner: str, nonlinearity: Any) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: configuration, parameters, PyTorch's initialization and input checks.

    `mode` is 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU'.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unknown mode {mode!r}; use one of {', '.join(_GATES)}")
        _check_size(name, "input_size", input_size)
        _check_size(name, "hidden_size", hidden_size)
        if isinstance(num_layers, bool) or not isinstance(num_layers, numbers.Integral) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be an int of at least 1, got {num_layers!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout applies between layers, so dropout={dropout} does nothing with "
                          "num_layers=1", UserWarning, stacklevel=2)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                layer_input_size = input_size if layer == 0 else hidden_size * directions
                shapes = {"weight_ih": (gate_size, layer_input_size), "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, Parameter(empty(*shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        per_layer = 4 if self.bias else 2
        weights = self._flat_weights
        return [weights[start:start + per_layer] for start in range(0, len(weights), per_layer)]

    def flatten_parameters(self) -> None:
        """Does nothing: kept so that PyTorch code calling it runs unchanged."""

    def _check_input(self, input: Any) -> bool:
        """Raise unless the input is (L, N, input_size) ((N, L, ...) when batch_first) or (L, input_size);
        returns whether it is batched."""
        name, size = type(self).__name__, self.input_size
        layout = (f"(N, L, {size}) with batch_first=True" if self.batch_first
                  else f"(L, N, {size}) with batch_first=False")
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        message = f"{name}: expected input of shape {layout} or (L, {size}) unbatched, got {input.shape}"
        if input.ndim not in (2, 3):
            raise ValueError(message)
        if input.shape[-1] != size:
            raise ValueError(f"{message}: its last dimension {input.shape[-1]} must equal input_size={size}")
        ours, theirs = backend.dtype_name(self.weight_ih_l0.dtype), backend.dtype_name(input.dtype)
        if ours != theirs:
            raise TypeError(f"{name}: input has dtype {theirs} but the parameters {ours}; convert one of them, e.g. "
                            f"input.to({ours}) or model.to({theirs})")
        return input.ndim == 3

    def _check_state(self, state: Any, which: str, batch: int | None) -> Tensor:
        """A given initial state, checked and (for unbatched input) given a batch dimension."""
        name = type(self).__name__
        count = self.num_layers * (2 if self.bidirectional else 1)
        expected = (count, self.hidden_size) if batch is None else (count, batch, self.hidden_size)
        if not isinstance(state, Tensor):
            raise TypeError(f"{name}: expected {which} to be a Tensor of shape {expected}, got {type(state).__name__}")
        if state.shape != expected:
            raise ValueError(f"{name}: expected {which} of shape {expected}, got {state.shape}"
                             + (" (unbatched input takes unbatched states)" if batch is None else ""))
        return state if batch is not None else state.unsqueeze(1)

    def _run(self, input: Tensor, states: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...]]:
        batched = self._check_input(input)
        batch_dim = 0 if self.batch_first else 1
        if states is not None:
            batch = input.shape[batch_dim] if batched else None
            states = tuple(self._check_state(state, which, batch)
                           for state, which in zip(states, ("h_0", "c_0"), strict=False))
        if not batched:
            input = input.unsqueeze(batch_dim)
        if states is not None and self.mode != "LSTM":
            states = states[0]
        output, *finals = _FUNCTIONS[self.mode](input, states, self._flat_weights, self.bias, self.num_layers,
                                               self.dropout, self.training, self.bidirectional, self.batch_first)
        if not batched:
            output = output.squeeze(batch_dim)
            finals = [final.squeeze(1) for final in finals]
        return output, tuple(finals)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh) (or relu), stacked `num_layers` deep.

    Returns (output, h_n): output (L, N, D * hidden_size) (batch first if asked), h_n (D * num_layers, N,
    hidden_size), with D = 2 when bidirectional. Example:
        >>> rnn = RNN(10, 20, num_layers=2)
        >>> output, h_n = rnn(chainrule.randn(5, 3, 10))  # output (5, 3, 20), h_n (2, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        _check_nonlinearity("RNN", nonlinearity)
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gates: i, f, g, o; c_t = f c_(t-1) + i g; h_t = o tanh(c_t).

    Returns (output, (h_n, c_n)), shaped as RNN's output and h_n. Example:
        >>> lstm = LSTM(32, 128, batch_first=True)
        >>> output, (h_n, c_n) = lstm(chainrule.randn(64, 50, 32))  # output (64, 50, 128), h_n (1, 64, 128)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        output, (h_n, c_n) = self._run(input, None if hx is None else tuple(hx))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gates: r, z, n = tanh(W_in x + b_in + r (W_hn h + b_hn));
    h_t = (1 - z) n + z h_(t-1). Returns (output, h_n), shaped as RNN's."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class RNNCellBase(Module):
    """What the cells share: weight_ih (gates * hidden, input), weight_hh (gates * hidden, hidden), biases."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_size(name, "input_size", input_size)
        _check_size(name, "hidden_size", hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _prepare(self, input: Any, states: tuple, names: tuple[str, ...]) -> tuple[Tensor, list[Tensor], bool]:
        """Check input (N, input_size) or (input_size,) and the states; return them batched (zeros for None)."""
        name, size = type(self).__name__, self.input_size
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != size:
            raise ValueError(f"{name}: expected input of shape (N, {size}) or ({size},) unbatched, got {input.shape}"
                             + (f": its last dimension must equal input_size={size}" if input.ndim in (1, 2) else ""))
        ours, theirs = backend.dtype_name(self.weight_ih.dtype), backend.dtype_name(input.dtype)
        if ours != theirs:
            raise TypeError(f"{name}: input has dtype {theirs} but the parameters {ours}; convert one of them, e.g. "
                            f"input.to({ours}) or model.to({theirs})")
        batched = input.ndim == 2
        expected = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        prepared = []
        for state, which in zip(states, names, strict=True):
            if state is None:
                state = zeros(*expected, dtype=input.dtype, device=input.device)
            elif not isinstance(state, Tensor) or state.shape != expected:
                got = state.shape if isinstance(state, Tensor) else type(state).__name__
                raise ValueError(f"{name}: expected {which} of shape {expected}, got {got}")
            prepared.append(state if batched else state.unsqueeze(0))
        return (input if batched else input.unsqueeze(0)), prepared, batched

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). hx defaults to zeros."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        _check_nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (hx,), batched = self._prepare(input, (hx,), ("hx",))
        cell = recurrent.rnn_tanh_cell if self.nonlinearity == "tanh" else recurrent.rnn_relu_cell
        h = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c'); hx = (h, c) defaults to zeros.

    Example: `h, c = cell(x, (h, c))` inside a loop over time, for a custom recurrence.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        input, (h, c), batched = self._prepare(input, (None, None) if hx is None else tuple(hx), ("h", "c"))
        h, c = recurrent.lstm_cell(input, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) n + z h with PyTorch's gates (see GRU); hx defaults to zeros."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (hx,), batched = self._prepare(input, (hx,), ("hx",))
        h = recurrent.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)

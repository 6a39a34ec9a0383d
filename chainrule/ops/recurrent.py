"""Recurrent layers and cells: LSTM, GRU and Elman RNN (tanh or ReLU), with PyTorch's gates and layouts.

One Function runs one layer in one direction over the whole sequence, as cuDNN does. Forward projects the
input of every time step with one GEMM up front (x W_ih^T + b), then loops over time doing only h W_hh^T
and the gate arithmetic; backward loops in reverse and keeps the gate gradients of all steps, so that the
gradients of x, W_ih, W_hh and the biases are one GEMM or one sum each at the end. The LSTM goes further: its
arrays are feature-major, (features, N), and one product W [h_t; x_t; 1] per step gives all pre-activations
(see LSTMSequence). A cell (`lstm_cell`, ...) is the same Function run for a single step.

Under create_graph, each Function's `vjp` reruns the steps with Tensor ops (ops/recurrent_steps.py), so that
gradients of gradients exist.

Why not one graph node per step: each step would need its slice of the projected input, and the gradient
of a slice is a full-sequence array, so backward would cost O(length^2).

The gates follow PyTorch (W_ih and W_hh stack the gates' rows in this order):
    LSTM  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x W_ih^T + b_ih + h W_hh^T + b_hh
          c' = f c + i g,  h' = o tanh(c')
    GRU   r, z = sigmoid of x W_ih^T + b_ih + h W_hh^T + b_hh (their rows);  n = tanh(x W_in^T + b_in +
          r (h W_hn^T + b_hn));  h' = (1 - z) n + z h
    RNN   h' = tanh or relu of x W_ih^T + b_ih + h W_hh^T + b_hh
"""

from __future__ import annotations

from collections.abc import Sequence

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.dropout import dropout as _dropout
from chainrule.ops.recurrent_steps import (
    differentiable_backward,
    gru_step,
    gru_step_grad,
    lstm_step,
    lstm_step_grad,
    rnn_step,
    rnn_step_grad,
)
from chainrule.ops.shape import cat
from chainrule.tensor import Tensor, _wrap

# Per-gate factors of the pre-activations. sigmoid(x) = (1 + tanh(x / 2)) / 2, so halving the sigmoid gates'
# weight columns lets one tanh call activate all gates; then a = scale * tanh + (1 - scale), and its slope is
# scale^2 - (a - (1 - scale))^2, which is s (1 - s) for a sigmoid and 1 - g^2 for a tanh.
_LSTM_SCALES = (0.5, 0.5, 1.0, 0.5)
_GRU_SCALES = (0.5, 0.5, 1.0)  # n is activated apart (it needs r first): its factor is 1


# LSTM backward: columns (steps x batch) of the gate gradients per product for the weights' gradient; big enough
# for BLAS to run near its peak, small enough to keep the buffer far below the (L, 4H, N) activations
_CHUNK_COLUMNS = 1024


def _gate_scale(xp, dtype, hidden_size: int, scales: tuple):
    return xp.repeat(xp.asarray(scales, dtype=dtype), hidden_size)


def _transposed(weight, scale=None):
    """weight^T, C-contiguous (BLAS's faster layout for h @ W^T), its columns multiplied by `scale`."""
    xp = backend.array_module(weight)
    result = xp.empty((weight.shape[1], weight.shape[0]), dtype=weight.dtype)
    if scale is None:
        result[...] = weight.T
    else:
        xp.multiply(weight.T, scale, out=result)
    return result


def _split(gates, hidden_size: int) -> list:
    """The per-gate blocks of columns of `gates`, as views."""
    return [gates[:, start:start + hidden_size] for start in range(0, gates.shape[1], hidden_size)]


class _Recurrence(Function):
    """What the three layer Functions share: the input projection up front, the parameter gradients at the end.

    Inputs (GRU and RNN): x, h0, w_ih, w_hh, (b_ih, b_hh); `first_weight` is w_ih's position. x is (L, N, I) for a
    sequence or (N, I) for one step. `states` holds h0, h_1, ..., h_L.
    """

    saves_inputs = True
    saves_output = True  # a view of `states`: an in-place change of the output is caught at backward
    first_weight = 2

    def _project(self, x, w_ih, bias, scale):
        """x W_ih^T + bias for all steps at once, shaped (L, N, gates); columns multiplied by `scale`."""
        self.rows = x.reshape((-1, x.shape[-1]))
        if scale is not None and bias is not None:
            bias = bias * scale
        gates = self.rows @ _transposed(w_ih, scale)
        if bias is not None:
            gates += bias
        return gates.reshape((x.shape[0] if x.ndim == 3 else 1, -1, gates.shape[-1]))

    def _parameter_grads(self, d_input, d_hidden):
        """Gradients of x, W_ih, W_hh, b_ih, b_hh from the pre-activation gradients of all steps.

        d_input is d(x W_ih^T + b_ih), d_hidden is d(h W_hh^T + b_hh), each (L, N, gates); they are the
        same array except for the GRU, where b_hn sits inside r (...).
        """
        parents, inputs, first = self.parents, self.inputs, self.first_weight
        width = d_input.shape[-1]
        shared = d_hidden is d_input
        d_input = d_input.reshape((-1, width))
        d_hidden = d_input if shared else d_hidden.reshape((-1, width))
        steps = self.states.shape[0] - 1
        grads = [
            (d_input @ inputs[first]).reshape(inputs[0].shape) if parents[0] is not None else None,
            d_input.T @ self.rows if parents[first] is not None else None,
            d_hidden.T @ self.states[:steps].reshape((-1, self.states.shape[-1]))
            if parents[first + 1] is not None else None,
        ]
        if len(parents) > first + 2:
            bias_grad = d_input.sum(axis=0)
            grads += [bias_grad, bias_grad.copy() if shared else d_hidden.sum(axis=0)]
        return grads


class LSTMSequence(Function):
    """An LSTM layer over a sequence. Output (L + 1, N, H): h_1, ..., h_L, then c_L ((2, N, H) for one step).

    Inside, the arrays of a step are feature-major, (features, N), and each step's pre-activations are one
    product W [h_t; x_t; 1] with W = [W_hh, W_ih, b_ih + b_hh]: OpenBLAS runs (4H, K) @ (K, N) faster than
    (N, K) @ (K, 4H) at these sizes, the input projection and bias cost no pass of their own, each gate is a
    contiguous block of rows, and backward gets the gradients of all three weights from one product. The
    output is a transposed view of the stacked [h_t; x_t; 1].

    Backward, step by step in reverse: dc += dh o (1 - tanh(c)^2); d[i, f, g, o] = [dc g, dc c_prev, dc i,
    dh tanh(c)] times the activations' slopes; dc_prev = dc f; dh_prev = W_hh^T d[i, f, g, o] (+ dh of the
    output at t - 1). The gate gradients are written over the saved activations, step by step, which saves
    an (L, 4H, N) buffer; a second backward through the same graph (retain_graph) recomputes them first.
    """

    saves_inputs = True
    saves_output = True  # a view of `stacked`: an in-place change of the output is caught at backward
    first_weight = 3  # w_ih's position, for differentiable_backward

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = backend.array_module(x)
        batch, hidden = h0.shape
        sequence = x if x.ndim == 3 else x[None]
        steps, size = sequence.shape[0], sequence.shape[2]
        scale = _gate_scale(xp, x.dtype, hidden, _LSTM_SCALES)[:, None]  # (4H, 1): scales the rows of W
        blocks = [w_hh, w_ih] if b_ih is None else [w_hh, w_ih, (b_ih + b_hh)[:, None]]
        weight = xp.concatenate(blocks, axis=1)
        weight *= scale
        # stacked[:, t] = [h_t; x_t; 1] for t < L; h_L, then c_L, in the first H rows of the last two. Time is
        # the middle axis, so that backward sees all steps' [h_t; x_t; 1] as one (K, L * N) matrix, uncopied
        stacked = xp.empty((weight.shape[1], steps + 2, batch), dtype=x.dtype)
        stacked[:hidden, 0] = h0.T
        stacked[hidden:hidden + size, :steps] = sequence.transpose(2, 0, 1)
        stacked[hidden + size:, :steps] = 1
        gates = xp.empty((steps, 4 * hidden, batch), dtype=x.dtype)
        cells = xp.empty((steps + 1, hidden, batch), dtype=x.dtype)
        tanh_cells = xp.empty((steps, hidden, batch), dtype=x.dtype)
        cells[0] = c0.T
        scale = xp.broadcast_to(scale, gates.shape[1:]).copy()  # same-shape operands: twice as fast in NumPy
        offset = 1 - scale
        product = xp.empty_like(cells[0])
        for t in range(steps):
            gate = gates[t]
            xp.matmul(weight, stacked[:, t], out=gate)
            xp.tanh(gate, out=gate)
            gate *= scale
            gate += offset
            i, f, g, o = gate[:hidden], gate[hidden:2 * hidden], gate[2 * hidden:3 * hidden], gate[3 * hidden:]
            xp.multiply(f, cells[t], out=cells[t + 1])
            xp.multiply(i, g, out=product)
            cells[t + 1] += product
            xp.tanh(cells[t + 1], out=tanh_cells[t])
            xp.multiply(o, tanh_cells[t], out=stacked[:hidden, t + 1])
        stacked[:hidden, steps + 1] = cells[steps]
        self.gates, self.cells, self.tanh_cells, self.stacked, self.scale = gates, cells, tanh_cells, stacked, scale
        return stacked[:hidden, 1:].transpose(1, 2, 0)

    def backward(self, grad):
        xp = backend.array_module(grad)
        x, w_ih, w_hh = self.inputs[0], self.inputs[3], self.inputs[4]
        if self.gates is None:  # a second backward (retain_graph): the first one wrote over the activations
            self.forward(*self.inputs)
        gates, cells, tanh_cells, stacked, scale = self.gates, self.cells, self.tanh_cells, self.stacked, self.scale
        self.gates = None
        parents = self.parents
        steps, hidden, batch = tanh_cells.shape
        grad = grad.transpose(0, 2, 1)  # (L + 1, H, N), as the states
        w_hh_t = xp.ascontiguousarray(w_hh.T)
        offset, square_scale = 1 - scale, scale * scale
        slope, scratch, next_cell = xp.empty_like(gates[0]), xp.empty_like(cells[0]), xp.empty_like(cells[0])
        # The gate gradients of `chunk` steps, time in the middle: one (4H, chunk * N) matrix, so that the
        # weights' gradient (and x's) is one product per chunk, without an (L, 4H, N) buffer for all steps.
        chunk = min(steps, max(1, _CHUNK_COLUMNS // batch))
        d_gates = xp.empty((4 * hidden, chunk, batch), dtype=gates.dtype)
        weights_need_grad = any(parent is not None for parent in parents[3:])
        d_weight = xp.zeros((4 * hidden, stacked.shape[0]), dtype=gates.dtype) if weights_need_grad else None
        x_grad = xp.empty((steps, batch, x.shape[-1]), dtype=x.dtype) if parents[0] is not None else None
        d_hidden, d_cell = grad[steps - 1].copy(), grad[steps].copy()
        for t in reversed(range(steps)):
            d, tanh_cell = gates[t], tanh_cells[t]  # d: step t's activations, then their gradients
            i, f, g, o = d[:hidden], d[hidden:2 * hidden], d[2 * hidden:3 * hidden], d[3 * hidden:]
            xp.multiply(tanh_cell, tanh_cell, out=scratch)
            xp.subtract(1, scratch, out=scratch)
            scratch *= o
            scratch *= d_hidden
            d_cell += scratch
            xp.subtract(d, offset, out=slope)
            slope *= slope
            xp.subtract(square_scale, slope, out=slope)
            xp.multiply(d_cell, f, out=next_cell)
            xp.multiply(d_cell, i, out=scratch)
            xp.multiply(d_cell, g, out=i)
            g[...] = scratch
            xp.multiply(d_cell, cells[t], out=f)
            xp.multiply(d_hidden, tanh_cell, out=o)
            d *= slope
            first = t - t % chunk  # the chunk's first step
            d_gates[:, t - first] = d
            d_cell, next_cell = next_cell, d_cell
            if t > 0 or parents[1] is not None:
                xp.matmul(w_hh_t, d, out=d_hidden)
                if t > 0:
                    d_hidden += grad[t - 1]
            if t == first:  # the chunk is complete
                width = min(chunk, steps - first)
                block = d_gates[:, :width].reshape((4 * hidden, -1))  # views: time is their middle axis
                if d_weight is not None:
                    d_weight += block @ stacked[:, first:first + width].reshape((stacked.shape[0], -1)).T
                if x_grad is not None:
                    x_grad[first:first + width] = (block.T @ w_ih).reshape((width, batch, -1))
        grads = [None if x_grad is None else x_grad.reshape(x.shape), d_hidden.T if parents[1] is not None else None,
                 d_cell.T if parents[2] is not None else None]
        if d_weight is not None:  # [dW_hh, dW_ih, db]
            grads += [d_weight[:, hidden:hidden + x.shape[-1]], d_weight[:, :hidden]]
            if len(parents) > 5:
                grads += [d_weight[:, -1], d_weight[:, -1].copy()]
        return tuple(grads)

    def vjp(self, grad):
        return differentiable_backward(self, grad, lstm_step, lstm_step_grad)


class GRUSequence(_Recurrence):
    """A GRU layer over a sequence. Output (L, N, H): h_1, ..., h_L ((N, H) for one step).

    Backward, per step: dn = dh (1 - z) (1 - n^2), dz = dh (h_prev - n) z (1 - z), dr = dn (h W_hn^T + b_hn)
    r (1 - r); the input gates get [dr, dz, dn], the hidden ones [dr, dz, dn r]; dh_prev = dh z + (hidden
    gate grads) W_hh.
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = backend.array_module(x)
        batch, hidden = h0.shape
        scale = _gate_scale(xp, x.dtype, hidden, _GRU_SCALES)
        bias = None
        if b_ih is not None:  # b_hr and b_hz add to the input projection; b_hn stays inside r (...)
            bias = b_ih.copy()
            bias[:2 * hidden] += b_hh[:2 * hidden]
        gates = self._project(x, w_ih, bias, scale)
        w_hh_t = _transposed(w_hh, scale)
        steps = gates.shape[0]
        states = xp.empty((steps + 1, batch, hidden), dtype=x.dtype)
        hidden_gates = xp.empty_like(gates)  # h W_hh^T (+ b_hn), r and z columns halved
        states[0] = h0
        product = xp.empty_like(h0)
        for t in range(steps):
            gate, hidden_gate = gates[t], hidden_gates[t]
            xp.matmul(states[t], w_hh_t, out=hidden_gate)
            if b_hh is not None:
                hidden_gate[:, 2 * hidden:] += b_hh[2 * hidden:]
            reset_update = gate[:, :2 * hidden]
            reset_update += hidden_gate[:, :2 * hidden]
            xp.tanh(reset_update, out=reset_update)
            reset_update *= 0.5
            reset_update += 0.5
            new = gate[:, 2 * hidden:]
            xp.multiply(gate[:, :hidden], hidden_gate[:, 2 * hidden:], out=product)
            new += product
            xp.tanh(new, out=new)
            xp.subtract(states[t], new, out=states[t + 1])  # h = n + z (h_prev - n)
            states[t + 1] *= gate[:, hidden:2 * hidden]
            states[t + 1] += new
        self.gates, self.hidden_gates, self.states = gates, hidden_gates, states
        return states[1:] if x.ndim == 3 else states[1]

    def backward(self, grad):
        xp = backend.array_module(grad)
        w_hh, states = self.inputs[3], self.states
        gates, hidden_gates = self.gates, self.hidden_gates
        steps, hidden = gates.shape[0], states.shape[2]
        grad = grad.reshape((steps, -1, hidden))
        d_input, d_hidden_gates = xp.empty_like(gates), xp.empty_like(gates)
        scratch = xp.empty_like(states[0])
        d_hidden = grad[steps - 1]
        for t in reversed(range(steps)):
            gate, d_in, d_hid = gates[t], d_input[t], d_hidden_gates[t]
            reset, update, new = _split(gate, hidden)
            d_reset, d_update, d_new = _split(d_in, hidden)
            xp.subtract(1, update, out=d_new)  # h = n + z (h_prev - n)
            d_new *= d_hidden
            xp.multiply(new, new, out=scratch)
            xp.subtract(1, scratch, out=scratch)
            d_new *= scratch
            xp.subtract(states[t], new, out=d_update)
            d_update *= d_hidden
            xp.multiply(d_new, hidden_gates[t][:, 2 * hidden:], out=d_reset)
            slopes = d_hid[:, :2 * hidden]  # s (1 - s) of r and z, in the place of their hidden gradients
            xp.subtract(1, gate[:, :2 * hidden], out=slopes)
            slopes *= gate[:, :2 * hidden]
            d_in[:, :2 * hidden] *= slopes
            d_hid[:, :2 * hidden] = d_in[:, :2 * hidden]
            xp.multiply(d_new, reset, out=d_hid[:, 2 * hidden:])
            if t > 0 or self.parents[1] is not None:
                direct = d_hidden * update
                d_hidden = d_hid @ w_hh
                d_hidden += direct
                if t > 0:
                    d_hidden += grad[t - 1]
        x_grad, w_ih_grad, w_hh_grad, *bias_grads = self._parameter_grads(d_input, d_hidden_gates)
        return (x_grad, d_hidden if self.parents[1] is not None else None, w_ih_grad, w_hh_grad, *bias_grads)

    def vjp(self, grad):
        return differentiable_backward(self, grad, gru_step, gru_step_grad)


class RNNSequence(_Recurrence):
    """An Elman RNN layer (tanh or relu) over a sequence. Output (L, N, H) ((N, H) for one step).

    Backward, per step: d = dh * slope (1 - h^2 for tanh, [h > 0] for relu); dh_prev = d W_hh.
    """

    def __init__(self, nonlinearity):
        self.nonlinearity = nonlinearity

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = backend.array_module(x)
        gates = self._project(x, w_ih, None if b_ih is None else b_ih + b_hh, None)
        w_hh_t = _transposed(w_hh)
        steps = gates.shape[0]
        states = xp.empty((steps + 1, *h0.shape), dtype=x.dtype)
        states[0] = h0
        for t in range(steps):
            state = states[t + 1]
            xp.matmul(states[t], w_hh_t, out=state)
            state += gates[t]
            if self.nonlinearity == "tanh":
                xp.tanh(state, out=state)
            else:
                xp.maximum(state, 0, out=state)
        self.states = states
        return states[1:] if x.ndim == 3 else states[1]

    def backward(self, grad):
        xp = backend.array_module(grad)
        w_hh, states = self.inputs[3], self.states
        steps = states.shape[0] - 1
        grad = grad.reshape((steps, *states.shape[1:]))
        d_gates = xp.empty((steps, *states.shape[1:]), dtype=states.dtype)
        d_hidden = grad[steps - 1]
        for t in reversed(range(steps)):
            state, d = states[t + 1], d_gates[t]
            if self.nonlinearity == "tanh":
                xp.multiply(state, state, out=d)
                xp.subtract(1, d, out=d)
                d *= d_hidden
            else:
                xp.multiply(d_hidden, state > 0, out=d)
            if t > 0 or self.parents[1] is not None:
                d_hidden = d @ w_hh
                if t > 0:
                    d_hidden += grad[t - 1]
        x_grad, w_ih_grad, w_hh_grad, *bias_grads = self._parameter_grads(d_gates, d_gates)
        return (x_grad, d_hidden if self.parents[1] is not None else None, w_ih_grad, w_hh_grad, *bias_grads)

    def vjp(self, grad):
        return differentiable_backward(self, grad, rnn_step, rnn_step_grad)


# -- public functions ------------------------------------------------------------------------------------------
def _check_tensors(op: str, named: Sequence[tuple[str, Tensor | None]]) -> None:
    """Every given value is a Tensor, all on one device with one floating dtype."""
    first = None
    for name, value in named:
        if value is None:
            continue
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
        if first is None:
            first = value
            if value.dtype.kind != "f":
                raise TypeError(f"{op}: needs floating-point tensors, got {name} of dtype "
                                f"{backend.dtype_name(value.dtype)}")
        else:
            _checks.check_pair(first, value, op)


def _check_shape(op: str, name: str, tensor: Tensor, expected: tuple) -> None:
    if tensor.shape != expected:
        raise ValueError(f"{op}: expected {name} of shape {expected}, got {tensor.shape}")


def _check_weights(op: str, gates: int, input_size: int, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                   b_hh: Tensor | None, suffix: str = "") -> int:
    """The layer's hidden size, after checking the weights against each other and the input size."""
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"{op}: expected w_hh{suffix} of shape ({gates} * hidden_size, hidden_size), got "
                         f"{w_hh.shape}")
    hidden = w_hh.shape[1]
    _check_shape(op, f"w_ih{suffix} (for input size {input_size})", w_ih, (gates * hidden, input_size))
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"{op}: give both biases b_ih{suffix} and b_hh{suffix}, or neither")
    if b_ih is not None:
        _check_shape(op, f"b_ih{suffix}", b_ih, (gates * hidden,))
        _check_shape(op, f"b_hh{suffix}", b_hh, (gates * hidden,))
    return hidden


def _cell(op: str, gates: int, function: Function, input: Tensor, states: tuple, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    names = ("hx", "cx")[:len(states)]
    _check_tensors(op, [("input", input), *zip(names, states, strict=True), ("w_ih", w_ih), ("w_hh", w_hh),
                        ("b_ih", b_ih), ("b_hh", b_hh)])
    if input.ndim != 2:
        raise ValueError(f"{op}: expected input of shape (N, input_size), got {input.shape}")
    hidden = _check_weights(op, gates, input.shape[1], w_ih, w_hh, b_ih, b_hh)
    for name, state in zip(names, states, strict=True):
        _check_shape(op, name, state, (input.shape[0], hidden))
    biases = () if b_ih is None else (b_ih, b_hh)
    return function.apply(input, *states, w_ih, w_hh, *biases)


def lstm_cell(input: Tensor, hx: Tensor, cx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step on a batch: (h', c') from input (N, I), hx and cx (N, H), w_ih (4H, I), w_hh (4H, H).

    Example: `h, c = lstm_cell(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)`.
    """
    out = _cell("lstm_cell", 4, LSTMSequence(), input, (hx, cx), w_ih, w_hh, b_ih, b_hh)
    return out[0], out[1]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step on a batch: h' from input (N, I), hx (N, H), w_ih (3H, I), w_hh (3H, H)."""
    return _cell("gru_cell", 3, GRUSequence(), input, (hx,), w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step: h' = tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return _cell("rnn_tanh_cell", 1, RNNSequence("tanh"), input, (hx,), w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step: h' = relu(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return _cell("rnn_relu_cell", 1, RNNSequence("relu"), input, (hx,), w_ih, w_hh, b_ih, b_hh)


def _layer_params(params: Sequence[Tensor], index: int, per_layer: int) -> Sequence[Tensor]:
    """w_ih, w_hh (and b_ih, b_hh) of layer-and-direction `index`."""
    return params[index * per_layer:(index + 1) * per_layer]


def _check_layers(op: str, gates: int, state_names: tuple, states: Sequence[Tensor] | None, input: Tensor,
                  params: list, num_layers: int, directions: int, per_layer: int, batch_first: bool) -> int:
    """The hidden size, after checking the input, the number of params, every layer's weights and the states."""
    _check_tensors(op, [("input", input), *zip(state_names, states or (), strict=False),
                        *((f"params[{i}]", p) for i, p in enumerate(params))])
    if input.ndim != 3:
        layout = "(N, L, input_size) with batch_first=True" if batch_first else "(L, N, input_size)"
        raise ValueError(f"{op}: expected input of shape {layout}, got {input.shape}")
    if len(params) != num_layers * directions * per_layer:
        raise ValueError(f"{op}: expected {num_layers * directions * per_layer} params ({per_layer} per layer and "
                         f"direction, {num_layers} layers, {directions} directions), got {len(params)}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if steps == 0:
        raise ValueError(f"{op}: expected a sequence of length at least 1, got input of shape {input.shape}")
    hidden = 0
    for index in range(num_layers * directions):
        w_ih, w_hh, *biases = _layer_params(params, index, per_layer)
        b_ih, b_hh = biases or (None, None)
        layer_input = input.shape[2] if index < directions else hidden * directions
        suffix = f" of layer {index // directions}" + (" (reverse)" if index % directions else "")
        hidden = _check_weights(op, gates, layer_input, w_ih, w_hh, b_ih, b_hh, suffix)
    if states is not None:
        for name, state in zip(state_names, states, strict=True):
            _check_shape(op, name, state, (num_layers * directions, batch, hidden))
    return hidden


def _initial_states(states: Sequence[Tensor] | None, index: int, zeros: Tensor | None, count: int) -> list:
    """The `count` initial states of layer-and-direction `index`: its rows of the given states, else zeros."""
    if states is None:
        return [zeros] * count
    return [state[index] for state in states]


def _run_direction(make, x: Tensor, reverse: bool, initial: list, weights: Sequence[Tensor],
                   has_cell: bool) -> tuple[Tensor, list[Tensor]]:
    """One layer in one direction: its output (L, N, H) in time order, and its final states (h, then c for an
    LSTM), each (1, N, H)."""
    steps = x.shape[0]
    out = make().apply(x[::-1] if reverse else x, *initial, *weights)
    finals = [out[steps - 1 + kind:steps + kind] for kind in range(len(initial))]  # out: h_1 ... h_L (then c_L)
    if reverse:
        return out[steps - 1::-1], finals
    return (out[:steps] if has_cell else out), finals


def _layers(op: str, gates: int, make, states: Sequence[Tensor] | None, input: Tensor, params: Sequence[Tensor],
            has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
            batch_first: bool) -> tuple[Tensor, ...]:
    """Run the stacked layers; returns the output and, per state (h, and c for an LSTM), its final values."""
    directions = 2 if bidirectional else 1
    per_layer = 4 if has_biases else 2
    state_names = ("h_0", "c_0")[:1 + (gates == 4)]
    params = list(params)
    hidden = _check_layers(op, gates, state_names, states, input, params, num_layers, directions, per_layer,
                           batch_first)
    x = input.transpose(0, 1) if batch_first else input
    zeros = None
    if states is None:
        zeros = _wrap(backend.array_module(x._data).zeros((x.shape[1], hidden), dtype=x.dtype), False, None)
    finals: list[list[Tensor]] = [[] for _ in state_names]
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            initial = _initial_states(states, index, zeros, len(state_names))
            output, last = _run_direction(make, x, direction == 1, initial, _layer_params(params, index, per_layer),
                                          gates == 4)
            outputs.append(output)
            for final, value in zip(finals, last, strict=True):
                final.append(value)
        x = outputs[0] if directions == 1 else cat(outputs, 2)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    output = x.transpose(0, 1) if batch_first else x
    return (output, *(final[0] if len(final) == 1 else cat(final, 0) for final in finals))


def lstm(input: Tensor, hx: Sequence[Tensor] | None, params: Sequence[Tensor], has_biases: bool, num_layers: int,
         dropout: float, train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor, Tensor]:
    """A stacked LSTM over a batch of sequences, as `torch.lstm`: returns (output, h_n, c_n).

    hx is (h_0, c_0), each (num_layers * directions, N, H), or None for zeros. params lists, per layer and
    direction, w_ih, w_hh (and b_ih, b_hh): the order of `nn.LSTM`'s parameters. Dropout with probability
    `dropout` applies to the outputs of all layers but the last when `train` is true.
    """
    if hx is not None and (not isinstance(hx, Sequence) or len(hx) != 2):
        raise TypeError(f"lstm: hx must be a pair (h_0, c_0) or None, got {type(hx).__name__}")
    return _layers("lstm", 4, LSTMSequence, hx, input, params, has_biases, num_layers, dropout, train,
                   bidirectional, batch_first)


def gru(input: Tensor, hx: Tensor | None, params: Sequence[Tensor], has_biases: bool, num_layers: int,
        dropout: float, train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked GRU over a batch of sequences, as `torch.gru`: returns (output, h_n). See `lstm`."""
    return _layers("gru", 3, GRUSequence, None if hx is None else (hx,), input, params, has_biases, num_layers,
                   dropout, train, bidirectional, batch_first)


def rnn_tanh(input: Tensor, hx: Tensor | None, params: Sequence[Tensor], has_biases: bool, num_layers: int,
             dropout: float, train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked Elman RNN with tanh, as `torch.rnn_tanh`: returns (output, h_n). See `lstm`."""
    return _layers("rnn_tanh", 1, lambda: RNNSequence("tanh"), None if hx is None else (hx,), input, params,
                   has_biases, num_layers, dropout, train, bidirectional, batch_first)


def rnn_relu(input: Tensor, hx: Tensor | None, params: Sequence[Tensor], has_biases: bool, num_layers: int,
             dropout: float, train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked Elman RNN with relu, as `torch.rnn_relu`: returns (output, h_n). See `lstm`."""
    return _layers("rnn_relu", 1, lambda: RNNSequence("relu"), None if hx is None else (hx,), input, params,
                   has_biases, num_layers, dropout, train, bidirectional, batch_first)

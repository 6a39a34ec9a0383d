"""The recurrent ops (chainrule.ops.recurrent) beyond their rows in the op table (tests/ops/op_table/recurrent.py,
run by test_gradcheck.py and test_torch_equality.py): a cell is one step of the layer, zero initial states,
gradients when other inputs need none, the LSTM's chunked weight gradients, and the argument errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import chainrule as cr
from chainrule.ops import recurrent


def test_a_cell_is_one_step_of_the_layer() -> None:
    x, h, c = cr.randn(1, 2, 3), cr.randn(1, 2, 4), cr.randn(1, 2, 4)
    weights = [cr.randn(16, 3), cr.randn(16, 4), cr.randn(16), cr.randn(16)]
    output, h_n, c_n = recurrent.lstm(x, (h, c), weights, True, 1, 0.0, False, False, False)
    h_cell, c_cell = recurrent.lstm_cell(x[0], h[0], c[0], *weights)
    numpy.testing.assert_array_equal(h_cell.numpy(), output[0].numpy())
    numpy.testing.assert_array_equal(h_cell.numpy(), h_n[0].numpy())
    numpy.testing.assert_array_equal(c_cell.numpy(), c_n[0].numpy())


def test_zero_initial_states_by_default() -> None:
    x, weights = cr.randn(3, 2, 3), [cr.randn(6, 3), cr.randn(6, 2)]
    output, h_n = recurrent.gru(x, None, weights, False, 1, 0.0, False, False, False)
    expected, expected_h_n = recurrent.gru(x, cr.zeros(1, 2, 2), weights, False, 1, 0.0, False, False, False)
    numpy.testing.assert_array_equal(output.numpy(), expected.numpy())
    numpy.testing.assert_array_equal(h_n.numpy(), expected_h_n.numpy())


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn_tanh"])
def test_gradients_are_the_same_when_other_inputs_need_none(name: str) -> None:
    """Backward skips the gradients nobody asked for (x, h_0, ...): the others must not change."""
    gates = {"lstm": 4, "gru": 3, "rnn_tanh": 1}[name]
    arrays = [numpy.random.default_rng(0).standard_normal(shape) for shape in
              [(4, 2, 3), (1, 2, 2), (1, 2, 2), (gates * 2, 3), (gates * 2, 2), (gates * 2,), (gates * 2,)]]

    def weight_grads(all_require_grad: bool) -> list[numpy.ndarray]:
        tensors = [cr.tensor(a, requires_grad=all_require_grad or i >= 3) for i, a in enumerate(arrays)]
        hx = tuple(tensors[1:3]) if name == "lstm" else tensors[1]
        output = getattr(recurrent, name)(tensors[0], hx, tensors[3:], True, 1, 0.0, False, False, False)[0]
        output.sum().backward()
        return [tensor.grad.numpy() for tensor in tensors[3:]]

    for partial, full in zip(weight_grads(False), weight_grads(True), strict=True):
        numpy.testing.assert_allclose(partial, full, rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("columns", [2, 4, 1024])
def test_lstm_weight_gradients_by_chunk_of_steps_equal_torch(columns: int, monkeypatch, torch) -> None:
    """LSTM backward forms the weights' and x's gradients one chunk of steps at a time (_CHUNK_COLUMNS // N
    steps): chunks of 1 and 2 steps of a 5-step sequence (a short last chunk) must give what one chunk gives,
    and torch."""
    monkeypatch.setattr(recurrent, "_CHUNK_COLUMNS", columns)
    rng = numpy.random.default_rng(1)
    arrays = [rng.standard_normal(shape) * 0.8 for shape in
              [(5, 2, 3), (1, 2, 4), (1, 2, 4), (16, 3), (16, 4), (16,), (16,)]]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.from_numpy(a).requires_grad_() for a in arrays]
    output, h_n, c_n = recurrent.lstm(ours[0], tuple(ours[1:3]), ours[3:], True, 1, 0.0, False, False, False)
    expected = torch.lstm(theirs[0], theirs[1:3], theirs[3:], True, 1, 0.0, False, False, False)
    upstream = [rng.standard_normal(out.shape) for out in (output, h_n, c_n)]
    sum((out * cr.tensor(u)).sum() for out, u in zip((output, h_n, c_n), upstream, strict=True)).backward()
    sum((e * torch.from_numpy(u)).sum() for e, u in zip(expected, upstream, strict=True)).backward()
    for index, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
        numpy.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-9, atol=1e-12,
                                      err_msg=f"gradient of argument {index}")


# -- errors ------------------------------------------------------------------------------------------------------
def _cell_arguments(**changes) -> dict:
    arguments = {"input": cr.randn(2, 3), "hx": cr.randn(2, 4), "cx": cr.randn(2, 4), "w_ih": cr.randn(16, 3),
                 "w_hh": cr.randn(16, 4), "b_ih": cr.randn(16), "b_hh": cr.randn(16)}
    arguments.update(changes)
    return arguments


def _lstm(input=None, hx=None, params=None, **changes) -> Callable[[], Any]:
    input = cr.randn(5, 2, 3) if input is None else input
    params = [cr.randn(8, 3), cr.randn(8, 2)] if params is None else params
    fixed = {"has_biases": False, "num_layers": 1, "dropout": 0.0, "train": False, "bidirectional": False,
             "batch_first": False, **changes}
    return lambda: recurrent.lstm(input, hx, params, *fixed.values())


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: recurrent.lstm_cell(**_cell_arguments(w_hh=cr.randn(12, 4))), ValueError,
     "lstm_cell: expected w_hh of shape (4 * hidden_size, hidden_size), got (12, 4)"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(w_ih=cr.randn(16, 5))), ValueError,
     "lstm_cell: expected w_ih (for input size 3) of shape (16, 3), got (16, 5)"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(b_hh=None)), ValueError,
     "lstm_cell: give both biases b_ih and b_hh, or neither"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(b_ih=cr.randn(12))), ValueError,
     "lstm_cell: expected b_ih of shape (16,), got (12,)"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(input=cr.randn(5, 2, 3))), ValueError,
     "lstm_cell: expected input of shape (N, input_size), got (5, 2, 3)"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(cx=cr.randn(3, 4))), ValueError,
     "lstm_cell: expected cx of shape (2, 4), got (3, 4)"),
    (lambda: recurrent.lstm_cell(**_cell_arguments(hx=numpy.zeros((2, 4)))), TypeError,
     "lstm_cell: hx must be a Tensor, got ndarray"),
    (lambda: recurrent.gru_cell(cr.ones(2, 3, dtype=cr.int64), cr.zeros(2, 4), cr.randn(12, 3), cr.randn(12, 4)),
     TypeError, "gru_cell: needs floating-point tensors, got input of dtype chainrule.int64"),
    (lambda: recurrent.rnn_tanh_cell(cr.randn(2, 3), cr.zeros(2, 4, dtype=cr.float64), cr.randn(4, 3),
                                     cr.randn(4, 4)), TypeError,
     "rnn_tanh_cell: expected tensors of the same dtype, got chainrule.float32 and chainrule.float64; convert one, "
     "e.g. .to(chainrule.float32)"),
    (_lstm(input=cr.randn(5, 3)), ValueError, "lstm: expected input of shape (L, N, input_size), got (5, 3)"),
    (_lstm(input=cr.randn(5, 3), batch_first=True), ValueError,
     "lstm: expected input of shape (N, L, input_size) with batch_first=True, got (5, 3)"),
    (_lstm(input=cr.randn(0, 2, 3)), ValueError,
     "lstm: expected a sequence of length at least 1, got input of shape (0, 2, 3)"),
    (_lstm(num_layers=2), ValueError,
     "lstm: expected 4 params (2 per layer and direction, 2 layers, 1 directions), got 2"),
    (_lstm(params=[cr.randn(8, 3), cr.randn(8, 2), cr.randn(8, 4), cr.randn(8, 2)], bidirectional=True),
     ValueError, "lstm: expected w_ih of layer 0 (reverse) (for input size 3) of shape (8, 3), got (8, 4)"),
    (_lstm(hx=cr.zeros(1, 2, 2)), TypeError, "lstm: hx must be a pair (h_0, c_0) or None, got Tensor"),
    (_lstm(hx=(cr.zeros(1, 2, 2), cr.zeros(2, 2, 2))), ValueError,
     "lstm: expected c_0 of shape (1, 2, 2), got (2, 2, 2)"),
])
def test_errors(call, error, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()

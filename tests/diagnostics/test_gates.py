"""gate_saturation recomputes an LSTM's and a GRU's gate pre-activations exactly, in every layout."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.diagnostics.gates import SIGMOID_FLAT, TANH_FLAT, gate_saturation


def _sigmoid(z):
    return 1 / (1 + numpy.exp(-z))


def _reference(module, x, h0):
    """(N, L, gates) pre-activations by stepping the cell by hand, in float64, batch first."""
    w_ih, w_hh = module.weight_ih_l0.numpy().astype(float), module.weight_hh_l0.numpy().astype(float)
    b_ih, b_hh = module.bias_ih_l0.numpy().astype(float), module.bias_hh_l0.numpy().astype(float)
    size = module.hidden_size
    h, c, steps = h0.copy(), numpy.zeros_like(h0), []
    for t in range(x.shape[1]):
        from_input, from_hidden = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if module.mode == "LSTM":
            pre = from_input + from_hidden
            i, f, g, o = numpy.split(pre, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * numpy.tanh(g)
            h = _sigmoid(o) * numpy.tanh(c)
        else:
            rz = _sigmoid(from_input[:, : 2 * size] + from_hidden[:, : 2 * size])
            n_pre = from_input[:, 2 * size:] + rz[:, :size] * from_hidden[:, 2 * size:]
            pre = numpy.concatenate([from_input[:, : 2 * size] + from_hidden[:, : 2 * size], n_pre], axis=1)
            h = (1 - rz[:, size:]) * numpy.tanh(n_pre) + rz[:, size:] * h
        steps.append(pre)
    return numpy.stack(steps, axis=1)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU])
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("initial_state", [False, True])
def test_gate_counts_match_a_hand_stepped_cell(kind, batch_first, initial_state) -> None:
    cr.manual_seed(0)
    module = kind(3, 5, batch_first=batch_first)
    for parameter in module.parameters():
        parameter._data *= 8  # push the gates around their flat regions
    x = numpy.random.default_rng(1).normal(size=(4, 6, 3)).astype(numpy.float32)
    h0 = numpy.random.default_rng(2).normal(size=(1, 4, 5)).astype(numpy.float32)
    inputs = cr.tensor(x if batch_first else x.swapaxes(0, 1).copy())
    state = None
    if initial_state:
        state = (cr.tensor(h0), cr.zeros(1, 4, 5)) if kind is nn.LSTM else cr.tensor(h0)
    output = module(inputs, state)
    flat, count = gate_saturation(module, (inputs,) if state is None else (inputs, state), output)
    pre = _reference(module, x.astype(float), h0[0].astype(float) if initial_state else numpy.zeros((4, 5)))
    gates = 4 if kind is nn.LSTM else 3
    tanh_gate = 2  # g of i, f, g, o; n of r, z, n
    limits = numpy.full(gates * 5, SIGMOID_FLAT)
    limits[tanh_gate * 5: (tanh_gate + 1) * 5] = TANH_FLAT
    expected = (numpy.abs(pre) >= limits).reshape(-1, gates * 5).sum(axis=0)
    assert count == 24 and flat.shape == (gates * 5,)
    assert numpy.array_equal(flat, expected)
    assert 0 < expected.sum() < 24 * gates * 5  # the case tells saturated from not


def test_stacked_layers_are_not_measured() -> None:
    module = nn.LSTM(3, 5, num_layers=2)
    x = cr.randn(6, 4, 3)
    assert gate_saturation(module, (x,), module(x)) is None

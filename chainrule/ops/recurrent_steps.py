"""The recurrent steps written with Tensor ops, for create_graph (gradients of gradients).

The fused sequence ops of ops/recurrent.py run their backward as in-place array code over all steps, which
no graph records. Their `vjp` recomputes the recurrence here with Tensor ops, one step at a time, and then
its backward, so that the gradients it returns are differentiable themselves.

A step and its gradient, per kind of layer (the gates being x W_ih^T + b_ih and h W_hh^T + b_hh):
    step(input gates, hidden gates, h, c, function) -> (h', c' or None, cache)
    step_grad(dh', dc', cache, function) -> (d input gates, d hidden gates, dh through the direct path or None,
                                             dc or None)
"""

from __future__ import annotations

from chainrule.ops.shape import cat, stack


def lstm_step(input_gates, hidden_gates, hidden, cell, function):
    size = hidden.shape[-1]
    gates = input_gates + hidden_gates
    i, f = gates[:, :size].sigmoid(), gates[:, size:2 * size].sigmoid()
    g, o = gates[:, 2 * size:3 * size].tanh(), gates[:, 3 * size:].sigmoid()
    new_cell = f * cell + i * g
    tanh_cell = new_cell.tanh()
    return o * tanh_cell, new_cell, (i, f, g, o, cell, tanh_cell)


def lstm_step_grad(d_hidden, d_cell, cache, function):
    i, f, g, o, cell, tanh_cell = cache
    d_cell = d_cell + d_hidden * o * (1 - tanh_cell * tanh_cell)
    d_gates = cat([d_cell * g * i * (1 - i), d_cell * cell * f * (1 - f), d_cell * i * (1 - g * g),
                   d_hidden * tanh_cell * o * (1 - o)], 1)
    return d_gates, d_gates, None, d_cell * f


def gru_step(input_gates, hidden_gates, hidden, cell, function):
    size = hidden.shape[-1]
    reset = (input_gates[:, :size] + hidden_gates[:, :size]).sigmoid()
    update = (input_gates[:, size:2 * size] + hidden_gates[:, size:2 * size]).sigmoid()
    new = (input_gates[:, 2 * size:] + reset * hidden_gates[:, 2 * size:]).tanh()
    return new + update * (hidden - new), None, (reset, update, new, hidden, hidden_gates[:, 2 * size:])


def gru_step_grad(d_hidden, d_cell, cache, function):
    reset, update, new, previous, hidden_new = cache
    d_new = d_hidden * (1 - update) * (1 - new * new)
    d_reset = d_new * hidden_new * reset * (1 - reset)
    d_update = d_hidden * (previous - new) * update * (1 - update)
    return cat([d_reset, d_update, d_new], 1), cat([d_reset, d_update, d_new * reset], 1), d_hidden * update, None


def rnn_step(input_gates, hidden_gates, hidden, cell, function):
    pre_activation = input_gates + hidden_gates
    new = pre_activation.tanh() if function.nonlinearity == "tanh" else pre_activation.relu()
    return new, None, new


def rnn_step_grad(d_hidden, d_cell, new, function):
    slope = 1 - new * new if function.nonlinearity == "tanh" else (new > 0).to(new.dtype)
    d_gates = d_hidden * slope
    return d_gates, d_gates, None, None


def differentiable_backward(function, grad, step, step_grad):
    """The recurrence recomputed with Tensor ops, then its backward, so that the result is differentiable."""
    tensors = function.input_tensors()
    first = function.first_weight
    x, hidden = tensors[0], tensors[1]
    cell = tensors[2] if first == 3 else None
    w_ih, w_hh = tensors[first], tensors[first + 1]
    b_ih, b_hh = (tensors[first + 2], tensors[first + 3]) if len(tensors) > first + 2 else (None, None)
    sequence = x if x.ndim == 3 else x.reshape((1, *x.shape))
    steps, batch, size = sequence.shape
    input_gates = sequence @ w_ih.T
    if b_ih is not None:
        input_gates = input_gates + b_ih
    previous, caches = [], []
    for t in range(steps):
        hidden_gates = hidden @ w_hh.T
        if b_hh is not None:
            hidden_gates = hidden_gates + b_hh
        previous.append(hidden)
        hidden, cell, cache = step(input_gates[t], hidden_gates, hidden, cell, function)
        caches.append(cache)
    grad = grad.reshape((steps + (first == 3), batch, hidden.shape[-1]))
    d_hidden, d_cell = grad[steps - 1], (grad[steps] if first == 3 else None)
    d_inputs, d_hiddens = [None] * steps, [None] * steps
    for t in reversed(range(steps)):
        d_inputs[t], d_hiddens[t], d_direct, d_cell = step_grad(d_hidden, d_cell, caches[t], function)
        d_hidden = d_hiddens[t] @ w_hh
        if d_direct is not None:
            d_hidden = d_hidden + d_direct
        if t > 0:
            d_hidden = d_hidden + grad[t - 1]
    d_input = stack(d_inputs).reshape((steps * batch, -1))
    d_hidden_gates = stack(d_hiddens).reshape((steps * batch, -1))
    grads = [(d_input @ w_ih).reshape(x.shape), d_hidden] + ([d_cell] if first == 3 else [])
    grads += [d_input.T @ sequence.reshape((steps * batch, size)),
              d_hidden_gates.T @ stack(previous).reshape((steps * batch, -1))]
    if b_ih is not None:
        grads += [d_input.sum(0), d_hidden_gates.sum(0)]
    return tuple(grads)

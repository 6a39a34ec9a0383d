"""The gate pre-activations of a recurrent layer, recomputed from what its forward hook sees, so that the monitor
can tell how often each gate unit sits in the flat region of its sigmoid or tanh.

Only the first layer's forward direction is visible from outside the module (its input is the module's input,
and its hidden states are the output's first `hidden_size` features when there is one layer), so gates are
measured for one-layer LSTM and GRU modules; deeper stacks report their output only.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend

# |pre-activation| beyond which sigmoid < 0.01 or > 0.99 (log(99)), and |tanh| > 0.99 (atanh(0.99))
SIGMOID_FLAT = 4.59512
TANH_FLAT = 2.64665


def gate_saturation(module: Any, inputs: tuple, output: Any) -> tuple[Any, int] | None:
    """Per gate unit (LSTM: i, f, g, o; GRU: r, z, n — hidden_size each), how many of this batch's time steps
    had it in its flat region, summed over the batch, and the number of (sample, step) pairs; None when the
    module's gates can't be seen from outside (more than one layer)."""
    if module.mode not in ("LSTM", "GRU") or module.num_layers != 1 or not inputs:
        return None
    x = inputs[0]._data
    sequence = output[0]._data
    xp = backend.array_module(x)
    if x.ndim == 2:  # unbatched (L, H_in)
        x, sequence = x[None], sequence[None]
    elif not module.batch_first:
        x, sequence = x.swapaxes(0, 1), sequence.swapaxes(0, 1)
    size = module.hidden_size
    hidden = sequence[..., :size]  # (N, L, H): the forward direction
    state = inputs[1] if len(inputs) > 1 else None
    if state is not None and module.mode == "LSTM":
        state = state[0]
    if state is None:
        first = xp.zeros_like(hidden[:, :1])
    else:
        first = state._data.reshape(-1, hidden.shape[0], size)[0][:, None]
    previous = xp.concatenate([first, hidden[:, :-1]], axis=1)
    from_input = x @ module.weight_ih_l0._data.T
    from_hidden = previous @ module.weight_hh_l0._data.T
    if module.bias:
        from_input = from_input + module.bias_ih_l0._data
        from_hidden = from_hidden + module.bias_hh_l0._data
    if module.mode == "LSTM":
        pre = from_input + from_hidden  # i, f, g, o
        limits = xp.asarray([SIGMOID_FLAT] * (2 * size) + [TANH_FLAT] * size + [SIGMOID_FLAT] * size, dtype=pre.dtype)
    else:
        gates = from_input[..., : 2 * size] + from_hidden[..., : 2 * size]  # r, z
        reset = 1.0 / (1.0 + xp.exp(-xp.clip(gates[..., :size], -60, 60)))
        candidate = from_input[..., 2 * size:] + reset * from_hidden[..., 2 * size:]  # n
        pre = xp.concatenate([gates, candidate], axis=-1)
        limits = xp.asarray([SIGMOID_FLAT] * (2 * size) + [TANH_FLAT] * size, dtype=pre.dtype)
    flat = (xp.abs(pre) >= limits).reshape(-1, pre.shape[-1]).sum(axis=0)
    return backend.move(flat, backend.CPU), pre.shape[0] * pre.shape[1]

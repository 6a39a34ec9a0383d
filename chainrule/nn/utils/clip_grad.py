"""Gradient clipping, as `torch.nn.utils`: rescale all gradients together by their total norm, or clamp each
element. Both change `p.grad` in place after `backward()` and before `optimizer.step()`.
"""

from __future__ import annotations

from collections.abc import Iterable

from chainrule import backend
from chainrule.tensor import Tensor, _wrap

_Parameters = Tensor | Iterable[Tensor]


def _grads(parameters: _Parameters) -> list[Tensor]:
    """The gradients of `parameters` (one Tensor or an iterable), skipping parameters that have none."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(array, norm_type: float):
    """The `norm_type`-norm of all elements of `array`, as a 0-d array on its device.

    NumPy's 2-norm of a contiguous vector is sqrt(x . x), with no temporary array; the others need |x|.
    """
    xp = backend.array_module(array)
    return xp.asarray(xp.linalg.norm(array.ravel(), ord=None if norm_type == 2.0 else norm_type))


def clip_grad_norm_(parameters: _Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total norm is at most `max_norm`; return the norm before clipping.

    The total norm is the `norm_type`-norm of all gradients concatenated into one vector (`float('inf')` for
    the largest absolute value), computed as the norm of the per-parameter norms. Every gradient is then
    multiplied in place by min(1, max_norm / (total_norm + 1e-6)). `foreach` is accepted for PyTorch
    compatibility and ignored: there is one code path.

        >>> loss.backward()
        >>> total_norm = clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> optimizer.step()
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return _wrap(backend.array_module_of_device(backend.CPU).asarray(0.0, dtype=backend.float32), False, None)
    device = grads[0].device
    norms = [backend.move(_vector_norm(g._data, norm_type), device) for g in grads]
    xp = backend.array_module(norms[0])
    total_norm = _vector_norm(xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total_norm)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite "
            f"({float(total_norm)}), so it cannot be clipped. To disable this error and scale the gradients by "
            "the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    clip_coef = xp.minimum(max_norm / (total_norm + 1e-6), 1.0)
    for grad in grads:
        grad._data *= backend.move(clip_coef, grad.device).astype(grad.dtype)
        grad._bump_version()
    return _wrap(total_norm, False, None)


def clip_grad_value_(parameters: _Parameters, clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place.

        >>> clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    clip_value = float(clip_value)
    for grad in _grads(parameters):
        xp = backend.array_module(grad._data)
        xp.clip(grad._data, -clip_value, clip_value, out=grad._data)
        grad._bump_version()

"""`autograd.grad` and `autograd.backward`: gradients of several outputs, optionally differentiable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule.autograd.engine import run_backward
from chainrule.tensor import Tensor, _root_gradient


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, Tensor) else list(value)


def _root_gradients(outputs: list[Tensor], grad_outputs: Any, create_graph: bool, caller: str) -> list:
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise ValueError(f"{caller}: got {len(grads)} gradients for {len(outputs)} outputs")
    return [_root_gradient(out, g, create_graph, caller) for out, g in zip(outputs, grads, strict=True)]


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of several outputs into the leaves' `.grad` in one pass."""
    outputs = _as_list(tensors)
    grads = _root_gradients(outputs, grad_tensors, create_graph, "backward()")
    run_backward(outputs, grads, create_graph if retain_graph is None else retain_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned instead of accumulated into `.grad`.

    With `create_graph=True` the returned gradients are themselves differentiable (gradient penalties,
    Hessian-vector products). Example: `(g,) = grad(loss, [w], create_graph=True)`.
    """
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise RuntimeError(f"grad(): input {i} does not require grad, so it has no gradient to compute")
    roots = _root_gradients(outputs, grad_outputs, create_graph, "grad()")
    retain = create_graph if retain_graph is None else retain_graph
    results = run_backward(outputs, roots, retain, create_graph, inputs)
    if not allow_unused:
        for i, result in enumerate(results):
            if result is None:
                raise RuntimeError(
                    f"grad(): input {i} (shape {inputs[i].shape}) was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )
    return tuple(results)

"""The backward pass: the chain rule applied node by node, from the outputs back to the leaves.

Nodes are numbered as they are created, and an op's inputs always exist before it does, so visiting the
nodes that received a gradient in decreasing creation order (a heap) is a topological order: every node
runs once, after all its consumers, with no recursion and no separate graph traversal.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy

from chainrule.autograd.anomaly import ANOMALY_MODE as _ANOMALY_MODE
from chainrule.autograd.anomaly import checked_backward as _checked_backward
from chainrule.autograd.grad_mode import STATE as _GRAD_MODE
from chainrule.backend import INPLACE as _INPLACE
from chainrule.tensor import Tensor, _wrap


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list | None:
    """Propagate `root_grads` (arrays, or Tensors with create_graph) from `roots` through the graph.

    Without `inputs`, leaf gradients accumulate into `.grad`. With `inputs` (autograd.grad), nothing is
    accumulated and the gradients with respect to `inputs` are returned (None where none reached them).
    """
    previous_mode = _GRAD_MODE.enabled
    _GRAD_MODE.enabled = create_graph
    try:
        return _run(roots, root_grads, retain_graph, create_graph, inputs)
    finally:
        _GRAD_MODE.enabled = previous_mode


def _run(roots, root_grads, retain_graph, create_graph, inputs):
    # Read once per call, never per node: with anomaly mode off, a plain backward takes the same one branch
    # per node as before it existed (anomaly.py)
    anomaly = _ANOMALY_MODE.enabled
    plain = not (create_graph or anomaly)
    grads: dict = {}  # node -> gradient of its output, summed over consumers
    leaf_grads: dict = {}  # leaf tensor -> gradient summed over uses
    heap: list = []
    shared: set = set()  # ids of arrays also referenced elsewhere: copy before storing as .grad
    for root, grad in zip(roots, root_grads, strict=True):
        if not create_graph:
            shared.add(id(grad))
        node = root.grad_fn
        target = grads if node is not None else leaf_grads
        key = node if node is not None else root
        if key in target:
            target[key] = target[key] + grad
        else:
            target[key] = grad
            if node is not None:
                heappush(heap, (-node._seq, node))

    captured: dict = {}
    wanted_nodes: dict = {}
    if inputs is not None:
        for index, tensor in enumerate(inputs):
            if tensor.grad_fn is not None:
                wanted_nodes.setdefault(tensor.grad_fn, []).append(index)

    while heap:
        node = heappop(heap)[1]
        grad = grads.pop(node)
        parents = node.parents
        if parents is None:
            raise RuntimeError(
                f"trying to backward through the graph a second time ({node.name} already freed its saved "
                "values). Pass retain_graph=True to the first backward() if you need to go through it again"
            )
        if node._hooks is not None:
            grad = _run_hooks(node._hooks, grad, create_graph, shared)
        if wanted_nodes and node in wanted_nodes:
            for index in wanted_nodes[node]:
                captured[index] = grad
        if node._counters is not None and _INPLACE.last > node._seq:
            node.check_versions()
        if plain:
            input_grads = node.backward(grad)
        elif not anomaly:  # create_graph: backward on Tensors, recorded
            input_grads = node.vjp(_as_tensor(grad))
        else:  # anomaly mode: the same, and every gradient checked for NaN/Inf
            input_grads = _checked_backward(node, _as_tensor(grad) if create_graph else grad, create_graph)
        if type(input_grads) is not tuple:  # a one-input op returned its gradient alone
            input_grads = (input_grads,)
        for parent, input_grad in zip(parents, input_grads):  # noqa: B905 (strict= costs 0.2 µs a node)
            if parent is None or input_grad is None:
                continue
            if parent._is_function:
                pending = grads.get(parent)
                if pending is None:
                    grads[parent] = input_grad
                    heappush(heap, (-parent._seq, parent))
                else:
                    grads[parent] = pending + input_grad
            else:
                pending = leaf_grads.get(parent)
                leaf_grads[parent] = input_grad if pending is None else pending + input_grad
        if not retain_graph:
            # free what forward saved now, not when the whole graph goes; parents = None marks the node as
            # released, so a second backward through it raises
            node.__dict__.clear()
            node.parents = None

    if inputs is not None:
        for index, tensor in enumerate(inputs):
            if tensor.grad_fn is None and tensor in leaf_grads:
                grad = leaf_grads[tensor]
                captured[index] = _run_hooks(tensor._hooks, grad, create_graph, shared) if tensor._hooks else grad
        return [_as_tensor(captured[i]) if i in captured else None for i in range(len(inputs))]

    for leaf, grad in leaf_grads.items():
        if leaf._hooks is not None:
            grad = _run_hooks(leaf._hooks, grad, create_graph, shared)
        _accumulate(leaf, grad, create_graph, shared)
    return None


def _as_array(grad: Any) -> Any:
    """NumPy turns 0-d results into scalars; a stored gradient must be a real (writeable) array."""
    return numpy.array(grad) if isinstance(grad, numpy.generic) else grad


def _as_tensor(grad: Any) -> Tensor:
    if isinstance(grad, Tensor) or grad.__class__ is OutputGradients:  # the latter holds Tensors already
        return grad
    return _wrap(_as_array(grad), False, None)


class OutputGradients:
    """The gradient of a node with several outputs: one gradient per output index that received one.

    Such a node (a custom Function returning a tuple) is the parent of one proxy node per output; a proxy's
    backward returns its output's gradient in one of these, and the engine sums them over the proxies with `+`
    as it sums any gradient, so that it needs no notion of outputs. The node's backward then reads `by_output`.
    """

    __slots__ = ("by_output",)

    def __init__(self, index: int, grad: Any) -> None:
        self.by_output = {index: grad}

    def __add__(self, other: OutputGradients) -> OutputGradients:
        # in place: the engine keeps only the sum, and each proxy's backward made its own
        for index, grad in other.by_output.items():
            pending = self.by_output.get(index)
            self.by_output[index] = grad if pending is None else pending + grad
        return self


def _hook_result(hook, grad, create_graph):
    """Call a tensor hook with the gradient as a Tensor; it may return a replacement."""
    result = hook(_as_tensor(grad))
    if result is None:
        return grad
    if not isinstance(result, Tensor):
        raise TypeError(f"a tensor hook must return a Tensor or None, got {type(result).__name__}")
    if result.shape != grad.shape:
        raise ValueError(f"a tensor hook returned a gradient of shape {result.shape}, expected {grad.shape}")
    return result if create_graph else result._data


def _run_hooks(hooks: list, grad: Any, create_graph: bool, shared: set) -> Any:
    for hook in hooks:
        grad = _hook_result(hook, grad, create_graph)
    shared.add(id(grad))  # a hook may keep or return an array it also holds
    return grad


def _accumulate(leaf: Tensor, grad: Any, create_graph: bool, shared: set) -> None:
    """Add `grad` into `leaf.grad`: in place when possible, never aliasing another tensor's array."""
    if create_graph:
        grad = _as_tensor(grad)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    grad = _as_array(grad)
    if grad.dtype != leaf._data.dtype:
        grad = grad.astype(leaf._data.dtype)
    current = leaf.grad
    if current is None:
        if grad.base is not None or not grad.flags.writeable or id(grad) in shared:
            grad = grad.copy()
        shared.add(id(grad))
        leaf.grad = _wrap(grad, False, None)
    elif current.requires_grad:
        leaf.grad = _wrap(current._data + grad, False, None)
    else:
        current._data += grad
        current._bump_version()


class RetainGrad:
    """The hook behind `Tensor.retain_grad()`: stores a non-leaf tensor's gradient in its `.grad`."""

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad: Tensor) -> None:
        tensor = self.tensor()
        if tensor is not None:
            tensor.grad = grad if grad.requires_grad else _wrap(grad._data.copy(), False, None)


def retain_grad(tensor: Tensor) -> None:
    """Keep the gradient of a non-leaf tensor in its `.grad` after backward."""
    hooks = tensor.grad_fn._hooks
    if hooks is None:
        hooks = tensor.grad_fn._hooks = []
    if not any(isinstance(hook, RetainGrad) and hook.tensor() is tensor for hook in hooks):
        hooks.append(RetainGrad(tensor))

"""`Function`: one differentiable operation, its forward on arrays and its backward right below it.

An op subclasses `Function`, writes `forward(*arrays) -> array` and `backward(grad) -> grad per input`.
`apply` runs forward and, when grad mode is on and an input requires grad, turns the instance into a
graph node.

What backward may read is declared, not guessed (as Chainer's `retain_inputs`): `saves_inputs = True`
keeps the input arrays in `self.inputs`, `saves_output = True` keeps the result in `self.output`. Those
are the arrays whose versions are checked at backward time. Anything else an op needs (a mask, a shape)
it sets on `self` in `forward`.

A derivative is written once, for first and higher order alike: backward computes with what arrays and
Tensors both have (operators, `.reshape`, `.swapaxes`, `.sum(axis=..., keepdims=...)`, `sum_to`,
`broadcast_to`). The engine runs it on arrays; for create_graph it calls `vjp`, which runs the same
backward with `grad`, `self.inputs` and `self.output` as graph-linked Tensors, so that the gradient it
returns can be differentiated again. Anything else backward reads (`self.mask`) stays an array: a constant
of that graph, right where it is locally constant in the inputs, as a mask is. An op whose backward needs
array functions (`xp.where`, a scatter-add) overrides `vjp` with the same rule in Tensor operations, which
build the saved values with `input_tensors()` and `output_tensor()`. chainrule's own ops are written once by
default (each is checked in both modes by the tests); a custom op opts in with `differentiable_backward = True`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from chainrule.backend import GRAD_MODE as _GRAD_MODE
from chainrule.backend import array_module as _array_module
from chainrule.backend import next_sequence as _next_sequence
from chainrule.tensor import Tensor, _wrap

if TYPE_CHECKING:
    from collections.abc import Callable

_ndarray = numpy.ndarray
_generic = numpy.generic
_new_tensor = object.__new__


class Function:
    """Base of every op. Instances are single-use: `Mul().apply(a, b)`.

    A recorded instance is a graph node: `parents[i]` is the node that produced input i, the input
    itself when it is a leaf that requires grad, or None when no gradient flows to it. `backward` must
    not modify `grad` in place: the engine may hand the same array to several consumers.
    """

    # parents and the creation number live in slots, so that the engine can free everything else at once
    # (clearing __dict__) after the node's backward has run
    __slots__ = ("__dict__", "__weakref__", "_seq", "parents")

    saves_inputs = False
    saves_output = False
    # Whether backward also runs on Tensors (for create_graph). A custom op must opt in: a backward that calls
    # xp.where or the like would silently treat its results as constants and give wrong second derivatives.
    differentiable_backward = False
    is_view = False  # the output shares memory (and so its version counter) with input 0
    _is_function = True
    _hooks: list[Callable] | None = None
    _counters: tuple | None = None  # version counters of the saved tensors (outputs last)

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "differentiable_backward" not in cls.__dict__ and cls.__module__.startswith("chainrule."):
            # chainrule's ops are written once; tests/ops/test_differentiable_backward.py checks each in both modes
            cls.differentiable_backward = True

    def vjp(self, grad: Tensor) -> Any:
        """Differentiable backward (for create_graph): backward itself, run on Tensors.

        While it runs, `self.inputs` and `self.output` hold the saved values as graph-linked Tensors (swapped
        in here rather than read through an accessor method, so that plain backward pays nothing for it); the
        graph its Tensor operations record is what a second backward differentiates. The swap changes the
        node while backward runs, so two threads must not backward through one graph at the same time.
        """
        if not self.differentiable_backward:
            raise RuntimeError(
                f"{self.name} does not support higher-order gradients (create_graph=True): give it a vjp written "
                "with Tensor operations, or set differentiable_backward = True if its backward uses only what "
                "arrays and Tensors both have (operators, reshape, sum, ...)"
            )
        inputs = self.inputs if self.saves_inputs else None
        output = self.output if self.saves_output else None
        if inputs is not None:
            self.inputs = self.input_tensors()
        if output is not None:
            self.output = self.output_tensor()
        try:
            return self.backward(grad)
        finally:  # the arrays back: a later plain backward (retain_graph) reads them
            if inputs is not None:
                self.inputs = inputs
            if output is not None:
                self.output = output

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    def apply(self, *inputs: Tensor) -> Tensor:
        """Run forward on the inputs' arrays; record this node when grad mode is on and an input needs grad."""
        # The per-op hot path: one- and two-input cases spelled out, Tensor built in place (as `_wrap`).
        count = len(inputs)
        if count == 2:
            x, y = inputs
            arrays = (x.data, y.data)
            requires_grad = x._requires_grad or y._requires_grad
        elif count == 1:
            x = inputs[0]
            arrays = (x.data,)
            requires_grad = x._requires_grad
        else:
            x = inputs[0]
            arrays = tuple([t.data for t in inputs])
            requires_grad = any([t._requires_grad for t in inputs])
        out = self.forward(*arrays)
        if out.__class__ is not _ndarray and isinstance(out, _generic):
            out = numpy.asarray(out)
        result = _new_tensor(Tensor)
        result.data = out
        result.grad = None
        result._hooks = None
        result._version = x._version if self.is_view else [0]
        if not (requires_grad and _GRAD_MODE.enabled):
            result._requires_grad = False
            result.grad_fn = None
            return result
        result._requires_grad = True
        result.grad_fn = self
        if count == 2:
            self.parents = (
                (x.grad_fn or x) if x._requires_grad else None,
                (y.grad_fn or y) if y._requires_grad else None,
            )
        elif count == 1:
            self.parents = (x.grad_fn or x,)
        else:
            self.parents = tuple([(t.grad_fn or t) if t._requires_grad else None for t in inputs])
        self._seq = _next_sequence()
        if self.saves_inputs:
            self.inputs = arrays
            if count == 2:
                self._counters = (x._version, y._version)
            elif count == 1:
                self._counters = (x._version,)
            else:
                self._counters = tuple([t._version for t in inputs])
        if self.saves_output:
            self.output = out
            self._counters = (*self._counters, result._version) if self.saves_inputs else (result._version,)
        return result

    # -- what the engine uses ------------------------------------------------------------------------
    def check_versions(self) -> None:
        """Raise if an array this node saved was changed in place after the node was created."""
        for index, counter in enumerate(self._counters):
            if counter[0] > self._seq:
                which = f"input {index}" if self.saves_inputs and index < len(self.parents) else "its output"
                raise RuntimeError(
                    f"a tensor needed to compute gradients was modified in place: {which} of {self.name} was "
                    "changed (t[...] = v, t += v, t.zero_(), ...) after the op used it and before backward. "
                    "Use an out-of-place op, or .clone() the tensor before changing it"
                )

    def needs_grad(self, index: int) -> bool:
        """Whether input `index` wants a gradient (skip computing it otherwise)."""
        return self.parents[index] is not None

    def input_tensors(self) -> list[Tensor]:
        """The saved inputs as Tensors linked to their producers, for a differentiable backward."""
        tensors = []
        for array, parent in zip(self.inputs, self.parents, strict=True):
            if parent is None:
                tensors.append(_wrap(array, False, None))
            elif parent._is_function:
                tensors.append(_wrap(array, True, parent))
            else:
                tensors.append(parent)
        return tensors

    def output_tensor(self) -> Tensor:
        """The saved output as a Tensor produced by this node, for a differentiable backward."""
        return _wrap(self.output, True, self)


def sum_to(grad: Any, shape: tuple) -> Any:
    """Sum `grad` (an array or a Tensor) over the axes that broadcasting expanded, so that it gets `shape` back."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, size in enumerate(shape) if size == 1 and grad.shape[i + lead] != 1
    )
    result = grad.sum(axis=axes, keepdims=True) if axes else grad
    if lead:
        result = result.reshape(shape)
    return result


def broadcast_to(grad: Any, shape: tuple) -> Any:
    """`grad` (an array or a Tensor) broadcast to `shape`, without copying: the transpose of `sum_to`."""
    if grad.__class__ is Tensor:
        return grad.expand(shape)
    return _array_module(grad).broadcast_to(grad, shape)

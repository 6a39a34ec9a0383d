"""`Function`: one differentiable operation, its forward on arrays and its backward right below it.

An op subclasses `Function`, writes `forward(*arrays) -> array` and `backward(grad) -> grad per input`,
and, to support higher-order gradients, `vjp(grad)` written with Tensor operations. `apply` runs forward
and, when grad mode is on and an input requires grad, turns the instance into a graph node.

What backward may read is declared, not guessed (as Chainer's `retain_inputs`): `saves_inputs = True`
keeps the input arrays in `self.inputs`, `saves_output = True` keeps the result in `self.output`. Those
are the arrays whose versions are checked at backward time, and what `input_tensors()` rebuilds for a
differentiable backward. Anything else an op needs (a mask, a shape) it sets on `self` in `forward`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy

from chainrule.autograd.grad_mode import STATE as _GRAD_MODE
from chainrule.tensor import Tensor, _wrap

if TYPE_CHECKING:
    from collections.abc import Callable

_ndarray = numpy.ndarray
_generic = numpy.generic
_sequence = itertools.count()


class Function:
    """Base of every op. Instances are single-use: `Mul().apply(a, b)`.

    A recorded instance is a graph node: `parents[i]` is the node that produced input i, the input
    itself when it is a leaf that requires grad, or None when no gradient flows to it.
    """

    saves_inputs = False
    saves_output = False
    is_view = False  # the output shares memory (and so its version counter) with input 0
    _is_function = True
    _released = False
    _hooks: list[Callable] | None = None
    _retain: Any = None  # weak reference to the output tensor whose .grad is retained
    _versions: tuple | None = None
    parents: tuple = ()

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    def vjp(self, grad: Tensor) -> Any:
        """Differentiable backward (for create_graph); ops that support higher order override it."""
        raise RuntimeError(
            f"{self.name} does not support higher-order gradients (create_graph=True); "
            "compute this part of the graph outside the create_graph pass"
        )

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    def apply(self, *inputs: Tensor) -> Tensor:
        arrays = [t.data for t in inputs]
        out = self.forward(*arrays)
        if out.__class__ is not _ndarray and isinstance(out, _generic):
            out = numpy.asarray(out)
        if _GRAD_MODE.enabled:
            parents = []
            requires_grad = False
            for t in inputs:
                if t._requires_grad:
                    requires_grad = True
                    parents.append(t.grad_fn or t)
                else:
                    parents.append(None)
            if requires_grad:
                self.parents = tuple(parents)
                self._seq = next(_sequence)
                result = _wrap(out, True, self)
                if self.is_view:
                    result._version = inputs[0]._version
                if self.saves_inputs:
                    self.inputs = arrays
                    self._versions = tuple((t._version, t._version[0], i) for i, t in enumerate(inputs))
                if self.saves_output:
                    self.output = out
                    saved = (result._version, result._version[0], -1)
                    self._versions = (*self._versions, saved) if self._versions else (saved,)
                return result
        result = _wrap(out, False, None)
        if self.is_view:
            result._version = inputs[0]._version
        return result

    # -- what the engine uses ------------------------------------------------------------------------
    def check_versions(self) -> None:
        """Raise if an array this node saved has been modified in place since forward."""
        for counter, expected, index in self._versions:
            if counter[0] != expected:
                which = "its output" if index < 0 else f"input {index}"
                raise RuntimeError(
                    f"a tensor needed to compute gradients was modified in place: {which} of {self.name} "
                    f"is at version {counter[0]}, expected version {expected}. Do not change it in place "
                    "(t[...] = v, t += v, t.zero_()) between forward and backward; use an out-of-place "
                    "op or .clone() it first"
                )

    def release(self) -> None:
        """Drop everything forward saved, keeping only the structure; a second backward then raises."""
        parents, seq = self.parents, self._seq
        self.__dict__.clear()
        self.parents, self._seq, self._released = parents, seq, True

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
    """Sum `grad` over the axes that broadcasting expanded, so that it gets `shape` back."""
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

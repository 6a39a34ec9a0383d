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

This is chainrule's internal op base, fast and array-based. User code writes PyTorch's style instead:
`chainrule.autograd.Function` with static `forward(ctx, ...)`/`backward(ctx, ...)` on Tensors (autograd/custom.py).
A recorded node also answers PyTorch's graph questions, `grad_fn.name()` and `grad_fn.next_functions`.
"""

from __future__ import annotations

import functools
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
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            raise TypeError(
                f"{cls.__name__}.forward is a staticmethod (PyTorch's style), but {cls.__name__} subclasses "
                "chainrule's internal array-based op base; subclass chainrule.autograd.Function for forward(ctx, ...) "
                f"and backward(ctx, ...) on Tensors, called as {cls.__name__}.apply(...)"
            )
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
        """The op's name ("Mul"); called, PyTorch's `grad_fn.name()` ("MulBackward0")."""
        return _OpName(type(self).__name__)

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's view of this node's inputs: `(producer, output index)` per input, the producer being a node,
        an `AccumulateGrad` for a leaf that requires grad, or None where no gradient flows. Empty once the node
        has been released by a backward (without retain_graph)."""
        parents = getattr(self, "parents", None)
        if parents is None:
            return ()
        edges = []
        for parent in parents:
            if parent is None:
                edges.append((None, 0))
            elif parent._is_function:
                edges.append(parent._edge())
            else:
                edges.append((AccumulateGrad(parent), 0))
        return tuple(edges)

    def _edge(self) -> tuple[Any, int]:
        """(node, output index) for the inputs this node produced; a multi-output node's proxies say otherwise."""
        return self, 0

    def apply(self, *inputs: Tensor) -> Tensor:
        """Run forward on the inputs' arrays; record this node when grad mode is on and an input needs grad."""
        # The per-op hot path: one- and two-input cases spelled out, Tensor built in place (as `_wrap`).
        count = len(inputs)
        if count == 2:
            x, y = inputs
            arrays = (x._data, y._data)
            requires_grad = x._requires_grad or y._requires_grad
        elif count == 1:
            x = inputs[0]
            arrays = (x._data,)
            requires_grad = x._requires_grad
        else:
            x = inputs[0]
            arrays = tuple([t._data for t in inputs])
            requires_grad = any([t._requires_grad for t in inputs])
        out = self.forward(*arrays)
        if out.__class__ is not _ndarray and isinstance(out, _generic):
            out = numpy.asarray(out)
        result = _new_tensor(Tensor)
        result._data = out
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


class _OpName(str):
    """An op's name as messages use it ("Mul"); called, the name PyTorch's `grad_fn.name()` gives ("MulBackward0")."""

    __slots__ = ()

    def __call__(self) -> str:
        return f"{self}Backward0"

    def __reduce__(self) -> tuple:
        return str, (str(self),)


class AccumulateGrad:
    """What `next_functions` shows for a leaf that requires grad, as PyTorch does: the leaf is `.variable`.

    chainrule's graph points at the leaf itself, so this object is made when asked for; two of them for the same
    leaf compare equal (and hash alike), as PyTorch's one object per leaf does.
    """

    __slots__ = ("variable",)
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return hash(id(self.variable))

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def once_differentiable(backward: Callable) -> Callable:
    """Mark a custom Function's backward as not differentiable itself (it leaves Tensor operations, e.g. for NumPy).

    The backward runs under no_grad. Under create_graph its gradients come out marked, as in PyTorch: the first
    derivatives are right, and differentiating them again raises an error naming the Function, instead of silently
    treating this backward as a constant.

    Example:
        >>> @staticmethod
        ... @once_differentiable
        ... def backward(ctx, grad_output):
        ...     return chainrule.from_numpy(scipy_derivative(grad_output.numpy()))
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grad_outputs: Any) -> Any:
        recording = _GRAD_MODE.enabled
        _GRAD_MODE.enabled = False
        try:
            grads = backward(ctx, *grad_outputs)
        finally:
            _GRAD_MODE.enabled = recording
        if not recording:  # a plain backward: nothing will differentiate these gradients
            return grads
        what = getattr(backward, "__qualname__", "a backward")
        if isinstance(grads, tuple):
            return tuple([_mark_once_differentiable(grad, what) for grad in grads])
        return _mark_once_differentiable(grads, what)

    return wrapper


def _mark_once_differentiable(grad: Any, what: str) -> Any:
    if not isinstance(grad, Tensor) or grad.dtype.kind != "f":
        return grad
    alias = grad.detach()
    alias.requires_grad = True  # so that the marking node is recorded
    return _OnceDifferentiable(what).apply(alias)


class _OnceDifferentiable(Function):
    """The identity on a gradient made by a @once_differentiable backward: differentiating it raises."""

    is_view = True
    differentiable_backward = False

    def __init__(self, what: str) -> None:
        self.what = what

    def forward(self, grad: Any) -> Any:
        return grad

    def backward(self, grad: Any) -> Any:
        raise RuntimeError(
            f"trying to differentiate twice a function that was marked with @once_differentiable: {self.what} "
            "computes its gradient outside Tensor operations, so that gradient has no derivative. Drop "
            "@once_differentiable and write that backward with Tensor operations to take higher-order gradients"
        )

    vjp = backward


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

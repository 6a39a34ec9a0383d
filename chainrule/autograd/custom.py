"""PyTorch's custom autograd Function: static `forward(ctx, ...)` and `backward(ctx, ...)` on Tensors.

    class MyExp(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale=2.0):
            y = x.exp() * scale
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y, None      # one gradient per forward input; None for `scale`

    out = MyExp.apply(x, 3.0)

Each `apply` records one node of chainrule's engine: an instance of `MyExpBackward`, a subclass of the internal op
base (function.py) whose backward calls the user's. forward runs under no_grad on the arguments as given (Tensors
and anything else). backward gets Tensors in both modes: in a plain backward grad mode is off, under create_graph
it is on and the saved tensors are linked to the graph, so a backward written with Tensor operations has
second derivatives. A forward that returns a tuple has one output per element: each differentiable output's
grad_fn is a proxy node whose backward hands its gradient, tagged with the output's index, to the shared node
(engine.OutputGradients), so that the engine itself knows nothing of outputs.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy

from chainrule.autograd.engine import OutputGradients
from chainrule.autograd.function import Function as _Node
from chainrule.autograd.function import sum_to
from chainrule.backend import GRAD_MODE as _GRAD_MODE
from chainrule.backend import array_module as _array_module
from chainrule.backend import next_sequence as _next_sequence
from chainrule.tensor import Tensor, _wrap


class FunctionCtx:
    """The `ctx` of a custom Function: what its forward leaves for its backward.

    Besides the methods below, any attribute may be set on it (`ctx.scale = scale`) and read in backward.
    `needs_input_grad[i]` tells whether forward's input i is a Tensor that requires grad.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.to_save: tuple | None = ()
        self.non_differentiable: tuple = ()
        self.dirty_tensors: tuple = ()
        self.materialize_grads = True
        self._unpacked: tuple | None = None  # the saved Tensors, while backward runs

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep these Tensors (inputs, outputs or others) for backward; read them there as `ctx.saved_tensors`.

        Saved tensors are checked at backward: one changed in place after forward raises, as for chainrule's ops.
        """
        for index, tensor in enumerate(tensors):
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors (or None), but argument {index} is of type "
                    f"{type(tensor).__name__}; keep other values as attributes of ctx (ctx.value = ...)"
                )
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._unpacked is not None:
            return self._unpacked
        if self.to_save is not None:  # still in forward
            return tuple(self.to_save)
        raise RuntimeError(
            "saved_tensors can be read in backward (or in forward, after save_for_backward), not after forward "
            "has returned: a backward through this Function's node reads them for you"
        )

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs that get no gradient (indices, masks): they don't require grad, and backward gets zeros for them."""
        self.non_differentiable = outputs

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Inputs that forward changed in place and returns: after apply they are outputs, with this node's history."""
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (instead of zeros) for an output that received no gradient."""
        self.materialize_grads = bool(value)


class _CustomName(str):
    """A custom Function's name ("MyExp"); called, what PyTorch's `grad_fn.name()` gives ("MyExpBackward")."""

    __slots__ = ()

    def __call__(self) -> str:
        return f"{self}Backward"

    def __reduce__(self) -> tuple:
        return str, (str(self),)


class BackwardCFunction(_Node):
    """The graph node of one call of a custom Function; `MyExp.apply` records an instance of `MyExpBackward`.

    It holds the ctx, and reads it through: `out.grad_fn.scale` is `ctx.scale`, as in PyTorch, whose ctx is the
    node. The engine frees the saved tensors with the node's other state after its backward; the ctx stays.
    """

    # in a slot, so that it outlives the engine's release of the node (its saved tensors go), as torch's ctx does
    __slots__ = ("ctx",)
    _forward_cls: Any = None  # the user's Function subclass, set on each `<Name>Backward`

    @property
    def name(self) -> str:
        return _CustomName(self._forward_cls.__name__)

    def __getattr__(self, name: str) -> Any:
        if name != "ctx" and not name.startswith("__"):
            ctx = self.ctx
            try:
                return getattr(ctx, name)
            except AttributeError:
                pass
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def backward(self, grad: Any) -> tuple:
        """Plain backward: the engine's arrays in, wrapped for the user's backward; its Tensors out, as arrays."""
        return self._run(grad, False)

    def vjp(self, grad: Any) -> tuple:
        """create_graph: the same with Tensors throughout, grad mode on, so the user's backward is recorded."""
        return self._run(grad, True)

    def _run(self, grad: Any, graph: bool) -> tuple:
        ctx = self.ctx
        grad_outputs = self._grad_outputs(grad)
        ctx._unpacked = self._unpack_saved()
        try:
            grads = self._forward_cls._user_backward(ctx, *grad_outputs)
        finally:  # the unpacked tensors link back to this node: don't keep them past backward
            ctx._unpacked = None
        return self._input_grads(grads, graph)

    def _grad_outputs(self, grad: Any) -> list:
        """One Tensor (or None) per forward output: zeros for an output that got no gradient, unless told not to."""
        if self._multi:
            received = grad.by_output
            grads = [received.get(index) for index in range(len(self._outputs))]
        else:
            grads = [grad]
        materialize = self.ctx.materialize_grads
        result = []
        for grad_output, output in zip(grads, self._outputs, strict=True):
            if output is None:  # not a Tensor
                result.append(None)
                continue
            if grad_output is None:
                if not materialize:
                    result.append(None)
                    continue
                shape, dtype, xp = output
                grad_output = xp.zeros(shape, dtype)
            if not isinstance(grad_output, Tensor):
                if isinstance(grad_output, numpy.generic):
                    grad_output = numpy.asarray(grad_output)
                grad_output = _wrap(grad_output, False, None)
            result.append(grad_output)
        return result

    def _unpack_saved(self) -> tuple:
        """The saved tensors as Tensors: inputs and outputs linked to the graph, so that create_graph sees them."""
        tensors = []
        for entry in self._saved:
            if entry is None:
                tensors.append(None)
                continue
            role, index, array, version = entry
            if role == "input":
                parent = self.parents[index]
                if parent is not None and not parent._is_function:
                    tensors.append(parent)  # the leaf itself
                    continue
                tensor = _wrap(array, parent is not None, parent)
            elif role == "output":
                tensor = _wrap(array, True, _OutputProxy(self, index) if self._multi else self)
            else:
                tensor = _wrap(array, False, None)
            tensor._version = version
            tensors.append(tensor)
        return tuple(tensors)

    def _input_grads(self, grads: Any, graph: bool) -> tuple:
        """The user's gradients, one per forward argument, as the engine wants them: one per Tensor input."""
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        count = self._arg_count
        if len(grads) != count:
            if len(grads) < count or any(grad is not None for grad in grads[count:]):
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients (expected {count}, got "
                    f"{len(grads)}): backward must return one gradient per argument of forward (ctx aside), None "
                    "for an argument that is not a Tensor or needs no gradient"
                )
            grads = grads[:count]
        positions = self._positions
        for position, grad in enumerate(grads):
            if grad is not None and position not in positions:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at position {position + 1}, "
                    "but the corresponding forward input was not a Tensor: return None there"
                )
        saved_arrays = [entry[2] for entry in self._saved if entry is not None]
        result = []
        for index, position in enumerate(positions):
            grad = grads[position]
            if grad is None or self.parents[index] is None:
                result.append(None)
                continue
            if not isinstance(grad, Tensor):
                raise TypeError(
                    f"function {self.name()} returned a {type(grad).__name__} as the gradient of input {position}; "
                    "return a Tensor (or None)"
                )
            shape, dtype = self._inputs[index]
            grad = grad if graph else grad._data
            if grad.shape != shape:
                if not _expandable(shape, grad.shape):
                    raise RuntimeError(
                        f"function {self.name()} returned an invalid gradient at index {position} - got "
                        f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
                    )
                grad = sum_to(grad, shape)
            if grad.dtype != dtype:
                grad = grad.to(dtype) if graph else grad.astype(dtype)
            if not graph and any(grad is array for array in saved_arrays):
                grad = grad.copy()  # it would become a leaf's .grad, and accumulate into a saved tensor
            result.append(grad)
        return tuple(result)

    def check_versions(self) -> None:
        """Raise if a tensor saved with save_for_backward was changed in place after forward."""
        for counter, role in zip(self._counters, self._roles, strict=True):
            if counter[0] > self._seq:
                raise RuntimeError(
                    f"a tensor needed to compute gradients was modified in place: {role} of {self.name} was "
                    "changed (t[...] = v, t += v, t.zero_(), ...) after the op used it and before backward. "
                    "Use an out-of-place op, or .clone() the tensor before changing it"
                )


class _OutputProxy(_Node):
    """The grad_fn of output `index` of a multi-output custom node: hands its gradient on, tagged with the index.

    To PyTorch's graph questions it answers as the node itself (its name, its next_functions; consumers see
    `(node, index)` in theirs), since PyTorch gives all outputs one grad_fn and an output number.
    """

    __slots__ = ("index", "node")

    def __init__(self, node: BackwardCFunction, index: int) -> None:
        self.parents = (node,)
        self.node = node  # parents goes when the engine releases this proxy; the node stays, as for the tensor
        self.index = index
        self._seq = _next_sequence()

    @property
    def name(self) -> str:
        return self.node.name

    def __getattr__(self, name: str) -> Any:
        if name != "node" and not name.startswith("__"):
            return getattr(self.node, name)  # ctx's attributes, as through the node
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def backward(self, grad: Any) -> OutputGradients:
        return OutputGradients(self.index, grad)

    vjp = backward

    def _edge(self) -> tuple[Any, int]:
        return self.node, self.index

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return self.node.next_functions


def _expandable(shape: tuple, target: tuple) -> bool:
    """Whether `shape` broadcasts to `target`, so that a gradient of `target`'s shape sums back to it."""
    if len(shape) > len(target):
        return False
    return all(size in (1, wanted) for size, wanted in zip(shape[::-1], target[::-1], strict=False))


# -- the user's class -------------------------------------------------------------------------------------------
def _missing_forward(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("You must implement the forward function for custom autograd.Function.")


def _missing_backward(ctx: Any, *grad_outputs: Any) -> Any:
    raise NotImplementedError(
        "You must implement either the backward or vjp method for your custom autograd.Function to use it "
        "with backward mode AD."
    )


def _missing_setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
    raise NotImplementedError("setup_context is not implemented.")


_INTERNAL_ATTRIBUTES = ("saves_inputs", "saves_output", "differentiable_backward")


class FunctionMeta(type):
    """Gives each custom Function its node class, `<Name>Backward`, as PyTorch's metaclass does, and picks its
    backward (`backward`, or `vjp`, its other name)."""

    def __init__(cls, name: str, bases: tuple, namespace: dict) -> None:
        super().__init__(name, bases, namespace)
        internal = [attribute for attribute in _INTERNAL_ATTRIBUTES if attribute in namespace]
        if internal:
            raise TypeError(
                f"{name} sets {internal[0]}, which belongs to chainrule's internal array-based op base: subclass "
                "chainrule.autograd.function.Function for that style, or write forward(ctx, ...) and backward(ctx, "
                "...) as staticmethods on Tensors (PyTorch's style), saving with ctx.save_for_backward"
            )
        backward, vjp = cls.backward, cls.vjp
        if backward is not _missing_backward and vjp is not _missing_backward and backward is not vjp:
            raise TypeError(f"{name} defines both backward and vjp (two names for one method): keep one of them")
        cls._user_backward = staticmethod(vjp if vjp is not _missing_backward else backward)
        cls._uses_setup_context = cls.setup_context is not _missing_setup_context
        cls._signature = None  # forward's, read when apply is called with keywords
        cls._backward_cls = type(
            f"{name}Backward",
            (BackwardCFunction,),
            {"_forward_cls": cls, "__module__": cls.__module__, "__qualname__": f"{cls.__qualname__}Backward"},
        )


class Function(metaclass=FunctionMeta):
    """A differentiable operation of your own, as PyTorch's `torch.autograd.Function`.

    Write `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` as staticmethods on Tensors; call
    `MyFunction.apply(*args)`. backward returns one gradient per argument of forward (None for non-Tensors and
    for inputs that need none) and receives one gradient per output. See the module docstring for an example;
    `ctx` is a `FunctionCtx`. A backward that leaves Tensor operations should be decorated with
    `chainrule.autograd.function.once_differentiable`.
    """

    forward = staticmethod(_missing_forward)
    setup_context = staticmethod(_missing_setup_context)
    backward = staticmethod(_missing_backward)
    vjp = staticmethod(_missing_backward)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{type(self).__name__} should not be instantiated: the methods of a custom autograd Function are "
            f"static; call {type(self).__name__}.apply(...) on the class",
            DeprecationWarning,
            stacklevel=2,
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward under no_grad and, when grad mode is on and an input requires grad, record the node."""
        if kwargs or cls._uses_setup_context:
            args, kwargs = _bind(cls, args, kwargs)
        positions = tuple([i for i, arg in enumerate(args) if isinstance(arg, Tensor)])
        needs_input_grad = tuple([isinstance(arg, Tensor) and arg._requires_grad for arg in args])
        record = _GRAD_MODE.enabled and any(needs_input_grad)
        # the producers before forward: a dirty input gets this node as its grad_fn after it
        parents = tuple([(args[i].grad_fn or args[i]) if args[i]._requires_grad else None for i in positions])
        ctx = FunctionCtx(needs_input_grad)
        recording = _GRAD_MODE.enabled
        _GRAD_MODE.enabled = False
        try:
            if cls._uses_setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            _GRAD_MODE.enabled = recording
        return _record(cls, ctx, args, positions, parents, output, record)


def _bind(cls: FunctionMeta, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Keyword arguments that name forward's parameters become positional inputs, as in PyTorch (whose
    setup_context style also gets the defaults)."""
    if cls._signature is None:
        cls._signature = inspect.signature(cls.forward)
    if cls._uses_setup_context:
        bound = cls._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.args, bound.kwargs
    bound = cls._signature.bind(None, *args, **kwargs)  # None stands for ctx
    return bound.args[1:], bound.kwargs


def _record(cls, ctx, args, positions, parents, output, record):
    """Check the dirty inputs, then, when recording, make the node and give the outputs their history."""
    multi = isinstance(output, tuple)
    outputs = tuple(output) if multi else (output,)
    dirty = ctx.dirty_tensors
    for tensor in dirty:
        if not any(tensor is args[i] for i in positions):
            raise RuntimeError(
                f"mark_dirty() got a tensor that is not an input of {cls.__name__}: mark only the "
                "inputs that forward changed in place"
            )
        if not any(tensor is item for item in outputs):
            raise RuntimeError(
                f"{cls.__name__}.forward changed an input in place (mark_dirty) but did not return "
                "it: return the changed input itself as an output"
            )
        tensor._bump_version()  # the values other nodes saved from it are gone
    non_differentiable = ctx.non_differentiable
    differentiable = [
        isinstance(item, Tensor) and item.dtype.kind == "f" and not any(item is t for t in non_differentiable)
        for item in outputs
    ]
    if not (record and any(differentiable)):
        ctx.to_save = None
        return output
    for tensor in dirty:
        _check_rebase(cls, tensor, _position(args, tensor))

    node = cls._backward_cls()
    node.ctx = ctx
    node.parents = parents
    node._multi = multi
    node._arg_count = len(args)
    node._positions = positions
    node._inputs = tuple([(args[i].shape, args[i].dtype) for i in positions])
    node._outputs = tuple(
        [(item.shape, item.dtype, _array_module(item._data)) if isinstance(item, Tensor) else None for item in outputs]
    )
    node._seq = _next_sequence()  # after the dirty inputs' versions: they are this node's outputs
    results = []
    for index, item in enumerate(outputs):
        if not isinstance(item, Tensor):
            results.append(item)
            continue
        if any(item is tensor for tensor in dirty):
            result = item  # the input itself now holds the output, with this node's history
        else:
            result = _wrap(item._data, False, None)  # not the object forward returned, which may live elsewhere
            result._version = item._version
        if differentiable[index]:
            result.grad_fn = _OutputProxy(node, index) if multi else node
            result._requires_grad = True
        else:
            result.grad_fn = None
            result._requires_grad = False
        results.append(result)
    _pack_saved(node, ctx, args, positions, outputs, results)
    return tuple(results) if multi else results[0]


def _position(args: tuple, tensor: Tensor) -> int:
    return next(i for i, arg in enumerate(args) if arg is tensor)


def _check_rebase(cls: FunctionMeta, tensor: Tensor, position: int) -> None:
    """A dirty input becomes an output of the node: refuse where chainrule can't rewrite its history."""
    if tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(
            f"a leaf Variable that requires grad has been used in an in-place operation: input {position} of "
            f"{cls.__name__} (mark_dirty). Pass a .clone() of it, or call {cls.__name__}.apply under no_grad"
        )
    if tensor.grad_fn is not None and tensor.grad_fn.is_view:
        raise RuntimeError(
            f"input {position} of {cls.__name__} was changed in place (mark_dirty), but it is a view of another "
            f"tensor (made by {tensor.grad_fn.name}), whose history chainrule can't rewrite: pass a .clone() of it"
        )


def _pack_saved(node, ctx, args, positions, outputs, results):
    """Keep each saved tensor's array, what it is to the node (input, output, other) and its version counter.

    Arrays, not the Tensors: an output Tensor points at the node, which would point back at it.
    """
    saved, counters, roles = [], [], []
    for number, tensor in enumerate(ctx.to_save or ()):
        if tensor is None:
            saved.append(None)
            continue
        output = next((j for j, item in enumerate(outputs) if item is tensor and results[j]._requires_grad), None)
        input_index = next((k for k, i in enumerate(positions) if args[i] is tensor), None)
        if output is not None:
            saved.append(("output", output, tensor._data, results[output]._version))
            roles.append(f"output {output}")
        elif input_index is not None:
            saved.append(("input", input_index, tensor._data, tensor._version))
            roles.append(f"input {positions[input_index]}")
        else:
            saved.append(("other", number, tensor._data, tensor._version))
            roles.append(f"saved tensor {number}")
        counters.append(saved[-1][3])
    ctx.to_save = None
    node._saved = tuple(saved)
    node._roles = tuple(roles)
    node._counters = tuple(counters) if counters else None


# -- PyTorch's deprecated Variable -------------------------------------------------------------------------------
class _VariableMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated `Variable(tensor, requires_grad=False)`: a Tensor sharing the data, cut from the graph,
    with the given requires_grad (as `torch.autograd.Variable` does). Every Tensor is an instance of Variable."""

    def __new__(cls, data: Tensor, requires_grad: bool = False) -> Tensor:  # type: ignore[misc]
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Variable data has to be a tensor, but got {type(data).__name__}; make one with chainrule.tensor(...)"
            )
        result = data.detach()
        result.requires_grad = requires_grad
        return result

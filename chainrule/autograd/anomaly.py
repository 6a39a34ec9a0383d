"""Anomaly mode: find the first op whose forward or backward turned finite numbers into NaN or Inf.

A NaN loss says nothing about where it came from. In anomaly mode every forward result and every gradient
a node's backward returns is checked, and the first non-finite one raises `AnomalyError`, naming the op,
the phase, its input shapes and dtypes, and the line of the user's code that called the op.

It costs nothing while off: turning it on rebinds `Function.apply` to `_checked_apply` and sets
`ANOMALY_MODE.enabled`, which the engine reads once per backward call to choose a checked step per node;
turning it off puts the original `Function.apply` back. The mode is global, as PyTorch's: it applies to
every thread, and a thread that enters or leaves it changes it for the others too. Use it for debugging:
each op pays a finiteness check and a walk up the call stack.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
import sysconfig
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy

from chainrule.autograd.function import Function
from chainrule.backend import array_module
from chainrule.tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])


class AnomalyError(RuntimeError):
    """A NaN or Inf found by anomaly mode. The message says it all; the attributes say it to programs.

    Attributes (stable; a training loop can build its own message from them):
        op: the Function's name, e.g. "Log".
        phase: "forward" (the op's result) or "backward" (a gradient its backward returned).
        input_shapes, input_dtypes: one entry per input of the op's forward, e.g. ((3,),) and ("float32",);
            None for an input whose shape or dtype is unknown (a backward of a node made outside the mode).
        source: where the op was called, "path.py:LINE in function: code", or None when unknown.
        nonfinite: "nan" when any NaN is present, else "inf" (of either sign).
        output_index: which result held it: 0 in the forward (an op has one output); in the backward, the
            input whose gradient held it.
        count, size: how many elements are non-finite, of how many; first_index: the first one's position.
        cause: "op" when the op made non-finite values out of finite ones; "input" when its input
            `nonfinite_input` already held them (the data or a parameter); "grad_output" when the gradient
            flowing into its backward already did (a non-finite root gradient or a hook's result).
        nonfinite_input: the index of that input when cause is "input", else None.
        node: the op's Function instance (a graph node when it was recorded: its creation number `_seq`
            places it among other nodes, e.g. inside the forward of a module).
    """

    def __init__(
        self,
        message: str,
        *,
        op: str,
        phase: str,
        input_shapes: tuple,
        input_dtypes: tuple,
        source: str | None,
        nonfinite: str,
        output_index: int,
        count: int,
        size: int,
        first_index: tuple[int, ...],
        cause: str,
        nonfinite_input: int | None,
        node: Function | None = None,
    ) -> None:
        super().__init__(message)
        self.node = node
        self.op = op
        self.phase = phase
        self.input_shapes = input_shapes
        self.input_dtypes = input_dtypes
        self.source = source
        self.nonfinite = nonfinite
        self.output_index = output_index
        self.count = count
        self.size = size
        self.first_index = first_index
        self.cause = cause
        self.nonfinite_input = nonfinite_input


# -- the switch -----------------------------------------------------------------------------------------
class _AnomalyMode:
    """Whether anomaly mode is on and checks values. One object for all threads (the mode is global)."""

    __slots__ = ("check_nan", "enabled")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


ANOMALY_MODE = _AnomalyMode()  # the engine reads `enabled` once per backward call


class _RunningBackward(threading.local):
    """The node whose backward this thread is running in anomaly mode, so that the ops a create_graph
    backward records are blamed on that node (and checked through its gradients) rather than checked as
    forwards of their own."""

    node: Function | None = None


_RUNNING = _RunningBackward()
_unchecked_apply = Function.__dict__["apply"]


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on (`detect_anomaly`, `set_detect_anomaly(True)`)."""
    return ANOMALY_MODE.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly mode checks values for NaN and Inf (it may be on with check_nan=False)."""
    return ANOMALY_MODE.check_nan


def _set_mode(enabled: bool, check_nan: bool) -> None:
    ANOMALY_MODE.enabled = bool(enabled)
    ANOMALY_MODE.check_nan = bool(check_nan)
    Function.apply = _checked_apply if enabled else _unchecked_apply


class detect_anomaly:
    """Raise `AnomalyError` at the first op whose forward or backward produces NaN or Inf, naming its line.

    A context manager and a decorator; leaving it (also by an exception) restores the previous mode. With
    `check_nan=False` it only records where each op was called, and a backward that fails adds that line
    to its error. The mode is global (all threads), as in PyTorch.

    Example:
        >>> with chainrule.autograd.detect_anomaly():
        ...     loss = model(x).log().mean()   # AnomalyError: ... forward of Log ... at train.py:12
        ...     loss.backward()
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[tuple[bool, bool]] = []  # a stack, so that one instance can be entered twice

    def __enter__(self) -> None:
        self._previous.append((ANOMALY_MODE.enabled, ANOMALY_MODE.check_nan))
        _set_mode(True, self.check_nan)

    def __exit__(self, *exc_info: object) -> None:
        _set_mode(*self._previous.pop())

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class set_detect_anomaly:
    """Switch anomaly mode on or off now; as a context manager it restores the previous mode on exit.

    Example: `set_detect_anomaly(True)` ... `set_detect_anomaly(False)`, or
    `with set_detect_anomaly(debug): train()`.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (ANOMALY_MODE.enabled, ANOMALY_MODE.check_nan)
        _set_mode(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: object) -> None:
        _set_mode(*self._previous)


# -- the checked forward and backward -------------------------------------------------------------------
class _Origin:
    """What anomaly mode keeps on a node it records: where the op was called and what it was given."""

    __slots__ = ("backward_of", "input_dtypes", "input_shapes", "location")

    def __init__(self, location: tuple | None, arrays: Any, backward_of: str | None = None) -> None:
        self.location = location
        self.input_shapes = tuple([None if array is None else array.shape for array in arrays])
        self.input_dtypes = tuple([None if array is None else array.dtype.name for array in arrays])
        self.backward_of = backward_of


def _checked_apply(self: Function, *inputs: Tensor) -> Tensor:
    """`Function.apply` in anomaly mode: the original, then the node's origin recorded and its result checked."""
    result = _unchecked_apply(self, *inputs)
    running = _RUNNING.node
    if result.grad_fn is self:
        arrays = [tensor._data for tensor in inputs]
        if running is None:
            self._anomaly_origin = _Origin(_user_location(sys._getframe(1)), arrays)
        else:  # recorded by a create_graph backward: the user's line is that of the node being differentiated
            origin = running.__dict__.get("_anomaly_origin")
            self._anomaly_origin = _Origin(origin.location if origin else None, arrays, running.name)
    if running is None and ANOMALY_MODE.check_nan:
        _check_forward(self, inputs, result)
    return result


def checked_backward(node: Function, grad: Any, create_graph: bool) -> Any:
    """What the engine runs per node in anomaly mode: the node's backward (vjp with create_graph, then
    `grad` is a Tensor), its gradients checked; a backward that fails gets the node's origin as a note."""
    previous, _RUNNING.node = _RUNNING.node, node
    try:
        input_grads = node.vjp(grad) if create_graph else node.backward(grad)
    except Exception as error:
        source = _source(node.__dict__.get("_anomaly_origin"))
        if source is not None and not isinstance(error, AnomalyError):
            error.add_note(f"anomaly mode: the {node.name} whose backward failed was called at {source}")
        raise
    finally:
        _RUNNING.node = previous
    if ANOMALY_MODE.check_nan:
        _check_backward(node, grad, input_grads if type(input_grads) is tuple else (input_grads,))
    return input_grads


def _check_forward(node: Function, inputs: tuple[Tensor, ...], result: Tensor) -> None:
    found = _nonfinite(result._data)
    if found is None:
        return
    arrays = [tensor._data for tensor in inputs]
    origin = node.__dict__.get("_anomaly_origin") or _Origin(_user_location(sys._getframe(2)), arrays)
    held = _first_nonfinite(arrays)
    if held is None:
        why = "from finite inputs"
        fix = (
            "look at the values it gets at that line (log or sqrt of 0 or of a negative number, a division by 0, "
            "an exp that overflows): clamp them or add a small epsilon"
        )
        raise _error(node, origin, found, phase="forward", index=0, cause="op", culprit=None, why=why, fix=fix)
    culprit, kinds = held
    why = f"but its input {culprit} already held {kinds}"
    producer = inputs[culprit].grad_fn
    if producer is None:
        why += ": the data or a parameter is non-finite"
        fix = "check the batch and the parameters (an earlier step may have diverged: lower the learning rate)"
    else:
        fix = f"that input came from {producer.name}, run before anomaly mode was on: turn the mode on earlier"
    raise _error(node, origin, found, phase="forward", index=0, cause="input", culprit=culprit, why=why, fix=fix)


def _check_backward(node: Function, grad: Any, input_grads: tuple) -> None:
    bad = _first_nonfinite([_array(input_grad) for input_grad in input_grads])
    if bad is None:
        return
    index = bad[0]
    found = _nonfinite(_array(input_grads[index]))
    origin = node.__dict__.get("_anomaly_origin")
    if origin is None:  # recorded before the mode was on: the gradients still tell the inputs' shapes
        origin = _Origin(None, [_array(input_grad) for input_grad in input_grads])
    saved = _first_nonfinite(node.__dict__.get("inputs") or ()) if node.saves_inputs else None
    culprit = None
    if _nonfinite(_array(grad)) is not None:
        cause = "grad_output"
        why = "but the gradient flowing into it already held non-finite values"
        fix = "the gradient passed to backward() or returned by a tensor hook is not finite"
    elif saved is not None:
        cause, culprit = "input", saved[0]
        why = f"but its input {culprit} already held {saved[1]} in the forward"
        fix = "the forward ran before anomaly mode was on; turn the mode on before it to see where they came from"
    else:
        cause = "op"
        why = "from a finite incoming gradient"
        fix = (
            "its forward was finite, so the derivative itself is infinite or undefined there (sqrt or log at 0, "
            "a division by a value near 0): keep the input away from that point (clamp it, or add a small epsilon)"
        )
    raise _error(node, origin, found, phase="backward", index=index, cause=cause, culprit=culprit, why=why, fix=fix)


def _error(node, origin, found, *, phase, index, cause, culprit, why, fix) -> AnomalyError:
    """The AnomalyError for a non-finite result `found` of `node`: the message, and the same as attributes."""
    which = "its output" if phase == "forward" else f"the gradient for its input {index}"
    source = _source(origin)
    inputs = "; ".join(
        f"input {i}: shape {shape}, {dtype}"
        for i, (shape, dtype) in enumerate(zip(origin.input_shapes, origin.input_dtypes, strict=True))
    )
    lines = [
        f"anomaly detected in the {phase} of {node.name}: {which} holds {found.kinds} in {found.count} of "
        f"{found.size} elements (first at index {found.first_index}), {why}"
    ]
    if source is None:
        lines.append(f"  {node.name} was recorded before anomaly mode was on, so its line is unknown")
    elif origin.backward_of is not None:
        lines.append(f"  {node.name} was recorded by the backward of {origin.backward_of}, called at {source}")
    else:
        lines.append(f"  {node.name} was called at {source}")
    lines.append(f"  {node.name} inputs: {inputs or 'unknown'}")
    lines.append(f"  Fix: {fix}")
    return AnomalyError(
        "\n".join(lines),
        op=node.name,
        phase=phase,
        input_shapes=origin.input_shapes,
        input_dtypes=origin.input_dtypes,
        source=source,
        nonfinite="nan" if "NaN" in found.kinds else "inf",
        output_index=index,
        count=found.count,
        size=found.size,
        first_index=found.first_index,
        cause=cause,
        nonfinite_input=culprit,
        node=node,
    )


# -- looking at values --------------------------------------------------------------------------------
class _NonFinite(NamedTuple):
    kinds: str  # what is there: "NaN", "inf", "-inf", or several joined by " and "
    count: int
    size: int
    first_index: tuple[int, ...]


def _array(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _nonfinite(array: Any) -> _NonFinite | None:
    """None when `array` is all finite (or None, or not floating point); else what is wrong with it."""
    dtype = getattr(array, "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        return None
    xp = array_module(array)
    bad = ~xp.isfinite(array)
    if not bad.any():
        return None
    if dtype.kind == "c":
        present = (("NaN", xp.isnan(array).any()), ("inf", xp.isinf(array).any()))
    else:
        present = (("NaN", xp.isnan(array).any()), ("inf", (array == xp.inf).any()), ("-inf", (array == -xp.inf).any()))
    kinds = " and ".join([kind for kind, found in present if found])
    first = numpy.unravel_index(int(bad.argmax()), array.shape)
    return _NonFinite(kinds, int(bad.sum()), int(array.size), tuple([int(i) for i in first]))


def _first_nonfinite(arrays: Any) -> tuple[int, str] | None:
    """(index, kinds) of the first array holding NaN or Inf, or None when all are finite."""
    for index, array in enumerate(arrays):
        found = _nonfinite(array)
        if found is not None:
            return index, found.kinds
    return None


# -- where the op was called ----------------------------------------------------------------------------
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# chainrule's own layers between the user and an op: a frame here is never the line to show
_OP_MACHINERY = (
    os.path.join(_PACKAGE, "autograd", ""),
    os.path.join(_PACKAGE, "ops", ""),
    os.path.join(_PACKAGE, "tensor.py"),
    os.path.join(_PACKAGE, "backend.py"),
    os.path.join(_PACKAGE, "creation.py"),
    os.path.join(_PACKAGE, "nn", "module.py"),
    os.path.join(_PACKAGE, "nn", "functional.py"),
)
_PATHS = sysconfig.get_paths()
_LIBRARIES = tuple({os.path.join(_PATHS[key], "") for key in ("purelib", "platlib")})
_LAUNCHERS = tuple({os.path.join(_PATHS[key], "") for key in ("stdlib", "platstdlib", "scripts")})


def _is_launcher(filename: str) -> bool:
    """The interpreter's own code (runpy, threading) or a console script: never the user's line."""
    if filename.startswith("<frozen "):
        return True
    return filename.startswith(_LAUNCHERS) and not filename.startswith(_LIBRARIES)


def _user_location(frame: Any) -> tuple[str, int, str] | None:
    """(file, line, function) of the first frame outside chainrule, so that an op called through a Module
    or `nn.functional` points at the user's code. With none (the CLI's config-built model), the first
    chainrule frame outside the op machinery: the layer's forward."""
    fallback = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE):
            if not _is_launcher(filename):
                return filename, frame.f_lineno, frame.f_code.co_name
        elif fallback is None and not filename.startswith(_OP_MACHINERY):
            fallback = filename, frame.f_lineno, frame.f_code.co_name
        frame = frame.f_back
    return fallback


def _source(origin: _Origin | None) -> str | None:
    """The origin's location as "path.py:LINE in function: code", the path relative to the working directory
    when it lies inside it."""
    if origin is None or origin.location is None:
        return None
    filename, line, function = origin.location
    shown = filename
    if os.path.isabs(filename) and filename.startswith(os.path.join(os.getcwd(), "")):
        shown = os.path.relpath(filename)
    code = linecache.getline(filename, line).strip()
    return f"{shown}:{line} in {function}: {code}" if code else f"{shown}:{line} in {function}"

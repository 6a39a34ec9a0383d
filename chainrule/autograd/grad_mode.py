"""Whether operations record a graph: `no_grad`, `enable_grad`, `set_grad_enabled`.

The flag is per thread, as in PyTorch: a thread serving predictions inside `no_grad` leaves a training
thread's recording alone, and every new thread starts with grad enabled, whatever the thread that started it
had set. It lives in one small `threading.local` object in `backend` that `Function.apply` reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from chainrule.backend import GRAD_MODE

F = TypeVar("F", bound=Callable[..., Any])


STATE = GRAD_MODE  # the flag itself lives with the other global state, in backend


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded for backward."""
    return STATE.enabled


class _GradModeContext:
    """Base of the grad-mode switches; usable as `with` block and as function decorator."""

    _mode = True

    def __enter__(self) -> None:
        self._previous = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        STATE.enabled = self._previous

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Don't record operations (evaluation, parameter updates): `with chainrule.no_grad(): ...`."""

    _mode = False


class enable_grad(_GradModeContext):
    """Record operations again inside a `no_grad` block or function."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Switch recording on or off now; as a context manager it restores the previous mode on exit.

    Example: `with chainrule.set_grad_enabled(is_training): out = model(x)`.
    """

    def __init__(self, mode: bool) -> None:
        self._previous = STATE.enabled
        self._mode = bool(mode)
        STATE.enabled = self._mode

    def __enter__(self) -> None:
        pass

    def __call__(self, function: F) -> F:
        STATE.enabled = self._previous

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self._mode):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

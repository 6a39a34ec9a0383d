"""PyTorch's other names and small forms of existing ops: aliases (absolute, negative, multiply, subtract,
divide, true_divide, ...), the in-place `_` forms of the elementwise functions, addcmul/addcdiv, clamp_min/
clamp_max, tile, take, select, broadcast_to, ravel, and the predicates and properties (is_floating_point,
is_contiguous, stride, ndimension, nelement, ...).

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__: list[str] = []

METHODS: dict[str, Callable[..., Any]] = {}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset()

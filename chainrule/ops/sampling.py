"""Random sampling PyTorch has as functions and in-place methods: bernoulli, multinomial, normal, poisson,
randperm, and uniform_/normal_/bernoulli_/exponential_/geometric_/cauchy_/log_normal_/random_, drawing from
the library's generators (chainrule.manual_seed makes them reproducible).

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

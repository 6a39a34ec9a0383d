"""Special and composite math: xlogy, hypot, logit, lgamma, digamma, polygamma, sinc, heaviside,
fmax/fmin, float_power, deg2rad/rad2deg, gcd/lcm, ldexp, nansum/nanmean, aminmax, diff, trace, cross, dist,
cov/corrcoef, bincount, histc, unique.

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

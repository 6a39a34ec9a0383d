"""Reverse-mode automatic differentiation: graph nodes, the backward engine, grad modes and gradcheck."""

from chainrule.autograd.api import backward, grad
from chainrule.autograd.function import Function
from chainrule.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function", "GradcheckError", "backward", "enable_grad", "grad", "gradcheck", "gradgradcheck",
    "is_grad_enabled", "no_grad", "set_grad_enabled",
]

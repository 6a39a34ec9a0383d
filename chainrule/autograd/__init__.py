"""Reverse-mode automatic differentiation: graph nodes, the backward engine, grad modes, gradcheck and anomaly mode.

`Function` here is PyTorch's custom Function (autograd/custom.py); chainrule's own array-based op base is
`chainrule.autograd.function.Function`.
"""

from chainrule.autograd.anomaly import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from chainrule.autograd.api import backward, grad
from chainrule.autograd.custom import Function, FunctionCtx, Variable
from chainrule.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "AnomalyError", "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly",
    "enable_grad", "grad", "gradcheck", "gradgradcheck", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "set_detect_anomaly", "set_grad_enabled",
]

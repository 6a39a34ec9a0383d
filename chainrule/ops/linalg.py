"""Matrix product with NumPy's `matmul` rules: 1-D vectors, 2-D matrices, and broadcast batches."""

from __future__ import annotations

from typing import Any

from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks
from chainrule.tensor import Tensor


def _matmul_grads(grad: Any, x: Any, y: Any, need_x: bool, need_y: bool) -> tuple:
    """d(x @ y): grad @ y^T and x^T @ grad, with 1-D operands promoted and batch broadcasting undone."""
    if x.ndim == 1 and y.ndim == 1:
        return (grad * y if need_x else None), (grad * x if need_y else None)
    x2 = x.reshape((1, x.shape[0])) if x.ndim == 1 else x
    y2 = y.reshape((y.shape[0], 1)) if y.ndim == 1 else y
    g2 = grad
    if x.ndim == 1:
        g2 = g2.reshape((*g2.shape[:-1], 1, g2.shape[-1]))
    if y.ndim == 1:
        g2 = g2.reshape((*g2.shape, 1))
    grad_x = grad_y = None
    if need_x:
        grad_x = sum_to(g2 @ y2.swapaxes(-1, -2), x2.shape).reshape(x.shape)
    if need_y:
        if y2.ndim == 2 and x2.ndim > 2:
            # fold the batch into the rows: one GEMM, no (batch, k, n) temporary to sum afterwards
            rows = x2.reshape((-1, x2.shape[-1]))
            grad_y = (rows.swapaxes(-1, -2) @ g2.reshape((-1, g2.shape[-1]))).reshape(y.shape)
        else:
            grad_y = sum_to(x2.swapaxes(-1, -2) @ g2, y2.shape).reshape(y.shape)
    return grad_x, grad_y


class MatMul(Function):
    """d(x @ y)/dx = grad @ y^T, d(x @ y)/dy = x^T @ grad."""

    saves_inputs = True

    def forward(self, x, y):
        return x @ y

    def backward(self, grad):
        x, y = self.inputs
        return _matmul_grads(grad, x, y, self.parents[0] is not None, self.parents[1] is not None)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product (NumPy/PyTorch `matmul` semantics: vectors, matrices and broadcast batches)."""
    if not isinstance(input, Tensor):
        input = _checks.as_operand(input, other, "matmul")
    if not isinstance(other, Tensor):
        other = _checks.as_operand(other, input, "matmul")
    _checks.check_pair(input, other, "matmul")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes {input.shape} and {other.shape}; "
            "use * for scaling by a scalar"
        )
    inner_x = input.shape[-1]
    inner_y = other.shape[0] if other.ndim == 1 else other.shape[-2]
    if inner_x != inner_y:
        left = "x".join(map(str, input.shape))
        right = "x".join(map(str, other.shape))
        raise RuntimeError(
            f"matmul: shapes cannot be multiplied ({left} and {right}): the last dimension of the first "
            f"({inner_x}) must equal the {'first' if other.ndim == 1 else 'second-to-last'} dimension of the "
            f"second ({inner_y})"
        )
    try:
        return MatMul().apply(input, other)
    except ValueError as error:
        raise RuntimeError(
            f"matmul: batch dimensions of {input.shape} and {other.shape} do not broadcast: {error}"
        ) from None


class Linear(Function):
    """y = x W^T + b: dx = grad W, dW = grad^T x (batch dimensions folded into rows), db = sum of grad."""

    saves_inputs = True

    def forward(self, x, weight, bias=None):
        out = x @ weight.T
        if bias is not None:
            out += bias  # in place on the fresh product: no second output-sized array
        return out

    def backward(self, grad):
        x, weight = self.inputs[0], self.inputs[1]
        parents = self.parents
        grad_x = grad @ weight if parents[0] is not None else None
        rows = grad.reshape((-1, grad.shape[-1]))
        grad_weight = rows.T @ x.reshape((-1, x.shape[-1])) if parents[1] is not None else None
        if len(parents) == 2:
            return grad_x, grad_weight
        return grad_x, grad_weight, (rows.sum(axis=0) if parents[2] is not None else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias, with weight of shape (out_features, in_features) as PyTorch's."""
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(value).__name__}")
    _checks.check_pair(input, weight, "linear")
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        rows = "x".join(map(str, input.shape[:-1] or (1,)))
        raise RuntimeError(
            f"linear: input and weight shapes cannot be multiplied ({rows}x{input.shape[-1] if input.ndim else 1} "
            f"and {weight.shape[1]}x{weight.shape[0]}): the input's last dimension must be in_features = "
            f"{weight.shape[1]}, got input shape {input.shape}"
        )
    if bias is None:
        return Linear().apply(input, weight)
    _checks.check_pair(input, bias, "linear")
    if bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear: bias must have shape ({weight.shape[0]},) to match weight {weight.shape}, got "
                         f"{bias.shape}")
    return Linear().apply(input, weight, bias)

"""Loss functions with `torch.nn.functional`'s signatures, each one fused `Function` in a stable form.

Cross-entropy takes log-softmax by the log-sum-exp trick and keeps the softmax for backward, where the
gradient is (softmax - target distribution), scaled; binary cross-entropy with logits uses
softplus(-x) = max(-x, 0) + log1p(exp(-|x|)). Every loss sums or averages its elementwise losses with
`_reduce`, and its backward hands each element its share of the upstream gradient with `_spread`.
Class weights and `pos_weight` are constants: as in PyTorch, no gradient flows to them.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.backend import _errstate
from chainrule.ops import _numerics
from chainrule.ops._checks import check_float_input
from chainrule.ops._checks import constant as _constant
from chainrule.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: Any, reduction: str, divisor: float) -> Any:
    """The elementwise losses as asked: kept ('none'), summed, or summed and divided by `divisor`."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    with _errstate(backend.array_module(losses)):
        return total / divisor  # nothing counted (divisor 0): NaN, as PyTorch


def _spread(grad: Any, reduction: str, divisor: float, shape: tuple) -> Any:
    """Each element's share of the upstream gradient (an array or a Tensor), broadcastable to `shape`."""
    if reduction == "none":
        return grad if grad.shape == shape else grad.reshape(shape)
    if reduction == "mean":
        return grad / divisor if divisor else grad * 0  # nothing counted: PyTorch's gradient is 0
    return grad


def _class_shape(ndim: int, axis: int, classes: int) -> tuple:
    """Shape that lines a vector of per-class values up with the class axis of an input."""
    return tuple(classes if dim == axis else 1 for dim in range(ndim))


def _tensor_log_softmax(x: Tensor, axis: int) -> Tensor:
    return x - x.logsumexp(axis, keepdim=True)


# -- classification ----------------------------------------------------------------------------------
class _ClassIndexLoss(Function):
    """Shared by the losses whose target holds class indices: where each element's class is, its weight."""

    saves_inputs = True

    def __init__(self, weight, ignore_index, reduction):
        self.weight, self.ignore_index, self.reduction = weight, ignore_index, reduction

    def _prepare(self, x, target):
        xp = backend.array_module(x)
        self.axis = 1 if x.ndim > 1 else 0
        self.kept = (*target.shape[:1], 1, *target.shape[1:]) if x.ndim > 1 else (1,)
        self.valid = target != self.ignore_index
        self.index = xp.where(self.valid, target, 0).reshape(self.kept)
        chosen = self.weight[self.index.reshape(target.shape)] if self.weight is not None else 1
        self.element_weights = (chosen * self.valid).astype(x.dtype, copy=False)
        self.divisor = float(self.element_weights.sum())  # PyTorch's mean: divide by the weight counted

    def _one_hot(self, shape, dtype):
        xp = backend.array_module(self.index)
        positions = xp.arange(shape[self.axis]).reshape(_class_shape(len(shape), self.axis, shape[self.axis]))
        return (positions == self.index).astype(dtype)


class NegativeLogLikelihood(_ClassIndexLoss):
    """-weight[y] x[y] per element; d/dx = -weight[y] at the target class, 0 elsewhere."""

    saves_inputs = False  # the gradient is constant: only the input's shape and dtype are needed

    def forward(self, x, target):
        self._prepare(x, target)
        self.shape, self.dtype = x.shape, x.dtype
        picked = backend.array_module(x).take_along_axis(x, self.index, self.axis).reshape(target.shape)
        losses = -picked * self.element_weights
        return _reduce(losses, self.reduction, self.divisor)

    def _coefficients(self):
        return -self._one_hot(self.shape, self.dtype) * self.element_weights.reshape(self.kept)

    def backward(self, grad):
        return _spread(grad, self.reduction, self.divisor, self.kept) * self._coefficients(), None


class CrossEntropyIndices(_ClassIndexLoss):
    """Log-softmax and NLL fused: d/dx = total q * softmax(x) - q, q the (smoothed, weighted) target."""

    def __init__(self, weight, ignore_index, reduction, label_smoothing):
        super().__init__(weight, ignore_index, reduction)
        self.smoothing = label_smoothing

    def forward(self, x, target):
        xp = backend.array_module(x)
        self._prepare(x, target)
        log_probs = _numerics.log_softmax(x, self.axis)
        self.softmax = backend.array_module(x).exp(log_probs)
        picked = xp.take_along_axis(log_probs, self.index, self.axis).reshape(target.shape)
        # q puts (1 - smoothing) weight[y] on the target class and smoothing / C weight[c] on every class c
        self.hard = (1 - self.smoothing) * self.element_weights
        losses = -self.hard * picked
        if self.smoothing:
            classes = x.shape[self.axis]
            self.soft = (self.smoothing / classes) * self.valid.astype(x.dtype)
            losses = losses - self.soft * (log_probs * self._class_weights(x)).sum(axis=self.axis)
        return _reduce(losses, self.reduction, self.divisor)

    def _class_weights(self, x):
        if self.weight is None:
            return 1
        return self.weight.reshape(_class_shape(x.ndim, self.axis, x.shape[self.axis]))

    def _target(self, x):
        """q, the target distribution (scaled by the weights), and its total per element."""
        hard = self.hard.reshape(self.kept)
        target, total = hard * self._one_hot(x.shape, x.dtype), hard
        if self.smoothing:
            soft = self.soft.reshape(self.kept)
            weights = self._class_weights(x)
            weight_sum = self.weight.sum() if self.weight is not None else x.shape[self.axis]
            target, total = target + soft * weights, total + soft * weight_sum
        return target, total

    def backward(self, grad):
        target, total = self._target(self.inputs[0])
        grad = _spread(grad, self.reduction, self.divisor, self.kept)
        return grad * (total * self.softmax - target), None

    def vjp(self, grad):
        x = self.input_tensors()[0]
        target, total = self._target(self.inputs[0])
        softmax = _tensor_log_softmax(x, self.axis).exp()
        grad = _spread(grad, self.reduction, self.divisor, self.kept)
        return grad * (_constant(total) * softmax - _constant(target)), None


class CrossEntropyProbabilities(Function):
    """Cross-entropy against class probabilities p: -sum_c w_c p_c log softmax(x)_c per element.

    d/dx = (sum_c w_c p_c) softmax(x) - w p;  d/dp = -(1 - smoothing) w log softmax(x).
    """

    saves_inputs = True

    def __init__(self, weight, reduction, label_smoothing):
        self.weight, self.reduction, self.smoothing = weight, reduction, label_smoothing

    def forward(self, x, target):
        self.axis = 1 if x.ndim > 1 else 0
        self.classes = x.shape[self.axis]
        self.kept = (*x.shape[:self.axis], 1, *x.shape[self.axis + 1:])
        self.divisor = x.size // self.classes if self.classes else 0
        if self.weight is not None:
            self.weight = self.weight.reshape(_class_shape(x.ndim, self.axis, self.classes))
        self.log_probs = _numerics.log_softmax(x, self.axis)
        losses = -(self._target(target, self._weights()) * self.log_probs).sum(axis=self.axis)
        return _reduce(losses, self.reduction, self.divisor)

    def _weights(self, wrap=lambda array: array):
        return 1 if self.weight is None else wrap(self.weight)

    def _target(self, target, weights):
        """The smoothed, weighted target (arrays or Tensors)."""
        if self.smoothing:
            target = target * (1 - self.smoothing) + self.smoothing / self.classes
        return target * weights

    def backward(self, grad):
        xp = backend.array_module(grad)
        grad = _spread(grad, self.reduction, self.divisor, self.kept)
        target = self._target(self.inputs[1], self._weights())
        grad_x = grad * (target.sum(axis=self.axis, keepdims=True) * xp.exp(self.log_probs) - target)
        if not self.needs_grad(1):
            return grad_x, None
        return grad_x, grad * -(1 - self.smoothing) * self._weights() * self.log_probs

    def vjp(self, grad):
        x, target = self.input_tensors()
        weights = self._weights(_constant)
        log_probs = _tensor_log_softmax(x, self.axis)
        grad = _spread(grad, self.reduction, self.divisor, self.kept)
        target = self._target(target, weights)
        grad_x = grad * (target.sum(self.axis, keepdim=True) * log_probs.exp() - target)
        if not self.needs_grad(1):
            return grad_x, None
        return grad_x, grad * -(1 - self.smoothing) * weights * log_probs


class BinaryCrossEntropy(Function):
    """-w (t log x + (1 - t) log(1 - x)), logs clamped at -100 (PyTorch's guard against log 0).

    d/dx = w (x - t) / max(x (1 - x), 1e-12);  d/dt = w (log(1 - x) - log x).
    """

    saves_inputs = True

    def __init__(self, weight, reduction):
        self.weight, self.reduction = weight, reduction

    def forward(self, x, t):
        xp = backend.array_module(x)
        with _errstate(xp):
            log_x = xp.maximum(xp.log(x), -100)
            log_rest = xp.maximum(xp.log1p(-x), -100)
        losses = (t - 1) * log_rest - t * log_x
        self.log_odds = log_rest - log_x
        if self.weight is not None:
            losses = losses * self.weight
        return _reduce(losses, self.reduction, x.size)

    def backward(self, grad):
        x, t = self.inputs
        xp = backend.array_module(x)
        grad = _spread(grad, self.reduction, x.size, x.shape)
        if self.weight is not None:
            grad = grad * self.weight
        grad_x = grad * (x - t) / xp.maximum((1 - x) * x, 1e-12)
        return grad_x, grad * self.log_odds if self.needs_grad(1) else None

    def vjp(self, grad):
        x, t = self.input_tensors()
        grad = _spread(grad, self.reduction, x._data.size, x.shape)
        if self.weight is not None:
            grad = grad * _constant(self.weight)
        grad_x = grad * (x - t) / ((1 - x) * x).clamp(min=1e-12)
        if not self.needs_grad(1):
            return grad_x, None
        return grad_x, grad * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))


class BinaryCrossEntropyWithLogits(Function):
    """w ((1 - t) x + (1 + (p - 1) t) softplus(-x)), p the positive weight, without overflow.

    d/dx = w ((1 + (p - 1) t) sigmoid(x) - p t);  d/dt = w ((p - 1) softplus(-x) - x).
    """

    saves_inputs = True

    def __init__(self, weight, pos_weight, reduction):
        self.weight, self.pos_weight, self.reduction = weight, pos_weight, reduction

    def forward(self, x, t):
        self.softplus = _numerics.softplus(-x)  # = -log sigmoid(x)
        self.sigmoid = _numerics.sigmoid(x)
        losses = (1 - t) * x + self._log_weight(t) * self.softplus
        if self.weight is not None:
            losses = losses * self.weight
        return _reduce(losses, self.reduction, x.size)

    def _log_weight(self, t):
        return 1 if self.pos_weight is None else (self.pos_weight - 1) * t + 1

    def backward(self, grad):
        x, t = self.inputs
        grad = _spread(grad, self.reduction, x.size, x.shape)
        if self.weight is not None:
            grad = grad * self.weight
        positive = t if self.pos_weight is None else self.pos_weight * t
        grad_x = grad * (self._log_weight(t) * self.sigmoid - positive)
        if not self.needs_grad(1):
            return grad_x, None
        slope = -x if self.pos_weight is None else (self.pos_weight - 1) * self.softplus - x
        return grad_x, grad * slope

    def vjp(self, grad):
        x, t = self.input_tensors()
        grad = _spread(grad, self.reduction, x._data.size, x.shape)
        if self.weight is not None:
            grad = grad * _constant(self.weight)
        pos_weight = 1 if self.pos_weight is None else _constant(self.pos_weight)
        log_weight = (pos_weight - 1) * t + 1
        grad_x = grad * (log_weight * x.sigmoid() - pos_weight * t)
        if not self.needs_grad(1):
            return grad_x, None
        softplus = (-x).relu() + (-x.abs()).exp().log1p()
        return grad_x, grad * ((pos_weight - 1) * softplus - x)


class KLDivergence(Function):
    """t (log t - x) per element (or e^t (t - x) for log_target): d/dx = -t;  d/dt = log t + 1 - x."""

    saves_inputs = True

    def __init__(self, reduction, divisor, log_target):
        self.reduction, self.divisor, self.log_target = reduction, divisor, log_target

    def forward(self, x, t):
        xp = backend.array_module(x)
        if self.log_target:
            self.probs = xp.exp(t)
            return _reduce(self.probs * (t - x), self.reduction, self.divisor)
        with _errstate(xp):
            entropy = xp.where(t == 0, xp.zeros((), dtype=t.dtype), t * xp.log(t))  # 0 log 0 = 0
        return _reduce(entropy - t * x, self.reduction, self.divisor)

    def backward(self, grad):
        x, t = self.inputs
        xp = backend.array_module(x)
        grad = _spread(grad, self.reduction, self.divisor, x.shape)
        probs = self.probs if self.log_target else t
        if not self.needs_grad(1):
            return -grad * probs, None
        with _errstate(xp):
            slope = probs * (t - x + 1) if self.log_target else xp.log(t) + 1 - x
        return -grad * probs, grad * slope

    def vjp(self, grad):
        x, t = self.input_tensors()
        grad = _spread(grad, self.reduction, self.divisor, x.shape)
        probs = t.exp() if self.log_target else t
        if not self.needs_grad(1):
            return -grad * probs, None
        slope = probs * (t - x + 1) if self.log_target else t.log() + 1 - x
        return -grad * probs, grad * slope


# -- regression ----------------------------------------------------------------------------------------
class _PointwiseLoss(Function):
    """A loss of d = input - target, element by element: d/d input = slope(d) = -d/d target."""

    saves_inputs = True

    def __init__(self, reduction, parameter=1.0):
        self.reduction, self.parameter = reduction, parameter

    def forward(self, x, t):
        self.diff = x - t
        return _reduce(self._loss(self.diff, backend.array_module(x)), self.reduction, x.size)

    def backward(self, grad):
        grad = _spread(grad, self.reduction, self.diff.size, self.diff.shape)
        grad = grad * self._slope(self.diff, backend.array_module(self.diff))
        return grad, -grad if self.needs_grad(1) else None

    def vjp(self, grad):
        x, t = self.input_tensors()
        grad = _spread(grad, self.reduction, x._data.size, x.shape) * self._tensor_slope(x - t)
        return grad, -grad if self.needs_grad(1) else None


class SquaredError(_PointwiseLoss):
    """d^2;  slope 2 d."""

    def _loss(self, d, xp):
        return d * d

    def _slope(self, d, xp):
        return 2 * d

    def _tensor_slope(self, d):
        return 2 * d


class AbsoluteError(_PointwiseLoss):
    """|d|;  slope sign(d) (0 at 0, as PyTorch)."""

    def _loss(self, d, xp):
        return xp.abs(d)

    def _slope(self, d, xp):
        return xp.sign(d)

    def _tensor_slope(self, d):
        return d.sign()


class SmoothL1(_PointwiseLoss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta;  slope clamp(d / beta, -1, 1)."""

    def _loss(self, d, xp):
        size, beta = xp.abs(d), self.parameter
        return xp.where(size < beta, 0.5 * size * size / beta, size - 0.5 * beta)

    def _slope(self, d, xp):
        return xp.clip(d / self.parameter, -1, 1)

    def _tensor_slope(self, d):
        return (d / self.parameter).clamp(-1, 1)


class Huber(_PointwiseLoss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta);  slope clamp(d, -delta, delta)."""

    def _loss(self, d, xp):
        size, delta = xp.abs(d), self.parameter
        return xp.where(size < delta, 0.5 * size * size, delta * (size - 0.5 * delta))

    def _slope(self, d, xp):
        return xp.clip(d, -self.parameter, self.parameter)

    def _tensor_slope(self, d):
        return d.clamp(-self.parameter, self.parameter)


# -- argument checks -----------------------------------------------------------------------------------
def _check_reduction(reduction: Any, op: str, allowed: tuple = _REDUCTIONS) -> None:
    if reduction not in allowed:
        names = ", ".join(repr(name) for name in allowed)
        raise ValueError(f"{op}: reduction must be one of {names}, got {reduction!r}")


def _check_tensor(value: Any, name: str, input: Tensor, op: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    if value.device != input.device:
        raise RuntimeError(f"{op}: {name} is on {value.device} but the input is on {input.device}; move it with "
                           f".to('{input.device}')")


def _check_same_dtype(value: Tensor, name: str, input: Tensor, op: str) -> None:
    if value.dtype != input.dtype:
        wanted = backend.dtype_name(input.dtype)
        raise TypeError(
            f"{op}: expected {name} of dtype {wanted} like the input, got a {backend.dtype_name(value.dtype)} "
            f"{name} of shape {value.shape}; convert it with .to({wanted})"
        )


def _view_hint(shape: tuple) -> str:
    return f"target.view({', '.join(str(size) for size in shape) or '()'})"


def _check_target(input: Tensor, target: Any, op: str) -> None:
    """A target of the input's shape, dtype and device: broadcasting the two is almost always a bug."""
    _check_tensor(target, "target", input, op)
    if target.shape != input.shape:
        fix = (f"reshape the target, e.g. {_view_hint(input.shape)}" if target._data.size == input._data.size
               else "make them match")
        raise ValueError(
            f"{op}: input of shape {input.shape} and target of shape {target.shape} differ; PyTorch would "
            f"broadcast them (with a warning), which is rarely intended: {fix}"
        )
    _check_same_dtype(target, "target", input, op)


def _broadcasts_to(shape: tuple, full: tuple) -> bool:
    if len(shape) > len(full):
        return False
    return all(size in (1, other) for size, other in zip(shape[::-1], full[::-1], strict=False))


def _weight_array(weight: Any, name: str, input: Tensor, op: str, classes: int | None = None) -> Any:
    """The array of a class weight (`classes` of them) or of a weight broadcast over the input."""
    if weight is None:
        return None
    _check_tensor(weight, name, input, op)
    _check_same_dtype(weight, name, input, op)
    if weight.requires_grad and backend.GRAD_MODE.enabled:
        raise ValueError(f"{op}: {name} requires grad, but the loss is not differentiable with respect to it "
                         f"(as in PyTorch); pass {name}.detach()")
    if classes is not None and weight.shape != (classes,):
        raise ValueError(f"{op}: {name} must be a 1-D tensor of {classes} class weights, got shape {weight.shape}")
    if classes is None and not _broadcasts_to(weight.shape, input.shape):
        raise ValueError(f"{op}: {name} of shape {weight.shape} does not broadcast to the input's shape "
                         f"{input.shape}")
    return weight._data


def _check_class_input(input: Any, op: str) -> int:
    """The number of classes of an input laid out (C,), (N, C) or (N, C, d1, ...)."""
    check_float_input(input, op, "input")
    if input.ndim == 0:
        raise ValueError(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    return input.shape[1] if input.ndim > 1 else input.shape[0]


def _check_class_target(input: Tensor, target: Tensor, ignore_index: int, op: str, hint: str = "") -> None:
    """Class indices: the input's shape without the class axis, an integer dtype, labels in range."""
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expected:
        fix = f"; reshape it, e.g. {_view_hint(expected)}" if target._data.size == math.prod(expected) else ""
        raise ValueError(f"{op}: expected target of shape {expected} for input {input.shape}, got {target.shape}"
                         f"{fix}{hint}")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: expected class indices of an integer dtype (int64), got a {backend.dtype_name(target.dtype)} "
            f"target of shape {target.shape} for input {input.shape}; convert it with .long(){hint}"
        )
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    labels = target._data
    bad = (labels != ignore_index) & ((labels < 0) | (labels >= classes))
    if bad.any():
        label = int(labels[bad].ravel()[0])
        raise ValueError(f"{op}: target label {label} is out of range for {classes} classes "
                         f"(labels must be in [0, {classes - 1}])")


# -- public functions ------------------------------------------------------------------------------------
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits `input` against class indices or class probabilities, as PyTorch's.

    Input (C,), (N, C) or (N, C, d1, ...); target of class indices ((), (N,) or (N, d1, ...)), or class
    probabilities of the input's shape. With `weight`, the mean divides by the weight of the counted
    targets; `label_smoothing` mixes the target with the uniform distribution.

    Example:
        >>> logits = chainrule.randn(64, 10, requires_grad=True)
        >>> loss = cross_entropy(logits, chainrule.randint(0, 10, (64,)))
        >>> loss.backward()
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    classes = _check_class_input(input, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    _check_tensor(target, "target", input, op)
    weights = _weight_array(weight, "weight", input, op, classes)
    if target.shape == input.shape:
        if target.dtype.kind != "f":
            raise TypeError(
                f"{op}: a target of the input's shape {input.shape} holds class probabilities and must be floating "
                f"point, got {backend.dtype_name(target.dtype)}; convert it with .to({backend.dtype_name(input.dtype)})"
                f", or pass class indices of shape {input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()}"
            )
        _check_same_dtype(target, "target", input, op)
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index={ignore_index} is not supported for class-probability targets")
        return CrossEntropyProbabilities(weights, reduction, float(label_smoothing)).apply(input, target)
    hint = f"; for class probabilities, pass a float target of shape {input.shape}"
    _check_class_target(input, target, ignore_index, op, hint)
    return CrossEntropyIndices(weights, ignore_index, reduction, float(label_smoothing)).apply(input, target)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities `input` ((C,), (N, C) or (N, C, d1, ...)) at class indices.

    Example: `nll_loss(log_probs, labels)` equals `cross_entropy(logits, labels)` for
    `log_probs = logits - logits.logsumexp(1, keepdim=True)`.
    """
    op = "nll_loss"
    _check_reduction(reduction, op)
    classes = _check_class_input(input, op)
    _check_tensor(target, "target", input, op)
    weights = _weight_array(weight, "weight", input, op, classes)
    _check_class_target(input, target, ignore_index, op)
    return NegativeLogLikelihood(weights, ignore_index, reduction).apply(input, target)


def _pointwise(loss: type[_PointwiseLoss], op: str, input: Tensor, target: Tensor, reduction: str,
               parameter: float = 1.0) -> Tensor:
    _check_reduction(reduction, op)
    check_float_input(input, op, "input")
    _check_target(input, target, op)
    return loss(reduction, parameter).apply(input, target)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (input - target)^2, averaged by default. Example: `mse_loss(prediction, target)`."""
    return _pointwise(SquaredError, "mse_loss", input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error |input - target|, averaged by default."""
    return _pointwise(AbsoluteError, "l1_loss", input, target, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Squared error / (2 beta) below `beta`, absolute error - beta / 2 above (L1 when beta is 0)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return _pointwise(AbsoluteError, "smooth_l1_loss", input, target, reduction)
    return _pointwise(SmoothL1, "smooth_l1_loss", input, target, reduction, float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Squared error / 2 below `delta`, delta (absolute error - delta / 2) above: smooth_l1 scaled by delta."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _pointwise(Huber, "huber_loss", input, target, reduction, float(delta))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities `input` (in [0, 1]) against `target`; logs clamped at -100.

    Prefer `binary_cross_entropy_with_logits` on the logits: it is exact where sigmoid saturates.
    """
    op = "binary_cross_entropy"
    _check_reduction(reduction, op)
    check_float_input(input, op, "input")
    _check_target(input, target, op)
    weights = _weight_array(weight, "weight", input, op)
    data = input._data
    if not bool(((data >= 0) & (data <= 1)).all()):
        raise ValueError(
            f"{op}: all elements of input must be between 0 and 1, got values in [{float(data.min())}, "
            f"{float(data.max())}]; apply sigmoid first, or use binary_cross_entropy_with_logits on the logits"
        )
    targets = target._data
    if targets.size:
        low, high = float(targets.min()), float(targets.max())
        if not (low >= 0 and high <= 1):  # written so that a NaN target fails too, as in PyTorch
            found = "NaN" if math.isnan(low) else f"values in [{low}, {high}]"  # min and max propagate NaN
            raise ValueError(
                f"{op}: all elements of target must be between 0 and 1, got {found}; the target is the "
                "probability of the positive class: map labels such as {-1, 1} or {1, 2} to {0, 1}, or use a "
                "regression loss (mse_loss) for unbounded targets"
            )
    return BinaryCrossEntropy(weights, reduction).apply(input, target)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid and binary cross-entropy fused, stable for any logit; `pos_weight` scales the positive term.

    Example: `binary_cross_entropy_with_logits(logits, labels.float(), pos_weight=chainrule.tensor([3.0]))`.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    check_float_input(input, op, "input")
    _check_target(input, target, op)
    weights = _weight_array(weight, "weight", input, op)
    pos_weights = _weight_array(pos_weight, "pos_weight", input, op)
    return BinaryCrossEntropyWithLogits(weights, pos_weights, reduction).apply(input, target)


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence of `target` from the log-probabilities `input`: target (log target - input) summed.

    'batchmean' divides the sum by the batch size (the mathematically correct KL); 'mean' divides by the
    number of elements, as PyTorch.
    """
    op = "kl_div"
    _check_reduction(reduction, op, ("mean", "batchmean", "sum", "none"))
    check_float_input(input, op, "input")
    _check_target(input, target, op)
    if reduction == "batchmean":
        return KLDivergence("mean", input.shape[0] if input.ndim else 1, log_target).apply(input, target)
    return KLDivergence(reduction, input._data.size, log_target).apply(input, target)

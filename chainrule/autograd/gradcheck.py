"""gradcheck / gradgradcheck: analytic gradients against central finite differences, in float64.

The whole Jacobian is compared, one backward per output element and two forwards per input element,
so keep the shapes small. A mismatch names the output, the input, the element and both values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.api import grad as _grad
from chainrule.tensor import Tensor, _wrap


class GradcheckError(RuntimeError):
    """Raised when an analytic gradient disagrees with its finite-difference estimate."""


def _prepare(inputs: Any) -> list:
    """Float inputs that require grad become float64 (kept as they are, layout included, when they are)."""
    items = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    prepared = []
    for item in items:
        if isinstance(item, Tensor) and item.requires_grad:
            data = item._data
            if data.dtype != backend.float64 or not data.flags.writeable:
                item = _wrap(data.astype(backend.float64), True, None)
        prepared.append(item)
    return prepared


def _outputs(function: Callable, inputs: list) -> list[Tensor]:
    result = function(*inputs)
    outputs = [result] if isinstance(result, Tensor) else list(result)
    return [out for out in outputs if isinstance(out, Tensor) and out.dtype.kind == "f"]


def _flat(outputs: list[Tensor]) -> numpy.ndarray:
    arrays = [numpy.asarray(out.detach().cpu()._data, dtype=numpy.float64).ravel() for out in outputs]
    return numpy.concatenate(arrays) if arrays else numpy.zeros(0)


def _numerical(function: Callable, inputs: list, index: int, eps: float) -> numpy.ndarray:
    """d(all outputs, flattened)/d(input `index`, element by element): columns of the Jacobian."""
    array = inputs[index]._data
    columns = []
    for position in numpy.ndindex(array.shape):
        original = array[position].item()
        array[position] = original + eps
        plus = _flat(_outputs(function, inputs))
        array[position] = original - eps
        minus = _flat(_outputs(function, inputs))
        array[position] = original
        columns.append((plus - minus) / (2 * eps))
    width = sum(out.numel() for out in _outputs(function, inputs)) if not columns else len(columns[0])
    return numpy.stack(columns, axis=1) if columns else numpy.zeros((width, 0))


def _analytic(outputs: list[Tensor], inputs: list, wanted: list[int]) -> list[numpy.ndarray]:
    """Rows of the Jacobian, one backward pass per output element."""
    sizes = [inputs[i].numel() for i in wanted]
    total = sum(out.numel() for out in outputs)
    jacobians = [numpy.zeros((total, size)) for size in sizes]
    row = 0
    for out in outputs:
        xp = backend.array_module(out._data)
        for position in numpy.ndindex(out.shape):
            seed = xp.zeros(out.shape, dtype=out.dtype)
            seed[position] = 1
            if out.requires_grad:
                grads = _grad(out, [inputs[i] for i in wanted], _wrap(seed, False, None),
                              retain_graph=True, allow_unused=True)
                for jacobian, g in zip(jacobians, grads, strict=True):
                    if g is not None:
                        jacobian[row] = numpy.asarray(g.detach().cpu()._data, dtype=numpy.float64).ravel()
            row += 1
    return jacobians


def gradcheck(
    function: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of `function(*inputs)` with respect to every input that requires grad.

    Example: `gradcheck(lambda x: (x * x).sum(), [chainrule.randn(3, dtype=chainrule.float64,
    requires_grad=True)])`. Raises GradcheckError naming the first mismatching element (or returns
    False with raise_exception=False).
    """
    inputs = _prepare(inputs)
    wanted = [i for i, item in enumerate(inputs) if isinstance(item, Tensor) and item.requires_grad]
    if not wanted:
        raise ValueError("gradcheck: no input requires grad; pass tensors created with requires_grad=True")
    outputs = _outputs(function, inputs)
    if not outputs:
        raise ValueError("gradcheck: the function returned no floating-point tensor to differentiate")
    analytic = _analytic(outputs, inputs, wanted)
    for jacobian, index in zip(analytic, wanted, strict=True):
        numerical = _numerical(function, inputs, index, eps)
        bad = numpy.abs(jacobian - numerical) > atol + rtol * numpy.abs(numerical)
        if bad.any():
            row, column = (int(k) for k in numpy.argwhere(bad)[0])
            output_index, output_element = _locate(outputs, row)
            element = numpy.unravel_index(column, inputs[index].shape)
            message = (
                f"gradcheck: gradient mismatch for input {index} at element {tuple(int(e) for e in element)} "
                f"(output {output_index}, element {output_element}): analytic {float(jacobian[row, column])!r}, "
                f"numerical {float(numerical[row, column])!r} (atol={atol}, rtol={rtol}; "
                f"{int(bad.sum())} of {bad.size} Jacobian entries differ)"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _locate(outputs: list[Tensor], row: int) -> tuple[int, tuple]:
    for index, out in enumerate(outputs):
        if row < out.numel():
            return index, tuple(int(e) for e in numpy.unravel_index(row, out.shape))
        row -= out.numel()
    return len(outputs) - 1, ()


def gradgradcheck(
    function: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second-order gradients: gradcheck of the (differentiable) backward of `function`.

    The backward is taken with `grad_outputs` (random when not given), which are checked as inputs too.
    """
    inputs = _prepare(inputs)
    wanted = [i for i, item in enumerate(inputs) if isinstance(item, Tensor) and item.requires_grad]
    outputs = _outputs(function, inputs)
    if grad_outputs is None:
        generator = numpy.random.default_rng(0)
        grad_outputs = [
            _wrap(backend.move(generator.standard_normal(out.shape), out.device), True, None) for out in outputs
        ]
    else:
        grad_outputs = _prepare([grad_outputs] if isinstance(grad_outputs, Tensor) else grad_outputs)
    count = len(inputs)

    def first_order(*values: Any) -> tuple:
        outs = _outputs(function, list(values[:count]))
        grads = _grad(outs, [values[i] for i in wanted], list(values[count:]), create_graph=True,
                      allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, [*inputs, *grad_outputs], eps, atol, rtol, raise_exception)

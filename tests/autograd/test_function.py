"""`Function`: one backward rule for both modes — `self.inputs` and `self.output` are arrays in a plain
backward and graph-linked Tensors under create_graph — and the two broadcasting helpers."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import gradgradcheck
from chainrule.autograd.function import Function, broadcast_to, sum_to


class Cube(Function):
    """x^3, written once: d/dx = 3 x^2, from the saved input."""

    saves_inputs = True
    differentiable_backward = True  # opted in: backward uses only operators

    def forward(self, x):
        return x * x * x

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 3 * x * x


class ScaledExp(Function):
    """c exp(x), written once from the saved output: d/dx = c exp(x)."""

    saves_output = True
    differentiable_backward = True  # opted in: backward uses only operators

    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        return self.scale * numpy.exp(x)

    def backward(self, grad):
        return grad * self.output


class Recording(Function):
    """x * y that records what its backward saw, in each mode."""

    saves_inputs = True
    differentiable_backward = True  # opted in: backward uses only operators
    saves_output = True

    def __init__(self):
        self.seen = []

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        x, y = self.inputs
        self.seen.append((type(grad), type(x), type(y), type(self.output)))
        return grad * y, grad * x


def _leaf(values) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=True)


def test_a_function_written_once_has_second_derivatives_without_a_vjp() -> None:
    x = _leaf([0.5, -1.5, 2.0])
    (first,) = cr.autograd.grad(Cube().apply(x).sum(), [x], create_graph=True)
    (second,) = cr.autograd.grad(first.sum(), [x])
    numpy.testing.assert_allclose(first._data, 3 * x._data**2)
    numpy.testing.assert_allclose(second._data, 6 * x._data)
    assert gradgradcheck(lambda t: Cube().apply(t), [x])
    assert gradgradcheck(lambda t: ScaledExp(2.0).apply(t), [x])


def test_saved_values_are_arrays_in_backward_and_graph_linked_tensors_under_create_graph() -> None:
    x, constant = _leaf([1.0, 2.0]), cr.tensor([3.0, 4.0], dtype=cr.float64)
    hidden = x * 2
    function = Recording()
    out = function.apply(hidden, constant)
    arrays = function.inputs, function.output
    cr.autograd.grad(out.sum(), [x], retain_graph=True)
    cr.autograd.grad(out.sum(), [x], create_graph=True)
    assert function.seen == [(numpy.ndarray,) * 4, (cr.Tensor,) * 4]
    assert function.inputs is arrays[0] and function.output is arrays[1]  # back once vjp has run


def test_under_create_graph_saved_inputs_are_the_leaves_or_linked_to_their_producers() -> None:
    x, constant = _leaf([1.0, 2.0]), cr.tensor([3.0, 4.0], dtype=cr.float64)
    hidden = x * 2
    seen = []

    class Peek(Recording):
        def backward(self, grad):
            seen.append((*self.inputs, self.output))
            return super().backward(grad)

    for first in (hidden, x):
        out = Peek().apply(first, constant)
        cr.autograd.grad(out.sum(), [x], create_graph=True)
    (linked, fixed, output), (leaf, _, _) = seen
    assert linked.grad_fn is hidden.grad_fn and linked.requires_grad
    assert not fixed.requires_grad and fixed._data is constant._data
    assert output.grad_fn is not None and output.requires_grad
    assert leaf is x


def test_the_arrays_are_back_when_backward_raises() -> None:
    class Failing(Cube):
        def backward(self, grad):
            raise ValueError("backward failed")

    x = _leaf([1.0])
    function = Failing()
    out = function.apply(x)
    saved = function.inputs
    with pytest.raises(ValueError, match="backward failed"):
        cr.autograd.grad(out.sum(), [x], create_graph=True)
    assert function.inputs is saved


def test_a_changed_input_still_fails_a_create_graph_backward() -> None:
    x = _leaf([1.0, 2.0])
    hidden = x * 1
    out = Cube().apply(hidden).sum()
    with cr.no_grad():
        hidden += 1
    with pytest.raises(RuntimeError, match="input 0 of Cube was changed"):
        cr.autograd.grad(out, [x], create_graph=True)


@pytest.mark.parametrize(("shape", "target"), [((2, 3), (3,)), ((2, 3), (2, 1)), ((4, 2, 3), (1, 3)), ((), ())])
def test_sum_to_and_broadcast_to_agree_on_arrays_and_tensors(shape: tuple, target: tuple) -> None:
    values = numpy.random.default_rng(0).standard_normal(shape)
    tensor = _leaf(values)
    summed = sum_to(tensor, target)
    numpy.testing.assert_array_equal(summed._data, sum_to(values, target))
    assert summed.shape == target
    back = broadcast_to(summed, shape)
    numpy.testing.assert_array_equal(back._data, broadcast_to(sum_to(values, target), shape))
    assert gradgradcheck(lambda t: broadcast_to(sum_to(t * t, target), shape), [tensor])


def test_tensor_sum_takes_numpys_axis_and_keepdims_as_pytorch_does() -> None:
    values = numpy.arange(6.0).reshape(2, 3)
    tensor = cr.tensor(values)
    expected = values.sum(axis=(0, 1), keepdims=True)
    numpy.testing.assert_array_equal(tensor.sum(axis=(0, 1), keepdims=True)._data, expected)
    numpy.testing.assert_array_equal(tensor.sum(axis=1)._data, tensor.sum(1)._data)
    with pytest.raises(TypeError, match=r"sum\(\) got both dim=0 and axis=1; pass one of them"):
        tensor.sum(0, axis=1)


def test_a_custom_function_must_opt_in_to_a_differentiable_backward() -> None:
    class Square(Function):  # its backward would run on Tensors, but a custom op is not trusted to by default
        saves_inputs = True

        def forward(self, x):
            return x * x

        def backward(self, grad):
            return grad * 2 * self.inputs[0]

    x = cr.tensor([1.5, -2.0], dtype=cr.float64, requires_grad=True)
    (first,) = cr.autograd.grad(Square().apply(x).sum(), [x])
    assert first.tolist() == [3.0, -4.0]
    with pytest.raises(RuntimeError, match=r"Square does not support higher-order gradients \(create_graph=True\): "
                                           r"give it a vjp written with Tensor operations, or set "
                                           r"differentiable_backward = True"):
        cr.autograd.grad(Square().apply(x).sum(), [x], create_graph=True)

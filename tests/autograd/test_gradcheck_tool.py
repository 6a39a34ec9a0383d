"""The public gradcheck/gradgradcheck: they pass on correct gradients and name the first wrong one."""

from __future__ import annotations

import re

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck
from chainrule.autograd.function import Function
from chainrule.tensor import _wrap


class WrongSquare(Function):
    """x^2 with a wrong derivative (3x instead of 2x)."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return grad * 3 * self.inputs[0]


class WrongSecondInput(Function):
    """x * y whose gradient for y is off by one."""

    saves_inputs = True

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        x, y = self.inputs
        return grad * y, grad * x + 1


class DetachedVjpSquare(Function):
    """x^2 with a right first derivative, but a vjp that treats x as a constant (so no second derivative)."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return grad * 2 * self.inputs[0]

    def vjp(self, grad):
        return grad * 2 * _wrap(self.inputs[0], False, None)


class Square(Function):
    """x^2, correct in backward and vjp."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return grad * 2 * self.inputs[0]

    def vjp(self, grad):
        (x,) = self.input_tensors()
        return grad * 2 * x


def _f64(values) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=True)


def test_gradcheck_passes_on_correct_functions():
    x = _f64([[0.3, -1.2], [0.8, 2.0]])
    w = _f64([[1.5, -0.5], [0.1, 0.7]])
    assert gradcheck(lambda a, b: (a @ b).tanh(), [x, w]) is True
    assert gradcheck(lambda a: Square().apply(a), [x]) is True


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments():
    x = _f64([0.3, -1.2, 0.8])
    assert gradcheck(lambda a, scale: (a * scale).exp(), [x, 2.5]) is True
    assert gradcheck(lambda a: a.sin(), x) is True


def test_wrong_gradient_raises_naming_input_element_and_both_values():
    x = _f64([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda a: WrongSquare().apply(a), [x])
    message = str(error.value)
    assert "input 0 at element (0,)" in message
    # plain numbers, as a user would write them (not NumPy reprs such as np.float64(3.0))
    assert "analytic 3.0," in message  # 3 * 1
    assert re.search(r"numerical 2\.0000000\d*", message)  # 2 * 1, up to finite-difference error


def test_wrong_gradient_of_a_later_input_names_that_input():
    x = _f64([[1.0, 2.0]])
    y = _f64([[3.0, 4.0]])
    with pytest.raises(GradcheckError, match=r"input 1 at element \(0, 0\)"):
        gradcheck(lambda a, b: WrongSecondInput().apply(a, b), [x, y])


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_raise_exception_false_returns_false():
    x = _f64([1.0, 2.0])
    assert gradcheck(lambda a: WrongSquare().apply(a), [x], raise_exception=False) is False


def test_gradcheck_upcasts_float32_inputs():
    x = cr.tensor([0.3, -0.7, 1.1], requires_grad=True)
    assert x.dtype == cr.float32
    seen = []

    def function(a):
        seen.append(a.dtype)
        return (a * a).exp()

    assert gradcheck(function, [x]) is True
    assert set(seen) == {cr.float64}
    assert x.dtype == cr.float32


def test_gradcheck_on_non_contiguous_float64_input_leaves_it_unchanged():
    base = cr.randn(3, 4, dtype=cr.float64)
    x = base.T.detach().requires_grad_()
    assert not x.numpy().flags.c_contiguous
    before = x.numpy().copy()
    assert gradcheck(lambda a: (a * a.sin()).sum(0), [x]) is True
    numpy.testing.assert_array_equal(x.numpy(), before)


def test_gradcheck_without_inputs_requiring_grad_raises():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda a: a * 2, [cr.tensor([1.0], dtype=cr.float64)])


def test_gradgradcheck_passes_on_correct_second_derivatives():
    x = _f64([0.3, -1.2, 0.8])
    assert gradgradcheck(lambda a: Square().apply(a), [x]) is True
    assert gradgradcheck(lambda a: a.tanh() * a.exp(), [x]) is True


def test_gradgradcheck_detects_a_wrong_vjp():
    x = _f64([0.5, -1.5])
    assert gradcheck(lambda a: DetachedVjpSquare().apply(a), [x]) is True  # first order is right
    with pytest.raises(GradcheckError, match=r"input 0 at element \(0,\).*analytic"):
        gradgradcheck(lambda a: DetachedVjpSquare().apply(a), [x])
    assert gradgradcheck(lambda a: DetachedVjpSquare().apply(a), [x], raise_exception=False) is False

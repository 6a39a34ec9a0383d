"""Tensor hooks: `register_hook` sees the gradient, may replace it, and can be removed."""

from __future__ import annotations

import pytest

import chainrule as cr


def test_hook_on_leaf_sees_the_gradient_as_a_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(seen.append)
    (x * x).sum().backward()
    assert len(seen) == 1
    assert isinstance(seen[0], cr.Tensor)
    assert seen[0].tolist() == [2.0, 4.0]
    assert x.grad.tolist() == [2.0, 4.0]


def test_hook_on_leaf_may_replace_the_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: grad * 2)
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_hook_on_non_leaf_sees_its_gradient_and_doubling_reaches_the_leaf():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []

    def double(grad):
        seen.append(grad.tolist())
        return grad * 2

    y.register_hook(double)
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]  # d(sum y^2)/dy = 2y
    assert x.grad.tolist() == [36.0, 72.0]  # 2 * 2y * 3
    assert y.grad is None  # a hook does not make a non-leaf keep its gradient


def test_hooks_run_in_registration_order():
    x = cr.tensor([1.0], requires_grad=True)
    x.register_hook(lambda grad: grad + 1)
    x.register_hook(lambda grad: grad * 10)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [20.0]


def test_hook_returning_none_keeps_the_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: None)
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_removed_hook_no_longer_runs():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def double(grad):
        calls.append(1)
        return grad * 2

    handle = x.register_hook(double)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert len(calls) == 1
    handle.remove()  # removing twice is harmless


def test_removed_hook_on_non_leaf_no_longer_runs():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    handle = y.register_hook(lambda grad: grad * 100)
    handle.remove()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_hook_returning_wrong_shape_raises_naming_both_shapes():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda grad: grad[:2])
    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(3,\)"):
        (x * 2).sum().backward()


def test_hook_on_non_leaf_returning_wrong_shape_raises():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda grad: grad.sum())
    with pytest.raises(ValueError, match=r"shape \(\), expected \(3,\)"):
        y.sum().backward()


def test_hook_returning_a_non_tensor_raises():
    x = cr.tensor([1.0], requires_grad=True)
    x.register_hook(lambda grad: 2.0)
    with pytest.raises(TypeError, match="must return a Tensor or None, got float"):
        (x * 2).sum().backward()


def test_hook_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="hook on a tensor that doesn't require grad"):
        cr.tensor([1.0]).register_hook(lambda grad: grad)


def test_hook_sees_gradient_in_autograd_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: grad * 3)
    (grad,) = cr.autograd.grad((x * x).sum(), [x])
    assert grad.tolist() == [6.0, 12.0]
    assert x.grad is None

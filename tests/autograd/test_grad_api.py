"""`chainrule.autograd.grad`: gradients returned instead of accumulated, unused inputs, and higher-order
gradients with create_graph (checked by hand and against PyTorch); grad mode is per thread."""

from __future__ import annotations

import threading

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import grad


def _f64(values, requires_grad: bool = True) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=requires_grad)


def test_grad_returns_gradients_without_touching_dot_grad():
    x = _f64([1.0, 2.0])
    w = _f64([3.0, 4.0])
    gx, gw = grad((x * w).sum(), [x, w])
    assert gx.tolist() == [3.0, 4.0]
    assert gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None


def test_grad_accepts_a_single_tensor_and_returns_a_tuple():
    x = _f64([1.0, 2.0])
    result = grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    assert result[0].tolist() == [2.0, 4.0]


def test_grad_with_respect_to_a_non_leaf():
    x = _f64([1.0, 2.0])
    y = x * 3
    (gy,) = grad((y * y).sum(), [y])
    assert gy.tolist() == [6.0, 12.0]
    assert x.grad is None


def test_grad_with_respect_to_a_leaf_and_a_non_leaf_together():
    x = _f64([1.0, 2.0])
    y = x * 3
    gy, gx = grad((y * y).sum(), [y, x])
    assert gy.tolist() == [6.0, 12.0]
    assert gx.tolist() == [18.0, 36.0]


def test_grad_with_grad_outputs_for_a_non_scalar_output():
    x = _f64([1.0, 2.0, 3.0])
    (gx,) = grad(x * x, [x], grad_outputs=_f64([1.0, 0.0, -1.0], requires_grad=False))
    assert gx.tolist() == [2.0, 0.0, -6.0]


def test_grad_of_several_outputs_sums_them():
    x = _f64([1.0, 2.0])
    (gx,) = grad([(x * x).sum(), (x * 5).sum()], [x])
    assert gx.tolist() == [7.0, 9.0]


def test_grad_outputs_count_must_match_outputs():
    x = _f64([1.0, 2.0])
    with pytest.raises(ValueError, match="got 1 gradients for 2 outputs"):
        grad([x * 1, x * 2], [x], grad_outputs=[cr.ones(2, dtype=cr.float64)])


def test_unused_input_raises_unless_allow_unused():
    x = _f64([1.0, 2.0])
    unused = _f64([[0.0]])
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1, 1\)\) was not used.*allow_unused=True"):
        grad((x * x).sum(), [x, unused])


def test_allow_unused_gives_none_for_the_unused_input():
    x = _f64([1.0, 2.0])
    unused = _f64([0.0])
    gx, g_unused = grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0, 4.0]
    assert g_unused is None


def test_input_not_requiring_grad_raises():
    x = _f64([1.0, 2.0])
    constant = _f64([1.0, 2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="input 1 does not require grad"):
        grad((x * constant).sum(), [x, constant])


def test_grad_frees_the_graph_unless_retain_graph():
    x = _f64([1.0, 2.0])
    loss = (x * x).sum()
    (first,) = grad(loss, [x], retain_graph=True)
    (second,) = grad(loss, [x])
    assert first.tolist() == second.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="retain_graph"):
        grad(loss, [x])


def test_gradients_without_create_graph_are_constants():
    x = _f64([1.0, 2.0])
    (gx,) = grad((x**3).sum(), [x])
    assert gx.requires_grad is False
    assert gx.grad_fn is None


# -- higher order ------------------------------------------------------------------------------------------
def test_second_derivative_of_cube_is_six_x():
    x = _f64([1.0, -2.0, 0.5])
    (first,) = grad((x**3).sum(), [x], create_graph=True)
    assert first.requires_grad
    assert first.tolist() == [3.0, 12.0, 0.75]
    (second,) = grad(first.sum(), [x])
    assert second.tolist() == [6.0, -12.0, 3.0]


def test_third_derivative_of_cube_is_six():
    x = _f64([1.0, -2.0])
    (first,) = grad((x**3).sum(), [x], create_graph=True)
    (second,) = grad(first.sum(), [x], create_graph=True)
    (third,) = grad(second.sum(), [x])
    assert third.tolist() == [6.0, 6.0]


def test_hessian_vector_product_of_a_quadratic_form():
    a = numpy.array([[2.0, 1.0, 0.0], [-1.0, 3.0, 2.0], [0.5, 0.0, 1.0]])
    v = numpy.array([1.0, -2.0, 0.5])
    x = _f64([0.3, -0.1, 0.7])
    matrix = cr.tensor(a, dtype=cr.float64)
    f = x @ (matrix @ x)  # x^T A x, whose Hessian is A + A^T
    (g,) = grad(f, [x], create_graph=True)
    numpy.testing.assert_allclose(g.numpy(), (a + a.T) @ x.numpy(), rtol=1e-12)
    (hv,) = grad(g, [x], grad_outputs=cr.tensor(v, dtype=cr.float64))
    numpy.testing.assert_allclose(hv.numpy(), (a + a.T) @ v, rtol=1e-12)


def test_backward_with_create_graph_gives_a_differentiable_grad():
    x = _f64([2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    assert x.grad.tolist() == [12.0]
    x.grad.sum().backward()  # adds d(3x^2)/dx = 6x to the gradient, as PyTorch
    assert x.grad.tolist() == [24.0]


def test_gradient_penalty_matches_pytorch(torch):
    cr.manual_seed(1)
    inputs_np = numpy.random.default_rng(1).standard_normal((5, 3))
    weight_np = numpy.random.default_rng(2).standard_normal((3, 4))

    inputs = cr.tensor(inputs_np, requires_grad=True)
    weight = cr.tensor(weight_np, requires_grad=True)
    out = (inputs @ weight).tanh().sum()
    (g,) = grad(out, [inputs], create_graph=True)
    penalty = (((g * g).sum(1).sqrt() - 1) ** 2).mean()
    penalty.backward()

    t_inputs = torch.tensor(inputs_np, requires_grad=True)
    t_weight = torch.tensor(weight_np, requires_grad=True)
    t_out = (t_inputs @ t_weight).tanh().sum()
    (t_g,) = torch.autograd.grad(t_out, [t_inputs], create_graph=True)
    t_penalty = ((t_g.pow(2).sum(1).sqrt() - 1) ** 2).mean()
    t_penalty.backward()

    assert penalty.item() == pytest.approx(t_penalty.item(), rel=1e-10)
    numpy.testing.assert_allclose(weight.grad.numpy(), t_weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(inputs.grad.numpy(), t_inputs.grad.numpy(), rtol=1e-9, atol=1e-12)


DOUBLE_BACKWARD = {
    "tanh": lambda x, y: (x.tanh() * y).sum(),
    "sigmoid_mul": lambda x, y: (x.sigmoid() * y.exp()).sum(),
    "div_log1p": lambda x, y: (x / (y * y + 1)).log1p().sum(),
    "matmul": lambda x, y: ((x.reshape(2, 2) @ y.reshape(2, 2)) ** 2).sum(),
    "sin_cos_pow": lambda x, y: (x.sin() * y.cos() + x**3).sum(),
    "broadcast_add": lambda x, y: ((x.reshape(2, 2) + y[:2]) ** 3).sum() + (y * y).sum(),
    "broadcast_mul": lambda x, y: (x.reshape(2, 2) * y.reshape(2, 2)[:1] * x.reshape(2, 2)).sum(),
    "batched_matmul": lambda x, y: ((x.reshape(2, 1, 2) @ y.reshape(2, 2)).tanh()).sum(),
}


@pytest.mark.parametrize("name", list(DOUBLE_BACKWARD))
def test_double_backward_matches_pytorch(name, torch):
    function = DOUBLE_BACKWARD[name]
    x_np = numpy.array([0.3, -0.8, 1.2, 0.5])
    y_np = numpy.array([-0.4, 0.9, 0.2, 1.1])
    v_np = numpy.array([1.0, -0.5, 2.0, 0.25])

    x = cr.tensor(x_np, requires_grad=True)
    y = cr.tensor(y_np, requires_grad=True)
    gx, gy = grad(function(x, y), [x, y], create_graph=True)
    hx, hy = grad((gx * cr.tensor(v_np)).sum() + (gy * gy).sum(), [x, y])

    tx = torch.tensor(x_np, requires_grad=True)
    ty = torch.tensor(y_np, requires_grad=True)
    t_gx, t_gy = torch.autograd.grad(function(tx, ty), [tx, ty], create_graph=True)
    t_hx, t_hy = torch.autograd.grad((t_gx * torch.tensor(v_np)).sum() + (t_gy * t_gy).sum(), [tx, ty])

    numpy.testing.assert_allclose(gx.detach().numpy(), t_gx.detach().numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(gy.detach().numpy(), t_gy.detach().numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(hx.numpy(), t_hx.numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(hy.numpy(), t_hy.numpy(), rtol=1e-10, atol=1e-12)


# -- grad mode is per thread ---------------------------------------------------------------------------------
def _start(target):
    """Run `target` in a new thread; the function returned joins it and re-raises what it raised here."""
    errors = []

    def run():
        try:
            target()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()

    def finish() -> None:
        thread.join(timeout=30)
        assert not thread.is_alive(), "the other thread hung"
        if errors:
            raise errors[0]

    return finish


def test_no_grad_in_one_thread_leaves_another_threads_recording_alone():
    inside_no_grad, trained = threading.Event(), threading.Event()
    served = {}

    def serve_predictions():
        with cr.no_grad():
            inside_no_grad.set()
            assert trained.wait(timeout=10), "the training thread never finished its step"
            weight = _f64([1.0, 2.0])
            served["prediction"] = weight * 3.0
            served["enabled"] = cr.is_grad_enabled()

    def train_while_the_other_thread_is_inside_no_grad():
        assert inside_no_grad.wait(timeout=10), "the serving thread never entered no_grad"
        try:
            weight = _f64([1.0, 2.0])
            loss = (weight * weight).sum()
            assert cr.is_grad_enabled() and loss.grad_fn is not None
            loss.backward()
            assert weight.grad.tolist() == [2.0, 4.0]
        finally:
            trained.set()

    finish_serving = _start(serve_predictions)
    try:
        train_while_the_other_thread_is_inside_no_grad()
    finally:
        finish_serving()
    assert served["enabled"] is False
    assert served["prediction"].grad_fn is None and not served["prediction"].requires_grad
    assert cr.is_grad_enabled()


def test_a_new_thread_starts_with_grad_enabled():
    seen = {}

    def record():
        weight = _f64([1.0])
        seen["enabled"], seen["recorded"] = cr.is_grad_enabled(), (weight * 2.0).grad_fn is not None

    with cr.no_grad():
        _start(record)()
        assert not cr.is_grad_enabled()
    assert seen == {"enabled": True, "recorded": True}


def test_an_in_place_change_in_another_thread_still_makes_backward_raise():
    x = _f64([1.0, 2.0])
    w = _f64([3.0, 4.0], requires_grad=False)
    loss = (x * w).sum()

    def update():
        with cr.no_grad():
            w.mul_(2.0)

    _start(update)()
    with pytest.raises(RuntimeError, match=r"modified in place: input 1 of Mul was changed"):
        loss.backward()

"""Anomaly mode: the first non-finite forward result or gradient raises AnomalyError naming the op, the phase,
the inputs and the user's line; a healthy network runs unchanged; the mode nests, restores itself and
leaves `Function.apply` untouched when off."""

from __future__ import annotations

import os
import sys
import threading

import numpy
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from chainrule.autograd import anomaly as anomaly_module
from chainrule.autograd.function import Function  # the internal op base
from chainrule.nn import functional as F

THIS_FILE = os.path.basename(__file__)

pytestmark = pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning", "ignore:overflow:RuntimeWarning")


@pytest.fixture(autouse=True)
def _mode_off_after_each_test():
    yield
    set_detect_anomaly(False)  # a failing test must not leave the mode on for the next ones


def _next_line() -> int:
    """The number of the caller's next line: the one a test's op is written on."""
    return sys._getframe(1).f_lineno + 1


# -- forward -----------------------------------------------------------------------------------------------
def test_log_of_zero_raises_in_the_forward_naming_log_and_this_line():
    x = cr.tensor([1.0, 0.0, 2.0])
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        cr.log(x)
    error = caught.value
    message = str(error)
    assert message.startswith(
        "anomaly detected in the forward of Log: its output holds -inf in 1 of 3 elements (first at index (1,)), "
        "from finite inputs"
    )
    assert f"Log was called at tests/autograd/{THIS_FILE}:{line} in " in message
    assert "cr.log(x)" in message
    assert "Log inputs: input 0: shape (3,), float32" in message
    assert (error.op, error.phase, error.nonfinite, error.cause) == ("Log", "forward", "inf", "op")
    assert (error.input_shapes, error.input_dtypes) == (((3,),), ("float32",))
    assert (error.output_index, error.count, error.size, error.first_index) == (0, 1, 3, (1,))
    assert error.nonfinite_input is None
    assert error.source == (
        f"tests/autograd/{THIS_FILE}:{line} in test_log_of_zero_raises_in_the_forward_naming_log_and_this_line: "
        "cr.log(x)"
    )
    assert isinstance(error, RuntimeError)


def test_a_nan_leaf_is_reported_as_already_held_not_blamed_on_the_op():
    weight = cr.tensor([[1.0, float("nan")], [0.5, 2.0]], requires_grad=True)
    x = cr.tensor([[1.0, 2.0]])
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        x @ weight
    error = caught.value
    assert "its input 1 already held NaN: the data or a parameter is non-finite" in str(error)
    assert "holds NaN in 1 of 2 elements (first at index (0, 1))" in str(error)
    assert (error.cause, error.nonfinite_input, error.nonfinite, error.phase) == ("input", 1, "nan", "forward")
    assert error.input_shapes == ((1, 2), (2, 2))


def test_an_op_that_removes_non_finite_values_passes():
    x = cr.tensor([float("nan"), 1.0])
    with detect_anomaly():
        y = cr.where(x == x, x, cr.zeros(2))
    assert y.tolist() == [0.0, 1.0]


def test_forward_overflow_in_a_module_and_in_functional_points_at_the_users_line():
    layer = nn.Linear(2, 1)
    with cr.no_grad():
        layer.weight.fill_(1e30)
    x = cr.tensor([[1e30, 1e30]])
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        layer(x)
    assert caught.value.source.startswith(f"tests/autograd/{THIS_FILE}:{line} in ")
    assert caught.value.source.endswith(": layer(x)")
    assert caught.value.cause == "op"

    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        F.linear(x, layer.weight)
    assert caught.value.source.startswith(f"tests/autograd/{THIS_FILE}:{line} in ")


def test_with_all_frames_inside_chainrule_the_source_is_the_first_one_outside_the_op_machinery():
    # code compiled under a chainrule path, run as a thread's target (the thread's other frames are the stdlib's)
    fake = os.path.join(os.path.dirname(cr.__file__), "train", "_fake_caller.py")
    source = (
        "def run(x, errors):\n"
        "    try:\n"
        "        cr.log(x)\n"
        "    except AnomalyError as error:\n"
        "        errors.append(error)\n"
    )
    namespace: dict = {"cr": cr, "AnomalyError": AnomalyError}
    exec(compile(source, fake, "exec"), namespace)
    errors: list = []
    with detect_anomaly():
        thread = threading.Thread(target=namespace["run"], args=(cr.tensor([0.0]), errors))
        thread.start()
        thread.join()
    assert errors[0].source == f"{os.path.relpath(fake)}:3 in run"  # no code: linecache finds no such file


# -- backward ----------------------------------------------------------------------------------------------
def test_sqrt_at_zero_raises_in_the_backward_naming_sqrt_and_the_line_that_created_it():
    x = cr.tensor([0.0, 1.0, 4.0], requires_grad=True)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        y = x.sqrt()
        loss = y.sum()  # the forward is finite: sqrt(0) = 0
        loss.backward()
    error = caught.value
    message = str(error)
    assert message.startswith(
        "anomaly detected in the backward of Sqrt: the gradient for its input 0 holds inf in 1 of 3 elements "
        "(first at index (0,)), from a finite incoming gradient"
    )
    assert f"Sqrt was called at tests/autograd/{THIS_FILE}:{line} in " in message
    assert message.splitlines()[1].endswith(": y = x.sqrt()")
    assert (error.op, error.phase, error.nonfinite, error.cause) == ("Sqrt", "backward", "inf", "op")
    assert (error.input_shapes, error.output_index, error.first_index) == (((3,),), 0, (0,))
    assert x.grad is None  # raised before anything reached the leaf


def test_division_by_a_tiny_number_raises_in_the_backward_naming_the_gradient_of_the_divisor():
    numerator = cr.tensor([1.0, 1.0], requires_grad=True)
    denominator = cr.tensor([2.0, 1e-30], requires_grad=True)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        ratio = numerator / denominator  # 1e30 fits in float32; d/d(denominator) = -1 / 1e-60 does not
        ratio.sum().backward()
    error = caught.value
    assert (error.op, error.phase, error.output_index, error.first_index) == ("Div", "backward", 1, (1,))
    assert "the gradient for its input 1 holds -inf in 1 of 2 elements" in str(error)
    assert error.input_shapes == ((2,), (2,))


def test_a_non_finite_root_gradient_is_reported_as_the_incoming_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        (x * 3).backward(cr.tensor([float("nan"), 1.0]))
    assert caught.value.cause == "grad_output"
    assert "but the gradient flowing into it already held non-finite values" in str(caught.value)


def test_a_node_recorded_before_the_mode_still_has_its_gradients_checked():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt()
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        y.sum().backward()
    assert caught.value.source is None
    assert "Sqrt was recorded before anomaly mode was on, so its line is unknown" in str(caught.value)
    assert caught.value.input_shapes == ((2,),)  # told by the gradient


def test_a_failing_backward_gets_the_line_of_its_op_as_a_note_even_with_check_nan_off():
    class Broken(Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            raise ValueError("broken backward")

    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="broken backward") as caught, detect_anomaly(check_nan=False):
        line = _next_line()
        y = Broken().apply(x)
        y.sum().backward()
    assert caught.value.__notes__ == [
        f"anomaly mode: the Broken whose backward failed was called at tests/autograd/{THIS_FILE}:{line} in "
        "test_a_failing_backward_gets_the_line_of_its_op_as_a_note_even_with_check_nan_off: "
        "y = Broken().apply(x)"
    ]


def test_check_nan_false_records_lines_but_raises_nothing():
    x = cr.tensor([0.0], requires_grad=True)
    with detect_anomaly(check_nan=False):
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
        cr.log(x).sum().backward()
    assert x.grad.tolist() == [float("inf")]


# -- create_graph --------------------------------------------------------------------------------------------
def test_double_backward_under_the_mode_gives_the_usual_gradients():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        (grad_x,) = cr.autograd.grad((x**3).sum(), x, create_graph=True)
        grad_x.sum().backward()
    assert grad_x.tolist() == [3.0, 12.0]
    assert x.grad.tolist() == [6.0, 12.0]


def test_create_graph_backward_blames_the_op_not_the_ops_inside_its_backward():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        y = x.sqrt()
        cr.autograd.grad(y.sum(), x, create_graph=True)
    assert (caught.value.op, caught.value.phase) == ("Sqrt", "backward")
    assert caught.value.source.startswith(f"tests/autograd/{THIS_FILE}:{line} in ")


def test_second_order_nan_names_the_node_recorded_by_a_backward_and_the_users_line():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        line = _next_line()
        y = (x**1.5).sum()  # d/dx = 1.5 x^0.5 is 0 at 0; d2/dx2 = 0.75 x^-0.5 is inf there
        (grad_x,) = cr.autograd.grad(y, x, create_graph=True)
        grad_x.sum().backward()
    assert caught.value.phase == "backward"
    assert "was recorded by the backward of PowScalar, called at" in str(caught.value)
    assert caught.value.source.startswith(f"tests/autograd/{THIS_FILE}:{line} in ")


# -- a healthy network -------------------------------------------------------------------------------------
def _mlp_gradients(anomaly: bool) -> list[numpy.ndarray]:
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    inputs = cr.randn(16, 4)
    targets = cr.tensor(numpy.arange(16) % 3)
    with detect_anomaly() if anomaly else set_detect_anomaly(False):
        loss = nn.CrossEntropyLoss()(model(inputs), targets)
        loss.backward()
    return [parameter.grad.numpy().copy() for parameter in model.parameters()]


def test_a_healthy_network_runs_under_the_mode_with_bit_identical_gradients():
    plain = _mlp_gradients(anomaly=False)
    checked = _mlp_gradients(anomaly=True)
    assert len(plain) == 4
    for expected, got in zip(plain, checked, strict=True):
        assert numpy.array_equal(expected, got)
        assert numpy.all(numpy.isfinite(got))


# -- the switch --------------------------------------------------------------------------------------------
def test_with_the_mode_off_function_apply_is_the_original_function():
    original = Function.__dict__["apply"]
    assert original.__module__ == "chainrule.autograd.function"
    assert original.__qualname__ == "Function.apply"
    with detect_anomaly():
        assert Function.__dict__["apply"] is not original
    assert Function.__dict__["apply"] is original
    set_detect_anomaly(True)
    set_detect_anomaly(False)
    assert Function.__dict__["apply"] is original
    assert anomaly_module.ANOMALY_MODE.enabled is False


def test_the_mode_is_restored_after_an_exception():
    x = cr.tensor([0.0])
    with pytest.raises(AnomalyError), detect_anomaly():
        cr.log(x)
    assert not is_anomaly_enabled()
    with pytest.raises(KeyError), detect_anomaly(check_nan=False):
        raise KeyError("unrelated")
    assert not is_anomaly_enabled() and is_anomaly_check_nan_enabled()
    assert cr.log(x).tolist() == [float("-inf")]  # off again: no check


def test_nesting_restores_each_previous_mode():
    detector = detect_anomaly()
    assert not is_anomaly_enabled()
    with detector:
        with detect_anomaly(check_nan=False):
            assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
            with set_detect_anomaly(False):
                assert not is_anomaly_enabled()
            assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
            with detector:  # one instance entered twice
                assert is_anomaly_check_nan_enabled()
            assert not is_anomaly_check_nan_enabled()
        assert is_anomaly_enabled() and is_anomaly_check_nan_enabled()
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_as_a_function_switches_now():
    set_detect_anomaly(True)
    assert is_anomaly_enabled()
    with pytest.raises(AnomalyError):
        cr.log(cr.tensor([0.0]))
    set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    assert cr.log(cr.tensor([0.0])).tolist() == [float("-inf")]


def test_detect_anomaly_as_a_decorator():
    @detect_anomaly()
    def step(x):
        assert is_anomaly_enabled()
        return cr.log(x)

    with pytest.raises(AnomalyError, match="forward of Log"):
        step(cr.tensor([0.0]))
    assert not is_anomaly_enabled()
    assert step(cr.tensor([1.0])).tolist() == [0.0]


def test_the_mode_is_global_across_threads():
    seen = []
    with detect_anomaly():
        thread = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_the_names_are_where_pytorch_has_them():
    assert cr.autograd.detect_anomaly is detect_anomaly
    assert cr.autograd.set_detect_anomaly is set_detect_anomaly
    assert cr.autograd.is_anomaly_enabled is is_anomaly_enabled
    assert issubclass(cr.autograd.AnomalyError, RuntimeError)

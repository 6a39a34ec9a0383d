"""Every op's gradients against finite differences (gradcheck), and its gradients of gradients
(gradgradcheck), over all the samples of the op table; and gradcheck itself catching wrong gradients."""

from __future__ import annotations

import re

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from tests.ops.op_table import OP_TABLE, OpInfo, Sample, cases

CASES = [pytest.param(row, each, id=f"{row.id}-{each.name}") for row, each in cases()]


def _function(row: OpInfo, each: Sample):
    return lambda *inputs: row.op(*inputs, **each.kwargs)


def _inputs(row: OpInfo, each: Sample) -> list[cr.Tensor]:
    inputs = row.make_inputs(each)
    for arg, tensor in zip(each.args, inputs, strict=True):
        assert tensor.shape == arg.shape
        assert tensor.data.flags.c_contiguous == (arg.layout == "contiguous"), f"{arg} has the wrong layout"
    return inputs


@pytest.mark.parametrize(("row", "each"), CASES)
def test_gradcheck(row: OpInfo, each: Sample) -> None:
    assert gradcheck(_function(row, each), _inputs(row, each), eps=row.gradcheck_eps)


@pytest.mark.parametrize(("row", "each"), CASES)
def test_gradgradcheck(row: OpInfo, each: Sample) -> None:
    inputs = _inputs(row, each)
    assert gradgradcheck(_function(row, each), inputs, eps=row.gradcheck_eps)


def _float_outputs(result) -> list[cr.Tensor]:
    outputs = list(result) if isinstance(result, tuple | list) else [result]
    return [out for out in outputs if out.dtype.kind == "f"]


@pytest.mark.parametrize(("row", "each"), CASES)
def test_create_graph_gradients_equal_plain_backward(row: OpInfo, each: Sample) -> None:
    """The differentiable backward (create_graph=True) computes the same first-order gradients as the plain one.

    gradgradcheck differentiates whatever the differentiable backward returns, so one that is smooth but wrong
    passes it; this compares the two modes directly (backward run on Tensors, or an op's explicit vjp).
    """
    inputs = _inputs(row, each)
    outputs = _float_outputs(row.op(*inputs, **each.kwargs))
    rng = numpy.random.default_rng(0)
    upstream = [cr.tensor(rng.standard_normal(out.shape), requires_grad=True) for out in outputs]
    plain = cr.autograd.grad(outputs, inputs, upstream, retain_graph=True)
    graphed = cr.autograd.grad(outputs, inputs, upstream, create_graph=True)
    for index, (expected, actual) in enumerate(zip(plain, graphed, strict=True)):
        assert actual.requires_grad, f"input {index}: create_graph=True gave a gradient outside the graph"
        assert actual.shape == expected.shape
        numpy.testing.assert_allclose(actual.data, expected.data, rtol=1e-12, atol=1e-12, err_msg=f"input {index}")


def test_table_ids_are_unique() -> None:
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_table_covers_every_differentiable_op() -> None:
    """Adding an op to chainrule.ops means adding a row to the op table."""
    not_differentiable = {"all", "any", "argmax", "argmin", "compare"}  # bool or index results
    helpers = {"normalize_dim", "operand_array", "parse_size", "index_arrays"}
    needs_two_devices = {"to_device"}
    row_names = {"clip": "clamp", "cast": "to", "getitem": "getitem"}  # clip is clamp; cast is Tensor.to(dtype)
    covered = {row.name for row in OP_TABLE}
    missing = {
        name for name in cr.ops.__all__
        if name not in not_differentiable | helpers | needs_two_devices and row_names.get(name, name) not in covered
    }
    assert not missing, f"ops without a row in tests/ops/op_table.py: {sorted(missing)}"


def test_table_has_noncontiguous_and_0d_samples_for_most_rows() -> None:
    without_noncontig = [row.id for row in OP_TABLE if not any(s.noncontiguous for s in row.samples())]
    assert without_noncontig == []
    with_0d = [row.id for row in OP_TABLE if any(arg.shape == () for s in row.samples() for arg in s.args)]
    assert len(with_0d) >= len(OP_TABLE) // 2


# -- gradcheck must catch wrong gradients -----------------------------------------------------------
class _SquareWithWrongBackward(Function):
    """x^2 whose backward says 3x instead of 2x."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return grad * 3 * self.inputs[0]


class _MulWithSwappedBackward(Function):
    """x * y whose backward gives y the gradient of x (correct for x, wrong for y wherever x != y)."""

    saves_inputs = True

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        y = self.inputs[1]
        return grad * y, grad * y


class _DoubleWithOneBadElement(Function):
    """2x, whose backward is off by 1 at element (1, 2) only."""

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        result = 2 * grad
        result[1, 2] += 1.0
        return result


class _SquareWithDetachedVjp(Function):
    """x^2 with a correct backward and a vjp that uses x as a constant: its second derivative is lost."""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return 2 * grad * self.inputs[0]

    def vjp(self, grad):
        return 2 * grad * cr.tensor(self.inputs[0])


_NUMBER = r"(?:np\.float64\()?([-+0-9.e]+)\)?"  # the values, plain or as NumPy reprs (see the test below)


def _values(message: str) -> tuple[float, float]:
    found = re.search(f"analytic {_NUMBER}, numerical {_NUMBER}", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


def _leaf(values) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=True)


def test_gradcheck_names_input_element_and_both_values_of_a_wrong_backward() -> None:
    x = _leaf([[1.0, 2.0], [-1.0, 0.5]])
    with pytest.raises(GradcheckError, match=r"input 0 at element \(0, 0\)") as caught:
        gradcheck(lambda t: _SquareWithWrongBackward().apply(t), [x])
    analytic, numerical = _values(str(caught.value))
    assert analytic == pytest.approx(3.0)
    assert numerical == pytest.approx(2.0, rel=1e-6)


def test_gradcheck_names_the_second_input_when_only_its_gradient_is_wrong() -> None:
    x = _leaf([1.0, 2.0, 3.0])
    y = _leaf([1.0, 5.0, 3.0])  # equal to x at 0 and 2, where the swapped gradient happens to be right
    with pytest.raises(GradcheckError, match=r"input 1 at element \(1,\) \(output 0, element \(1,\)\)") as caught:
        gradcheck(lambda a, b: _MulWithSwappedBackward().apply(a, b), [x, y])
    analytic, numerical = _values(str(caught.value))
    assert analytic == pytest.approx(5.0)
    assert numerical == pytest.approx(2.0, rel=1e-6)


def test_gradcheck_finds_a_single_wrong_element() -> None:
    x = _leaf(numpy.arange(12.0).reshape(3, 4))
    with pytest.raises(GradcheckError, match=r"input 0 at element \(1, 2\).*12 of 144 Jacobian entries differ"):
        gradcheck(lambda t: _DoubleWithOneBadElement().apply(t), [x])
    assert gradcheck(lambda t: _DoubleWithOneBadElement().apply(t), [x], raise_exception=False) is False


def test_gradgradcheck_catches_a_vjp_that_drops_the_second_derivative() -> None:
    x = _leaf([0.5, -1.5, 2.0])
    assert gradcheck(lambda t: _SquareWithDetachedVjp().apply(t), [x])
    with pytest.raises(GradcheckError, match=r"input 0 at element \(0,\)") as caught:
        gradgradcheck(lambda t: _SquareWithDetachedVjp().apply(t), [x])
    analytic, numerical = _values(str(caught.value))
    assert analytic == 0.0
    assert numerical != pytest.approx(0.0)


def test_gradcheck_message_shows_plain_numbers() -> None:
    x = _leaf([2.0])
    with pytest.raises(GradcheckError, match=r"analytic 6\.0, numerical 4\.0") as caught:
        gradcheck(lambda t: _SquareWithWrongBackward().apply(t), [x])
    assert "np.float64" not in str(caught.value)

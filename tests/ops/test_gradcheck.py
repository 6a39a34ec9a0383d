"""Every op's gradients against finite differences (gradcheck), its gradients of gradients (gradgradcheck) and
its create_graph gradients against the plain ones, over all the samples of the op table (on the CPU, and on
every device for the rows that ask); that the table covers every op; and gradcheck itself catching wrong
gradients."""

from __future__ import annotations

import inspect
import re

import numpy
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck
from chainrule.autograd.function import Function  # the internal op base (chainrule.autograd.Function is PyTorch's)
from chainrule.ops import recurrent
from tests.ops import harness
from tests.ops.op_table import FAMILY_ROWS, OP_TABLE, OpInfo, Sample

CASES = harness.device_params(OP_TABLE)


@pytest.mark.parametrize(("row", "each", "device"), CASES)
def test_gradcheck(row: OpInfo, each: Sample, device: str) -> None:
    harness.check_gradcheck(row, each, device)


@pytest.mark.parametrize(("row", "each", "device"), CASES)
def test_gradgradcheck(row: OpInfo, each: Sample, device: str) -> None:
    harness.check_gradgradcheck(row, each, device)


@pytest.mark.parametrize(("row", "each", "device"), CASES)
def test_create_graph_gradients_equal_plain_backward(row: OpInfo, each: Sample, device: str) -> None:
    harness.check_create_graph_equals_plain_backward(row, each, device)


def test_table_ids_are_unique() -> None:
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_table_covers_every_differentiable_op() -> None:
    """Adding an op to chainrule.ops means adding a row to the op table."""
    not_differentiable = {"all", "any", "argmax", "argmin", "compare"}  # bool or index results
    for family in cr.ops._FAMILIES:  # each family names its own (isnan, argsort, ...)
        not_differentiable |= family.NOT_DIFFERENTIABLE
    helpers = {"normalize_dim", "operand_array", "parse_size", "index_arrays"}
    needs_two_devices = {"to_device"}
    row_names = {"clip": "clamp", "cast": "to", "getitem": "getitem"}  # clip is clamp; cast is Tensor.to(dtype)
    covered = {row.name for row in OP_TABLE}
    missing = {
        name for name in cr.ops.__all__
        if name not in not_differentiable | helpers | needs_two_devices and row_names.get(name, name) not in covered
    }
    assert not missing, f"ops without a row in tests/ops/op_table/: {sorted(missing)}"


def _recurrent_functions() -> set[str]:
    return {name for name, value in vars(recurrent).items()
            if inspect.isfunction(value) and value.__module__ == recurrent.__name__ and not name.startswith("_")}


def test_tables_cover_every_functional() -> None:
    """Adding a function to chainrule.nn.functional (or chainrule.ops.recurrent) means adding a row to the op
    table."""
    not_differentiable = {"one_hot"}  # an integer tensor of the indices
    covered = {row.name for row in OP_TABLE}
    missing = sorted(name for name in {*F.__all__, *_recurrent_functions()} - not_differentiable if name not in covered)
    assert not missing, f"functionals without a row in tests/ops/op_table/: {missing}"


def test_row_names_name_real_functions() -> None:
    """A row names the function it exercises: a typo there would cover nothing."""
    linalg = getattr(cr, "linalg", None)
    known = {*cr.ops.__all__, *F.__all__, *_recurrent_functions(), *dir(cr.Tensor),
             *(f"linalg.{name}" for name in getattr(linalg, "__all__", ()))}
    unknown = sorted({row.name for row in OP_TABLE} - known)
    assert not unknown, f"rows naming no function of chainrule.ops, nn.functional, ops.recurrent or Tensor: {unknown}"
    functionals = {*F.__all__, *_recurrent_functions()}
    op_families = {family.__name__.rsplit(".", 1)[1] for family in cr.ops._FAMILIES} - {"activation"}
    for family, rows in FAMILY_ROWS.items():
        if family in op_families:  # chainrule.ops families: their rows name ops or Tensor methods (checked above)
            continue
        strays = {row.name for row in rows} - functionals
        assert not strays, f"{family} rows name no function of nn.functional or ops.recurrent: {sorted(strays)}"


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

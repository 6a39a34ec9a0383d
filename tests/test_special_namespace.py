"""chainrule.special: torch.special's names, values against torch.special and gradients against finite differences."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
import chainrule.special as S
from chainrule.autograd import gradcheck

POINTS = numpy.array([-60.0, -40.0, -25.0, -20.5, -19.5, -15.0, -10.5, -9.5, -3.0, -0.5, 0.0, 2.0, 8.0])
UNIT = numpy.linspace(0.05, 0.95, 7)
CASES = [  # name, arguments (as NumPy arrays)
    ("expit", (POINTS,)), ("gammaln", (numpy.abs(POINTS) + 0.5,)), ("psi", (numpy.abs(POINTS) + 0.5,)),
    ("ndtr", (POINTS[POINTS > -8],)), ("log_ndtr", (POINTS,)), ("ndtri", (UNIT,)),
    ("entr", (numpy.append(UNIT, [0.0, -1.0]),)),
    ("erfinv", (2 * UNIT - 1,)), ("logit", (UNIT,)),
    ("xlog1py", (numpy.array([0.0, 2.0, 3.0]), numpy.array([-1.0, 1.0, 0.5]))),
    ("sinc", (POINTS,)), ("erfc", (POINTS / 4,)),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "arguments"), CASES, ids=[name for name, _ in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_match_torch_special(name: str, arguments: tuple, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(S, name)(*(cr.tensor(a.astype(dtype)) for a in arguments)).numpy()
    theirs = getattr(torch.special, name)(*(torch.tensor(a.astype(dtype)) for a in arguments)).numpy()
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-12 if dtype == "float64" else 2e-6, atol=1e-30)


@pytest.mark.parametrize(("name", "values"), [
    ("ndtr", [-12.0, -3.0, -0.5, 0.7, 4.0]), ("log_ndtr", [-30.0, -15.0, -1.0, 1.0, 6.0]), ("ndtri", [0.1, 0.4, 0.8]),
    ("entr", [0.2, 0.7, 1.5]), ("multigammaln", [2.5, 4.0]),
])
def test_composed_functions_have_checked_gradients(name: str, values: list) -> None:
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    function = (lambda t: S.multigammaln(t, 3)) if name == "multigammaln" else getattr(S, name)
    assert gradcheck(function, [x])


def test_ndtr_keeps_its_left_tail() -> None:
    """torch.special.ndtr rounds the far left tail to 0 (Φ(-15) = 3.7e-51); chainrule keeps it."""
    import math

    values = [-37.0, -25.0, -15.0, -9.5, -3.0, 0.0, 4.0]
    ours = S.ndtr(cr.tensor(values, dtype=cr.float64)).tolist()
    exact = [0.5 * math.erfc(-value / math.sqrt(2)) for value in values]
    assert ours == pytest.approx(exact, rel=1e-12, abs=0)


def test_multigammaln_against_its_definition_and_its_argument_check() -> None:
    value = S.multigammaln(cr.tensor([2.5], dtype=cr.float64), 3).item()
    assert value == pytest.approx(3 * 2 / 4 * numpy.log(numpy.pi) + sum(
        cr.lgamma(cr.tensor([2.5 - j / 2], dtype=cr.float64)).item() for j in range(3)))
    with pytest.raises(ValueError, match="p must be a positive integer, got 0"):
        S.multigammaln(cr.tensor([2.5]), 0)


def test_the_names_are_the_ops_under_scipys_names() -> None:
    assert S.expit is cr.sigmoid and S.gammaln is cr.lgamma and S.psi is cr.digamma and cr.special is S

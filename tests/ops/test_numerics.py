"""The numerical primitives of chainrule/ops/_numerics.py in their tails, by relative error (an absolute
tolerance would hide sigmoid(-20) = 0), and through the public ops that call them, against PyTorch."""

from __future__ import annotations

import warnings

import numpy
import pytest

import chainrule as cr
from chainrule.ops import _numerics

F = cr.nn.functional


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_of_minus_20_is_not_rounded_to_zero(dtype: str) -> None:
    # PyTorch 2.13: torch.sigmoid(torch.tensor(-20.)) = 2.0611537e-09 (float32), 2.0611536181902037e-09 (float64)
    expected = 2.0611536181902037e-09
    x = cr.tensor([-20.0], dtype=getattr(cr, dtype), requires_grad=True)
    y = cr.sigmoid(x)
    numpy.testing.assert_allclose(y.detach().numpy(), [expected], rtol=1e-6, atol=0)
    y.sum().backward()  # s (1 - s)
    numpy.testing.assert_allclose(x.grad.numpy(), [expected], rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_tails_keep_relative_accuracy(dtype: str) -> None:
    x = numpy.array([-40.0, -20.0, -10.0, 0.0, 10.0, 40.0], dtype=dtype)
    exact = 1 / (1 + numpy.exp(-x.astype(numpy.float64)))
    result = _numerics.sigmoid(x)
    assert result.dtype == x.dtype
    tiny = numpy.finfo(dtype).tiny
    representable = exact >= tiny
    rtol = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-14}[dtype]
    numpy.testing.assert_allclose(result[representable], exact[representable], rtol=rtol, atol=0)


def test_sigmoid_saturates_to_the_limits_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = _numerics.sigmoid(numpy.array([-1000.0, -100.0, 100.0, 1000.0], dtype=numpy.float32))
    numpy.testing.assert_array_equal(result, [0.0, 0.0, 1.0, 1.0])  # float32 sigmoid(-100) underflows, as torch
    assert _numerics.sigmoid(numpy.array(-20.0)).shape == ()


def test_silu_and_cross_entropy_with_logits_use_the_accurate_sigmoid() -> None:
    x = cr.tensor([-20.0], dtype=cr.float64, requires_grad=True)
    F.silu(x).sum().backward()  # d/dx x s(x) = s (1 + x (1 - s))
    s = 2.0611536181902037e-09
    numpy.testing.assert_allclose(x.grad.numpy(), [s * (1 - 20 * (1 - s))], rtol=1e-12, atol=0)
    x = cr.tensor([-30.0], dtype=cr.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, cr.tensor([0.0], dtype=cr.float64)).backward()  # d/dx = sigmoid(x)
    numpy.testing.assert_allclose(x.grad.numpy(), [9.357622968839998e-14], rtol=1e-12, atol=0)


def test_softplus_tails() -> None:
    x = numpy.array([-40.0, -20.0, 20.0, 40.0])
    exact = numpy.log1p(numpy.exp(-numpy.abs(x))) + numpy.maximum(x, 0)
    numpy.testing.assert_allclose(_numerics.softplus(x), exact, rtol=1e-15, atol=0)
    assert _numerics.softplus(numpy.array([-40.0]))[0] == pytest.approx(4.248354255291589e-18, rel=1e-15)


def test_logsumexp_guards_non_finite_maxima_as_torch() -> None:
    inf = numpy.inf
    x = numpy.array([[-inf, -inf], [inf, 1.0], [1000.0, 1000.0], [-1000.0, -1000.0]])
    result = _numerics.logsumexp(x, 1)[:, 0]
    numpy.testing.assert_allclose(result, [-inf, inf, 1000 + numpy.log(2), -1000 + numpy.log(2)], rtol=1e-15)
    assert _numerics.logsumexp(numpy.zeros((2, 0)), 1).tolist() == [[-inf], [-inf]]
    assert cr.logsumexp(cr.tensor([-inf, -inf]), 0).item() == -inf


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf is NaN on purpose, as torch
def test_softmax_family_with_non_finite_inputs_follows_torch(torch) -> None:
    inf = float("inf")
    for values in ([inf, 1.0], [-inf, -inf], [-inf, 1.0], [1e4, -1e4]):
        ours, theirs = cr.tensor(values), torch.tensor(values)
        numpy.testing.assert_allclose(F.softmax(ours, 0).numpy(), torch.softmax(theirs, 0).numpy(), rtol=1e-6)
        numpy.testing.assert_allclose(F.log_softmax(ours, 0).numpy(), torch.log_softmax(theirs, 0).numpy(),
                                      rtol=1e-6)
        numpy.testing.assert_allclose(cr.logsumexp(ours, 0).numpy(), torch.logsumexp(theirs, 0).numpy(), rtol=1e-6)
        target = cr.tensor([1]), torch.tensor([1])
        numpy.testing.assert_allclose(F.cross_entropy(ours[None], target[0]).numpy(),
                                      torch.nn.functional.cross_entropy(theirs[None], target[1]).numpy(), rtol=1e-6)


@pytest.mark.torch
def test_log_softmax_of_far_apart_logits_is_finite(torch) -> None:
    x = numpy.array([[-40.0, 0.0, 40.0]])
    ours = F.log_softmax(cr.tensor(x), 1).numpy()
    numpy.testing.assert_allclose(ours, torch.log_softmax(torch.from_numpy(x), 1).numpy(), rtol=1e-15)
    assert ours[0, 0] == pytest.approx(-80.0, rel=1e-15)


def test_erf_and_normal_cdf_tails() -> None:
    import math

    z = numpy.array([-6.0, -3.0, -0.4, -1e-10, 0.0, 1e-10, 0.4, 3.0, 6.0])
    expected_erf = [math.erf(v) for v in z]
    numpy.testing.assert_allclose(_numerics.erf(z), expected_erf, rtol=1e-15, atol=0)
    expected_erfc = [math.erfc(v) for v in z]
    numpy.testing.assert_allclose(_numerics.erfc(z), expected_erfc, rtol=1e-14, atol=0)
    # Phi(-10) = erfc(10 / sqrt 2) / 2 = 7.6e-24, where (1 + erf) / 2 would give 0
    assert _numerics.normal_cdf(numpy.array([-10.0]))[0] == pytest.approx(math.erfc(10 / math.sqrt(2)) / 2, rel=1e-14)
    x = cr.tensor([-10.0], dtype=cr.float64, requires_grad=True)
    F.gelu(x).sum().backward()  # Phi(x) + x phi(x)
    phi = math.exp(-50) / math.sqrt(2 * math.pi)
    expected = math.erfc(10 / math.sqrt(2)) / 2 - 10 * phi
    numpy.testing.assert_allclose(x.grad.numpy(), [expected], rtol=1e-12, atol=0)


def test_sigmoid_silences_only_its_own_overflow() -> None:
    import warnings

    from chainrule import backend

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr.sigmoid(cr.tensor([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
        with pytest.raises(RuntimeWarning, match="overflow"):  # the caller's NumPy error state is back
            numpy.exp(numpy.float32([1000.0]))
        token = backend.ignore_overflow(numpy)
        try:
            numpy.exp(numpy.float32([1000.0]))
        finally:
            backend.restore_errors(token)
        assert backend.ignore_overflow(None) is None  # CuPy (any other array module) never warns

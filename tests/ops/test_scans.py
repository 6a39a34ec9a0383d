"""chainrule.ops.scans beyond the op table: gradients of products at zeros, dtypes of results, ties and NaN in
cummax/cummin, count_nonzero, the in-place forms, edge cases (empty, 0-d) and error messages.

Values, gradients and second-order gradients on the table's samples are checked by test_gradcheck.py and
test_torch_equality.py (rows in tests/ops/op_table/scans.py).
"""

from __future__ import annotations

import math

import numpy
import pytest

import chainrule as cr
from tests.conftest import to_numpy

pytestmark = pytest.mark.torch


def _pair(values, torch, dtype: str = "float64"):
    """The same values as a chainrule and a torch leaf (floating ones requiring grad)."""
    array = numpy.asarray(values, dtype=dtype)
    floating = array.dtype.kind == "f"
    return (cr.tensor(array, requires_grad=floating),
            torch.tensor(array, requires_grad=floating))


def _same(actual: cr.Tensor, expected, **tolerance) -> None:
    assert actual.shape == tuple(expected.shape)
    assert actual.dtype.name == str(expected.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(to_numpy(actual), expected.detach().numpy(), **(tolerance or {"rtol": 1e-12}))


# -- products at zeros ---------------------------------------------------------------------------------
def test_prod_gradient_at_one_zero_is_the_product_of_the_others() -> None:
    x = cr.tensor([2.0, 0.0, 3.0, -1.5], dtype=cr.float64, requires_grad=True)
    x.prod().backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), [0.0, -9.0, 0.0, 0.0])


def test_prod_gradient_at_two_zeros_is_zero_everywhere() -> None:
    x = cr.tensor([[2.0, 0.0, 0.0], [1.0, 2.0, 3.0]], dtype=cr.float64, requires_grad=True)
    x.prod(1).sum().backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), [[0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


def test_prod_gradient_survives_a_product_that_underflows() -> None:
    """1e-200 * 1e-200 * 3 underflows to 0, so prod / x would give 0; the product of the others is 3e-200."""
    x = cr.tensor([1e-200, 1e-200, 3.0], dtype=cr.float64, requires_grad=True)
    x.prod().backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), [3e-200, 3e-200, 0.0], rtol=1e-12)


@pytest.mark.parametrize("values", [[[1.0, 0.0, 3.0, 0.5, 0.0], [2.0, 3.0, 0.0, 0.0, 1.0]],
                                    [[0.0, 2.0, -1.0], [0.0, 0.0, 0.0]]], ids=["mixed", "leading-and-all"])
@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_first_and_second_order_gradients_at_zeros_match_torch(values, dim: int, torch) -> None:
    x, tx = _pair(values, torch)
    upstream = numpy.random.default_rng(0).standard_normal(numpy.shape(values))
    (grad,) = cr.autograd.grad(cr.cumprod(x, dim), [x], cr.tensor(upstream), create_graph=True)
    (expected,) = torch.autograd.grad(torch.cumprod(tx, dim), [tx], torch.from_numpy(upstream), create_graph=True)
    _same(grad, expected)
    (grad * grad).sum().backward()
    (expected * expected).sum().backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_prod_second_order_gradient_at_zeros_matches_torch(torch) -> None:
    x, tx = _pair([[1.5, 0.0, -2.0, 0.0], [0.0, 1.0, 2.0, 3.0]], torch)
    (grad,) = cr.autograd.grad(x.prod(1).sum(), [x], create_graph=True)
    (expected,) = torch.autograd.grad(tx.prod(1).sum(), [tx], create_graph=True)
    _same(grad, expected)
    (grad * grad).sum().backward()
    (expected * expected).sum().backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)


# -- dtypes --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool", "int64"])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_integer_scans_run_in_int64(name: str, dtype: str, torch) -> None:
    values = numpy.array([[1, 0, 3], [2, 2, 1]]).astype(dtype)
    _same(getattr(cr, name)(cr.tensor(values), 1), getattr(torch, name)(torch.from_numpy(values), 1))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool"])
def test_integer_prod_runs_in_int64(dtype: str, torch) -> None:
    values = numpy.array([[1, 0, 3], [2, 2, 1]]).astype(dtype)
    _same(cr.prod(cr.tensor(values)), torch.prod(torch.from_numpy(values)))
    _same(cr.prod(cr.tensor(values), 1, keepdim=True), torch.prod(torch.from_numpy(values), 1, keepdim=True))


def test_dtype_argument_casts_before_the_scan_and_the_gradient_comes_back_in_the_input_dtype(torch) -> None:
    x, tx = _pair([[1.5, 2.0, -3.0]], torch, "float32")
    for name in ("cumsum", "cumprod"):
        result = getattr(cr, name)(x, 1, dtype=cr.float64)
        _same(result, getattr(torch, name)(tx, 1, dtype=torch.float64))
        result.sum().backward()
    _same(cr.prod(x, dtype=cr.float64), torch.prod(tx, dtype=torch.float64))
    assert x.grad.dtype == cr.float32
    _same(cr.cumsum(cr.tensor([1, 2, 3]), 0, dtype=cr.float32), torch.cumsum(torch.tensor([1, 2, 3]), 0,
                                                                             dtype=torch.float32))


def test_float32_results_stay_float32(torch) -> None:
    x, tx = _pair([[0.5, -1.0], [2.0, 0.25]], torch, "float32")
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        _same(getattr(cr, name)(x, 0), getattr(torch, name)(tx, 0), rtol=1e-6)
    _same(cr.prod(x, 1), torch.prod(tx, 1), rtol=1e-6)


# -- logcumsumexp ----------------------------------------------------------------------------------------
def test_logcumsumexp_keeps_values_that_one_max_shift_would_lose(torch) -> None:
    x, tx = _pair([-1000.0, 0.0, -2000.0, 5.0, 800.0], torch)
    _same(cr.logcumsumexp(x, 0), torch.logcumsumexp(tx, 0))
    cr.logcumsumexp(x, 0).sum().backward()
    torch.logcumsumexp(tx, 0).sum().backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_logcumsumexp_of_minus_infinity_matches_torch(torch) -> None:
    x, tx = _pair([[-math.inf, -math.inf, 0.0], [-math.inf, 1.0, -math.inf]], torch)
    _same(cr.logcumsumexp(x, 1), torch.logcumsumexp(tx, 1))
    cr.logcumsumexp(x, 1).sum().backward()
    torch.logcumsumexp(tx, 1).sum().backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)  # NaN where torch's is


# -- cummax / cummin ---------------------------------------------------------------------------------------
TIES_AND_NAN = {
    "ties": [1.0, 3.0, 2.0, 3.0, 0.0, 3.0, 3.0],
    "ties-min": [2.0, 1.0, 1.0, 3.0, 1.0, 0.0, 0.0],
    "nan": [1.0, math.nan, 2.0, math.nan, 5.0],
    "nan-first": [math.nan, 1.0, -1.0, 2.0],
    "inf": [-math.inf, -math.inf, 1.0, math.inf, math.inf],
}


@pytest.mark.parametrize("values", TIES_AND_NAN.values(), ids=TIES_AND_NAN.keys())
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_ties_go_to_the_last_index_and_nan_wins_as_torch(name: str, values, torch) -> None:
    x, tx = _pair(values, torch)
    result, expected = getattr(cr, name)(x, 0), getattr(torch, name)(tx, 0)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    upstream = numpy.arange(1.0, len(values) + 1)
    result.values.backward(cr.tensor(upstream))
    expected.values.backward(torch.from_numpy(upstream))
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_along_each_dimension_of_integers(dim: int, torch) -> None:
    values = numpy.random.default_rng(0).integers(0, 4, (3, 5))
    for name in ("cummax", "cummin"):
        result = getattr(cr, name)(cr.tensor(values), dim)
        expected = getattr(torch, name)(torch.from_numpy(values), dim)
        _same(result.values, expected.values)
        _same(result.indices, expected.indices)
        assert not result.indices.requires_grad


def test_cummax_returns_a_named_tuple_that_unpacks() -> None:
    result = cr.tensor([[1.0, 3.0, 2.0]]).cummax(1)
    values, indices = result
    assert isinstance(result, tuple)
    assert result.values is values and result.indices is indices
    assert indices.dtype == cr.int64
    assert indices.tolist() == [[0, 1, 1]]


# -- std_mean / var_mean ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
def test_std_mean_var_mean_take_unbiased_in_place_of_dim_as_torch(name: str, torch) -> None:
    x, tx = _pair([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]], torch)
    for args, kwargs in [((False,), {}), ((True,), {}), ((1, False, True), {}), ((), {"correction": 0}),
                         ((0,), {"keepdim": True})]:
        result, expected = getattr(cr, name)(x, *args, **kwargs), getattr(torch, name)(tx, *args, **kwargs)
        assert type(result) is tuple and len(result) == 2
        _same(result[0], expected[0])
        _same(result[1], expected[1])


def test_std_mean_rejects_unbiased_twice() -> None:
    with pytest.raises(TypeError, match=r"got a bool for dim and unbiased too; pass dim=\.\.\. or unbiased="):
        cr.std_mean(cr.zeros(3), True, unbiased=False)


# -- count_nonzero ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (-1, 0)])
def test_count_nonzero_matches_torch(dim, torch) -> None:
    values = numpy.random.default_rng(1).integers(0, 3, (2, 3, 4)).astype("float32")
    result = cr.count_nonzero(cr.tensor(values, requires_grad=True), dim)
    _same(result, torch.count_nonzero(torch.from_numpy(values), dim))
    assert not result.requires_grad


def test_count_nonzero_of_bool_0d_and_empty_tensors(torch) -> None:
    _same(cr.tensor([[True, False], [True, True]]).count_nonzero(1),
          torch.tensor([[True, False], [True, True]]).count_nonzero(1))
    _same(cr.count_nonzero(cr.tensor(2.0)), torch.count_nonzero(torch.tensor(2.0)))
    _same(cr.count_nonzero(cr.zeros(0, 3), 0), torch.count_nonzero(torch.zeros(0, 3), 0))


# -- in-place forms ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_inplace_scan_changes_the_tensor_and_returns_it(name: str, torch) -> None:
    values = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]
    x, tx = cr.tensor(values), torch.tensor(values)
    assert getattr(x, name + "_")(1) is x
    getattr(tx, name + "_")(1)
    _same(x, tx)
    integers = cr.tensor([1, 2, 3], dtype=cr.int32)
    getattr(integers, name + "_")(0)
    assert integers.dtype == cr.int32
    assert integers.tolist() == getattr(torch.tensor([1, 2, 3], dtype=torch.int32), name)(0).tolist()


def test_inplace_scan_after_use_makes_backward_refuse() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    y.detach().cumsum_(0)  # a view of the same memory
    with pytest.raises(RuntimeError, match="modified in place"):
        z.sum().backward()


def test_inplace_scan_of_a_tensor_that_requires_grad_needs_no_grad() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"cumsum_\(\) would change a leaf tensor that requires grad in place"):
        x.cumsum_(0)
    with cr.no_grad():
        x.cumprod_(0)
    assert x.tolist() == [1.0, 2.0]


# -- edge cases -----------------------------------------------------------------------------------------
def test_empty_and_0d_inputs_match_torch(torch) -> None:
    empty, tempty = cr.zeros(0, 3), torch.zeros(0, 3)
    _same(cr.prod(empty), torch.prod(tempty))
    _same(cr.prod(empty, 0), torch.prod(tempty, 0))
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        _same(getattr(cr, name)(empty, 0), getattr(torch, name)(tempty, 0))
    _same(cr.cummax(empty, 1).values, torch.cummax(tempty, 1).values)
    scalar, tscalar = _pair(2.5, torch)
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        _same(getattr(cr, name)(scalar, -1), getattr(torch, name)(tscalar, -1))
    _same(cr.prod(scalar, 0, keepdim=True), torch.prod(tscalar, 0, keepdim=True))
    result, expected = cr.cummin(scalar, 0), torch.cummin(tscalar, 0)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)


def test_gradient_of_an_empty_product_has_the_input_shape() -> None:
    x = cr.zeros(2, 0, requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.shape == (2, 0)


ERRORS = [
    ("cumsum-dim", lambda: cr.cumsum(cr.zeros(2, 3), 2), IndexError,
     r"cumsum: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)"),
    ("cummax-dim", lambda: cr.zeros(2, 3).cummax(-3), IndexError, r"cummax: dim -3 is out of range"),
    ("prod-tuple-dim", lambda: cr.prod(cr.zeros(2, 3), (0, 1)), TypeError, r"prod: dim must be an int, got tuple"),
    ("cumprod-not-a-tensor", lambda: cr.cumprod([1.0, 2.0], 0), TypeError,
     r"cumprod: expected a Tensor as input, got list"),
    ("cumsum-no-dim", lambda: cr.cumsum(cr.zeros(2)), TypeError, r"missing 1 required positional argument: 'dim'"),
    ("logcumsumexp-integer", lambda: cr.logcumsumexp(cr.tensor([1, 2]), 0), TypeError,
     r"logcumsumexp: needs a floating-point tensor, got chainrule\.int64; convert it with \.float\(\)"),
    ("count_nonzero-dim", lambda: cr.count_nonzero(cr.zeros(2), (0, 0)), ValueError,
     r"count_nonzero: dim \(0, 0\) names the same dimension twice"),
    ("std_mean-both", lambda: cr.std_mean(cr.zeros(3), unbiased=True, correction=0), ValueError,
     r"std: pass either unbiased or correction, not both"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*e[1:], id=e[0]) for e in ERRORS])
def test_errors_name_the_problem(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

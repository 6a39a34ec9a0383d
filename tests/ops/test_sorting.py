"""chainrule.ops.sorting beyond the op table: ties, NaN, integer inputs, argsort, quantile's interpolations and
NaN handling, the named tuples, edge cases (empty, 0-d) and error messages.

Where PyTorch defines which of equal values is returned (stable sort, mode's last occurrence, the first NaN
for median), indices are compared with PyTorch's; where it leaves that open (topk, kthvalue, median, unstable
sort), only values are, and the index is checked to point at an entry holding the value.
"""

from __future__ import annotations

import math

import numpy
import pytest

import chainrule as cr
from tests.conftest import to_numpy

pytestmark = pytest.mark.torch

nan = math.nan
TIES = [[3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 2.0], [0.0, 0.0, 5.0, -1.0, 5.0, 0.0, -1.0]]
WITH_NAN = [[1.0, nan, 2.0, nan, 0.5, -3.0], [nan, nan, nan, nan, nan, nan], [4.0, 2.0, 2.0, nan, 1.0, 1.0]]


def _pair(values, torch, dtype: str = "float64"):
    """The same values as a chainrule and a torch leaf (floating ones requiring grad)."""
    array = numpy.asarray(values, dtype=dtype)
    floating = array.dtype.kind == "f"
    return cr.tensor(array, requires_grad=floating), torch.tensor(array, requires_grad=floating)


def _same(actual: cr.Tensor, expected) -> None:
    assert actual.shape == tuple(expected.shape)
    assert actual.dtype.name == str(expected.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(to_numpy(actual), expected.detach().numpy(), rtol=1e-12)


def _points_at_values(input: cr.Tensor, result, dim: int, reduced: bool = True) -> None:
    """result.indices select result.values from input along dim (a reduction without keepdim, or topk's k)."""
    indices = to_numpy(result.indices)
    picked = numpy.take_along_axis(to_numpy(input), numpy.expand_dims(indices, dim) if reduced else indices, dim)
    numpy.testing.assert_array_equal(picked.squeeze(dim) if reduced else picked, to_numpy(result.values))


# -- sort and argsort ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("values", [TIES, WITH_NAN], ids=["ties", "nan"])
def test_stable_sort_matches_torch_values_and_indices(values, descending: bool, torch) -> None:
    x, tx = _pair(values, torch)
    result = cr.sort(x, 1, descending, stable=True)
    expected = torch.sort(tx, dim=1, descending=descending, stable=True)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    _same(cr.argsort(x, 1, descending, stable=True), torch.argsort(tx, dim=1, descending=descending, stable=True))
    _same(x.argsort(descending=descending), tx.argsort(descending=descending, stable=True))
    upstream = numpy.arange(1.0, 1.0 + x._data.size).reshape(x.shape)
    result.values.backward(cr.tensor(upstream))
    expected.values.backward(torch.from_numpy(upstream))
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())


def test_sort_of_integers_and_bools_matches_torch(torch) -> None:
    values = numpy.random.default_rng(0).integers(-3, 3, (4, 6))
    result, expected = cr.sort(cr.tensor(values), 0, stable=True), torch.sort(torch.from_numpy(values), dim=0,
                                                                              stable=True)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    flags = values > 0
    _same(cr.sort(cr.tensor(flags), stable=True).indices, torch.sort(torch.from_numpy(flags), stable=True).indices)


def test_argsort_has_no_gradient() -> None:
    result = cr.argsort(cr.tensor([2.0, 1.0], requires_grad=True))
    assert result.dtype == cr.int64
    assert not result.requires_grad
    assert result.tolist() == [1, 0]


def test_msort_sorts_the_first_dimension(torch) -> None:
    x, tx = _pair(TIES, torch)
    _same(cr.msort(x), torch.msort(tx))
    _same(x.msort(), tx.msort())


# -- topk / kthvalue / median: values, with indices pointing at them ---------------------------------------
@pytest.mark.parametrize(("k", "largest"), [(1, True), (3, True), (7, True), (3, False), (0, False)])
def test_topk_with_ties_matches_torch_values(k: int, largest: bool, torch) -> None:
    x, tx = _pair(TIES, torch)
    result, expected = cr.topk(x, k, 1, largest), torch.topk(tx, k, 1, largest)
    _same(result.values, expected.values)
    assert result.indices.dtype == cr.int64
    assert all(len(set(row)) == k for row in result.indices.tolist())
    _points_at_values(x, result, 1, reduced=False)


def test_topk_puts_nan_first_as_the_largest(torch) -> None:
    x, tx = _pair(WITH_NAN, torch)
    _same(cr.topk(x, 2).values, torch.topk(tx, 2).values)
    _same(cr.topk(x, 2, largest=False).values, torch.topk(tx, 2, largest=False).values)


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_kthvalue_with_ties_matches_torch_values(k: int, torch) -> None:
    x, tx = _pair(TIES, torch)
    result, expected = cr.kthvalue(x, k), torch.kthvalue(tx, k)
    _same(result.values, expected.values)
    _points_at_values(x, result, 1)
    kept = x.kthvalue(k, 1, keepdim=True)
    _same(kept.values, tx.kthvalue(k, 1, keepdim=True).values)


def test_median_is_the_lower_of_the_two_middle_values(torch) -> None:
    x, tx = _pair([[4.0, 1.0, 3.0, 2.0], [1.0, 1.0, 2.0, 2.0]], torch)
    _same(cr.median(x), torch.median(tx))
    result, expected = cr.median(x, 1), torch.median(tx, 1)
    _same(result.values, expected.values)
    _points_at_values(x, result, 1)
    assert result.values.tolist() == [2.0, 1.0]


def test_median_with_nan_is_nan_at_the_first_nan_as_torch(torch) -> None:
    x, tx = _pair(WITH_NAN, torch)
    result, expected = cr.median(x, 1), torch.median(tx, 1)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    assert math.isnan(cr.median(x).item())


def test_nanmedian_skips_nan_and_is_nan_only_where_all_are(torch) -> None:
    x, tx = _pair(WITH_NAN, torch)
    result, expected = cr.nanmedian(x, 1), torch.nanmedian(tx, 1)
    _same(result.values, expected.values)
    # indices: the first row's; an all-NaN row points at one of its NaNs (PyTorch's at whichever one its selection
    # leaves there), and the third ties (2.0 twice)
    _same(result.indices[0], expected.indices[0])
    _points_at_values(x[2:], cr.nanmedian(x[2:], 1), 1)
    _same(cr.nanmedian(x), torch.nanmedian(tx))
    _same(x.nanmedian(), tx.nanmedian())
    result.values[0].backward()
    expected.values[0].backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())


def test_median_of_integers_and_of_0d_and_empty_tensors(torch) -> None:
    values = numpy.array([[5, 1, 4], [2, 8, 3]])
    _same(cr.median(cr.tensor(values)), torch.median(torch.from_numpy(values)))
    _same(cr.median(cr.tensor(values), 0).values, torch.median(torch.from_numpy(values), 0).values)
    _same(cr.median(cr.tensor(3.0)), torch.median(torch.tensor(3.0)))
    _same(cr.median(cr.zeros(0)), torch.median(torch.zeros(0)))
    _same(cr.nanmedian(cr.zeros(2, 0)), torch.nanmedian(torch.zeros(2, 0)))
    result, expected = cr.median(cr.zeros(3, 0), 0), torch.median(torch.zeros(3, 0), 0)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)


# -- mode ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1])
def test_mode_is_the_smallest_most_frequent_value_at_its_last_index_as_torch(dim: int, torch) -> None:
    values = numpy.random.default_rng(2).integers(0, 3, (6, 7)).astype("float64")
    x, tx = _pair(values, torch)
    result, expected = cr.mode(x, dim), torch.mode(tx, dim)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    upstream = numpy.arange(1.0, 1.0 + result.values._data.size)
    result.values.backward(cr.tensor(upstream))
    expected.values.backward(torch.from_numpy(upstream))
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())


def test_mode_of_integers_keepdim_and_0d(torch) -> None:
    values = numpy.array([[1, 2, 2, 1, 3], [5, 5, 4, 4, 5]])
    result, expected = cr.mode(cr.tensor(values), keepdim=True), torch.mode(torch.from_numpy(values), keepdim=True)
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)
    result, expected = cr.tensor(2.0).mode(), torch.tensor(2.0).mode()
    _same(result.values, expected.values)
    _same(result.indices, expected.indices)


def test_mode_counts_nan_as_one_value() -> None:
    result = cr.mode(cr.tensor([nan, 1.0, nan, 2.0]))
    assert math.isnan(result.values.item())
    assert result.indices.item() == 2


# -- quantile --------------------------------------------------------------------------------------------------
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_with_ties_and_exact_ranks_matches_torch(interpolation: str, torch) -> None:
    x, tx = _pair(TIES, torch)
    levels = [0.0, 1 / 6, 0.25, 0.5, 0.75, 0.9, 1.0]
    for q in (cr.tensor(levels, dtype=cr.float64), 0.5, cr.tensor(0.3, dtype=cr.float64)):
        tq = torch.from_numpy(to_numpy(q)) if isinstance(q, cr.Tensor) else q
        _same(cr.quantile(x, q, 1, interpolation=interpolation), torch.quantile(tx, tq, 1, interpolation=interpolation))
        _same(x.quantile(q, interpolation=interpolation), tx.quantile(tq, interpolation=interpolation))


def test_quantile_halfway_rounds_to_even_for_nearest(torch) -> None:
    x, tx = _pair([1.0, 2.0, 3.0, 4.0], torch)
    q = cr.tensor([0.5, 1 / 6, 0.1], dtype=cr.float64)
    expected = torch.quantile(tx, torch.from_numpy(to_numpy(q)), interpolation="nearest")
    _same(cr.quantile(x, q, interpolation="nearest"), expected)
    assert cr.quantile(x, 0.5, interpolation="nearest").item() == 3.0  # rank 1.5 rounds to 2


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_is_nan_with_nan_and_nanquantile_skips_it(interpolation: str, torch) -> None:
    x, tx = _pair(WITH_NAN, torch)
    q = cr.tensor([0.2, 0.5, 1.0], dtype=cr.float64)
    tq = torch.from_numpy(to_numpy(q))
    _same(cr.quantile(x, q, 1, interpolation=interpolation), torch.quantile(tx, tq, 1, interpolation=interpolation))
    result = cr.nanquantile(x, q, 1, True, interpolation=interpolation)
    expected = torch.nanquantile(tx, tq, 1, True, interpolation=interpolation)
    _same(result, expected)
    _same(x.nanquantile(0.4), tx.nanquantile(0.4))
    upstream = numpy.nan_to_num(numpy.arange(1.0, 1.0 + result._data.size).reshape(result.shape))
    result.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_quantile_of_float32_ranks_in_float32_as_torch(torch) -> None:
    x, tx = _pair(numpy.linspace(-1.0, 2.0, 11) ** 3, torch, "float32")
    for q in (0.7, 0.3, 0.9):
        _same(cr.quantile(x, q), torch.quantile(tx, q))


# -- named tuples and edge cases -----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "call"), [
    ("sort", lambda x: x.sort()), ("topk", lambda x: x.topk(2)), ("kthvalue", lambda x: x.kthvalue(2)),
    ("median", lambda x: x.median(0)), ("nanmedian", lambda x: x.nanmedian(0)), ("mode", lambda x: x.mode()),
])
def test_results_are_named_tuples_with_torch_fields(name: str, call, torch) -> None:
    result = call(cr.tensor([3.0, 1.0, 2.0]))
    expected = call(torch.tensor([3.0, 1.0, 2.0]))
    assert isinstance(result, tuple) and result._fields == ("values", "indices")
    values, indices = result
    assert values is result.values and indices is result.indices
    _same(values, expected.values)
    _same(indices, expected.indices)


def test_0d_and_empty_inputs_match_torch(torch) -> None:
    scalar, tscalar = _pair(2.5, torch)
    for call in (lambda m, x: m.sort(x), lambda m, x: m.topk(x, 1), lambda m, x: m.kthvalue(x, 1, 0, True),
                 lambda m, x: m.median(x, 0), lambda m, x: m.mode(x, -1)):
        result, expected = call(cr, scalar), call(torch, tscalar)
        _same(result.values, expected.values)
        _same(result.indices, expected.indices)
    _same(cr.argsort(scalar), torch.argsort(tscalar))
    _same(cr.quantile(scalar, 0.5), torch.quantile(tscalar, 0.5))
    empty, tempty = cr.zeros(0, 3), torch.zeros(0, 3)
    _same(cr.sort(empty, 0).values, torch.sort(tempty, 0).values)
    _same(cr.topk(empty, 0, 0).indices, torch.topk(tempty, 0, 0).indices)
    _same(cr.topk(empty, 2, 1).values, torch.topk(tempty, 2, 1).values)


ERRORS = [
    ("topk-k", lambda: cr.topk(cr.zeros(2, 3), 4), RuntimeError,
     r"topk: k=4 is out of range for dimension -1 of size 3; expected 0 to 3"),
    ("topk-k-type", lambda: cr.topk(cr.zeros(3), 1.5), TypeError, r"topk: k must be an int, got float 1\.5"),
    ("kthvalue-k", lambda: cr.kthvalue(cr.zeros(2, 3), 0, 0), RuntimeError,
     r"kthvalue: k=0 is out of range for dimension 0 of size 2; expected 1 to 2"),
    ("kthvalue-empty", lambda: cr.kthvalue(cr.zeros(2, 0), 1), IndexError,
     r"kthvalue: dimension 1 of the input \(shape \(2, 0\)\) is empty"),
    ("median-empty", lambda: cr.median(cr.zeros(0, 2), 0), IndexError, r"median: dimension 0 .* is empty"),
    ("mode-empty", lambda: cr.mode(cr.zeros(0)), IndexError, r"mode: dimension 0 .* is empty"),
    ("sort-dim", lambda: cr.sort(cr.zeros(2, 3), 2), IndexError,
     r"sort: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)"),
    ("sort-not-a-tensor", lambda: cr.sort([3.0, 1.0]), TypeError, r"sort: expected a Tensor as input, got list"),
    ("quantile-q-range", lambda: cr.quantile(cr.zeros(3), 1.5), ValueError,
     r"quantile: q values must be in the range \[0, 1\], got 1\.5"),
    ("quantile-q-tensor-range", lambda: cr.quantile(cr.zeros(3), cr.tensor([0.5, -0.1])), ValueError,
     r"quantile: q values must be in the range \[0, 1\]"),
    ("quantile-q-2d", lambda: cr.quantile(cr.zeros(3), cr.zeros(1, 1)), RuntimeError,
     r"quantile: q must be a scalar or a 1-D tensor, got shape \(1, 1\)"),
    ("quantile-q-dtype", lambda: cr.quantile(cr.zeros(3), cr.tensor([0.5], dtype=cr.float64)), TypeError,
     r"quantile: q has dtype chainrule\.float64 but the input has chainrule\.float32; convert q with "
     r"\.to\(chainrule\.float32\)"),
    ("quantile-q-list", lambda: cr.quantile(cr.zeros(3), [0.5]), TypeError,
     r"quantile: q must be a float or a Tensor, got list"),
    ("quantile-integer", lambda: cr.quantile(cr.tensor([1, 2]), 0.5), TypeError,
     r"quantile: needs a floating-point tensor, got chainrule\.int64"),
    ("quantile-empty", lambda: cr.nanquantile(cr.zeros(0), 0.5), RuntimeError,
     r"nanquantile: the input is empty \(shape \(0,\)\); it has no quantiles"),
    ("quantile-interpolation", lambda: cr.quantile(cr.zeros(3), 0.5, interpolation="cubic"), ValueError,
     r"quantile: interpolation must be one of linear, lower, higher, midpoint, nearest, got 'cubic'"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*e[1:], id=e[0]) for e in ERRORS])
def test_errors_name_the_problem(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

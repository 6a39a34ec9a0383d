"""The pointwise functions of chainrule.ops.pointwise, beyond their rows in the op table
(tests/ops/op_table/pointwise.py, run by test_gradcheck.py and test_torch_equality.py): the functions without
a gradient (finiteness, closeness, logical and bitwise ops, floor division) against PyTorch, the operators and
in-place forms, dtypes of results and type promotion, integer semantics, the accuracy of erfinv and of the
tails, gradients at PyTorch's conventions, empty and 0-d inputs, and the error messages.
"""

from __future__ import annotations

import operator

import numpy
import pytest

import chainrule as cr
from chainrule.ops import pointwise

pytestmark = pytest.mark.torch

NONFINITE = [[numpy.nan, numpy.inf, -numpy.inf, 0.0], [-0.0, 1.5, -2.5, 3e38]]
INTEGERS = [[5, -7, 0, 3], [-1, 12, 9, -4]]
DIVISORS = [[2, 3, -4, 5], [-3, 5, 2, -1]]


def _both(torch, values, dtype: str):
    """The same values as a chainrule and a torch tensor of `dtype`."""
    array = numpy.asarray(values, dtype=dtype)
    return cr.tensor(array), torch.from_numpy(array.copy())


def _same(actual: cr.Tensor, expected, exact: bool = True) -> None:
    """Values, shape and dtype equal to PyTorch's (to rounding unless `exact`)."""
    assert actual.shape == tuple(expected.shape)
    assert actual.dtype.name == str(expected.dtype).removeprefix("torch.")
    if exact:
        numpy.testing.assert_array_equal(actual.numpy(), expected.numpy())
    else:
        numpy.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, atol=0)


# -- functions without a gradient ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit"])
@pytest.mark.parametrize(("values", "dtype"), [(NONFINITE, "float32"), (NONFINITE, "float64"), (INTEGERS, "int64"),
                                               ([True, False], "bool"), (2.5, "float64"), ([], "float32")])
def test_finiteness_tests_match_torch(name: str, values, dtype: str, torch) -> None:
    x, expected = _both(torch, values, dtype)
    result = getattr(cr, name)(x)
    _same(result, getattr(torch, name)(expected))
    assert not result.requires_grad
    _same(getattr(x, name)(), getattr(torch, name)(expected))  # the Tensor method


def test_results_without_gradient_stay_outside_the_graph() -> None:
    x = cr.tensor([1.0, -2.0, 3.5], requires_grad=True)
    for result in [cr.isnan(x), cr.isclose(x, x), cr.signbit(x), cr.logical_not(x), x // 2, cr.floor_divide(x, x)]:
        assert not result.requires_grad and result.grad_fn is None


@pytest.mark.parametrize(("a", "b", "kwargs"), [
    ([1.0, 1.0 + 1e-6, numpy.nan, numpy.inf, -numpy.inf, 1e-9], [1.0, 1.0, numpy.nan, numpy.inf, numpy.inf, 0.0], {}),
    ([1.0, 1.0 + 1e-6, numpy.nan, numpy.inf], [1.0, 1.0, numpy.nan, numpy.inf], {"equal_nan": True}),
    ([1.0, 1.1, 2.0], [1.05, 1.0, 2.5], {"rtol": 0.1, "atol": 0.0}),
    ([1.0, 1.1, 2.0], [1.05, 1.0, 2.5], {"rtol": 0.0, "atol": 0.0}),
    ([[1.0], [2.0]], [1.0, 2.0, 2.0 + 1e-7], {}),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_isclose_and_allclose_match_torch(a, b, kwargs, dtype: str, torch) -> None:
    x, tx = _both(torch, a, dtype)
    y, ty = _both(torch, b, dtype)
    _same(cr.isclose(x, y, **kwargs), torch.isclose(tx, ty, **kwargs))
    assert cr.allclose(x, y, **kwargs) is torch.allclose(tx, ty, **kwargs)
    assert x.allclose(y, **kwargs) is torch.allclose(tx, ty, **kwargs)


@pytest.mark.parametrize(("a", "b", "dtype", "kwargs"), [
    ([10, 20, 5], [11, 22, 5], "int64", {"rtol": 0.1, "atol": 0}),
    ([1, 2], [1, 3], "int64", {"atol": 1}),
    ([True, False], [True, True], "bool", {"rtol": 0.5}),
])
def test_isclose_of_integers_and_bools_matches_torch(a, b, dtype: str, kwargs, torch) -> None:
    x, tx = _both(torch, a, dtype)
    y, ty = _both(torch, b, dtype)
    _same(cr.isclose(x, y, **kwargs), torch.isclose(tx, ty, **kwargs))


def test_isclose_errors() -> None:
    with pytest.raises(RuntimeError, match=r"isclose: expected tensors of one dtype, got chainrule.float32 and "
                                           r"chainrule.int64; convert one with .to\(chainrule.float32\)"):
        cr.isclose(cr.tensor([1.0]), cr.tensor([1]))
    with pytest.raises(RuntimeError, match="isclose: rtol must be greater than or equal to zero, got -1"):
        cr.isclose(cr.tensor([1.0]), cr.tensor([1.0]), rtol=-1)
    with pytest.raises(RuntimeError, match=r"isclose: shapes \(2,\), \(3,\) do not broadcast"):
        cr.allclose(cr.ones(2), cr.ones(3))


LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGICAL)
@pytest.mark.parametrize(("a", "b"), [(("float32", [0.0, 1.5, -2.0, 0.0]), ("int64", [0, 0, 3, 1])),
                                      (("bool", [[True], [False]]), ("float64", [0.0, numpy.nan, 2.0])),
                                      (("int64", 0), ("int64", [])), (("float32", 2.0), ("bool", True))])
def test_logical_ops_match_torch(name: str, a, b, torch) -> None:
    x, tx = _both(torch, a[1], a[0])
    y, ty = _both(torch, b[1], b[0])
    _same(getattr(cr, name)(x, y), getattr(torch, name)(tx, ty))
    _same(getattr(x, name)(y), getattr(torch, name)(tx, ty))
    _same(cr.logical_not(x), torch.logical_not(tx))


def test_logical_ops_take_python_numbers() -> None:
    x = cr.tensor([0, 2, 0])
    assert cr.logical_xor(x, 0).tolist() == [False, True, False]
    assert cr.logical_or(x, True).tolist() == [True, True, True]


BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]
OPERATORS = {"bitwise_and": operator.and_, "bitwise_or": operator.or_, "bitwise_xor": operator.xor,
             "bitwise_left_shift": operator.lshift, "bitwise_right_shift": operator.rshift}


BITWISE_OPERANDS = [
    (("int64", INTEGERS), ("int64", [[1, 2, 0, 3], [63, 64, 70, 1]])), (("int32", INTEGERS), ("int64", 2)),
    (("uint8", [1, 200, 7]), ("int8", [1, 2, 3])), (("int64", [-8, 8, -1]), ("int64", [[70], [-1]])),
    (("bool", [True, False, True]), ("int64", [1, 2, 0])),
]


# PyTorch shifts no bool tensors
@pytest.mark.parametrize(("name", "a", "b"), [(name, a, b) for name in BITWISE for a, b in BITWISE_OPERANDS
                                              if not (name.endswith("shift") and a[0] == "bool")])
def test_bitwise_ops_match_torch(name: str, a, b, torch) -> None:
    x, tx = _both(torch, a[1], a[0])
    y, ty = _both(torch, b[1], b[0])
    expected = getattr(torch, name)(tx, ty)
    _same(getattr(cr, name)(x, y), expected)
    _same(OPERATORS[name](x, y), OPERATORS[name](tx, ty))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift"])
@pytest.mark.parametrize("number", [3, True])
def test_bitwise_operators_with_numbers_on_either_side_match_torch(name: str, number, torch) -> None:
    for dtype, values in [("int64", INTEGERS), ("int16", [1, 2, 3]), ("bool", [True, False])]:
        if (name == "bitwise_left_shift" and dtype == "bool") or (number is True and "shift" in name):
            continue
        x, tx = _both(torch, values, dtype)
        function = OPERATORS[name]
        _same(function(x, number), function(tx, number))
        _same(function(number, x), function(number, tx))


@pytest.mark.parametrize(("values", "dtype"), [(INTEGERS, "int64"), ([True, False], "bool"), ([0, 255], "uint8")])
def test_bitwise_not_and_invert_match_torch(values, dtype: str, torch) -> None:
    x, tx = _both(torch, values, dtype)
    _same(cr.bitwise_not(x), torch.bitwise_not(tx))
    _same(~x, ~tx)


def test_bitwise_ops_of_float_tensors_name_the_fix() -> None:
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"& \(bitwise_and\) is only defined for integer and bool tensors, got "
                                        r"chainrule.float32; convert with .long\(\); for truth values use "
                                        r"chainrule.logical_and or convert with .bool\(\)"):
        x & x
    with pytest.raises(TypeError, match=r"~ \(bitwise_not\) is only defined .* use chainrule.logical_not"):
        _ = ~x
    with pytest.raises(TypeError, match=r"<< \(bitwise_left_shift\) is only defined .*; convert with .long\(\)$"):
        cr.tensor([1, 2]) << 1.5
    with pytest.raises(TypeError, match=r"\| \(bitwise_or\)"):
        cr.tensor([True]) | 2.0


# -- floor division and remainders -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_floor_division_and_remainders_match_torch(dtype: str, torch) -> None:
    x, tx = _both(torch, INTEGERS, dtype)
    y, ty = _both(torch, DIVISORS, dtype)
    _same(x // y, tx // ty)
    _same(x % y, tx % ty)
    _same(cr.floor_divide(x, y), torch.floor_divide(tx, ty))
    _same(cr.remainder(x, y), torch.remainder(tx, ty))
    _same(cr.fmod(x, y), torch.fmod(tx, ty))
    _same(x.fmod(y), tx.fmod(ty))
    for number in (2, -3):
        _same(x // number, tx // number)
        _same(number // x[x != 0], number // tx[tx != 0])
        _same(x % number, tx % number)
        _same(number % x[x != 0], number % tx[tx != 0])
        _same(cr.fmod(x, number), torch.fmod(tx, number))


def test_remainders_promote_like_torch(torch) -> None:
    x, tx = _both(torch, INTEGERS, "int64")
    for number in (2.5, -1.5):
        _same(x % number, tx % number)
        _same(x // number, tx // number)
        _same(cr.fmod(x, number), torch.fmod(tx, number))
    y, ty = _both(torch, [1.5, -2.0, 2.5, 3.0], "float64")
    _same(x % y, tx % ty)
    _same(cr.fmod(x, y), torch.fmod(tx, ty))


def test_float_division_by_zero_gives_inf_and_nan_as_torch(torch) -> None:
    x, tx = _both(torch, [1.0, -1.0, 0.0, 5.0], "float32")
    zero, tzero = _both(torch, [0.0, 0.0, 0.0, numpy.inf], "float32")
    _same(x // zero, tx // tzero)
    numpy.testing.assert_array_equal(cr.isnan(x % zero).numpy(), torch.isnan(tx % tzero).numpy())
    numpy.testing.assert_array_equal(cr.isnan(cr.fmod(x, zero)).numpy(), torch.isnan(torch.fmod(tx, tzero)).numpy())


@pytest.mark.parametrize(("call", "name"), [(lambda x: x // 0, "floor_divide"), (lambda x: x % 0, "remainder"),
                                            (lambda x: cr.fmod(x, cr.tensor([1, 0, 2])), "fmod")])
def test_integer_division_by_zero_is_an_error(call, name: str) -> None:
    with pytest.raises(RuntimeError, match=f"{name}: integer division by zero .*use floating-point tensors"):
        call(cr.tensor([1, 2, 3]))


def test_remainders_of_bool_tensors_are_an_error() -> None:
    with pytest.raises(TypeError, match=r"remainder: not defined for bool tensors; convert with .long"):
        cr.tensor([True]) % cr.tensor([True])


# -- gradients at PyTorch's conventions ---------------------------------------------------------------
def _gradients(function, *values):
    """The gradients of sum(function(*inputs) * upstream) in both libraries, float64."""
    import torch

    leaves = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in values]
    torch_leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out, expected = function(cr, *leaves), function(torch, *torch_leaves)
    upstream = numpy.arange(1.0, 1.0 + expected.numel()).reshape(tuple(expected.shape))
    out.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    return [(leaf.grad.numpy(), torch_leaf.grad.numpy()) for leaf, torch_leaf in zip(leaves, torch_leaves, strict=True)]


@pytest.mark.parametrize(("function", "values"), [
    (lambda m, x, y: m.copysign(x, y), ([0.0, -0.0, 2.0, -3.0], [1.0, -1.0, -0.0, 2.0])),
    (lambda m, x, y: m.fmod(x, y), ([3.0, -4.0, 1.0, 0.0], [1.5, 2.0, -0.5, 3.0])),
    (lambda m, x, y: m.remainder(x, y), ([3.0, -4.0, 1.0, -0.0], [1.5, 2.0, -0.5, 3.0])),
    (lambda m, x: m.frac(x), ([-2.0, 0.0, 1.0, 2.5],)),
    (lambda m, x: m.nan_to_num(x), ([numpy.nan, numpy.inf, -numpy.inf, 1.0],)),
    (lambda m, x, y: m.logaddexp(x, y), ([-1000.0, -numpy.inf, 1000.0, 1.0], [1.0, 1.0, 1.0, 1.0])),
    (lambda m, x, y: m.logaddexp2(x, y), ([-2000.0, 2000.0, 0.0], [0.0, 0.0, 0.0])),
    (lambda m, x, y: m.atan2(x, y), ([0.0, 1.0, -1.0], [-1.0, 0.0, 0.0])),
])
def test_gradients_at_integers_zeros_and_infinities_follow_torch(function, values) -> None:
    for index, (actual, expected) in enumerate(_gradients(function, *values)):
        numpy.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0, err_msg=f"gradient of input {index}")


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_gradients_are_zero_even_for_an_infinite_upstream_gradient(name: str) -> None:
    x = cr.tensor([0.5, 1.0, -2.0], requires_grad=True)
    getattr(cr, name)(x).backward(cr.tensor([numpy.inf, 1.0, -numpy.inf]))
    numpy.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


# -- dtypes and type promotion ------------------------------------------------------------------------
FLOATING = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2", "expm1", "log2",
            "log10", "rsqrt", "erf", "erfc", "erfinv"]


@pytest.mark.parametrize("name", FLOATING)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_floating_functions_of_integers_give_the_default_dtype(name: str, dtype: str, torch) -> None:
    x, tx = _both(torch, [0, 1, 1, 0] if dtype == "bool" else [0, 1, 2, 3], dtype)
    _same(getattr(cr, name)(x), getattr(torch, name)(tx), exact=False)
    cr.set_default_dtype(cr.float64)  # the autouse fixture restores float32
    assert getattr(cr, name)(x).dtype == cr.float64


PROMOTED = [
    (("int64", [1, -2, 3]), ("float64", [0.5, 2.0, -1.0])),
    (("int64", [1, -2, 3]), 2.5),
    (("int32", [1, -2, 3]), 2),
    (("float32", [1.0, -2.0, 3.0]), ("float64", 2.0)),  # a 0-d float64 tensor does not widen float32
    (("int64", [1, -2, 3]), ("float64", -2.0)),  # a 0-d float tensor of higher category does
    (("bool", [True, False]), ("int64", [3, -4])),
    (("float64", [1.0, -2.0]), True),
]


# PyTorch has no remainders of bools, and its atan2 takes no Python number
@pytest.mark.parametrize(("name", "a", "b"), [
    (name, a, b) for name in ["copysign", "atan2", "fmod", "remainder"] for a, b in PROMOTED
    if not (name in ("fmod", "remainder") and (a[0] == "bool" or b is True))
    and not (name == "atan2" and not isinstance(b, tuple))
])
def test_binary_functions_promote_like_torch(name: str, a, b, torch) -> None:
    x, tx = _both(torch, a[1], a[0])
    y, ty = _both(torch, b[1], b[0]) if isinstance(b, tuple) else (b, b)
    _same(getattr(cr, name)(x, y), getattr(torch, name)(tx, ty), exact=False)


def test_logaddexp_of_mixed_float_dtypes_promotes_like_torch(torch) -> None:
    x, tx = _both(torch, [1.0, -2.0], "float32")
    y, ty = _both(torch, [0.5, 3.0], "float64")
    _same(cr.logaddexp(x, y), torch.logaddexp(tx, ty), exact=False)
    _same(cr.logaddexp2(y, x), torch.logaddexp2(ty, tx), exact=False)


def test_gradients_flow_through_a_promoted_operand() -> None:
    x = cr.tensor([1.0, 2.0], dtype=cr.float32, requires_grad=True)
    y = cr.tensor([0.5, -1.0], dtype=cr.float64, requires_grad=True)
    cr.atan2(x, y).sum().backward()
    assert x.grad.dtype == cr.float32 and y.grad.dtype == cr.float64
    numpy.testing.assert_allclose(x.grad.numpy(), [0.5 / 1.25, -1.0 / 5.0], rtol=1e-6)


# -- rounding --------------------------------------------------------------------------------------
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_matches_torch_halves_to_even(decimals: int, dtype: str, torch) -> None:
    values = [0.5, 1.5, 2.5, -0.5, -1.5, 0.25, 0.35, 1.005, 2.675, 0.125, 1234.5, 1250.0, 1350.0, 1e38, numpy.inf]
    x, tx = _both(torch, values, dtype)
    with numpy.errstate(over="ignore"):
        _same(cr.round(x, decimals=decimals), torch.round(tx, decimals=decimals))
        _same(x.round(decimals=decimals), tx.round(decimals=decimals))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "fix"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_rounding_integers_returns_a_copy_of_their_dtype(name: str, dtype: str, torch) -> None:
    x, tx = _both(torch, [0, 3, 200], dtype)
    result = getattr(cr, name)(x)
    _same(result, getattr(torch, name)(tx))
    assert not numpy.shares_memory(result.numpy(), x.numpy())


def test_rounding_errors() -> None:
    with pytest.raises(TypeError, match=r"floor: not defined for bool tensors; convert with .long\(\) or .float"):
        cr.floor(cr.tensor([True]))
    with pytest.raises(TypeError, match=r"round: decimals=1 needs a floating-point tensor, got chainrule.int64"):
        cr.round(cr.tensor([1, 2]), decimals=1)
    with pytest.raises(TypeError, match=r"round: decimals must be an int, got float 1\.5"):
        cr.round(cr.tensor([1.0]), decimals=1.5)
    with pytest.raises(TypeError, match=r"frac: needs a floating-point tensor, got chainrule.int64; convert it"):
        cr.frac(cr.tensor([1, 2]))
    with pytest.raises(TypeError, match="tan: expected a Tensor as input, got list"):
        cr.tan([1.0])


def test_frac_and_sgn_match_torch(torch) -> None:
    x, tx = _both(torch, NONFINITE, "float64")
    _same(cr.frac(x), torch.frac(tx))
    numbers, tnumbers = _both(torch, INTEGERS, "int64")
    _same(cr.sgn(numbers), torch.sgn(tnumbers))
    bools, tbools = _both(torch, [True, False], "bool")
    _same(cr.sgn(bools), torch.sgn(tbools))


# -- accuracy: erfinv and the tails ------------------------------------------------------------------
def test_erfinv_is_accurate_to_float64_rounding_up_to_the_tails() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    values = numpy.concatenate([numpy.linspace(-0.999, 0.999, 401), 1 - numpy.logspace(-16, -1, 60),
                                -numpy.logspace(-300, -1, 30), [1 - 2**-53, 0.5, 0.5 + 2**-53, 5e-324]])
    expected = numpy.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in values])
    actual = cr.erfinv(cr.tensor(values, dtype=cr.float64)).numpy()
    numpy.testing.assert_allclose(actual, expected, rtol=6e-16, atol=0)


def test_erfinv_at_and_beyond_the_ends_matches_torch(torch) -> None:
    x, tx = _both(torch, [1.0, -1.0, 0.0, -0.0, 1.5, -2.0, numpy.nan], "float64")
    _same(cr.erfinv(x), torch.erfinv(tx))
    assert numpy.signbit(cr.erfinv(x).numpy()[3])
    y, ty = _both(torch, numpy.linspace(-0.9999, 0.9999, 201), "float32")
    _same(cr.erfinv(y), torch.erfinv(ty), exact=False)
    half, thalf = _both(torch, [0.5, -0.25, 1.0], "float16")
    _same(cr.erfinv(half), torch.erfinv(thalf))


def test_erfinv_inverts_erf_and_its_gradient_is_the_inverse_slope() -> None:
    x = cr.tensor(numpy.linspace(-3.0, 3.0, 25), dtype=cr.float64)  # beyond, erf(x) rounds away x's digits
    y = cr.erf(x).detach().requires_grad_()
    numpy.testing.assert_allclose(cr.erfinv(y).detach().numpy(), x.numpy(), rtol=1e-9)
    cr.erfinv(y).sum().backward()
    slope = 2 / numpy.sqrt(numpy.pi) * numpy.exp(-x.numpy() ** 2)
    numpy.testing.assert_allclose(y.grad.numpy(), 1 / slope, rtol=1e-9)


@pytest.mark.parametrize(("name", "values"), [
    ("erfc", numpy.linspace(2.0, 26.0, 49)),
    ("expm1", numpy.concatenate([numpy.logspace(-300, -5, 30), -numpy.logspace(-300, -5, 30)])),
    ("logaddexp", numpy.linspace(-700.0, 700.0, 41)),
    ("logaddexp2", numpy.linspace(-1000.0, 1000.0, 41)),
    ("exp2", numpy.linspace(-1070.0, 1020.0, 41)),
    ("asinh", numpy.concatenate([numpy.logspace(-300, 300, 31), -numpy.logspace(-300, 300, 31)])),
    ("atanh", numpy.logspace(-300, -1, 30)),
    ("log2", numpy.logspace(-300, 300, 30)),  # 1 is not among them: log2(1) = 0 has no relative error
    ("rsqrt", numpy.logspace(-300, 300, 31)),
])
def test_tails_keep_their_relative_accuracy(name: str, values, torch) -> None:
    x, tx = _both(torch, values, "float64")
    if name.startswith("logaddexp"):
        result, expected = getattr(cr, name)(x, -x * 0.5), getattr(torch, name)(tx, -tx * 0.5)
    else:
        result, expected = getattr(cr, name)(x), getattr(torch, name)(tx)
    assert (expected.numpy() != 0).all()
    numpy.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-13, atol=0)


def test_logaddexp_at_infinities_matches_torch(torch) -> None:
    inf = numpy.inf
    x, tx = _both(torch, [inf, -inf, -inf, inf, 1.0, numpy.nan], "float64")
    y, ty = _both(torch, [inf, -inf, 0.0, -inf, 1.0, 0.0], "float64")
    for name in ("logaddexp", "logaddexp2"):
        _same(getattr(cr, name)(x, y), getattr(torch, name)(tx, ty), exact=False)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_to_num_matches_torch(dtype: str, torch) -> None:
    x, tx = _both(torch, NONFINITE if dtype != "float16" else [[numpy.nan, numpy.inf, -numpy.inf, 1.0]], dtype)
    _same(cr.nan_to_num(x), torch.nan_to_num(tx))
    _same(cr.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0), torch.nan_to_num(tx, nan=1.0, posinf=2.0, neginf=-3.0))
    _same(x.nan_to_num(posinf=1e3), tx.nan_to_num(posinf=1e3))
    numbers, tnumbers = _both(torch, INTEGERS, "int64")
    _same(cr.nan_to_num(numbers, nan=1.5), torch.nan_to_num(tnumbers, nan=1.5))


def test_nan_to_num_with_a_replacement_beyond_float32_gives_inf_as_torch(torch) -> None:
    x, tx = _both(torch, [numpy.nan, numpy.inf], "float32")
    _same(cr.nan_to_num(x, nan=1e40), torch.nan_to_num(tx, nan=1e40))


# -- lerp ------------------------------------------------------------------------------------------
def test_lerp_is_exact_at_the_ends_and_matches_torch_in_float32(torch) -> None:
    start, tstart = _both(torch, [0.1, -3.3, 1e8, 7.0], "float32")
    end, tend = _both(torch, [0.7, 2.9, -1e-8, 7.5], "float32")
    for weight in (0.0, 1.0, 0.3, 0.5, 0.75, -1.0, 2.0):
        _same(cr.lerp(start, end, weight), torch.lerp(tstart, tend, weight))
    numpy.testing.assert_array_equal(cr.lerp(start, end, 1.0).numpy(), end.numpy())
    weights, tweights = _both(torch, [0.2, 0.5, 0.9, 1.0], "float32")
    _same(start.lerp(end, weights), tstart.lerp(tend, tweights))


def test_lerp_errors() -> None:
    with pytest.raises(TypeError, match=r"lerp: needs floating-point tensors, got chainrule.int64"):
        cr.lerp(cr.tensor([1, 2]), cr.tensor([3, 4]), 0.5)
    with pytest.raises(RuntimeError, match=r"lerp: expected weight of dtype chainrule.float32 like input, got "
                                           r"chainrule.float64; convert it with .to\(chainrule.float32\)"):
        cr.lerp(cr.tensor([1.0]), cr.tensor([2.0]), cr.tensor([0.5], dtype=cr.float64))
    with pytest.raises(RuntimeError, match=r"lerp: shapes \(2,\), \(3,\), \(\) do not broadcast"):
        cr.lerp(cr.ones(2), cr.ones(3), 0.5)


# -- empty and 0-d inputs, broadcasting errors -------------------------------------------------------
@pytest.mark.parametrize("name", [*FLOATING, "floor", "ceil", "trunc", "round", "frac", "sgn", "nan_to_num"])
def test_unary_functions_of_empty_and_0d_tensors(name: str, torch) -> None:
    for values in (numpy.zeros((0, 3)), numpy.array(0.5)):
        x, tx = _both(torch, values + (1.0 if name == "acosh" else 0.0), "float64")
        _same(getattr(cr, name)(x), getattr(torch, name)(tx), exact=False)
        assert isinstance(getattr(cr, name)(x)._data, numpy.ndarray)


@pytest.mark.parametrize("name", ["fmod", "remainder", "copysign", "atan2", "logaddexp", "logaddexp2"])
def test_binary_functions_of_empty_tensors_and_shapes_that_do_not_broadcast(name: str, torch) -> None:
    x, tx = _both(torch, numpy.zeros((0, 3)), "float64")
    y, ty = _both(torch, numpy.ones((1, 3)), "float64")
    _same(getattr(cr, name)(x, y), getattr(torch, name)(tx, ty))
    with pytest.raises(RuntimeError, match=rf"{name}: shapes \(2, 3\), \(2,\) do not broadcast: aligned from the last "
                                           "dimension"):
        getattr(cr, name)(cr.ones(2, 3), cr.ones(2))


# -- Tensor methods and in-place forms ------------------------------------------------------------------
def test_every_function_is_a_tensor_method_and_every_method_is_bound() -> None:
    for name in pointwise.__all__:
        assert getattr(cr, name) is getattr(pointwise, name)
    for name, method in pointwise.METHODS.items():
        assert getattr(cr.Tensor, name) is method, name


@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("floor_", lambda m: (), {}), ("ceil_", lambda m: (), {}), ("trunc_", lambda m: (), {}),
    ("round_", lambda m: (), {"decimals": 1}), ("frac_", lambda m: (), {}), ("tan_", lambda m: (), {}),
    ("erf_", lambda m: (), {}), ("erfinv_", lambda m: (), {}), ("exp2_", lambda m: (), {}), ("sgn_", lambda m: (), {}),
    ("arcsinh_", lambda m: (), {}), ("nan_to_num_", lambda m: (), {"nan": 1.0}), ("fmod_", lambda m: (0.75,), {}),
    ("remainder_", lambda m: (-0.75,), {}), ("copysign_", lambda m: (-1.0,), {}),
    ("atan2_", lambda m: (m.full((2, 2), 2.0),), {}), ("lerp_", lambda m: (m.full((2, 2), 1.0), 0.25), {}),
])
def test_in_place_forms_match_torch_and_bump_the_version(name: str, args, kwargs, torch) -> None:
    x, tx = _both(torch, [[0.3, -0.45], [0.95, -0.2]], "float32")
    memory, version = x._data, x._version[0]
    assert getattr(x, name)(*args(cr), **kwargs) is x
    getattr(tx, name)(*args(torch), **kwargs)
    _same(x, tx, exact=False)
    assert x._data is memory and x._version[0] > version


@pytest.mark.parametrize(("statement", "dtype", "other"), [
    ("x //= other", "int64", 3), ("x %= other", "int64", -3), ("x &= other", "int64", 6), ("x |= other", "int64", 6),
    ("x ^= other", "int64", 6), ("x <<= other", "int64", 2), ("x >>= other", "int64", 1),
    ("x //= other", "float64", 2.5), ("x %= other", "float64", -2.5), ("x &= other", "bool", True),
    ("x ^= other", "bool", True),
])
def test_in_place_operators_match_torch(statement: str, dtype: str, other, torch) -> None:
    values = [[5, -7], [0, 12]] if dtype != "bool" else [True, False]
    namespace = {"x": cr.tensor(numpy.asarray(values, dtype=dtype)), "other": other}
    torch_namespace = {"x": torch.from_numpy(numpy.asarray(values, dtype=dtype)), "other": other}
    before = namespace["x"]
    exec(statement, namespace)
    exec(statement, torch_namespace)
    assert namespace["x"] is before
    _same(namespace["x"], torch_namespace["x"])


def test_in_place_forms_follow_torch_casting_and_shape_rules(torch) -> None:
    with pytest.raises(RuntimeError, match=r"tan_\(\): result type chainrule.float32 can't be cast to the "
                                           r"desired output type chainrule.int64"):
        cr.tensor([1, 2]).tan_()
    flags = cr.tensor([True, False])
    with pytest.raises(RuntimeError, match=r"\|=: result type chainrule.int64 can't be cast to the desired output "
                                           "type chainrule.bool"):
        flags |= cr.tensor([1, 0])
    with pytest.raises(RuntimeError, match=r"fmod_\(\): output with shape \(2,\) doesn't match the broadcast shape "
                                           r"\(2, 2\)"):
        cr.tensor([1.0, 2.0]).fmod_(cr.ones(2, 2))
    numbers = cr.tensor([1, 2])
    numbers.logical_and_(cr.tensor([0, 3]))  # a bool result fits in integers, as in PyTorch
    assert numbers.tolist() == [0, 1]


def test_in_place_forms_refuse_to_change_the_graph() -> None:
    leaf = cr.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"floor_\(\) would change a leaf tensor that requires grad in place"):
        leaf.floor_()
    plain = cr.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"lerp_\(\): an argument requires grad, and autograd does not record "
                                           "in-place changes"):
        plain.lerp_(leaf, 0.5)
    with cr.no_grad():
        leaf.floor_()
    assert leaf.tolist() == [1.0, 2.0]

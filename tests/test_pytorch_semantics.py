"""Where chainrule once gave other numbers than PyTorch (issue 13's "wrong results"): each case with its regression
test, against fixed values and, when torch is installed, against torch itself."""

from __future__ import annotations

import math
import warnings

import numpy
import pytest

import chainrule as cr

FLOAT_FUNCTIONS = ["cos", "sin", "exp", "log", "sqrt", "sigmoid", "tanh", "log1p"]


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log:RuntimeWarning")  # log(False) = -inf
@pytest.mark.parametrize("name", FLOAT_FUNCTIONS)
@pytest.mark.parametrize("values", [[2, 3], [True, False], 2])
def test_float_functions_of_integer_tensors_give_the_default_float_dtype(name, values) -> None:
    result = getattr(cr, name)(cr.tensor(values))
    assert result.dtype == cr.float32
    expected = getattr(numpy, name if name != "sigmoid" else "exp")(numpy.asarray(values, dtype=numpy.float64))
    if name == "sigmoid":
        expected = 1 / (1 + numpy.exp(-numpy.asarray(values, dtype=numpy.float64)))
    numpy.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    with _default(cr.float64):
        assert getattr(cr, name)(cr.tensor(values)).dtype == cr.float64


class _default:
    """Set the default dtype for a block."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def __enter__(self) -> None:
        self.previous = cr.get_default_dtype()
        cr.set_default_dtype(self.dtype)

    def __exit__(self, *exc) -> None:
        cr.set_default_dtype(self.previous)


def test_sigmoid_keeps_its_left_tail() -> None:
    assert math.isclose(cr.sigmoid(cr.tensor(-20.0)).item(), 2.0611536e-09, rel_tol=1e-6)
    assert cr.sigmoid(cr.tensor(-20.0, dtype=cr.float64)).item() == pytest.approx(2.061153622438558e-09, rel=1e-15)


# -- advanced indexing: integers select first, as in PyTorch --------------------------------------------------
INDEXES = [
    ((0, slice(None), [0, 2]), (3, 2)),  # NumPy gives (2, 3)
    ((slice(None), 0, [0, 2]), (2, 2)),
    (([1, 0, 1], slice(None), 1), (3, 3)),
    ((1, [0, 2], None, slice(1, 3)), (2, 1, 2)),
    ((Ellipsis, 1, [0, 2]), (2, 2)),
    ((1, slice(None), [0, 2], None), (3, 2, 1)),
]


def _index(index, make):
    return tuple(make(part) if isinstance(part, list) else part for part in index)


@pytest.mark.parametrize(("index", "shape"), INDEXES, ids=[str(shape) for _, shape in INDEXES])
def test_integers_mixed_with_index_arrays_select_first(index, shape) -> None:
    x = cr.arange(24.0).reshape(2, 3, 4).requires_grad_()
    result = x[_index(index, cr.tensor)]
    assert result.shape == shape
    reference = numpy.arange(24.0).reshape(2, 3, 4)
    first = tuple(part if isinstance(part, int) else slice(None) if part is not None else None for part in index)
    rest = tuple(slice(None) if part is None else part for part in index if not isinstance(part, int))
    numpy.testing.assert_array_equal(result.detach().numpy(), reference[first][rest])
    result.sum().backward()
    counts = numpy.zeros_like(reference)
    numpy.add.at(counts[first], rest, 1.0)
    numpy.testing.assert_array_equal(x.grad.numpy(), counts)


@pytest.mark.parametrize(("index", "shape"), INDEXES, ids=[str(shape) for _, shape in INDEXES])
def test_integers_mixed_with_index_arrays_against_torch(index, shape) -> None:
    torch = pytest.importorskip("torch")
    x = numpy.arange(24.0).reshape(2, 3, 4)
    ours = cr.tensor(x)[_index(index, cr.tensor)]
    theirs = torch.tensor(x)[_index(index, torch.tensor)]
    assert ours.shape == tuple(theirs.shape) == shape
    numpy.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    target, expected = cr.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    values = numpy.arange(float(numpy.prod(shape))).reshape(shape)
    target[_index(index, cr.tensor)] = cr.tensor(values)
    expected[_index(index, torch.tensor)] = torch.tensor(values, dtype=torch.float32)
    numpy.testing.assert_array_equal(target.numpy(), expected.numpy())


# -- pow at a zero base ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("base", "exponent", "value", "grad_base", "grad_exponent"), [
    (0.0, -1.0, math.inf, -math.inf, -math.inf),  # x^y log x = inf * -inf
    (0.0, 2.0, 0.0, 0.0, 0.0),
    (0.0, 0.0, 1.0, 0.0, 0.0),
    (2.0, -1.5, 2.0**-1.5, -1.5 * 2.0**-2.5, 2.0**-1.5 * math.log(2.0)),
])
def test_pow_gradients_at_a_zero_base_are_pytorchs(base, exponent, value, grad_base, grad_exponent) -> None:
    x = cr.tensor([base], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([exponent], dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy divide-by-zero warning either
        result = x**y
        result.sum().backward()
    assert result.item() == pytest.approx(value)
    assert x.grad.item() == pytest.approx(grad_base)
    assert y.grad.item() == pytest.approx(grad_exponent)


# -- in-place ops and the legacy constructor -----------------------------------------------------------------------
def test_an_in_place_op_that_would_need_promotion_is_a_clear_error() -> None:
    integers = cr.tensor([0])
    with pytest.raises(RuntimeError, match=r"\+=: the result of dtype chainrule.float\d+ can't be cast to the "
                                           r"chainrule.int64 tensor .* convert the tensor first \(x = x.float\(\)\)"):
        integers += cr.tensor(0.5)
    assert integers.tolist() == [0]  # untouched


def test_the_legacy_constructor_is_float_or_sizes() -> None:
    floats = cr.Tensor([0])
    floats += cr.tensor(0.5)
    assert floats.dtype == cr.float32 and floats.tolist() == [0.5]
    assert cr.Tensor(2, 3).shape == (2, 3) and cr.Tensor(2, 3).dtype == cr.float32
    assert cr.Tensor().shape == (0,)
    assert cr.Tensor([True, False]).tolist() == [1.0, 0.0]
    with pytest.raises(TypeError, match=r"Tensor\(\) takes sizes \(Tensor\(2, 3\)\) or one sequence of data"):
        cr.Tensor([1.0], [2.0])


# -- Size, typed names, new_* and reductions' keywords ----------------------------------------------------------------
def test_shape_and_size_are_a_size() -> None:
    x = cr.zeros(2, 3)
    assert isinstance(x.shape, cr.Size) and isinstance(x.size(), tuple) and x.size(1) == 3
    assert x.shape == (2, 3) and x.shape.numel() == 6
    assert repr(x.shape) == "chainrule.Size([2, 3])" and f"{x.shape}" == "(2, 3)"


def test_typed_tensor_names_make_and_recognise_tensors() -> None:
    assert cr.LongTensor([1, 2]).dtype == cr.int64 and cr.FloatTensor([1, 2]).dtype == cr.float32
    assert cr.DoubleTensor(2, 3).shape == (2, 3) and cr.DoubleTensor(2, 3).dtype == cr.float64
    assert cr.BoolTensor([1, 0]).tolist() == [True, False]
    x = cr.randn(3)
    assert isinstance(x, cr.FloatTensor) and not isinstance(x, cr.LongTensor)
    assert x.type() == "chainrule.FloatTensor" and cr.tensor([1]).type() == "chainrule.LongTensor"
    assert x.type(cr.DoubleTensor).dtype == cr.float64 and x.type("torch.LongTensor").dtype == cr.int64
    with pytest.raises(ValueError, match=r"unknown tensor type 'torch\.FooTensor'"):
        x.type("torch.FooTensor")


def test_new_methods_take_dtype_and_device_from_the_tensor() -> None:
    x = cr.zeros(2, dtype=cr.float64)
    assert x.new_zeros(3).dtype == cr.float64 and x.new_ones((2, 2)).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_empty(4).shape == (4,)
    assert x.new_tensor([1, 2]).dtype == cr.float64 and x.new_zeros(2, dtype=cr.int32).dtype == cr.int32


def test_reductions_take_numpys_keywords_and_a_dtype() -> None:
    x = cr.arange(6.0).reshape(2, 3)
    assert x.mean(axis=1, keepdims=True).tolist() == [[1.0], [4.0]]
    assert cr.tensor([1, 2, 3]).sum(dtype=cr.float32).dtype == cr.float32
    assert cr.tensor([1, 2]).mean(dtype=cr.float64).item() == 1.5
    with pytest.raises(TypeError, match="mean\\(\\) got both dim=0 and axis=1"):
        x.mean(0, axis=1)


# -- type promotion, as torch.result_type ---------------------------------------------------------------------------
PROMOTIONS = [
    ("int + float", lambda lib: lib.tensor([1, 2]) + lib.tensor([1.5, 2.5])),
    ("int32 + int64", lambda lib: lib.tensor([1], dtype=lib.int32) + lib.tensor([2])),
    ("float32 * float64", lambda lib: lib.tensor([1.0]) * lib.tensor([2.0], dtype=lib.float64)),
    ("bool + int", lambda lib: lib.tensor([True, False]) + lib.tensor([2, 3])),
    ("float32 * 0-d float64", lambda lib: lib.tensor([1.0, 2.0]) * lib.tensor(2.0, dtype=lib.float64)),
    ("int * 0-d float", lambda lib: lib.tensor([1, 2]) * lib.tensor(2.5)),
    ("int / int", lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4])),
    ("maximum", lambda lib: lib.maximum(lib.tensor([1, 4]), lib.tensor([1.5, 2.5]))),
    ("where", lambda lib: lib.where(lib.tensor([True, False]), lib.tensor([1, 2]), lib.tensor([1.5, 2.5]))),
    ("cat", lambda lib: lib.cat([lib.tensor([1, 2]), lib.tensor([1.5], dtype=lib.float64)])),
    ("compare", lambda lib: lib.tensor([1, 2]) < lib.tensor([1.5, 1.5])),
]


@pytest.mark.parametrize("case", [case for _, case in PROMOTIONS], ids=[name for name, _ in PROMOTIONS])
def test_binary_ops_promote_as_torch_result_type(case) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = case(cr), case(torch)
    assert str(ours.dtype).removeprefix("chainrule.") == str(theirs.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_a_promoted_operand_gets_its_gradient_in_its_own_dtype() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0], dtype=cr.float64, requires_grad=True)
    product = x * y
    assert product.dtype == cr.float64
    product.sum().backward()
    assert x.grad.dtype == cr.float32 and x.grad.tolist() == [3.0, 3.0]
    assert y.grad.dtype == cr.float64 and y.grad.tolist() == [3.0]
    assert cr.ops._checks.result_type(cr.tensor([1]), 2.5) == cr.float32


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_rounding_modes(mode: str) -> None:
    a, b = [7, -7, 7, -7, 6, 0], [2, 2, -2, -2, 3, 5]
    expected = {"floor": [3, -4, -4, 3, 2, 0], "trunc": [3, -3, -3, 3, 2, 0]}[mode]
    result = cr.div(cr.tensor(a), cr.tensor(b), rounding_mode=mode)
    assert result.dtype == cr.int64 and result.tolist() == expected
    x = cr.tensor([7.5, -7.5], requires_grad=True)
    rounded = x.div(2.0, rounding_mode=mode)
    rounded.sum().backward()
    assert rounded.tolist() == ([3.0, -4.0] if mode == "floor" else [3.0, -3.0]) and x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="rounding_mode must be None, \"trunc\" or \"floor\", got 'round'"):
        cr.div(x, 2.0, rounding_mode="round")


# -- .data is PyTorch's: a Tensor sharing the memory, outside the graph ------------------------------------------------
def test_data_is_a_tensor_sharing_memory_outside_the_graph() -> None:
    weight = cr.nn.Parameter(cr.tensor([1.0, 2.0]))
    alias = weight.data
    assert isinstance(alias, cr.Tensor) and not alias.requires_grad and alias.grad_fn is None
    alias.mul_(10)  # seen by the parameter, not recorded
    assert weight.tolist() == [10.0, 20.0] and weight.data.numpy().tolist() == [10.0, 20.0]
    weight.grad = cr.tensor([1.0, 1.0])
    weight.data -= 0.5 * weight.grad  # the manual SGD step of countless tutorials
    assert weight.tolist() == [9.5, 19.5]
    values, indices = cr.max(cr.tensor([[1.0, 3.0], [4.0, 2.0]]).data, 1)
    assert values.tolist() == [3.0, 4.0] and indices.tolist() == [1, 0]


def test_changes_through_data_are_not_counted_by_autograds_version_check() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.data.add_(1.0)  # PyTorch lets this through too: that is what .data is for (and why detach() is safer)
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 6.0]  # computed from the changed values, as in PyTorch


def test_setting_data_takes_a_tensor_of_the_same_dtype_and_device() -> None:
    weight = cr.nn.Parameter(cr.zeros(3))
    weight.data = cr.ones(5)  # a new shape is allowed, as in PyTorch
    assert weight.shape == (5,) and weight.requires_grad
    with pytest.raises(RuntimeError, match=r"can't set a chainrule.float32 tensor on cpu to data of chainrule.int64"):
        weight.data = cr.tensor([1, 2])
    with pytest.raises(TypeError, match="data must be set to a Tensor, got list"):
        weight.data = [1.0, 2.0]


_DTYPE_NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def test_dtypes_print_compare_and_convert_as_torch_does() -> None:
    torch = pytest.importorskip("torch")
    for name in _DTYPE_NAMES:
        ours, theirs = getattr(cr, name), getattr(torch, name)
        assert str(ours) == repr(ours) == str(theirs).replace("torch.", "chainrule.")
        assert isinstance(ours, cr.dtype)
        assert (ours.is_floating_point, ours.is_complex, ours.is_signed, ours.itemsize) == (
            theirs.is_floating_point, theirs.is_complex, theirs.is_signed, theirs.itemsize)
        assert ours == numpy.dtype(name if name != "bool" else "bool") and ours == name
        assert numpy.zeros(1, dtype=ours).dtype == numpy.dtype(ours)
    assert cr.float is cr.float32 and cr.long is cr.int64 and cr.double is cr.float64
    assert cr.tensor([1.5]).dtype is cr.float32 and f"{cr.tensor([1]).dtype}" == "chainrule.int64"
    assert cr.get_default_dtype() is cr.float32
    assert {cr.float32: "x"}[numpy.dtype("float32")] == "x"  # equal and same hash as NumPy's


def test_finfo_iinfo_promote_types_and_can_cast_equal_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("float16", "float32", "float64"):
        ours, theirs = cr.finfo(getattr(cr, name)), torch.finfo(getattr(torch, name))
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(ours, field) == getattr(theirs, field), (name, field)
    assert cr.finfo().eps == torch.finfo().eps
    for name in ("int8", "int16", "int32", "int64", "uint8"):
        ours, theirs = cr.iinfo(getattr(cr, name)), torch.iinfo(getattr(torch, name))
        assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
    for first in _DTYPE_NAMES:
        for second in _DTYPE_NAMES:
            expected = torch.promote_types(getattr(torch, first), getattr(torch, second))
            assert str(cr.promote_types(getattr(cr, first), getattr(cr, second))) == str(expected).replace(
                "torch.", "chainrule."), (first, second)
            assert cr.can_cast(getattr(cr, first), getattr(cr, second)) == torch.can_cast(
                getattr(torch, first), getattr(torch, second)), (first, second)
    with pytest.raises(TypeError, match="not a floating point dtype; use iinfo"):
        cr.finfo(cr.int32)
    with pytest.raises(TypeError, match="not an integer dtype; use finfo"):
        cr.iinfo(cr.float32)

"""Tensor factories: dtype inference, copy vs shared memory, shapes, dtypes, seeding and bad arguments."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr


# -- tensor(): dtype inference -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2.0], cr.float32),
        (1.5, cr.float32),
        ([1, 2], cr.int64),
        (3, cr.int64),
        ([True, False], cr.bool),
        ([1, 2.5], cr.float32),
        (numpy.array([1.0, 2.0]), cr.float64),
        (numpy.array([1, 2], dtype=numpy.int32), cr.int32),
        (numpy.array([1.0], dtype=numpy.float16), cr.float16),
        (numpy.float64(1.0), cr.float64),
    ],
)
def test_tensor_dtype_inference(data, dtype):
    assert cr.tensor(data).dtype == dtype


def test_tensor_explicit_dtype():
    assert cr.tensor([1, 2], dtype=cr.float64).dtype == cr.float64
    assert cr.tensor([1.7, 2.2], dtype=cr.int64).tolist() == [1, 2]
    assert cr.tensor(numpy.array([1.0]), dtype=cr.float32).dtype == cr.float32
    assert cr.tensor([1.0], dtype="double").dtype == cr.float64


def test_tensor_from_tensor_keeps_its_dtype():
    source = cr.tensor([1.0], dtype=cr.float64)
    assert cr.tensor(source).dtype == cr.float64


def test_tensor_requires_grad():
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_tensor_of_integers_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only floating-point tensors can require gradients"):
        cr.tensor([1, 2], requires_grad=True)


# -- copy semantics ------------------------------------------------------------------------------------
def test_tensor_copies_numpy_data():
    array = numpy.array([1.0, 2.0])
    t = cr.tensor(array)
    array[0] = 9.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_copies_another_tensor():
    source = cr.tensor([1.0, 2.0])
    t = cr.tensor(source)
    source[0] = 9.0
    assert t.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory():
    array = numpy.array([1.0, 2.0])
    t = cr.from_numpy(array)
    assert t.dtype == cr.float64
    array[0] = 9.0
    assert t.tolist() == [9.0, 2.0]
    t[1] = 7.0
    assert array.tolist() == [9.0, 7.0]


def test_from_numpy_rejects_other_types():
    with pytest.raises(TypeError, match=r"from_numpy expects a numpy\.ndarray, got list"):
        cr.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="from_numpy: unsupported dtype complex128"):
        cr.from_numpy(numpy.array([1j]))


def test_as_tensor_shares_memory_when_no_conversion_is_needed():
    array = numpy.array([1.0, 2.0])
    t = cr.as_tensor(array)
    array[0] = 9.0
    assert t.tolist() == [9.0, 2.0]
    source = cr.tensor([1.0])
    assert cr.as_tensor(source) is source


def test_as_tensor_copies_when_converting():
    array = numpy.array([1.0, 2.0])
    t = cr.as_tensor(array, dtype=cr.float32)
    array[0] = 9.0
    assert t.dtype == cr.float32
    assert t.tolist() == [1.0, 2.0]


# -- factories -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory", [cr.zeros, cr.ones, cr.empty, cr.rand, cr.randn])
def test_factories_take_sizes_as_ints_or_a_tuple(factory):
    assert factory(2, 3).shape == (2, 3)
    assert factory((2, 3)).shape == (2, 3)
    assert factory([4]).shape == (4,)
    assert factory().shape == ()
    assert factory(2, 3).dtype == cr.float32
    assert factory(2, dtype=cr.float64).dtype == cr.float64
    t = factory(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_zeros_and_ones_values():
    assert cr.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert cr.ones(3, dtype=cr.int64).tolist() == [1, 1, 1]
    assert cr.ones(2, dtype=cr.bool).tolist() == [True, True]


@pytest.mark.parametrize(
    ("fill", "dtype"), [(7, cr.int64), (1.5, cr.float32), (True, cr.bool), (numpy.float64(2.0), cr.float32)]
)
def test_full_dtype_follows_the_fill_value(fill, dtype):
    t = cr.full((2, 2), fill)
    assert t.dtype == dtype
    assert t.shape == (2, 2)
    assert t.tolist() == [[fill, fill], [fill, fill]]


def test_full_with_int_size_and_explicit_dtype():
    t = cr.full(3, 2, dtype=cr.float64, requires_grad=True)
    assert t.shape == (3,)
    assert t.dtype == cr.float64
    assert t.requires_grad


def test_arange_ints_and_floats():
    assert cr.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert cr.arange(5).dtype == cr.int64
    assert cr.arange(2, 8, 2).tolist() == [2, 4, 6]
    floats = cr.arange(0, 1, 0.25)
    assert floats.dtype == cr.float32
    assert floats.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert cr.arange(3.0).dtype == cr.float32
    assert cr.arange(3, dtype=cr.float64).dtype == cr.float64
    assert cr.arange(5, 0, -2).tolist() == [5, 3, 1]


def test_arange_zero_step_raises():
    with pytest.raises(ValueError, match="step must be non-zero"):
        cr.arange(0, 5, 0)


def test_linspace():
    t = cr.linspace(0, 1, 5)
    assert t.dtype == cr.float32
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert cr.linspace(0, 1, 3, dtype=cr.float64).dtype == cr.float64
    with pytest.raises(ValueError, match="steps must be non-negative, got -1"):
        cr.linspace(0, 1, -1)


def test_eye():
    assert cr.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert cr.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert cr.eye(2).dtype == cr.float32
    assert cr.eye(2, dtype=cr.int64).dtype == cr.int64


def test_rand_is_in_the_unit_interval_and_randn_is_standard_normal():
    uniform = cr.rand(10_000)
    assert uniform.numpy().min() >= 0.0
    assert uniform.numpy().max() < 1.0
    assert uniform.numpy().mean() == pytest.approx(0.5, abs=0.02)
    normal = cr.randn(10_000, dtype=cr.float64)
    assert normal.numpy().mean() == pytest.approx(0.0, abs=0.05)
    assert normal.numpy().std() == pytest.approx(1.0, abs=0.05)


def test_random_with_integer_dtype_raises():
    with pytest.raises(TypeError, match=r"randn: needs a floating dtype, got chainrule\.int64"):
        cr.randn(2, dtype=cr.int64)


def test_randint():
    t = cr.randint(10, (1000,))
    assert t.dtype == cr.int64
    assert t.shape == (1000,)
    assert t.numpy().min() >= 0
    assert t.numpy().max() < 10
    u = cr.randint(2, 5, (2, 3))
    assert u.shape == (2, 3)
    assert set(u.numpy().ravel().tolist()) <= {2, 3, 4}
    assert cr.randint(3, 4, 5).tolist() == [3, 3, 3, 3, 3]
    assert cr.randint(0, 10, (2,), dtype=cr.int32).dtype == cr.int32


def test_randint_errors():
    with pytest.raises(TypeError, match="randint: size is required"):
        cr.randint(0, 10)
    with pytest.raises(ValueError, match=r"high \(2\) must be greater than low \(5\)"):
        cr.randint(5, 2, (3,))


def test_like_factories_keep_shape_dtype_and_device():
    source = cr.zeros(2, 3, dtype=cr.float64)
    for factory in (cr.zeros_like, cr.ones_like, cr.empty_like, cr.rand_like, cr.randn_like):
        result = factory(source)
        assert result.shape == (2, 3)
        assert result.dtype == cr.float64
        assert result.device == source.device
        assert result.requires_grad is False
    assert cr.zeros_like(source, dtype=cr.float32).dtype == cr.float32
    assert cr.ones_like(source).tolist() == [[1.0] * 3] * 2
    assert cr.zeros_like(source, requires_grad=True).requires_grad
    full = cr.full_like(source, 4.0)
    assert full.dtype == cr.float64
    assert full.tolist() == [[4.0] * 3] * 2
    ints = cr.randint_like(cr.zeros(4, dtype=cr.int64), 3)
    assert ints.shape == (4,)
    assert ints.dtype == cr.int64
    assert ints.numpy().max() < 3


# -- seeding -------------------------------------------------------------------------------------------
def test_manual_seed_reproduces_random_tensors():
    cr.manual_seed(123)
    first = (cr.randn(5).tolist(), cr.rand(3).tolist(), cr.randint(100, (4,)).tolist())
    cr.manual_seed(123)
    second = (cr.randn(5).tolist(), cr.rand(3).tolist(), cr.randint(100, (4,)).tolist())
    assert first == second


def test_different_seeds_give_different_tensors():
    cr.manual_seed(1)
    first = cr.randn(5).tolist()
    cr.manual_seed(2)
    assert cr.randn(5).tolist() != first


def test_successive_draws_differ():
    assert cr.randn(5).tolist() != cr.randn(5).tolist()


def test_manual_seed_rejects_bad_seeds():
    with pytest.raises(TypeError, match="manual_seed expects an int, got float"):
        cr.manual_seed(1.5)
    with pytest.raises(ValueError, match="non-negative seed, got -1"):
        cr.manual_seed(-1)


# -- bad data ----------------------------------------------------------------------------------------
def test_ragged_list_raises_value_error_mentioning_ragged():
    with pytest.raises(ValueError, match="ragged"):
        cr.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("data", ["abc", ["a", "b"]])
def test_string_data_raises_type_error(data):
    with pytest.raises(TypeError, match=r"tensor: can't make a tensor from data of type <U\d \(\w+\)"):
        cr.tensor(data)


@pytest.mark.parametrize(
    "make",
    [
        lambda: cr.zeros(-1, 2),
        lambda: cr.ones((2, -3)),
        lambda: cr.empty(-1),
        lambda: cr.rand(-2),
        lambda: cr.randn(3, -1),
        lambda: cr.full((-1,), 0.0),
        lambda: cr.randint(10, (-1,)),
    ],
)
def test_negative_sizes_raise(make):
    with pytest.raises(ValueError, match=r"sizes must be non-negative, got \(.*-\d"):
        make()


def test_non_integer_sizes_raise():
    with pytest.raises(TypeError, match="sizes must be integers"):
        cr.zeros(2.5)

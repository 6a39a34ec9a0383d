"""The Tensor API outside the ops: attributes, conversion, detach/clone, casts, repr and Python protocols."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr


# -- attributes ----------------------------------------------------------------------------------------
def test_attributes():
    t = cr.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.dim() == 3
    assert t.dtype == cr.float32
    assert t.device == cr.device("cpu")
    assert t.device == "cpu"
    assert t.is_cuda is False
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3
    assert t.size(-1) == 4
    assert t.numel() == 24
    assert t.element_size() == 4


def test_size_with_dim_out_of_range_names_dim_and_ndim():
    with pytest.raises(IndexError, match=r"dim 3 is out of range for a tensor with 3 dimensions"):
        cr.zeros(2, 3, 4).size(3)


def test_zero_dimensional_tensor_attributes():
    t = cr.tensor(2.5)
    assert t.shape == ()
    assert t.ndim == 0
    assert t.numel() == 1


# -- conversion ----------------------------------------------------------------------------------------
def test_item_returns_python_numbers():
    assert cr.tensor(2.5).item() == 2.5
    assert isinstance(cr.tensor(2.5).item(), float)
    assert cr.tensor([[7]]).item() == 7
    assert isinstance(cr.tensor([[7]]).item(), int)
    assert cr.tensor(True).item() is True


def test_item_on_multi_element_tensor_names_the_shape():
    with pytest.raises(RuntimeError, match=r"exactly one element, got shape \(2, 2\) \(4 elements\)"):
        cr.zeros(2, 2).item()


def test_tolist():
    assert cr.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert cr.tensor(1.5).tolist() == 1.5


def test_numpy_shares_memory():
    t = cr.tensor([1.0, 2.0, 3.0])
    array = t.numpy()
    assert isinstance(array, numpy.ndarray)
    array[0] = 9.0
    assert t.tolist() == [9.0, 2.0, 3.0]


def test_numpy_conversion_via_array_protocol():
    t = cr.tensor([1.0, 2.0])
    numpy.testing.assert_array_equal(numpy.asarray(t), [1.0, 2.0])
    assert numpy.asarray(t, dtype=numpy.float64).dtype == numpy.float64


def test_float_int_index_conversions():
    assert float(cr.tensor([2.5])) == 2.5
    assert int(cr.tensor(3.9)) == 3
    assert [10, 20, 30][cr.tensor(1)] == 20


def test_index_conversion_of_float_tensor_raises():
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][cr.tensor(1.0)]


# -- detach and clone ------------------------------------------------------------------------------------
def test_detach_shares_memory_but_not_the_graph():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.requires_grad is False
    assert d.grad_fn is None
    assert d.is_leaf
    source = x.detach()
    assert numpy.shares_memory(source.numpy(), x.numpy())


def test_clone_copies_memory_and_passes_the_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not numpy.shares_memory(c.numpy(), x.numpy())
    assert c.requires_grad and c.grad_fn is not None
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_clone_of_constant_is_independent():
    t = cr.tensor([1.0, 2.0])
    c = t.clone()
    c[0] = 5.0
    assert t.tolist() == [1.0, 2.0]
    assert c.requires_grad is False


# -- to / casts ----------------------------------------------------------------------------------------
def test_to_dtype_and_shortcuts():
    t = cr.tensor([1.7, -2.2])
    assert t.to(cr.float64).dtype == cr.float64
    assert t.to(dtype="float64").dtype == cr.float64
    assert t.to(dtype=cr.float16).dtype == cr.float16
    assert t.double().dtype == cr.float64
    assert t.double().float().dtype == cr.float32
    assert t.half().dtype == cr.float16
    assert t.long().dtype == cr.int64
    assert t.long().tolist() == [1, -2]
    assert t.int().dtype == cr.int32
    assert t.bool().tolist() == [True, True]
    assert t.type_as(cr.zeros(1, dtype=cr.float64)).dtype == cr.float64
    assert t.to(cr.zeros(1, dtype=cr.int64)).dtype == cr.int64


def test_to_same_dtype_and_cpu_return_the_tensor_itself():
    t = cr.tensor([1.0, 2.0])
    assert t.to(cr.float32) is t
    assert t.float() is t
    assert t.cpu() is t
    assert t.to("cpu") is t


def test_to_with_unknown_keyword_raises():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'copy'; use device= or dtype="):
        cr.tensor([1.0]).to(copy=True)


def test_to_dtype_is_differentiable_and_the_gradient_keeps_the_original_dtype():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(cr.float64)
    assert y.requires_grad and y.dtype == cr.float64
    (y * y).sum().backward()
    assert x.grad.dtype == cr.float32
    assert x.grad.tolist() == [2.0, 4.0]


def test_double_then_float_round_trip_gradient():
    x = cr.tensor([3.0], dtype=cr.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == cr.float64
    assert x.grad.tolist() == [2.0]


# -- repr and format ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: cr.tensor([1.0, 2.0]), "tensor([1., 2.])"),
        (lambda: cr.tensor([1.5, 2.25]), "tensor([1.5000, 2.2500])"),
        (lambda: cr.tensor([1, 2]), "tensor([1, 2])"),
        (lambda: cr.tensor(3.0), "tensor(3.)"),
        (lambda: cr.tensor([True, False]), "tensor([ True, False])"),
        (lambda: cr.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
        (lambda: cr.tensor([1.0, 2.0], dtype=cr.float64), "tensor([1., 2.], dtype=chainrule.float64)"),
        (lambda: cr.tensor([1, 2], dtype=cr.int32), "tensor([1, 2], dtype=chainrule.int32)"),
        (lambda: cr.zeros(0), "tensor([])"),
        (lambda: cr.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    ],
)
def test_repr_looks_like_pytorch(make, expected):
    assert repr(make()) == expected


def test_repr_shows_grad_fn():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0])
    assert repr(x * y) == "tensor([3., 8.], grad_fn=<MulBackward>)"


def test_format_with_spec_formats_the_value():
    assert format(cr.tensor(3.14159), ".2f") == "3.14"
    assert f"{cr.tensor([2.0]):.1f}" == "2.0"
    assert f"{cr.tensor([1.0, 2.0])}" == "tensor([1., 2.])"


# -- Python protocols ----------------------------------------------------------------------------------
def test_len_and_iteration():
    t = cr.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3
    assert all(isinstance(row, cr.Tensor) for row in rows)
    assert [row.tolist() for row in rows] == [[1, 2], [3, 4], [5, 6]]


def test_len_and_iteration_of_0d_tensor_raise():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(cr.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(cr.tensor(1.0))


def test_iteration_is_differentiable():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = None
    for i, row in enumerate(x):
        total = row.sum() * (i + 1) if total is None else total + row.sum() * (i + 1)
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_bool_of_single_element():
    assert bool(cr.tensor([1.0])) is True
    assert bool(cr.tensor(0)) is False


def test_bool_of_multi_element_tensor_raises():
    with pytest.raises(RuntimeError, match=r"tensor with 2 elements is ambiguous; use \.any\(\) or \.all\(\)"):
        bool(cr.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        if cr.tensor([1, 1]) == cr.tensor([1, 1]):
            pass


def test_comparisons_return_bool_tensors():
    a = cr.tensor([1.0, 2.0, 3.0])
    b = cr.tensor([3.0, 2.0, 1.0])
    cases = {
        "==": (a == b, [False, True, False]),
        "!=": (a != b, [True, False, True]),
        "<": (a < b, [True, False, False]),
        "<=": (a <= b, [True, True, False]),
        ">": (a > 2.0, [False, False, True]),
        ">=": (a >= 2, [False, True, True]),
        "reflected": (2.0 < a, [False, False, True]),  # noqa: SIM300 (the scalar on the left is the point)
    }
    for name, (result, expected) in cases.items():
        assert isinstance(result, cr.Tensor), name
        assert result.dtype == cr.bool, name
        assert result.tolist() == expected, name
        assert result.requires_grad is False, name


def test_comparison_of_tensor_requiring_grad_is_not_recorded():
    x = cr.tensor([1.0, -1.0], requires_grad=True)
    mask = x > 0
    assert mask.requires_grad is False
    assert mask.grad_fn is None


def test_ndarray_times_tensor_returns_a_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    result = numpy.array([3.0, 4.0]) * x
    assert isinstance(result, cr.Tensor)
    assert result.tolist() == [3.0, 8.0]
    assert result.dtype == cr.float32
    result.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    assert isinstance(numpy.array([1.0, 1.0]) + x, cr.Tensor)
    assert isinstance(numpy.array([1.0, 1.0]) - x, cr.Tensor)


def test_setitem_outside_autograd_changes_values():
    t = cr.zeros(2, 3)
    t[0, 1] = 5.0
    t[1] = cr.tensor([1.0, 2.0, 3.0])
    t[:, 2] = 9.0
    assert t.tolist() == [[0.0, 5.0, 9.0], [1.0, 2.0, 9.0]]


def test_setitem_bumps_the_version_so_a_saved_tensor_is_caught():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0])
    loss = (x * w).sum()
    w[1] = 0.0
    with pytest.raises(RuntimeError, match="modified in place: input 1 of Mul"):
        loss.backward()


def test_setitem_with_bad_shape_names_the_tensor_shape():
    t = cr.zeros(2, 3)
    with pytest.raises(ValueError, match=r"assignment to tensor of shape \(2, 3\)"):
        t[0] = cr.ones(4)


def test_tensors_are_hashable_by_identity():
    a = cr.tensor([1.0])
    b = cr.tensor([1.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a"
    assert table[b] == "b"
    assert len({a, b, a}) == 2


def test_transpose_properties():
    t = cr.arange(6).reshape(2, 3)
    assert t.T.shape == (3, 2)
    assert t.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert cr.zeros(4, 2, 3).mT.shape == (4, 3, 2)
    with pytest.raises(ValueError, match=r"at most 2 dimensions, got shape \(4, 2, 3\); use \.mT"):
        cr.zeros(4, 2, 3).t()


def test_sum_to_size_sums_broadcast_dimensions():
    t = cr.ones(2, 3)
    assert t.sum_to_size(1, 3).tolist() == [[2.0, 2.0, 2.0]]
    assert t.sum_to_size(3).tolist() == [2.0, 2.0, 2.0]
    assert t.sum_to_size((2, 1)).tolist() == [[3.0], [3.0]]
    assert t.sum_to_size(2, 3) is t

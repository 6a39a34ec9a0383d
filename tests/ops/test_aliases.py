"""chainrule.ops.aliases beyond the op table: comparisons and predicates against PyTorch, the in-place forms
(values, version, refusals), the in-place shape changes, the memory properties, and the error messages."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

VALUES = numpy.array([[-1.5, 0.0, 0.5, 2.0], [3.0, -0.25, 1.0, -2.0], [0.75, 1.25, -3.0, 0.1]])


def _pair(values: numpy.ndarray = VALUES, dtype: str = "float64") -> tuple[cr.Tensor, torch.Tensor]:
    return cr.tensor(values.astype(dtype)), torch.tensor(values.astype(dtype))


# -- comparisons and predicates --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["eq", "ne", "gt", "ge", "lt", "le", "greater", "greater_equal", "less",
                                  "less_equal", "not_equal"])
def test_comparisons_match_torch(name: str) -> None:
    x, tx = _pair()
    other = numpy.array([0.5, 0.0, 0.5, -2.0])
    for cr_other, torch_other in ((cr.tensor(other), torch.tensor(other)), (0.5, 0.5)):
        result = getattr(cr, name)(x, cr_other)
        assert result.dtype == cr.bool
        numpy.testing.assert_array_equal(result.numpy(), getattr(torch, name)(tx, torch_other).numpy())
        numpy.testing.assert_array_equal(getattr(x, name)(cr_other).numpy(), result.numpy())


def test_equal_matches_torch() -> None:
    x, tx = _pair()
    assert cr.equal(x, x.clone()) and x.equal(x.clone())
    assert cr.equal(x, x.long()) == torch.equal(tx, tx.long())
    assert not cr.equal(x, x[:1]) and not torch.equal(tx, tx[:1])
    nan = cr.tensor([float("nan")])
    assert not cr.equal(nan, nan)
    with pytest.raises(TypeError, match="expected two Tensors"):
        cr.equal(x, VALUES)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "uint8", "bool"])
def test_dtype_predicates_match_torch(dtype: str) -> None:
    x = cr.zeros(2, dtype=getattr(cr, dtype))
    tx = torch.zeros(2, dtype=getattr(torch, dtype))
    assert x.is_floating_point() == cr.is_floating_point(x) == tx.is_floating_point()
    assert x.is_signed() == tx.is_signed()
    assert x.is_complex() is cr.is_complex(x) is False
    assert x.itemsize == tx.itemsize and x.nbytes == tx.nbytes


def test_conversions_and_flags_match_torch() -> None:
    x, tx = _pair()
    for name in ("byte", "char", "short"):
        result, expected = getattr(x.abs(), name)(), getattr(tx.abs(), name)()
        assert str(result.dtype).rsplit(".", 1)[-1] == str(expected.dtype).rsplit(".", 1)[-1]
        numpy.testing.assert_array_equal(result.numpy(), expected.numpy())
    for name in ("is_conj", "is_neg", "is_inference", "is_pinned", "is_shared"):
        assert getattr(x, name)() is getattr(tx, name)() is False
    assert x.conj() is x and cr.resolve_conj(x) is x and x.resolve_neg() is x


def test_size_predicates() -> None:
    x = cr.zeros(2, 3, 4)
    assert (x.ndimension(), x.nelement(), cr.numel(x)) == (3, 24, 24)
    assert cr.is_tensor(x) and not cr.is_tensor(VALUES)
    assert cr.is_same_size(x, cr.ones(2, 3, 4)) and not x.is_same_size(cr.ones(2, 3))
    assert cr.is_nonzero(cr.tensor([1.5])) and not cr.tensor(0).is_nonzero()
    with pytest.raises(RuntimeError, match="exactly one element, got 24"):
        cr.is_nonzero(x)


# -- values of the non-table aliases --------------------------------------------------------------------
def test_integer_and_bool_results_match_torch() -> None:
    integers = numpy.array([[1, -2, 3], [4, 5, -6]])
    x, tx = cr.tensor(integers), torch.tensor(integers)
    for name in ("square", "reciprocal", "absolute", "negative", "ravel"):
        result, expected = getattr(cr, name)(x), getattr(torch, name)(tx)
        assert str(result.dtype).rsplit(".", 1)[-1] == str(expected.dtype).rsplit(".", 1)[-1], name
        numpy.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-6)
    assert cr.square(cr.tensor([True, False])).dtype == cr.int64
    numpy.testing.assert_array_equal(cr.divide(x, 4, rounding_mode="floor").numpy(),
                                     torch.divide(tx, 4, rounding_mode="floor").numpy())
    assert cr.true_divide(x, 4).dtype == cr.float32


def test_methods_call_the_functions() -> None:
    x, tx = _pair()
    for name in ("absolute", "negative", "positive", "square", "ravel", "adjoint"):
        numpy.testing.assert_allclose(getattr(x, name)().numpy(), getattr(tx, name)().numpy())
    numpy.testing.assert_allclose(x.clamp_min(0.5).numpy(), tx.clamp_min(0.5).numpy())
    numpy.testing.assert_allclose(x.clamp_max(0.5).numpy(), tx.clamp_max(0.5).numpy())
    numpy.testing.assert_allclose(x.subtract(x, alpha=2).numpy(), tx.subtract(tx, alpha=2).numpy())
    numpy.testing.assert_allclose(x.addcmul(x, x, value=3).numpy(), tx.addcmul(tx, tx, value=3).numpy())
    numpy.testing.assert_allclose(x.tile(2).numpy(), tx.tile(2).numpy())
    numpy.testing.assert_allclose(x.tile(2, 1, 1).numpy(), tx.tile((2, 1, 1)).numpy())
    numpy.testing.assert_allclose(x.broadcast_to((2, 3, 4)).numpy(), tx.broadcast_to((2, 3, 4)).numpy())
    numpy.testing.assert_allclose(x.select(1, -2).numpy(), tx.select(1, -2).numpy())
    numpy.testing.assert_allclose(x.mH.numpy(), tx.mH.numpy())
    numpy.testing.assert_allclose(x.H.numpy(), tx.H.numpy())
    assert [p.shape for p in x.split_with_sizes([1, 3], 1)] == [p.shape for p in tx.split_with_sizes([1, 3], 1)]


def test_matrix_power_zero_is_the_identity() -> None:
    x = cr.randn(3, 2, 2, requires_grad=True)
    result = cr.matrix_power(x, 0)
    numpy.testing.assert_array_equal(result.numpy(), torch.matrix_power(torch.randn(3, 2, 2), 0).numpy())
    assert result.dtype == x.dtype


# -- errors -----------------------------------------------------------------------------------------------
def test_errors_name_the_problem() -> None:
    x = cr.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError, match=r"index 6 out of range for a tensor of 6 elements"):
        cr.take(x, cr.tensor([6]))
    with pytest.raises(IndexError, match=r"index -7 out of range"):
        cr.take(x, cr.tensor([-7, 0]))
    with pytest.raises(RuntimeError, match=r"integer \(int64\) tensor for index, got chainrule.float32"):
        cr.take(x, cr.tensor([1.0]))
    with pytest.raises(IndexError, match=r"select\(\): index 2 out of range for tensor of size \[2, 3\] at dim"):
        x.select(0, 2)
    with pytest.raises(IndexError, match="0-d tensor"):
        cr.select(cr.tensor(1.0), 0, 0)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        x.select(2, 0)
    with pytest.raises(RuntimeError, match="square matrices, got 2 by 3"):
        cr.matrix_power(x, 2)
    with pytest.raises(RuntimeError, match="got a 1-D tensor"):
        cr.matrix_power(cr.ones(3), 2)
    with pytest.raises(TypeError, match="n must be an int"):
        cr.matrix_power(cr.eye(2), 1.5)
    with pytest.raises(RuntimeError, match=r"sum exactly to 3 .* got split_sizes=\[1, 1\]"):
        cr.split_with_sizes(x, [1, 1], 1)
    with pytest.raises(RuntimeError, match="integer division"):
        cr.addcdiv(x, cr.tensor([1, 2, 3]), cr.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match="bool"):
        cr.positive(cr.tensor([True]))
    with pytest.raises(RuntimeError, match="only supported on matrices"):
        _ = cr.ones(2, 2, 2).H
    with pytest.raises(RuntimeError, match="matrices or batches of matrices"):
        _ = cr.ones(3).mH


# -- in-place forms ---------------------------------------------------------------------------------------
IN_PLACE = [
    ("abs_", ()), ("absolute_", ()), ("neg_", ()), ("negative_", ()), ("exp_", ()), ("sin_", ()), ("cos_", ()),
    ("tanh_", ()), ("sigmoid_", ()), ("relu_", ()), ("sign_", ()), ("square_", ()), ("reciprocal_", ()),
    ("clamp_", (-0.5, 0.5)), ("clip_", (-0.5, 0.5)), ("clamp_min_", (0.2,)), ("clamp_max_", (0.2,)),
    ("pow_", (2,)), ("multiply_", (3.0,)), ("subtract_", (1.5,)), ("divide_", (2.0,)), ("true_divide_", (4.0,)),
    ("eq_", (0.5,)), ("ne_", (0.5,)), ("gt_", (0.5,)), ("ge_", (0.5,)), ("lt_", (0.5,)), ("le_", (0.5,)),
    ("greater_", (0.5,)), ("less_equal_", (0.5,)), ("not_equal_", (0.5,)),
]


@pytest.mark.parametrize(("name", "args"), IN_PLACE, ids=[name for name, _ in IN_PLACE])
def test_in_place_forms_match_torch_and_bump_the_version(name: str, args: tuple) -> None:
    x, tx = _pair()
    version = x._version[0]
    assert getattr(x, name)(*args) is x
    getattr(tx, name)(*args)
    numpy.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    assert x._version[0] != version


def test_in_place_forms_with_positive_domains_and_tensors() -> None:
    x, tx = _pair(numpy.abs(VALUES) + 2.0)
    for name in ("log_", "log1p_", "sqrt_"):
        getattr(x, name)()
        getattr(tx, name)()
    y, ty = _pair(VALUES[0])
    x.addcmul_(y, y, value=2).addcdiv_(y, x, value=-1).subtract_(y, alpha=3).pow_(cr.tensor(2.0))
    tx.addcmul_(ty, ty, value=2).addcdiv_(ty, tx, value=-1).subtract_(ty, alpha=3).pow_(torch.tensor(2.0))
    numpy.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)


def test_in_place_keeps_the_dtype_and_shape() -> None:
    x = cr.ones(3, dtype=cr.float32)
    x.divide_(cr.tensor([2.0, 4.0, 8.0], dtype=cr.float64))
    assert x.dtype == cr.float32
    with pytest.raises(RuntimeError, match=r"float32 can't be cast to the desired output type chainrule\.int64"):
        cr.ones(3, dtype=cr.int64).sqrt_()
    with pytest.raises(RuntimeError, match=r"output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        cr.ones(3).multiply_(cr.ones(2, 3))
    flags = cr.zeros(3)
    flags.gt_(cr.tensor([-1.0, 0.0, 1.0]))  # bool results written as 1.0 / 0.0
    assert flags.dtype == cr.float32 and flags.tolist() == [1.0, 0.0, 0.0]


def test_in_place_refuses_tensors_that_require_grad() -> None:
    leaf = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"exp_\(\) would change a leaf tensor that requires grad"):
        leaf.exp_()
    with pytest.raises(RuntimeError, match=r"mul_\(\)|an argument requires grad"):
        cr.ones(3).multiply_(leaf)
    with cr.no_grad():
        leaf.clamp_min_(2.0)
    assert leaf.tolist() == [2.0, 2.0, 2.0] and leaf.requires_grad


# -- in-place shape changes -------------------------------------------------------------------------------
def test_in_place_shape_changes_match_torch_and_share_memory() -> None:
    x, tx = _pair()
    view = x.view(12)
    x.t_()
    tx.t_()
    assert x.shape == tuple(tx.shape) and x.stride() == tx.stride()
    x.unsqueeze_(1).squeeze_(1).transpose_(0, 1).unsqueeze_(-1)
    tx.unsqueeze_(1).squeeze_(1).transpose_(0, 1).unsqueeze_(-1)
    assert x.shape == tuple(tx.shape)
    numpy.testing.assert_array_equal(x.numpy(), tx.numpy())
    x.fill_(7.0)
    assert view.tolist() == [7.0] * 12  # still the same memory
    vector = cr.ones(3)
    assert vector.t_().shape == (3,) and vector.swapdims_(0, -1).shape == (3,)
    with pytest.raises(RuntimeError, match=r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        cr.ones(2, 2, 2).t_()
    with pytest.raises(RuntimeError, match="would change a leaf tensor that requires grad"):
        cr.ones(2, 3, requires_grad=True).t_()
    computed = cr.ones(2, 1, requires_grad=True) * 2
    with cr.no_grad(), pytest.raises(RuntimeError, match="can't change the shape of a tensor in the graph"):
        computed.squeeze_()


# -- memory and autograd properties ----------------------------------------------------------------------
def test_strides_offsets_and_contiguity_match_torch() -> None:
    x, tx = _pair()
    views = [lambda t: t, lambda t: t.t(), lambda t: t[1:, ::2], lambda t: t[:, 1], lambda t: t[2],
             lambda t: t.unsqueeze(0).expand(2, 3, 4), lambda t: t[..., 1:].mT]
    for view in views:
        a, b = view(x), view(tx)
        assert a.stride() == b.stride() and a.stride(-1) == b.stride(-1)
        assert a.storage_offset() == b.storage_offset()
        assert a.is_contiguous() == b.is_contiguous()
        assert a.data_ptr() - x.data_ptr() == (b.data_ptr() - tx.data_ptr())
    assert x.is_cpu and x.get_device() == -1
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        x.stride(2)


def test_retains_grad_and_detach_() -> None:
    leaf = cr.ones(3, requires_grad=True)
    hidden = leaf * 2
    assert not leaf.retains_grad and not hidden.retains_grad
    hidden.retain_grad()
    assert hidden.retains_grad
    hidden.sum().backward()
    assert hidden.grad.tolist() == [1.0, 1.0, 1.0]
    cut = leaf * 3
    assert cut.detach_() is cut
    assert cut.grad_fn is None and not cut.requires_grad and cut.is_leaf

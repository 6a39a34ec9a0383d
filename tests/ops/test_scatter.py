"""chainrule.ops.scatter beyond the op table (tests/ops/op_table/scatter.py): results without gradient against
PyTorch (nonzero, integer tensors), scatter's legacy reduce= and larger src, prod's gradient at zeros, the
in-place forms and Tensor methods, and every error message."""

from __future__ import annotations

import importlib

import numpy
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck
from tests.conftest import to_numpy

scatter_module = importlib.import_module("chainrule.ops.scatter")  # chainrule.ops.scatter is also the function


def _i(*values) -> cr.Tensor:
    return cr.tensor(numpy.array(values, dtype=numpy.int64))


def _pair(values, torch, dtype=numpy.float64, requires_grad=False):
    """The same values as a chainrule tensor and a torch tensor."""
    array = numpy.asarray(values, dtype=dtype)
    return (cr.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _same(ours, theirs) -> None:
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    numpy.testing.assert_allclose(to_numpy(ours), theirs.detach().numpy(), rtol=1e-12, atol=0)


# -- results without gradient, against PyTorch ------------------------------------------------------
NONZERO_INPUTS = [
    [[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]],
    [True, False, True, True],
    numpy.zeros((0, 3)),
    numpy.zeros((2, 3)),
    3.0,
    0.0,
    numpy.arange(24).reshape(2, 3, 4) % 5,
]


@pytest.mark.torch
@pytest.mark.parametrize("values", NONZERO_INPUTS, ids=range(len(NONZERO_INPUTS)))
def test_nonzero_argwhere_and_as_tuple_match_torch(values, torch) -> None:
    ours, theirs = cr.tensor(values), torch.tensor(values)
    _same(cr.nonzero(ours), torch.nonzero(theirs))
    _same(ours.argwhere(), theirs.argwhere())
    ours_tuple, theirs_tuple = ours.nonzero(as_tuple=True), torch.nonzero(theirs, as_tuple=True)
    assert len(ours_tuple) == len(theirs_tuple)
    for a, b in zip(ours_tuple, theirs_tuple, strict=True):
        _same(a, b)
    assert not cr.nonzero(ours).requires_grad


def test_nonzero_as_tuple_indexes_the_nonzero_entries() -> None:
    x = cr.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    numpy.testing.assert_array_equal(to_numpy(x[cr.nonzero(x, as_tuple=True)]), [1.5, 2.0, -1.0])


@pytest.mark.torch
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_on_integers_matches_torch(reduce, include_self, torch) -> None:
    x, tx = _pair([[7, -7, 3], [0, 5, -2]], torch, numpy.int64)
    src, tsrc = _pair([[-2, 2, 3], [4, -5, 1], [3, 3, -8]], torch, numpy.int64)
    index = [[0, 0, 1], [0, 1, 1], [1, 0, 1]]
    ours = x.scatter_reduce(0, _i(*index), src, reduce, include_self=include_self)
    _same(ours, tx.scatter_reduce(0, torch.tensor(index), tsrc, reduce, include_self=include_self))


@pytest.mark.torch
def test_integer_gather_masked_fill_and_index_ops_keep_the_dtype(torch) -> None:
    x, tx = _pair([[1, 2, 3], [4, 5, 6]], torch, numpy.int64)
    _same(x.gather(1, _i([2, 0], [1, 1])), tx.gather(1, torch.tensor([[2, 0], [1, 1]])))
    mask = [True, False, True]
    _same(x.masked_fill(cr.tensor(mask), 1.7), tx.masked_fill(torch.tensor(mask), 1.7))  # truncated to 1
    _same(x.index_fill(1, _i(0), -3), tx.index_fill(1, torch.tensor([0]), -3))
    _same(x.index_add(0, _i(1, 1), x, alpha=2), tx.index_add(0, torch.tensor([1, 1]), tx, alpha=2))
    _same(x.masked_select(cr.tensor(mask)), tx.masked_select(torch.tensor(mask)))
    flags, tflags = _pair([[True, False], [False, False]], torch, bool)
    _same(flags.masked_fill(cr.tensor([False, True]), True), tflags.masked_fill(torch.tensor([False, True]), True))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_legacy_scatter_reduce_values_match_torch(reduce, torch) -> None:
    x, tx = _pair(numpy.arange(12.0).reshape(3, 4) / 4, torch)
    src, tsrc = _pair(numpy.arange(1.0, 21.0).reshape(4, 5) / 8, torch)
    index = [[0, 1, 2, 0], [0, 0, 2, 0], [2, 1, 2, 0]]
    _same(x.scatter(0, _i(*index), src, reduce=reduce), tx.scatter(0, torch.tensor(index), tsrc, reduce=reduce))
    _same(x.scatter(0, _i(*index), 1.5, reduce=reduce), tx.scatter(0, torch.tensor(index), 1.5, reduce=reduce))


@pytest.mark.torch
def test_larger_src_values_match_torch(torch) -> None:
    # only the block of src that index covers is read (PyTorch's gradient fails here: the op table has gradcheck)
    x, tx = _pair(numpy.zeros((3, 4)), torch)
    src, tsrc = _pair(numpy.arange(1.0, 21.0).reshape(4, 5), torch)
    index = [[0, 1, 2, 0], [2, 0, 1, 1]]
    _same(x.scatter(0, _i(*index), src), tx.scatter(0, torch.tensor(index), tsrc))
    _same(x.scatter_add(0, _i(*index), src), tx.scatter_add(0, torch.tensor(index), tsrc))
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        _same(x.scatter_reduce(0, _i(*index), src, reduce), tx.scatter_reduce(0, torch.tensor(index), tsrc, reduce))


def test_scatter_accepts_a_number_as_src_and_value_as_keyword() -> None:
    x = cr.zeros(2, 3)
    positional = x.scatter(1, _i([2], [0]), 4.0)
    keyword = x.scatter(1, _i([2], [0]), value=4.0)
    numpy.testing.assert_array_equal(to_numpy(positional), [[0, 0, 4], [4, 0, 0]])
    numpy.testing.assert_array_equal(to_numpy(keyword), to_numpy(positional))


def test_empty_index_changes_nothing() -> None:
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    empty = cr.zeros(0, 2, dtype=cr.int64)
    assert x.gather(0, empty).shape == (0, 2)
    out = x.scatter_add(0, empty, cr.zeros(0, 2))
    numpy.testing.assert_array_equal(to_numpy(out), to_numpy(x))
    out.sum().backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), numpy.ones((2, 2)))


def test_negative_dims_count_from_the_end() -> None:
    x = cr.arange(24.0).reshape(2, 3, 4)
    index = cr.zeros(2, 3, 1, dtype=cr.int64) + 3
    numpy.testing.assert_array_equal(to_numpy(x.gather(-1, index)), to_numpy(x.gather(2, index)))
    numpy.testing.assert_array_equal(to_numpy(x.index_fill(-2, _i(1), 0.0)), to_numpy(x.index_fill(1, _i(1), 0.0)))


# -- prod's gradient at zeros -----------------------------------------------------------------------
PROD_CASES = [  # (input, src, index): lone zeros of src, zeros of input, two zeros at one position
    ([1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 0.5, 0.0, 4.0], [0, 0, 1, 1, 3, 2]),
    ([1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 0.5, 0.0, 4.0], [0, 0, 0, 1, 3, 3]),
    ([0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.5, 1.5, 4.0], [1, 1, 1, 1, 1, 1]),
]


@pytest.mark.torch
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize(("values", "src_values", "index"), PROD_CASES)
def test_prod_gradients_at_zeros_match_torch(values, src_values, index, include_self, torch) -> None:
    x, tx = _pair(values, torch, requires_grad=True)
    src, tsrc = _pair(src_values, torch, requires_grad=True)
    ours = x.scatter_reduce(0, cr.tensor(index), src, "prod", include_self=include_self)
    theirs = tx.scatter_reduce(0, torch.tensor(index), tsrc, "prod", include_self=include_self)
    _same(ours, theirs)
    upstream = numpy.array([1.0, -2.0, 3.0, 0.5])
    ours.backward(cr.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(to_numpy(src.grad), tsrc.grad.numpy(), rtol=1e-12)
    assert gradcheck(lambda a, b: a.scatter_reduce(0, cr.tensor(index), b, "prod", include_self=include_self),
                     [cr.tensor(values, dtype=cr.float64, requires_grad=True),
                      cr.tensor(src_values, dtype=cr.float64, requires_grad=True)])


@pytest.mark.torch
@pytest.mark.parametrize("include_self", [True, False])
def test_prod_second_derivatives_with_lone_zeros_match_torch(include_self, torch) -> None:
    values, src_values, index = PROD_CASES[0]
    x, tx = _pair(values, torch, requires_grad=True)
    src, tsrc = _pair(src_values, torch, requires_grad=True)
    first = cr.autograd.grad(x.scatter_reduce(0, cr.tensor(index), src, "prod", include_self=include_self).sum(),
                             [x, src], create_graph=True)
    theirs = torch.autograd.grad(
        tx.scatter_reduce(0, torch.tensor(index), tsrc, "prod", include_self=include_self).sum(), [tx, tsrc],
        create_graph=True)
    sum((g * g).sum() for g in first).backward()
    sum((g * g).sum() for g in theirs).backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(to_numpy(src.grad), tsrc.grad.numpy(), rtol=1e-12)
    assert gradgradcheck(lambda a, b: a.scatter_reduce(0, cr.tensor(index), b, "prod", include_self=include_self),
                         [cr.tensor(values, dtype=cr.float64, requires_grad=True),
                          cr.tensor(src_values, dtype=cr.float64, requires_grad=True)])


def test_prod_second_derivative_with_two_zeros_at_one_position_is_refused() -> None:
    values, src_values, index = PROD_CASES[1]
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    src = cr.tensor(src_values, dtype=cr.float64, requires_grad=True)
    out = x.scatter_reduce(0, cr.tensor(index), src, "prod").sum()
    with pytest.raises(RuntimeError, match=r"second derivative of reduce='prod' is not supported where more than "
                                            r"one zero of src is scattered to the same position"):
        cr.autograd.grad(out, [src], create_graph=True)


def test_multiply_in_rounds_equals_numpy_multiply_at() -> None:
    # the path CuPy takes for multiply, which has no ufunc.at there
    rng = numpy.random.default_rng(0)
    out = rng.uniform(0.5, 1.5, (3, 4))
    index = (rng.integers(0, 3, (5, 1)), rng.integers(0, 4, (1, 6)))
    values = rng.uniform(0.5, 1.5, (5, 6))
    expected = out.copy()
    numpy.multiply.at(expected, index, values)
    scatter_module._ufunc_at_in_rounds(numpy.multiply, out, index, values)
    numpy.testing.assert_allclose(out, expected, rtol=1e-14)


# -- gradient conventions ---------------------------------------------------------------------------
@pytest.mark.torch
def test_scatter_with_repeated_index_gives_every_src_entry_a_gradient_as_torch(torch) -> None:
    x, tx = _pair([0.0, 0.0, 0.0], torch, requires_grad=True)
    src, tsrc = _pair([1.0, 2.0, 3.0], torch, requires_grad=True)
    ours, theirs = x.scatter(0, _i(0, 0, 1), src), tx.scatter(0, torch.tensor([0, 0, 1]), tsrc)
    _same(ours, theirs)
    ours.backward(cr.tensor([1.0, 10.0, 100.0], dtype=cr.float64))
    theirs.backward(torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64))
    numpy.testing.assert_array_equal(to_numpy(src.grad), tsrc.grad.numpy())
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_share_the_gradient_as_torch(reduce, include_self, torch) -> None:
    x, tx = _pair([1.5, 3.0, 2.0], torch, requires_grad=True)
    src, tsrc = _pair([3.0, 1.0, 3.0, 0.5, 1.0, 1.0], torch, requires_grad=True)
    index = [0, 0, 0, 2, 1, 0]
    ours = x.scatter_reduce(0, cr.tensor(index), src, reduce, include_self=include_self)
    theirs = tx.scatter_reduce(0, torch.tensor(index), tsrc, reduce, include_self=include_self)
    ours.backward(cr.tensor([1.0, 2.0, 4.0], dtype=cr.float64))
    theirs.backward(torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64))
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())
    numpy.testing.assert_array_equal(to_numpy(src.grad), tsrc.grad.numpy())


@pytest.mark.torch
def test_excluded_input_equal_to_the_result_takes_no_share_of_the_gradient(torch) -> None:
    """With include_self=False the input's own entry is not reduced: PyTorch still counts it among the ties when
    it equals the result (src's gradient 0.5 here, while out[0] = min(src) moves 1:1 with src[1]); chainrule
    gives the derivative, which gradcheck confirms."""
    x, tx = _pair([1.0, 3.0, 2.0], torch, requires_grad=True)
    src, tsrc = _pair([3.0, 1.0, 3.0, 0.5, 1.0], torch, requires_grad=True)
    index = [0, 0, 0, 2, 1]
    tx.scatter_reduce(0, torch.tensor(index), tsrc, "amin", include_self=False).sum().backward()
    x.scatter_reduce(0, cr.tensor(index), src, "amin", include_self=False).sum().backward()
    assert tsrc.grad.tolist() == [0.0, 0.5, 0.0, 1.0, 1.0]
    numpy.testing.assert_array_equal(to_numpy(src.grad), [0.0, 1.0, 0.0, 1.0, 1.0])
    numpy.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())
    assert gradcheck(lambda a, b: a.scatter_reduce(0, cr.tensor(index), b, "amin", include_self=False),
                     [cr.tensor([1.0, 3.0, 2.0], dtype=cr.float64, requires_grad=True),
                      cr.tensor([3.0, 1.0, 3.0, 0.5, 1.0], dtype=cr.float64, requires_grad=True)])


# -- in-place forms ---------------------------------------------------------------------------------
def _in_place_calls():
    src = cr.tensor([[10.0, 20.0, 30.0]])
    mask = cr.tensor([[True, False, True], [False, False, True]])
    return [
        ("scatter_", lambda t: t.scatter_(0, _i([1, 0, 1]), src), lambda t: t.scatter(0, _i([1, 0, 1]), src)),
        ("scatter_-value", lambda t: t.scatter_(1, _i([2], [0]), value=5.0),
         lambda t: t.scatter(1, _i([2], [0]), value=5.0)),
        ("scatter_add_", lambda t: t.scatter_add_(0, _i([1, 1, 0]), src),
         lambda t: t.scatter_add(0, _i([1, 1, 0]), src)),
        ("scatter_reduce_", lambda t: t.scatter_reduce_(0, _i([1, 1, 0]), src, "amax", include_self=False),
         lambda t: t.scatter_reduce(0, _i([1, 1, 0]), src, "amax", include_self=False)),
        ("index_put_", lambda t: t.index_put_((_i(1, 1), _i(0, 2)), cr.tensor(7.0), accumulate=True),
         lambda t: t.index_put((_i(1, 1), _i(0, 2)), cr.tensor(7.0), accumulate=True)),
        ("index_add_", lambda t: t.index_add_(1, _i(2, 2), src.reshape(1, 3)[:, :2].expand(2, 2), alpha=2),
         lambda t: t.index_add(1, _i(2, 2), src.reshape(1, 3)[:, :2].expand(2, 2), alpha=2)),
        ("index_copy_", lambda t: t.index_copy_(0, _i(1), src), lambda t: t.index_copy(0, _i(1), src)),
        ("index_fill_", lambda t: t.index_fill_(1, _i(0, 2), -1.0), lambda t: t.index_fill(1, _i(0, 2), -1.0)),
        ("masked_fill_", lambda t: t.masked_fill_(mask, 9.0), lambda t: t.masked_fill(mask, 9.0)),
        ("masked_fill_-broadcast", lambda t: t.masked_fill_(mask[0], cr.tensor(9.0)),
         lambda t: t.masked_fill(mask[0], cr.tensor(9.0))),
        ("masked_scatter_", lambda t: t.masked_scatter_(mask, src), lambda t: t.masked_scatter(mask, src)),
    ]


@pytest.mark.parametrize(("name", "in_place", "out_of_place"), _in_place_calls(), ids=lambda v: v if
                         isinstance(v, str) else "")
def test_in_place_forms_write_the_out_of_place_result_into_the_tensor(name, in_place, out_of_place) -> None:
    base = cr.arange(12.0).reshape(2, 6)
    view = base[:, ::2]  # in place through a view writes into the base
    expected = to_numpy(out_of_place(view.clone()))
    version = view._version[0]
    assert in_place(view) is view
    numpy.testing.assert_array_equal(to_numpy(view), expected)
    numpy.testing.assert_array_equal(to_numpy(base)[:, ::2], expected)
    assert view._version[0] > version


def test_in_place_change_of_a_saved_tensor_is_caught_by_backward() -> None:
    w = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = cr.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.masked_fill_(cr.tensor([True, False, False]), 0.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_in_place_forms_refuse_tensors_that_require_grad() -> None:
    leaf = cr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"masked_fill_\(\) would change a leaf tensor that requires grad in place"):
        leaf.masked_fill_(cr.tensor([True, False, True]), 1.0)
    src = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scatter_add_\(\): an operand requires grad, and in-place ops are not "
                                           r"recorded by autograd; use the out-of-place form \(x = x\.scatter_add"):
        cr.zeros(3).scatter_add_(0, _i(0, 1, 1), src)
    with cr.no_grad():
        target = cr.zeros(3)
        target.scatter_add_(0, _i(0, 1, 1), src)
    numpy.testing.assert_array_equal(to_numpy(target), [1.0, 2.0, 0.0])


def test_in_place_mask_must_broadcast_to_the_tensor() -> None:
    with pytest.raises(RuntimeError, match=r"masked_fill_\(\): the result has shape \(3, 4\), which doesn't fit the "
                                           r"tensor's shape \(4,\)"):
        cr.zeros(4).masked_fill_(cr.ones(3, 4, dtype=cr.bool), 1.0)


def test_methods_are_bound_and_index_put_is_public() -> None:
    for name in scatter_module.METHODS:
        assert getattr(cr.Tensor, name) is scatter_module.METHODS[name], name
    x = cr.zeros(3)
    assert cr.index_put_(x, (_i(1),), cr.tensor(2.0)) is x
    numpy.testing.assert_array_equal(to_numpy(x), [0.0, 2.0, 0.0])


# -- errors -----------------------------------------------------------------------------------------
def _x() -> cr.Tensor:
    return cr.zeros(3, 4)


ERRORS = [
    ("gather-out-of-range", lambda: _x().gather(0, _i([5])), RuntimeError,
     r"gather: index 5 is out of bounds for dimension 0 with size 3"),
    ("gather-negative", lambda: _x().gather(1, _i([0, -1])), RuntimeError,
     r"gather: index -1 is out of bounds for dimension 1 with size 4"),
    ("gather-index-dtype", lambda: _x().gather(0, cr.zeros(1, 1)), RuntimeError,
     r"gather: expected an integer \(int64\) index tensor, got chainrule\.float32; convert it with \.long\(\)"),
    ("gather-index-type", lambda: _x().gather(0, [[0]]), TypeError,
     r"gather: index must be an integer Tensor, got list"),
    ("gather-rank", lambda: _x().gather(0, _i(1)), RuntimeError,
     r"gather: index must have as many dimensions as the input, got index of shape \(1,\) and input of shape "
     r"\(3, 4\)"),
    ("gather-larger-index", lambda: _x().gather(0, cr.zeros(4, 5, dtype=cr.int64)), RuntimeError,
     r"gather: index of shape \(4, 5\) must be no larger than the input \(3, 4\) apart from dimension 0"),
    ("gather-dim", lambda: _x().gather(2, _i([0])), IndexError, r"gather: dim 2 is out of range"),
    ("scatter-out-of-range", lambda: _x().scatter(0, _i([3]), cr.ones(1, 1)), RuntimeError,
     r"scatter: index 3 is out of bounds for dimension 0 with size 3"),
    ("scatter-src-dtype", lambda: _x().scatter(0, _i([1]), cr.ones(1, 1, dtype=cr.float64)), RuntimeError,
     r"scatter: expected src to have the input's dtype chainrule\.float32, got chainrule\.float64"),
    ("scatter-src-smaller", lambda: _x().scatter(0, _i([1, 1, 1]), cr.ones(1, 2)), RuntimeError,
     r"scatter: index of shape \(1, 3\) must be no larger than the input \(3, 4\) apart from dimension 0 and no "
     r"larger than src \(1, 2\)"),
    ("scatter-src-rank", lambda: _x().scatter(0, _i([1]), cr.tensor(2.0)), RuntimeError,
     r"scatter: index must have as many dimensions as src"),
    ("scatter-src-and-value", lambda: _x().scatter(0, _i([1]), cr.ones(1, 1), value=2.0), TypeError,
     r"scatter: give exactly one of src"),
    ("scatter-legacy-reduce", lambda: _x().scatter(0, _i([1]), cr.ones(1, 1), reduce="sum"), RuntimeError,
     r"scatter: reduce must be 'add' or 'multiply', got 'sum'; see scatter_reduce"),
    ("scatter-value-shape", lambda: _x().scatter(0, _i([1]), value=cr.ones(2)), RuntimeError,
     r"scatter: value must be a number or a 0-dimensional tensor, got a tensor of shape \(2,\)"),
    ("scatter_reduce-reduce", lambda: _x().scatter_reduce(0, _i([1]), cr.ones(1, 1), "max"), RuntimeError,
     r"scatter_reduce: reduce must be one of sum, prod, mean, amax, amin, got 'max'"),
    ("scatter_add-src-type", lambda: _x().scatter_add(0, _i([1]), 1.0), TypeError,
     r"scatter_add: src must be a Tensor, got float"),
    ("index_add-out-of-range", lambda: _x().index_add(0, _i(5), cr.ones(1, 4)), RuntimeError,
     r"index_add: index 5 is out of bounds for dimension 0 with size 3"),
    ("index_add-negative", lambda: _x().index_add(0, _i(-1), cr.ones(1, 4)), RuntimeError,
     r"index_add: index -1 is out of bounds for dimension 0 with size 3"),
    ("index_add-source-shape", lambda: _x().index_add(0, _i(1), cr.ones(1, 3)), RuntimeError,
     r"index_add: source of shape \(1, 3\) must have the input's shape \(3, 4\) apart from dimension 0, where it "
     r"needs one entry per index \(1\)"),
    ("index_add-count", lambda: _x().index_add(0, _i(1), cr.ones(2, 4)), RuntimeError,
     r"index_add: source of shape \(2, 4\) .* one entry per index \(1\)"),
    ("index_add-index-rank", lambda: _x().index_add(0, _i([1]), cr.ones(1, 4)), IndexError,
     r"index_add: index must be a vector \(or a scalar\), got shape \(1, 1\)"),
    ("index_add-dtype", lambda: _x().index_add(0, _i(1), cr.ones(1, 4, dtype=cr.float64)), RuntimeError,
     r"index_add: expected source to have the input's dtype chainrule\.float32, got chainrule\.float64"),
    ("index_copy-out-of-range", lambda: _x().index_copy(0, _i(3), cr.ones(1, 4)), IndexError,
     r"index_copy: index 3 is out of bounds for dimension 0 with size 3"),
    ("index_fill-out-of-range", lambda: _x().index_fill(1, _i(4), 1.0), IndexError,
     r"index_fill: index 4 is out of bounds for dimension 1 with size 4"),
    ("index_fill-value", lambda: _x().index_fill(1, _i(0), cr.ones(1)), RuntimeError,
     r"index_fill: value must be a number or a 0-dimensional tensor, got a tensor of shape \(1,\)"),
    ("index_put-out-of-range", lambda: _x().index_put((_i(5),), cr.tensor(1.0)), IndexError,
     r"index_put: index 5 is out of bounds for dimension 0 with size 3"),
    ("index_put-mask-shape", lambda: _x().index_put((cr.tensor([True, False]),), cr.tensor(1.0)), IndexError,
     r"index_put: the shape of the mask \(2,\) at index 0 does not match the shape \(3,\) of the indexed tensor "
     r"\(3, 4\) at dimension 0"),
    ("index_put-too-many", lambda: _x().index_put((_i(0), _i(0), _i(0)), cr.tensor(1.0)), IndexError,
     r"index_put: too many indices for a tensor of dimension 2 \(got 3\)"),
    ("index_put-broadcast", lambda: _x().index_put((_i(0, 1), _i(0, 1, 2)), cr.tensor(1.0)), IndexError,
     r"index_put: the index tensors don't broadcast together, shapes \(2,\), \(3,\)"),
    ("index_put-index-dtype", lambda: _x().index_put((cr.tensor([0.0]),), cr.tensor(1.0)), IndexError,
     r"index_put: index tensors must be integer or bool, got chainrule\.float32"),
    ("index_put-values-shape", lambda: _x().index_put((cr.tensor([True, False, True]),), cr.ones(3)), RuntimeError,
     r"index_put: values of shape \(3,\) can't be broadcast to the indexed shape \(2, 4\)"),
    ("index_put-values-dtype", lambda: _x().index_put((_i(0),), cr.tensor(1.0, dtype=cr.float64)), RuntimeError,
     r"index_put: values must have the input's dtype chainrule\.float32, got chainrule\.float64"),
    ("index_put-indices-type", lambda: _x().index_put(_i(0), cr.tensor(1.0)), TypeError,
     r"index_put: indices must be a non-empty tuple of Tensors"),
    ("masked_fill-mask-dtype", lambda: _x().masked_fill(cr.ones(4, dtype=cr.int64), 1.0), RuntimeError,
     r"masked_fill: expected a bool mask, got chainrule\.int64; compare to build one \(m = x > 0\) or convert it "
     r"with \.bool\(\)"),
    ("masked_fill-mask-shape", lambda: _x().masked_fill(cr.ones(3, dtype=cr.bool), 1.0), RuntimeError,
     r"masked_fill: mask of shape \(3,\) doesn't broadcast with the input of shape \(3, 4\)"),
    ("masked_fill-value-type", lambda: _x().masked_fill(cr.ones(4, dtype=cr.bool), "a"), TypeError,
     r"masked_fill: value must be a number or a 0-dimensional tensor, got str"),
    ("masked_select-mask-dtype", lambda: _x().masked_select(cr.ones(4)), RuntimeError,
     r"masked_select: expected a bool mask, got chainrule\.float32"),
    ("masked_scatter-too-few", lambda: _x().masked_scatter(cr.ones(3, 4, dtype=cr.bool), cr.ones(5)), RuntimeError,
     r"masked_scatter: source has 5 elements, fewer than the 12 true entries of the mask"),
    ("masked_scatter-dtype", lambda: _x().masked_scatter(cr.ones(4, dtype=cr.bool), cr.ones(12, dtype=cr.int64)),
     RuntimeError, r"masked_scatter: expected source to have the input's dtype chainrule\.float32, got "
                   r"chainrule\.int64"),
    ("take_along_dim-rank", lambda: _x().take_along_dim(cr.zeros(2, 5, 2, dtype=cr.int64), 0), RuntimeError,
     r"take_along_dim: input and indices must have the same number of dimensions, got input of shape \(3, 4\) and "
     r"indices of shape \(2, 5, 2\)"),
    ("take_along_dim-broadcast", lambda: _x().take_along_dim(cr.zeros(1, 2, dtype=cr.int64), 0), RuntimeError,
     r"take_along_dim: input of shape \(3, 4\) and indices of shape \(1, 2\) don't broadcast at dimension 1 \(sizes 4 "
     r"and 2\); only dimension 0 may differ"),
    ("take_along_dim-out-of-range", lambda: _x().take_along_dim(_i([0, 3, 0, 0]), 0), RuntimeError,
     r"take_along_dim: index 3 is out of bounds for dimension 0 with size 3"),
    ("take_along_dim-flat-negative", lambda: _x().take_along_dim(_i(-1)), RuntimeError,
     r"take_along_dim: index -1 is out of bounds for dimension 0 with size 12"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*row[1:], id=row[0]) for row in ERRORS])
def test_errors_name_the_problem(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


TORCH_CALLS = {  # the same mistakes in PyTorch, where it raises
    "gather-out-of-range": lambda torch: torch.zeros(3, 4).gather(0, torch.tensor([[5]])),
    "gather-negative": lambda torch: torch.zeros(3, 4).gather(1, torch.tensor([[0, -1]])),
    "scatter-out-of-range": lambda torch: torch.zeros(3, 4).scatter(0, torch.tensor([[3]]), torch.ones(1, 1)),
    "index_add-out-of-range": lambda torch: torch.zeros(3, 4).index_add(0, torch.tensor([5]), torch.ones(1, 4)),
    "index_add-negative": lambda torch: torch.zeros(3, 4).index_add(0, torch.tensor([-1]), torch.ones(1, 4)),
    "index_copy-out-of-range": lambda torch: torch.zeros(3, 4).index_copy(0, torch.tensor([3]), torch.ones(1, 4)),
    "index_fill-out-of-range": lambda torch: torch.zeros(3, 4).index_fill(1, torch.tensor([4]), 1.0),
    "index_put-out-of-range": lambda torch: torch.zeros(3, 4).index_put((torch.tensor([5]),), torch.tensor(1.0)),
    "index_put-mask-shape": lambda torch: torch.zeros(3, 4).index_put((torch.tensor([True, False]),),
                                                                      torch.tensor(1.0)),
    "take_along_dim-flat-negative": lambda torch: torch.zeros(3, 4).take_along_dim(torch.tensor([-1])),
    "masked_fill-mask-dtype": lambda torch: torch.zeros(3, 4).masked_fill(torch.ones(4, dtype=torch.int64), 1.0),
    "scatter-src-dtype": lambda torch: torch.zeros(3, 4).scatter(0, torch.tensor([[1]]),
                                                                 torch.ones(1, 1, dtype=torch.float64)),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_errors_are_torchs_exception_types(name, torch) -> None:
    error = next(row[2] for row in ERRORS if row[0] == name)
    with pytest.raises(error):
        TORCH_CALLS[name](torch)


@pytest.mark.torch
def test_take_along_dim_refuses_indices_that_torch_wraps_silently(torch) -> None:
    # PyTorch reads index 3 of a size-3 dim as 0 (and -4 as -1); chainrule names the bad index instead
    x = torch.arange(12.0).reshape(3, 4)
    assert x.take_along_dim(torch.tensor([[0, 3, 0, 0]]), 0).tolist() == [[0.0, 1.0, 2.0, 3.0]]
    with pytest.raises(RuntimeError, match="take_along_dim: index -4 is out of bounds for dimension 0 with size 3"):
        cr.arange(12.0).reshape(3, 4).take_along_dim(_i([0, -4, 0, 0]), 0)

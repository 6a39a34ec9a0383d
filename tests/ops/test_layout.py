"""chainrule.ops.layout beyond the op table (tests/ops/op_table/layout.py): which results are views of their
input (memory and version counter shared) and which are copies, integer tensors and other results without
gradient against PyTorch, the in-place tril_/triu_, the Tensor methods, and every error message."""

from __future__ import annotations

import importlib
import warnings

import numpy
import pytest

import chainrule as cr
from tests.conftest import to_numpy

layout = importlib.import_module("chainrule.ops.layout")


def _same(ours, theirs) -> None:
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    numpy.testing.assert_array_equal(to_numpy(ours), theirs.numpy())


# -- views and copies -------------------------------------------------------------------------------
VIEWS = [
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("diagonal", lambda x: x.diagonal(1)),
    ("diagonal-dims", lambda x: cr.diagonal(x, -1, 1, 0)),
    ("movedim", lambda x: x.movedim(0, 1)),
    ("swapdims", lambda x: x.swapdims(0, 1)),
    ("unfold", lambda x: x.unfold(1, 2, 1)),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))),
    ("tensor_split", lambda x: x.tensor_split(2, 1)[1]),
    ("atleast_3d", lambda x: cr.atleast_3d(x)),
]
COPIES = [
    ("flip", lambda x: x.flip(0)),
    ("roll", lambda x: x.roll(1, 1)),
    ("roll-no-shift", lambda x: x.roll(0)),
    ("rot90", lambda x: x.rot90()),
    ("tril", lambda x: x.tril()),
    ("diag", lambda x: x.diag()),
    ("repeat_interleave", lambda x: x.repeat_interleave(1, 0)),
    ("block_diag", lambda x: cr.block_diag(x)),
]


@pytest.mark.parametrize(("name", "call"), VIEWS, ids=[name for name, _ in VIEWS])
def test_views_share_memory_and_version_with_their_input(name, call) -> None:
    x = cr.arange(12.0).reshape(3, 4)
    view = call(x)
    version = x._version[0]
    with cr.no_grad():
        view.fill_(-1.0)
    assert (to_numpy(x) == -1.0).sum() == len(numpy.unique(to_numpy(call(cr.arange(12.0).reshape(3, 4)))))
    assert x._version[0] > version


@pytest.mark.parametrize(("name", "call"), COPIES, ids=[name for name, _ in COPIES])
def test_copies_own_their_memory(name, call) -> None:
    x = cr.arange(12.0).reshape(3, 4)
    result = call(x)
    result.fill_(-1.0)
    numpy.testing.assert_array_equal(to_numpy(x), numpy.arange(12.0).reshape(3, 4))


def test_writing_into_a_diagonal_view_is_seen_by_the_graph() -> None:
    w = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = cr.ones(2, 2)
    y = (w * x).sum()
    x.diagonal().zero_()
    numpy.testing.assert_array_equal(to_numpy(x), [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_unfold_gradient_adds_overlapping_windows() -> None:
    x = cr.arange(6.0, requires_grad=True)
    x.unfold(0, 3, 1).sum().backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), [1.0, 2.0, 3.0, 3.0, 2.0, 1.0])


def test_repeat_interleave_gradient_sums_the_copies() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.repeat_interleave(cr.tensor([2, 0, 3])).sum().backward()
    numpy.testing.assert_array_equal(to_numpy(x.grad), [2.0, 0.0, 3.0])


# -- results without gradient, against PyTorch ------------------------------------------------------
INTEGER_CALLS = [
    ("flip", lambda m, x: m.flip(x, (0, 1))),
    ("roll", lambda m, x: m.roll(x, (1, -1), (0, 1))),
    ("rot90", lambda m, x: m.rot90(x, 3)),
    ("tril", lambda m, x: m.tril(x, -1)),
    ("triu", lambda m, x: m.triu(x, 1)),
    ("diag", lambda m, x: m.diag(x, 1)),
    ("diag-1d", lambda m, x: m.diag(x[0], -1)),
    ("diag_embed", lambda m, x: m.diag_embed(x)),
    ("diagflat", lambda m, x: m.diagflat(x)),
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, 1)),
    ("cartesian_prod", lambda m, x: m.cartesian_prod(x[0], x[1])),
    ("block_diag", lambda m, x: m.block_diag(x, x[0])),
    ("unfold", lambda m, x: x.unfold(1, 2, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "call"), INTEGER_CALLS, ids=[name for name, _ in INTEGER_CALLS])
def test_integer_and_bool_tensors_match_torch(name, call, torch) -> None:
    values = numpy.arange(12).reshape(3, 4) - 5
    _same(call(cr, cr.tensor(values)), call(torch, torch.tensor(values)))
    _same(call(cr, cr.tensor(values > 0)), call(torch, torch.tensor(values > 0)))


@pytest.mark.torch
def test_repeat_interleave_of_counts_alone_gives_repeated_indices(torch) -> None:
    _same(cr.repeat_interleave(cr.tensor([2, 0, 3])), torch.repeat_interleave(torch.tensor([2, 0, 3])))


@pytest.mark.torch
@pytest.mark.parametrize("split", [3, [1, 5], (2,), [-2, 9]])
def test_tensor_split_takes_tensors_as_torch(split, torch) -> None:
    values = numpy.arange(14.0).reshape(7, 2)
    argument = numpy.array(split)
    ours = cr.tensor_split(cr.tensor(values), cr.tensor(argument), 0)
    theirs = torch.tensor_split(torch.tensor(values), torch.tensor(argument), 0)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        _same(a, b)


def test_meshgrid_without_indexing_warns_and_uses_ij() -> None:
    x, y = cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0, 5.0])
    with pytest.warns(UserWarning, match="meshgrid: pass indexing='ij'"):
        grid = cr.meshgrid(x, y)
    assert grid[0].shape == (2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr.meshgrid([x, y], indexing="xy")[0].shape == (3, 2)


@pytest.mark.torch
def test_block_diag_promotes_dtypes_and_of_nothing_is_empty(torch) -> None:
    ours = cr.block_diag(cr.ones(1, 2), cr.ones(2, 1, dtype=cr.float64))
    _same(ours, torch.block_diag(torch.ones(1, 2), torch.ones(2, 1, dtype=torch.float64)))
    assert cr.block_diag().shape == tuple(torch.block_diag().shape)


def test_atleast_takes_several_tensors_or_one_sequence() -> None:
    one, several = cr.tensor(1.0), (cr.tensor(1.0), cr.zeros(2, 3))
    assert cr.atleast_2d(one).shape == (1, 1)
    assert [t.shape for t in cr.atleast_2d(*several)] == [(1, 1), (2, 3)]
    assert [t.shape for t in cr.atleast_3d(list(several))] == [(1, 1, 1), (2, 3, 1)]
    assert cr.atleast_1d(several[1]) is several[1]


# -- in-place and methods ---------------------------------------------------------------------------
@pytest.mark.parametrize(("in_place", "out_of_place"), [("tril_", "tril"), ("triu_", "triu")])
def test_tril_and_triu_in_place(in_place, out_of_place) -> None:
    x = cr.arange(12.0).reshape(3, 4)
    expected = to_numpy(getattr(x, out_of_place)(1))
    version = x._version[0]
    assert getattr(x, in_place)(1) is x
    numpy.testing.assert_array_equal(to_numpy(x), expected)
    assert x._version[0] > version
    with pytest.raises(RuntimeError, match=rf"{in_place}\(\) would change a leaf tensor that requires grad"):
        getattr(cr.zeros(2, 2, requires_grad=True), in_place)()


def test_methods_are_bound_with_torchs_signatures() -> None:
    for name, method in layout.METHODS.items():
        assert getattr(cr.Tensor, name) is method, name
    x = cr.arange(6.0).reshape(2, 3)
    numpy.testing.assert_array_equal(to_numpy(x.flip(0, 1)), to_numpy(cr.flip(x, (0, 1))))
    numpy.testing.assert_array_equal(to_numpy(x.flip([1])), to_numpy(cr.flip(x, 1)))
    assert x.moveaxis(0, -1).shape == (3, 2)
    assert cr.swapaxes(x, 0, 1).shape == x.swapaxes(0, 1).shape == (3, 2)


# -- errors -----------------------------------------------------------------------------------------
def _x() -> cr.Tensor:
    return cr.zeros(3, 4)


ERRORS = [
    ("flip-repeated", lambda: cr.flip(_x(), (0, -2)), RuntimeError, r"flip: dims \(0, -2\) name the same dimension"),
    ("flip-dim", lambda: cr.flip(_x(), (2,)), IndexError, r"flip: dim 2 is out of range for a tensor with 2"),
    ("fliplr-1d", lambda: cr.fliplr(cr.zeros(3)), RuntimeError,
     r"fliplr: input must have at least 2 dimensions, got shape \(3,\)"),
    ("flipud-0d", lambda: cr.flipud(cr.tensor(1.0)), RuntimeError, r"flipud: input must have at least 1 dimension"),
    ("roll-flattened-shifts", lambda: cr.roll(_x(), (1, 2)), RuntimeError,
     r"roll: with dims=None, shifts must be a single int, got \(1, 2\)"),
    ("roll-lengths", lambda: cr.roll(_x(), (1, 2), 0), RuntimeError,
     r"roll: shifts \(1, 2\) and dims 0 must have the same length"),
    ("roll-0d", lambda: cr.roll(cr.tensor(1.0), 1, 0), IndexError, r"roll: dims 0 given for a 0-d tensor"),
    ("rot90-dims", lambda: cr.rot90(_x(), 1, (0,)), RuntimeError, r"rot90: dims must name 2 dimensions, got \(0,\)"),
    ("rot90-same", lambda: cr.rot90(_x(), 1, (1, 1)), RuntimeError, r"rot90: dims \(1, 1\) name the same dimension"),
    ("rot90-1d", lambda: cr.rot90(cr.zeros(3)), RuntimeError, r"rot90: input must have at least 2 dimensions"),
    ("tril-1d", lambda: cr.tril(cr.zeros(3)), RuntimeError,
     r"tril: input must have at least 2 dimensions, got shape \(3,\)"),
    ("triu-diagonal", lambda: cr.triu(_x(), 0.5), TypeError, r"triu: diagonal must be an int, got float 0\.5"),
    ("diag-3d", lambda: cr.diag(cr.zeros(2, 3, 4)), RuntimeError,
     r"diag: input must have 1 or 2 dimensions, got shape \(2, 3, 4\)"),
    ("diagonal-same-dims", lambda: cr.diagonal(_x(), 0, 1, -1), RuntimeError,
     r"diagonal: dim1 and dim2 must differ, got 1 and -1"),
    ("diagonal-1d", lambda: cr.diagonal(cr.zeros(3)), IndexError,
     r"diagonal: dim 1 is out of range for a tensor with 1 dimension \(expected -1 to 0\)"),
    ("diag_embed-0d", lambda: cr.diag_embed(cr.tensor(1.0)), IndexError,
     r"diag_embed: input must have at least 1 dimension, got a 0-d tensor"),
    ("diag_embed-dim", lambda: cr.diag_embed(_x(), 0, 0, 3), IndexError,
     r"diag_embed: dim 3 is out of range for a tensor with 2 dimensions \(expected -3 to 2\)"),
    ("narrow-length", lambda: cr.narrow(_x(), 0, 1, 5), RuntimeError,
     r"narrow: start \(1\) \+ length \(5\) exceeds the size 3 of dimension 0"),
    ("narrow-start", lambda: _x().narrow(1, -5, 1), IndexError,
     r"narrow: start -5 is out of range for dimension 1 of size 4"),
    ("narrow-negative-length", lambda: _x().narrow(1, 0, -1), RuntimeError,
     r"narrow: length must be non-negative, got -1"),
    ("narrow-0d", lambda: cr.narrow(cr.tensor(1.0), 0, 0, 1), RuntimeError, r"narrow: can't be applied to a 0-d"),
    ("unbind-0d", lambda: cr.unbind(cr.tensor(1.0)), IndexError, r"unbind: can't unbind a 0-d tensor"),
    ("unflatten-sizes", lambda: _x().unflatten(1, (3, -1)), RuntimeError,
     r"unflatten: sizes \(3, -1\) don't multiply up to the size 4 of dimension 1"),
    ("unflatten-empty", lambda: _x().unflatten(1, ()), RuntimeError, r"unflatten: sizes must be non-empty"),
    ("repeat_interleave-count", lambda: _x().repeat_interleave(cr.tensor([1, 2]), 0), RuntimeError,
     r"repeat_interleave: repeats must have one count per entry along dim \(3\), got 2"),
    ("repeat_interleave-negative", lambda: _x().repeat_interleave(-1, 0), RuntimeError,
     r"repeat_interleave: repeats must be non-negative, got \[-1\]"),
    ("repeat_interleave-float", lambda: _x().repeat_interleave(cr.tensor([1.0, 2.0, 0.0]), 0), TypeError,
     r"repeat_interleave: repeats must be an integer tensor, got chainrule\.float32"),
    ("repeat_interleave-rank", lambda: _x().repeat_interleave(cr.tensor([[1, 2, 0]]), 0), RuntimeError,
     r"repeat_interleave: repeats must be 0-d or 1-D, got shape \(1, 3\)"),
    ("repeat_interleave-output_size", lambda: _x().repeat_interleave(2, 0, output_size=5), RuntimeError,
     r"repeat_interleave: output_size is 5 but the repeats give 6"),
    ("repeat_interleave-0d-dim", lambda: cr.tensor(1.0).repeat_interleave(2, 0), IndexError,
     r"repeat_interleave: dim given for a 0-d tensor"),
    ("meshgrid-2d", lambda: cr.meshgrid(cr.zeros(2, 2), cr.zeros(3), indexing="ij"), RuntimeError,
     r"meshgrid: expected 0-d or 1-D tensors, got shape \(2, 2\) at position 0"),
    ("meshgrid-dtypes", lambda: cr.meshgrid(cr.zeros(2), cr.zeros(3, dtype=cr.float64), indexing="ij"), RuntimeError,
     r"meshgrid: expected tensors of one dtype and device, got chainrule\.float32 on cpu and chainrule\.float64"),
    ("meshgrid-none", lambda: cr.meshgrid(indexing="ij"), RuntimeError, r"meshgrid: expected a non-empty sequence"),
    ("meshgrid-indexing", lambda: cr.meshgrid(cr.zeros(2), indexing="ji"), RuntimeError,
     r"meshgrid: indexing must be 'ij' or 'xy', got 'ji'"),
    ("tensor_split-sections", lambda: cr.tensor_split(cr.zeros(7), 0), RuntimeError,
     r"tensor_split: the number of sections must be positive, got 0"),
    ("tensor_split-0d", lambda: cr.tensor_split(cr.tensor(1.0), 1), RuntimeError,
     r"tensor_split: expected a tensor with at least 1 dimension"),
    ("tensor_split-float-tensor", lambda: cr.tensor_split(cr.zeros(7), cr.tensor([1.0])), RuntimeError,
     r"tensor_split: indices_or_sections must be an int, a 0-d or 1-D integer tensor or a sequence of ints"),
    ("hsplit-indivisible", lambda: cr.hsplit(cr.zeros(2, 6), 4), RuntimeError,
     r"hsplit: the size 6 of dimension 1 is not divisible into 4 equal sections; give indices to split at, or use "
     r"tensor_split"),
    ("vsplit-1d", lambda: cr.vsplit(cr.zeros(6), 3), RuntimeError,
     r"vsplit: expected a tensor with at least 2 dimensions, got shape \(6,\)"),
    ("dsplit-2d", lambda: cr.dsplit(cr.zeros(2, 6), 3), RuntimeError,
     r"dsplit: expected a tensor with at least 3 dimensions, got shape \(2, 6\)"),
    ("hsplit-0d", lambda: cr.hsplit(cr.tensor(1.0), 1), RuntimeError,
     r"hsplit: expected a tensor with at least 1 dimension"),
    ("movedim-repeated", lambda: cr.movedim(cr.zeros(2, 3, 4), (0, 0), (2, 1)), RuntimeError,
     r"movedim: dims \(0, 0\) name the same dimension twice"),
    ("movedim-lengths", lambda: cr.movedim(cr.zeros(2, 3, 4), (0, 1), (2,)), RuntimeError,
     r"movedim: source \(0, 1\) and destination \(2,\) must name as many dimensions"),
    ("movedim-dim", lambda: cr.movedim(cr.zeros(2, 3, 4), 0, 5), IndexError, r"movedim: dim 5 is out of range"),
    ("unfold-size", lambda: cr.zeros(7).unfold(0, 8, 2), RuntimeError,
     r"unfold: size 8 must be in \[0, 7\], the size of dimension 0"),
    ("unfold-step", lambda: cr.zeros(7).unfold(0, 3, 0), RuntimeError, r"unfold: step must be positive, got 0"),
    ("block_diag-3d", lambda: cr.block_diag(cr.zeros(2, 2, 2)), RuntimeError,
     r"block_diag: blocks must have at most 2 dimensions, got shape \(2, 2, 2\) at 0"),
    ("cartesian_prod-2d", lambda: cr.cartesian_prod(cr.zeros(2, 2)), RuntimeError,
     r"cartesian_prod: expected 1-D tensors, got \(2, 2\) at position 0"),
]


@pytest.mark.parametrize(("call", "error", "message"), [pytest.param(*row[1:], id=row[0]) for row in ERRORS])
def test_errors_name_the_problem(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


TORCH_CALLS = {  # the same mistakes in PyTorch: it raises the same exception types
    "flip-repeated": lambda torch: torch.flip(torch.zeros(3, 4), (0, -2)),
    "flip-dim": lambda torch: torch.flip(torch.zeros(3, 4), (2,)),
    "roll-lengths": lambda torch: torch.roll(torch.zeros(3, 4), (1, 2), 0),
    "roll-0d": lambda torch: torch.roll(torch.tensor(1.0), 1, 0),
    "diag_embed-0d": lambda torch: torch.diag_embed(torch.tensor(1.0)),
    "narrow-length": lambda torch: torch.narrow(torch.zeros(3, 4), 0, 1, 5),
    "narrow-start": lambda torch: torch.zeros(3, 4).narrow(1, -5, 1),
    "unbind-0d": lambda torch: torch.unbind(torch.tensor(1.0)),
    "diagonal-1d": lambda torch: torch.diagonal(torch.zeros(3)),
    "repeat_interleave-count": lambda torch: torch.zeros(3, 4).repeat_interleave(torch.tensor([1, 2]), 0),
    "meshgrid-indexing": lambda torch: torch.meshgrid(torch.zeros(2), indexing="ji"),
    "hsplit-indivisible": lambda torch: torch.hsplit(torch.zeros(2, 6), 4),
    "movedim-repeated": lambda torch: torch.movedim(torch.zeros(2, 3, 4), (0, 0), (2, 1)),
    "movedim-dim": lambda torch: torch.movedim(torch.zeros(2, 3, 4), 0, 5),
    "unfold-size": lambda torch: torch.zeros(7).unfold(0, 8, 2),
    "block_diag-3d": lambda torch: torch.block_diag(torch.zeros(2, 2, 2)),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_errors_are_torchs_exception_types(name, torch) -> None:
    error = next(row[2] for row in ERRORS if row[0] == name)
    with pytest.raises(error):
        TORCH_CALLS[name](torch)

"""Every user-facing error of the ops, with its message: what is wrong (shapes, dims, dtypes) and the fix.

One table: each row is (id, call, exception type, regex the message must match).
"""

from __future__ import annotations

import re

import pytest

import chainrule as cr
from tests.conftest import requires_cuda


def _m(*shape: int) -> cr.Tensor:
    return cr.zeros(*shape)


ERRORS = [
    # dtype agreement: binary ops, where and cat promote (tests/test_pytorch_semantics.py); products don't
    ("matmul_dtypes", lambda: _m(2, 2) @ cr.zeros(2, 2, dtype=cr.float64), TypeError,
     r"matmul: .*chainrule\.float32 and chainrule\.float64"),
    # matmul
    ("matmul_shapes", lambda: _m(64, 100) @ _m(784, 10), RuntimeError,
     r"matmul: shapes cannot be multiplied \(64x100 and 784x10\)"),
    ("matmul_vector", lambda: _m(3, 4) @ _m(5), RuntimeError,
     r"shapes cannot be multiplied \(3x4 and 5\).*last dimension of the first \(4\).*first dimension"),
    ("matmul_batch", lambda: _m(2, 3, 4) @ _m(3, 4, 5), RuntimeError,
     r"matmul: batch dimensions of \(2, 3, 4\) and \(3, 4, 5\) do not broadcast"),
    ("matmul_0d", lambda: cr.tensor(2.0) @ _m(2), RuntimeError,
     r"matmul: both arguments need at least 1 dimension, got shapes \(\) and \(2,\); use \*"),
    # reshape / view
    ("reshape_size", lambda: _m(2, 3).reshape(4), RuntimeError,
     r"reshape: shape \(4,\) is invalid for input of shape \(2, 3\) \(6 elements\)"),
    ("reshape_inferred", lambda: _m(2, 3).reshape(-1, 4), RuntimeError,
     r"reshape: shape \(-1, 4\) is invalid for input of shape \(2, 3\) \(6 elements\)"),
    ("reshape_two_inferred", lambda: _m(2, 3).reshape(-1, -1), ValueError,
     r"reshape: only one dimension can be inferred \(-1\), got \(-1, -1\)"),
    ("view_size", lambda: _m(2, 3).view(7), RuntimeError, r"view: shape \(7,\) is invalid for input of shape \(2, 3\)"),
    ("view_non_contiguous", lambda: _m(2, 3).T.view(6), RuntimeError,
     r"view: shape \(6,\) is not compatible with the memory layout .*shape \(3, 2\).*use \.reshape"),
    # dim out of range: names the dim and the tensor's number of dimensions
    ("sum_dim", lambda: _m(2, 3).sum(2), IndexError,
     r"sum: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)"),
    ("sum_negative_dim", lambda: _m(2, 3).sum(-3), IndexError,
     r"sum: dim -3 is out of range for a tensor with 2 dimensions"),
    ("mean_dim", lambda: _m(2, 3).mean(dim=(0, 5)), IndexError,
     r"mean: dim 5 is out of range for a tensor with 2 dimensions"),
    ("squeeze_dim", lambda: _m(2, 1).squeeze(3), IndexError,
     r"squeeze: dim 3 is out of range for a tensor with 2 dimensions"),
    ("unsqueeze_dim", lambda: _m(2, 3).unsqueeze(4), IndexError,
     r"unsqueeze: dim 4 is out of range for a tensor with 2 dimensions \(expected -3 to 2\)"),
    ("transpose_dim", lambda: _m(2, 3).transpose(0, 5), IndexError,
     r"transpose: dim 5 is out of range for a tensor with 2 dimensions"),
    ("cat_dim", lambda: cr.cat([_m(2, 3), _m(2, 3)], dim=2), IndexError,
     r"cat: dim 2 is out of range for a tensor with 2 dimensions"),
    ("stack_dim", lambda: cr.stack([_m(2, 3), _m(2, 3)], dim=4), IndexError,
     r"stack: dim 4 is out of range for a tensor with 2 dimensions \(expected -3 to 2\)"),
    ("split_dim", lambda: _m(2, 3).split(1, dim=3), IndexError,
     r"split: dim 3 is out of range for a tensor with 2 dimensions"),
    ("dim_not_int", lambda: _m(2, 3).sum(1.0), TypeError, r"sum: dim must be an int, got float 1\.0"),
    ("sum_repeated_dim", lambda: _m(2, 3).sum((1, -1)), ValueError,
     r"sum: dim \(1, -1\) names the same dimension twice"),
    # permute / expand / repeat
    ("permute_length", lambda: _m(2, 3).permute(0), ValueError,
     r"permute: got 1 dims \(0,\) for a tensor with 2 dimensions"),
    ("permute_repeated", lambda: _m(2, 3).permute(1, 1), ValueError, r"permute: dims \(1, 1\) repeat a dimension"),
    ("expand_incompatible", lambda: _m(2, 3).expand(4, 3), RuntimeError,
     r"expand: the size 2 of dimension 0 can't become 4 .*tensor shape \(2, 3\), target \(4, 3\)"),
    ("expand_fewer_dims", lambda: _m(2, 3).expand(3), RuntimeError,
     r"expand: target shape \(3,\) has fewer dimensions than the tensor \(2, 3\)"),
    ("expand_new_minus_one", lambda: _m(3).expand(-1, 3), RuntimeError,
     r"expand: -1 is not allowed for a new leading dimension \(target \(-1, 3\)\)"),
    ("repeat_counts", lambda: _m(2, 3).repeat(2), RuntimeError,
     r"repeat: got 1 repeat counts for a tensor with 2 dimensions; give at least 2"),
    # cat / stack / split / chunk
    ("cat_shapes", lambda: cr.cat([_m(2, 3), _m(2, 4)]), RuntimeError,
     r"cat: sizes must match except in dimension 0: tensor 0 has shape \(2, 3\), tensor 1 has shape \(2, 4\)"),
    ("cat_ndim", lambda: cr.cat([_m(2, 3), _m(3)]), RuntimeError,
     r"cat: .*tensor 0 has shape \(2, 3\), tensor 1 has shape \(3,\)"),
    ("cat_empty", lambda: cr.cat([]), ValueError, r"cat: expected a non-empty sequence of tensors"),
    ("cat_non_tensor", lambda: cr.cat([_m(2), [1.0, 2.0]]), TypeError,
     r"cat: expected a sequence of Tensors, got an element of type list"),
    ("stack_shapes", lambda: cr.stack([_m(2, 3), _m(3, 2)]), RuntimeError,
     r"stack: expects tensors of equal shape, tensor 0 has shape \(2, 3\), tensor 1 has shape \(3, 2\)"),
    ("split_sections", lambda: _m(3, 2).split([1, 1]), ValueError,
     r"split: sections \[1, 1\] must be non-negative and sum to the size 3 of dim 0"),
    ("split_size", lambda: _m(3).split(0), ValueError, r"split: split_size must be positive, got 0"),
    ("chunk_zero", lambda: _m(4).chunk(0), ValueError, r"chunk: chunks must be positive, got 0"),
    ("chunk_negative", lambda: cr.chunk(_m(4), -2), ValueError, r"chunk: chunks must be positive, got -2"),
    # pad
    ("pad_odd", lambda: cr.pad(_m(2, 3), (1, 1, 1)), ValueError,
     r"pad: needs an even number of sizes covering at most 2 dimensions, got \(1, 1, 1\)"),
    ("pad_too_many_dims", lambda: cr.pad(_m(3), (1, 1, 1, 1)), ValueError,
     r"pad: needs an even number of sizes covering at most 1 dimensions, got \(1, 1, 1, 1\)"),
    ("pad_negative", lambda: cr.pad(_m(3), (-1, 1)), ValueError,
     r"pad: negative padding \(cropping\) is not supported, got \(-1, 1\); slice the tensor instead"),
    ("pad_mode", lambda: cr.pad(_m(3), (1, 1), mode="mirror"), ValueError,
     r"pad: unknown mode 'mirror'; use 'constant', 'reflect', 'replicate' or 'circular'"),
    ("pad_reflect_too_large", lambda: cr.pad(_m(2, 3), (3, 0), mode="reflect"), ValueError,
     r"pad: reflect padding must be smaller than the dimension size 3, got \(3, 0\)"),
    # indexing
    ("getitem_range", lambda: _m(2, 3)[5], IndexError,
     r"index 5 is out of bounds for axis 0 with size 2 \(indexing a tensor of shape \(2, 3\) with 5\)"),
    ("getitem_second_axis", lambda: _m(2, 3)[:, 3], IndexError,
     r"index 3 is out of bounds for axis 1 with size 3 \(indexing a tensor of shape \(2, 3\)"),
    ("getitem_too_many", lambda: _m(2)[0, 0], IndexError, r"indexing a tensor of shape \(2,\)"),
    ("getitem_tensor_index", lambda: _m(2, 3)[cr.tensor([0, 4])], IndexError,
     r"index 4 is out of bounds .*indexing a tensor of shape \(2, 3\)"),
    ("index_select_range", lambda: _m(3, 2).index_select(0, cr.tensor([0, 5])), IndexError,
     r"index_select: index out of range for dimension 0 of size 3"),
    ("index_select_negative", lambda: _m(3, 2).index_select(1, cr.tensor([-3])), IndexError,
     r"index_select: index out of range for dimension 1 of size 2"),
    ("index_select_float", lambda: _m(3).index_select(0, cr.tensor([0.0])), TypeError,
     r"index_select: index must be a 1-D integer tensor, got float32 of shape \(1,\)"),
    ("index_select_2d", lambda: _m(3).index_select(0, cr.tensor([[0]])), TypeError,
     r"index_select: index must be a 1-D integer tensor, got int64 of shape \(1, 1\)"),
    ("index_select_dim", lambda: _m(3).index_select(1, cr.tensor([0])), IndexError,
     r"index_select: dim 1 is out of range for a tensor with 1 dimension"),
    # reductions and elementwise
    ("mean_int", lambda: cr.tensor([1, 2]).mean(), TypeError,
     r"mean: needs a floating-point tensor, got chainrule\.int64; use \.float\(\)"),
    ("var_int", lambda: cr.tensor([1, 2]).var(), TypeError,
     r"var: needs a floating-point tensor, got chainrule\.int64"),
    ("logsumexp_int", lambda: cr.tensor([1, 2]).logsumexp(), TypeError, r"logsumexp: needs a floating-point tensor"),
    ("var_both", lambda: _m(3).var(unbiased=True, correction=0), ValueError,
     r"var: pass either unbiased or correction, not both"),
    ("std_both", lambda: _m(3).std(unbiased=False, correction=1), ValueError,
     r"std|var: pass either unbiased or correction, not both"),
    ("max_empty", lambda: _m(0).max(), RuntimeError, r"max: the tensor is empty \(shape \(0,\)\); there is no maximum"),
    ("min_empty", lambda: cr.min(_m(2, 0), 1), RuntimeError,
     r"min: the tensor is empty \(shape \(2, 0\)\); there is no minimum"),
    ("argmax_empty", lambda: _m(0).argmax(), RuntimeError, r"argmax: the tensor is empty \(shape \(0,\)\)"),
    ("clamp_no_bounds", lambda: _m(3).clamp(), ValueError, r"clamp: at least one of min and max must be given"),
    ("where_condition", lambda: cr.where(cr.tensor([1, 0]), _m(2), _m(2)), TypeError,
     r"where: condition must be a bool tensor, got chainrule\.int64"),
    ("where_no_tensor", lambda: cr.where(cr.tensor([True]), 1.0, 0.0), TypeError,
     r"where: at least one of input and other must be a Tensor"),
    ("pow_negative_base", lambda: cr.pow(-2.0, _m(3)), ValueError,
     r"pow: a scalar base must be positive to differentiate c \*\* x, got -2\.0"),
    ("pow_zero_base", lambda: 0 ** _m(3), ValueError, r"pow: a scalar base must be positive .*got 0"),
    ("sum_to_size", lambda: _m(2, 3).sum_to_size(4), ValueError,
     r"sum_to_size: shape \(4,\) does not broadcast to the tensor's shape \(2, 3\)"),
    ("flatten_order", lambda: _m(2, 3, 4).flatten(2, 1), ValueError, r"flatten: start_dim 2 comes after end_dim 1"),
    # operands
    ("string_operand", lambda: _m(2) + "a", TypeError, r"add: unsupported operand of type str"),
    # broadcasting: reported by the op in the user's terms, not as NumPy's "(2,3) (4,)"
    ("broadcast_add", lambda: _m(2, 3) + _m(4), RuntimeError, r"add: .*\(2, 3\).*\(4,\)"),
    ("broadcast_mul", lambda: _m(2, 3) * _m(2), RuntimeError, r"mul: .*\(2, 3\).*\(2,\)"),
]


@pytest.mark.parametrize(("call", "error", "message"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_error_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_table_ids_are_unique():
    names = [row[0] for row in ERRORS]
    assert len(names) == len(set(names))
    for row in ERRORS:
        re.compile(row[3])


@requires_cuda
def test_device_mismatch_names_both_devices():
    with pytest.raises(RuntimeError, match=r"add: expected both tensors on the same device, got cpu and cuda:0; "
                                           r"move one with \.to\('cpu'\)"):
        cr.zeros(2) + cr.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match=r"matmul: expected both tensors on the same device"):
        cr.zeros(2, 2, device="cuda") @ cr.zeros(2, 2)


def test_dtype_mismatch_suggests_converting_integer_data_to_the_float_dtype() -> None:
    layer = cr.nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"got chainrule\.int64 and chainrule\.float32; convert one, e\.g\. "
                                        r"\.to\(chainrule\.float32\)"):
        layer(cr.tensor([[1, 2, 3]]))

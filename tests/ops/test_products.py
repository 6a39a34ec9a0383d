"""What the op table does not drive for chainrule.ops.products: error messages, einsum's equation forms and
its contraction through matmul, the Tensor methods, integer products, the scaled sums at beta = 0, and the
norms' gradients at zero and at ties (PyTorch's conventions). The table (tests/ops/op_table/products.py)
checks values and gradients of every op against PyTorch and finite differences."""

from __future__ import annotations

import math

import numpy
import pytest

import chainrule as cr
import chainrule.linalg
from tests.conftest import to_numpy


def _pair(shape_a, shape_b, dtype=cr.float64):
    rng = numpy.random.default_rng(0)
    return cr.tensor(rng.standard_normal(shape_a), dtype=dtype), cr.tensor(rng.standard_normal(shape_b), dtype=dtype)


def _random(*shape, seed=0):
    return numpy.random.default_rng(seed).standard_normal(shape)


# -- shape errors, worded as PyTorch's ---------------------------------------------------------------------
PRODUCT_ERRORS = [
    (lambda: cr.mm(*_pair((2, 3), (4, 5))), r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda: cr.mm(*_pair((3,), (3, 4))), r"mm: self must be a matrix \(2-D\), got shape \(3,\)"),
    (lambda: cr.mm(*_pair((2, 3), (3,))), r"mm: mat2 must be a matrix"),
    (lambda: cr.bmm(*_pair((2, 3), (2, 3, 4))), r"bmm: batch1 must be a 3D tensor"),
    (lambda: cr.bmm(*_pair((2, 2, 3), (3, 3, 4))),
     r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"),
    (lambda: cr.mv(*_pair((2, 3), (4,))), r"mv: size mismatch, got mat \(2x3\) and vec \(4\)"),
    (lambda: cr.mv(*_pair((2, 3), (3, 1))), r"mv: expected a matrix and a vector, got 2-D and 2-D"),
    (lambda: cr.dot(*_pair((2, 3), (2, 3))), r"1D tensors expected, but got 2D and 2D tensors"),
    (lambda: cr.dot(*_pair((3,), (4,))), r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
    (lambda: cr.vdot(*_pair((3, 1), (3,))), r"1D tensors expected, but got 2D and 1D tensors"),
    (lambda: cr.outer(*_pair((3, 1), (3,))), r"outer: Expected 1-D argument self, but got 2-D"),
    (lambda: cr.inner(*_pair((2, 3), (4,))),
     r"inner\(\) the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]"),
    (lambda: cr.addmm(*_pair((3, 5), (2, 3)), _pair((3, 5), (1,))[0]),
     r"addmm: input of shape \(3, 5\) does not broadcast to the product's shape \(2, 5\)"),
    (lambda: cr.addbmm(_pair((2, 2), (1,))[0], *_pair((2, 2, 3), (3, 3, 2))),
     r"batch1 and batch2 must have same number of batches, got 2 and 3"),
    (lambda: cr.tensordot(*_pair((2, 3), (4, 5)), dims=1),
     r"contracted dimensions need to match, but first has size 3 in dim -1 and second has size 4 in dim 0"),
    (lambda: cr.tensordot(*_pair((2, 3), (3, 5)), dims=([1, 0], [0])), r"both dimension lists should have same length"),
    (lambda: cr.tensordot(*_pair((2, 3), (3, 5)), dims=-1), r"tensordot expects dims >= 0, but got dims=-1"),
    (lambda: cr.tensordot(*_pair((2, 3), (3, 5)), dims=3), r"tensordot: dims=3 contracts more dimensions"),
]


@pytest.mark.parametrize(("call", "message"), PRODUCT_ERRORS)
def test_product_shape_errors_name_the_shapes(call, message) -> None:
    with pytest.raises(RuntimeError, match=message):
        call()


def test_products_of_tensors_of_different_dtypes_say_how_to_convert() -> None:
    a, b = _pair((2, 3), (3, 4))
    with pytest.raises(TypeError, match=r"mm: expected tensors of the same dtype, got chainrule.float64 and "
                                        r"chainrule.float32"):
        cr.mm(a, b.float())
    with pytest.raises(TypeError, match=r"mm: mat2 must be a Tensor, got list"):
        cr.mm(a, [[1.0]])


EINSUM_ERRORS = [
    (("ij,jk", (2, 3)), r"einsum\(\): fewer operands were provided than specified in the equation"),
    (("i", (2,), (2,)), r"einsum\(\): more operands were provided than specified in the equation"),
    (("ij,jk", (2, 3), (4, 5)),
     r"einsum\(\): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    (("ijk,jk", (2, 3), (3, 5)), r"einsum\(\): the number of subscripts in the equation \(3\) does not match the "
                                 r"number of dimensions \(2\) for operand 0 and no ellipsis was given"),
    (("ij...", (2,)), r"einsum\(\): the number of subscripts in the equation \(2\) is more than the number of "
                      r"dimensions \(1\) for operand 0"),
    (("ij->k", (2, 3)), r"einsum\(\): output subscript k does not appear in the equation for any input operand"),
    (("ij->ii", (2, 3)), r"einsum\(\): output subscript i appears more than once in the output"),
    (("i1->i", (2, 3)), r"einsum\(\): invalid subscript given at index 1 in the equation string, subscripts must be "
                        r"in \[a-zA-Z\]"),
    (("ij->j->i", (2, 3)), r"einsum\(\): invalid subscript given at index 5"),
    (("ii->i", (2, 3)), r"einsum\(\): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    (("i..j", (2, 3)), r"einsum\(\): found '.' for operand 0 that is not part of any ellipsis"),
    (("......", (2,)), r"einsum\(\): found '.' for operand 0 for which an ellipsis was already found"),
    (("...ij,...jk", (5, 2, 2, 3), (4, 3, 2)),
     r"einsum\(\): dimension 0 covered by ellipsis in operand 1 has size 4 which does not broadcast"),
]


@pytest.mark.parametrize(("arguments", "message"), EINSUM_ERRORS, ids=[e[0][0] for e in EINSUM_ERRORS])
def test_einsum_errors_are_pytorchs(arguments, message, torch) -> None:
    equation, *shapes = arguments
    with pytest.raises(RuntimeError, match=message):
        cr.einsum(equation, *(cr.tensor(_random(*shape)) for shape in shapes))
    with pytest.raises(RuntimeError):  # PyTorch refuses it too
        torch.einsum(equation, *(torch.from_numpy(_random(*shape)) for shape in shapes))


def test_einsum_argument_errors() -> None:
    x = cr.tensor(_random(2, 3))
    with pytest.raises(TypeError, match=r"the sublist format einsum\(a, \[0, 1\], b, \[1, 2\]\) is not supported"):
        cr.einsum(x, [0, 1])
    with pytest.raises(ValueError, match=r"at least one operand"):
        cr.einsum("i")
    with pytest.raises(TypeError, match=r"einsum: operand 1 must be a Tensor, got ndarray"):
        cr.einsum("ij,jk", x, _random(3, 2))


# -- einsum: equation forms against PyTorch -------------------------------------------------------------------
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("bAa", [(2, 3, 4)]),  # implicit output: alphabetical in ASCII, capitals first
    ("Ba,aC", [(2, 3), (3, 4)]),
    ("i...", [(2, 3, 4)]),
    ("...ij->ij", [(5, 2, 3)]),
    ("ij->...", [(2, 3)]),
    ("i...j,j...->i...", [(2, 5, 3), (3, 5)]),
    ("iii->i", [(3, 3, 3)]),
    ("iij,jkk->ik", [(2, 2, 3), (3, 4, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # a size-1 contracted subscript broadcasts
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 2), (2, 5)]),
    ("ab,cd->abcd", [(2, 3), (4, 1)]),
    ("ij,kj->", [(0, 3), (2, 3)]),  # empty
    (",->", [(), ()]),
]


@pytest.mark.parametrize(("equation", "shapes"), EQUATIONS, ids=[e[0] for e in EQUATIONS])
def test_einsum_matches_torch(equation, shapes, torch) -> None:
    arrays = [_random(*shape, seed=k) for k, shape in enumerate(shapes)]
    leaves = [cr.tensor(array, requires_grad=True) for array in arrays]
    torch_leaves = [torch.from_numpy(array).requires_grad_() for array in arrays]
    result = cr.einsum(equation, *leaves)
    expected = torch.einsum(equation, *torch_leaves)
    assert result.shape == tuple(expected.shape)
    numpy.testing.assert_allclose(to_numpy(result), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = _random(*expected.shape, seed=9)
    result.backward(cr.tensor(upstream))
    expected.backward(torch.from_numpy(upstream))
    for leaf, torch_leaf in zip(leaves, torch_leaves, strict=True):
        numpy.testing.assert_allclose(to_numpy(leaf.grad), torch_leaf.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_einsum_takes_operands_as_one_list_and_integer_tensors(torch) -> None:
    a, b = _pair((2, 3), (3, 4))
    numpy.testing.assert_allclose(to_numpy(cr.einsum("ij,jk", [a, b])), to_numpy(a @ b), rtol=1e-14)
    numpy.testing.assert_allclose(to_numpy(cr.einsum("ij,jk", (a, b))), to_numpy(a @ b), rtol=1e-14)
    integers = cr.arange(6).reshape(2, 3)
    result = cr.einsum("ij,ij->i", integers, integers)
    assert result.dtype == cr.int64
    assert result.tolist() == torch.einsum("ij,ij->i", *(torch.arange(6).reshape(2, 3),) * 2).tolist()


def _node_names(tensor: cr.Tensor) -> set[str]:
    """The op names of the nodes of `tensor`'s graph."""
    names, stack, seen = set(), [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not getattr(node, "_is_function", False):
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack.extend(node.parents)
    return names


def test_einsum_contracts_through_matmul() -> None:
    """Contractions are matrix products, not elementwise products and sums (the gradient comes from matmul's)."""
    a, b = (cr.tensor(_random(8, 64, 32), requires_grad=True), cr.tensor(_random(8, 32, 16), requires_grad=True))
    result = cr.einsum("bij,bjk->bik", a, b)
    assert "MatMul" in _node_names(result)
    assert "Mul" not in _node_names(result)
    numpy.testing.assert_allclose(to_numpy(result), to_numpy(a @ b), rtol=1e-12)


# -- Tensor methods, integer products, beta = 0 -----------------------------------------------------------------
METHODS = [
    ("mm", [(2, 3), (3, 4)]), ("bmm", [(2, 2, 3), (2, 3, 4)]), ("mv", [(2, 3), (3,)]), ("dot", [(3,), (3,)]),
    ("vdot", [(3,), (3,)]), ("inner", [(2, 3), (4, 3)]), ("outer", [(2,), (3,)]), ("ger", [(2,), (3,)]),
    ("kron", [(2, 2), (2, 3)]), ("addmm", [(2, 4), (2, 3), (3, 4)]), ("addmv", [(2,), (2, 3), (3,)]),
    ("addr", [(2, 3), (2,), (3,)]), ("baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("addbmm", [(2, 4), (2, 2, 3), (2, 3, 4)]), ("norm", [(2, 3)]),
]


@pytest.mark.parametrize(("name", "shapes"), METHODS, ids=[m[0] for m in METHODS])
def test_tensor_methods_are_the_functions(name, shapes) -> None:
    tensors = [cr.tensor(_random(*shape, seed=k)) for k, shape in enumerate(shapes)]
    method = getattr(tensors[0], name)(*tensors[1:])
    numpy.testing.assert_array_equal(to_numpy(method), to_numpy(getattr(cr, name)(*tensors)))


def test_integer_products_stay_integer(torch) -> None:
    a = cr.arange(6).reshape(2, 3)
    for name in ("mm", "inner", "kron"):
        other = a.T if name == "mm" else a
        result = getattr(cr, name)(a, other)
        expected = getattr(torch, name)(torch.arange(6).reshape(2, 3), torch.arange(6).reshape(2, 3).T
                                        if name == "mm" else torch.arange(6).reshape(2, 3))
        assert result.dtype == cr.int64
        assert result.tolist() == expected.tolist()
    assert cr.dot(cr.arange(3), cr.arange(3)).item() == 5


def test_a_zero_beta_drops_the_input_with_its_nan_as_torch(torch) -> None:
    mat1, mat2 = _pair((3, 4), (4, 2))
    nan = numpy.full((3, 2), math.nan)
    input = cr.tensor(nan, requires_grad=True)
    torch_input = torch.from_numpy(nan).requires_grad_()
    result = cr.addmm(input, mat1, mat2, beta=0)
    expected = torch.addmm(torch_input, torch.from_numpy(to_numpy(mat1)), torch.from_numpy(to_numpy(mat2)), beta=0)
    numpy.testing.assert_allclose(to_numpy(result), expected.detach().numpy(), rtol=1e-14)
    result.sum().backward()
    expected.sum().backward()
    numpy.testing.assert_array_equal(to_numpy(input.grad), torch_input.grad.numpy())  # zeros, not NaN


def test_dot_of_vectors_is_0d_and_products_keep_float32() -> None:
    a, b = _pair((3,), (3,), dtype=cr.float32)
    assert cr.dot(a, b).shape == ()
    assert cr.dot(a, b).dtype == cr.float32
    assert cr.einsum("i,i->", a, b).dtype == cr.float32
    assert cr.tensordot(a, b, dims=1).shape == ()


# -- norms: conventions at zero and at ties, errors -------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, 3, 1.5, 0.5, -1, math.inf, -math.inf])
def test_vector_norm_of_zeros_has_a_zero_gradient_as_torch(ord, torch) -> None:
    x = cr.zeros(3, dtype=cr.float64, requires_grad=True)
    norm = chainrule.linalg.vector_norm(x, ord)
    norm.backward()
    torch_x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.linalg.vector_norm(torch_x, ord).backward()
    assert norm.item() == 0.0
    numpy.testing.assert_array_equal(to_numpy(x.grad), torch_x.grad.numpy())
    assert not numpy.isnan(to_numpy(x.grad)).any()


@pytest.mark.parametrize("values", [[1.0, -3.0, 3.0, 0.0], [1.0, -3.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
@pytest.mark.parametrize("ord", [math.inf, -math.inf, 0.5, -1, 1, 3])
def test_vector_norm_gradients_at_ties_and_zeros_follow_torch(values, ord, torch) -> None:
    """inf-norm: ties share the gradient evenly (PyTorch's mask / count); p < 1: 0 at zero elements."""
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    torch_x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    result = chainrule.linalg.vector_norm(x, ord)
    expected = torch.linalg.vector_norm(torch_x, ord)
    numpy.testing.assert_allclose(result.item(), expected.item(), rtol=1e-14)
    result.backward()
    expected.backward()
    numpy.testing.assert_allclose(to_numpy(x.grad), torch_x.grad.numpy(), rtol=1e-14, atol=0)


def test_vector_norm_0_counts_nonzeros_with_a_zero_gradient(torch) -> None:
    """PyTorch leaves the gradient undefined (None); chainrule gives zeros, the derivative of a count."""
    x = cr.tensor([1.0, 0.0, -2.0, 0.0], dtype=cr.float64, requires_grad=True)
    count = chainrule.linalg.vector_norm(x, 0)
    assert count.item() == torch.linalg.vector_norm(torch.tensor([1.0, 0.0, -2.0, 0.0]), 0).item() == 2.0
    count.backward()
    assert to_numpy(x.grad).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_matrix_2_norm_shares_the_gradient_between_tied_singular_values(torch) -> None:
    eye = cr.eye(3, dtype=cr.float64, requires_grad=True)
    torch_eye = torch.eye(3, dtype=torch.float64, requires_grad=True)
    for ord in (2, "nuc"):
        eye.grad, torch_eye.grad = None, None
        chainrule.linalg.matrix_norm(eye, ord).backward()
        torch.linalg.matrix_norm(torch_eye, ord).backward()
        numpy.testing.assert_allclose(to_numpy(eye.grad), torch_eye.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_frobenius_norm_of_zeros_has_a_zero_gradient() -> None:
    zeros = cr.zeros(2, 2, dtype=cr.float64, requires_grad=True)
    chainrule.linalg.matrix_norm(zeros).backward()
    assert to_numpy(zeros.grad).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_norms_of_empty_tensors_and_other_edge_cases_follow_torch(torch) -> None:
    empty = cr.zeros(0, dtype=cr.float64)
    assert chainrule.linalg.vector_norm(empty).item() == 0.0
    with pytest.raises(RuntimeError, match=r"cannot compute the inf norm on an empty tensor"):
        chainrule.linalg.vector_norm(empty, math.inf)
    with pytest.raises(RuntimeError, match=r"cannot compute the -1 norm on an empty tensor"):
        chainrule.linalg.vector_norm(empty, -1)
    x = cr.tensor(_random(3, 4))
    assert chainrule.linalg.vector_norm(x, dim=()).shape == ()  # an empty dim reduces everything, as PyTorch
    assert chainrule.linalg.vector_norm(cr.tensor(-3.0)).item() == 3.0
    assert chainrule.linalg.vector_norm(x, dtype=cr.float32).dtype == cr.float32
    assert chainrule.linalg.norm(x, keepdim=True).shape == (1, 1)
    expected = torch.linalg.vector_norm(torch.tensor([3.0, -4.0]), -1).item()
    assert chainrule.linalg.vector_norm(cr.tensor([3.0, -4.0]), -1).item() == pytest.approx(expected)


NORM_ERRORS = [
    (lambda: chainrule.linalg.vector_norm(cr.arange(3)), TypeError,
     r"linalg.vector_norm: needs a floating-point tensor, got chainrule.int64; convert it with .float\(\)"),
    (lambda: chainrule.linalg.vector_norm(cr.ones(3), "fro"), TypeError, r"ord must be a number"),
    (lambda: chainrule.linalg.matrix_norm(cr.ones(3, 3), 3), RuntimeError,
     r"linalg.matrix_norm: Order 3 not supported"),
    (lambda: chainrule.linalg.matrix_norm(cr.ones(3)), RuntimeError,
     r"linalg.matrix_norm: The input tensor A must have at least 2 dimensions"),
    (lambda: chainrule.linalg.matrix_norm(cr.ones(3, 3), dim=(0, 0)), RuntimeError,
     r"linalg.matrix_norm: dims must be different. Got \(0, 0\)"),
    (lambda: chainrule.linalg.norm(cr.ones(2, 3, 3), ord=2), RuntimeError,
     r"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D"),
    (lambda: chainrule.linalg.norm(cr.ones(2, 3, 3), dim=(0, 1, 2)), RuntimeError,
     r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"),
    (lambda: chainrule.linalg.norm(cr.ones(2, 3, 3), ord="fro", dim=1), RuntimeError,
     r"linalg.matrix_norm: dim must be a 2-tuple. Got 1"),
    (lambda: cr.norm(cr.ones(2, 3, 3), p="nuc"), RuntimeError, r"linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"),
    (lambda: cr.norm(cr.ones(2, 3), p="foo"), RuntimeError, r"linalg.matrix_norm: Order foo not supported"),
    (lambda: chainrule.linalg.cross(cr.ones(3, 4), cr.ones(3, 4)), RuntimeError,
     r"linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"),
]


@pytest.mark.parametrize(("call", "error", "message"), NORM_ERRORS)
def test_norm_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

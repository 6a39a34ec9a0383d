"""What the op table does not drive for chainrule.ops.decompositions: LinAlgError for singular and indefinite
matrices, shape and dtype errors, the results of slogdet/logdet at singular and negative determinants, det's
gradient at a singular matrix, the QR modes, cholesky's symmetric gradient, empty matrices, the named tuples
and the Tensor methods. The table (tests/ops/op_table/decompositions.py) checks values, gradients and second
derivatives against PyTorch and finite differences."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
import chainrule.linalg
from chainrule.autograd import gradcheck
from tests.conftest import to_numpy

SINGULAR = [[1.0, 2.0], [2.0, 4.0]]


def _matrix(values, requires_grad=False) -> cr.Tensor:
    return cr.tensor(values, dtype=cr.float64, requires_grad=requires_grad)


def _well_conditioned(*shape: int, seed: int = 0) -> numpy.ndarray:
    rng = numpy.random.default_rng(seed)
    return rng.uniform(-1, 1, shape) + (shape[-1] + 1) * numpy.eye(shape[-1])


# -- LinAlgError ---------------------------------------------------------------------------------------
def test_linalg_error_is_a_runtime_error_as_torchs() -> None:
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("function", [chainrule.linalg.inv, cr.inverse, lambda a: chainrule.linalg.solve(a, a[0])])
def test_a_singular_matrix_raises_linalg_error_naming_the_fix(function) -> None:
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"the matrix is singular; check that its rows are linearly "
                                                           r"independent, or regularize it \(A \+ eps \* I\)"):
        function(_matrix(SINGULAR))


def test_the_error_names_the_failing_batch_element() -> None:
    batch = _matrix([numpy.eye(2), SINGULAR, SINGULAR])
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"linalg.inv: the matrix is singular \(batch element 1\)"):
        chainrule.linalg.inv(batch)
    indefinite = _matrix([numpy.eye(3), numpy.eye(3), -numpy.eye(3)])
    with pytest.raises(chainrule.linalg.LinAlgError,
                       match=r"linalg.cholesky: the matrix is not positive-definite \(batch element 2\); "
                             r"Cholesky needs a symmetric positive-definite matrix"):
        chainrule.linalg.cholesky(indefinite)


def test_torch_raises_its_linalg_error_on_the_same_inputs(torch) -> None:
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(SINGULAR))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.cholesky(-torch.eye(3))


SHAPE_ERRORS = [
    (lambda: chainrule.linalg.inv(cr.ones(2, 3, dtype=cr.float64)), RuntimeError,
     r"linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: chainrule.linalg.det(cr.ones(3, dtype=cr.float64)), RuntimeError,
     r"linalg.det: the input tensor A must have at least 2 dimensions, got shape \(3,\)"),
    (lambda: chainrule.linalg.inv(cr.eye(2, dtype=cr.int64)), TypeError,
     r"linalg.inv: A must be floating point, got a chainrule.int64 tensor of shape \(2, 2\); convert it with "
     r".float\(\)"),
    (lambda: chainrule.linalg.solve(cr.eye(3, dtype=cr.float64), cr.ones(2, dtype=cr.float64)), RuntimeError,
     r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x1\)"),
    (lambda: chainrule.linalg.solve(cr.eye(3, dtype=cr.float64), cr.ones(2, 3, dtype=cr.float64), left=False),
     None, None),
    (lambda: chainrule.linalg.solve(cr.eye(3, dtype=cr.float64), cr.ones(3, dtype=cr.float64), left=False),
     RuntimeError, r"linalg.solve: Incompatible shapes of A and B for the equation XA = B \(3x3 and 3x1\)"),
    (lambda: chainrule.linalg.solve(cr.ones(2, 3, 3, dtype=cr.float64), cr.ones(4, 3, 1, dtype=cr.float64)),
     RuntimeError, r"linalg.solve: the batch dimensions of A \(2, 3, 3\) and B \(4, 3, 1\) do not broadcast"),
    (lambda: chainrule.linalg.solve(cr.eye(3, dtype=cr.float64), cr.ones(3)), TypeError,
     r"linalg.solve: expected tensors of the same dtype"),
    (lambda: chainrule.linalg.cholesky(cr.ones(2, 3, dtype=cr.float64)), RuntimeError,
     r"linalg.cholesky: A must be batches of square matrices"),
    (lambda: chainrule.linalg.qr(cr.ones(3, 2, dtype=cr.float64), mode="foo"), RuntimeError,
     r"qr received unrecognized mode 'foo' but expected one of 'reduced' \(default\), 'r', or 'complete'"),
    (lambda: chainrule.linalg.qr(cr.ones(3, dtype=cr.float64)), RuntimeError,
     r"linalg.qr: the input tensor A must have at least 2 dimensions"),
]


@pytest.mark.parametrize(("call", "error", "message"), SHAPE_ERRORS)
def test_shape_and_dtype_errors(call, error, message) -> None:
    if error is None:  # a valid call among the invalid ones: XA = B with B of n columns
        assert call().shape == (2, 3)
        return
    with pytest.raises(error, match=message):
        call()


# -- determinants at singular and negative matrices ---------------------------------------------------------
def test_slogdet_and_logdet_at_singular_and_negative_determinants_follow_torch(torch) -> None:
    for values in (SINGULAR, [[-1.0, 0.0], [0.0, 2.0]], -numpy.eye(3)):
        sign, logabsdet = cr.slogdet(_matrix(values))
        expected = torch.linalg.slogdet(torch.tensor(values, dtype=torch.float64))
        assert sign.item() == expected.sign.item()
        assert logabsdet.item() == pytest.approx(expected.logabsdet.item())
        numpy.testing.assert_equal(cr.logdet(_matrix(values)).item(),
                                   torch.logdet(torch.tensor(values, dtype=torch.float64)).item())


def test_logdet_of_a_negative_determinant_is_nan_with_a_zero_gradient_as_torch(torch) -> None:
    values = [[-1.0, 0.0], [0.0, 2.0]]
    a = _matrix(values, requires_grad=True)
    torch_a = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    cr.logdet(a).backward()
    torch.logdet(torch_a).backward()
    numpy.testing.assert_array_equal(to_numpy(a.grad), torch_a.grad.numpy())


def test_slogdet_sign_is_in_the_graph_with_a_zero_gradient(torch) -> None:
    a = cr.tensor(_well_conditioned(3, 3), requires_grad=True)
    sign, _ = chainrule.linalg.slogdet(a)
    assert sign.requires_grad == torch.linalg.slogdet(torch.eye(3, requires_grad=True)).sign.requires_grad
    sign.backward()
    assert not to_numpy(a.grad).any()


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix() -> None:
    """d det(A)/dA is the cofactor matrix everywhere (det is a polynomial); PyTorch 2.13 returns zeros here."""
    a = _matrix(SINGULAR, requires_grad=True)
    cr.det(a).backward()
    numpy.testing.assert_allclose(to_numpy(a.grad), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    rank_one = _matrix(numpy.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0]), requires_grad=True)
    assert gradcheck(cr.det, [rank_one])  # rank 1: all cofactors are 0
    batch = _matrix([SINGULAR, numpy.eye(2) * 2], requires_grad=True)
    cr.det(batch).sum().backward()
    numpy.testing.assert_allclose(to_numpy(batch.grad), [[[4.0, -2.0], [-2.0, 1.0]], numpy.eye(2) * 2], atol=1e-12)


def test_det_second_derivatives_at_a_singular_matrix_are_refused() -> None:
    a = _matrix(SINGULAR, requires_grad=True)
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"det backward: second derivatives"):
        cr.autograd.grad(cr.det(a), [a], create_graph=True)


def test_slogdet_backward_at_a_singular_matrix_names_the_problem() -> None:
    a = _matrix(SINGULAR, requires_grad=True)
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"slogdet backward: the matrix is singular"):
        cr.slogdet(a).logabsdet.backward()


# -- cholesky and QR ----------------------------------------------------------------------------------------
def test_cholesky_gradient_is_symmetric_as_torchs(torch) -> None:
    """Only the lower triangle is read, but the gradient is the symmetric one (the input taken as symmetric)."""
    rng = numpy.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 4, 4))
    values = x @ x.swapaxes(-1, -2) + numpy.eye(4)
    upstream = rng.standard_normal((2, 4, 4))
    for upper in (False, True):
        a = cr.tensor(values, requires_grad=True)
        torch_a = torch.from_numpy(values).requires_grad_()
        result = chainrule.linalg.cholesky(a, upper=upper)
        expected = torch.linalg.cholesky(torch_a, upper=upper)
        numpy.testing.assert_allclose(to_numpy(result), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        result.backward(cr.tensor(upstream))
        expected.backward(torch.from_numpy(upstream))
        numpy.testing.assert_allclose(to_numpy(a.grad), torch_a.grad.numpy(), rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(to_numpy(a.grad), to_numpy(a.grad).swapaxes(-1, -2), rtol=1e-12)


def test_qr_modes_match_torch(torch) -> None:
    values = numpy.random.default_rng(1).standard_normal((2, 4, 3))
    for mode in ("reduced", "complete", "r"):
        q, r = chainrule.linalg.qr(cr.tensor(values), mode=mode)
        expected = torch.linalg.qr(torch.from_numpy(values), mode=mode)
        assert q.shape == tuple(expected.Q.shape)
        numpy.testing.assert_allclose(to_numpy(q), expected.Q.numpy(), rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(to_numpy(r), expected.R.numpy(), rtol=1e-10, atol=1e-12)
    q, r = cr.qr(cr.tensor(values), some=False)
    assert (q.shape, r.shape) == ((2, 4, 4), (2, 4, 3))


def test_qr_gradient_of_r_alone_is_that_of_the_reduced_mode() -> None:
    """PyTorch refuses to differentiate mode='r'; R is the reduced R, so chainrule gives its gradient."""
    values = numpy.random.default_rng(2).standard_normal((4, 3))
    a = cr.tensor(values, requires_grad=True)
    chainrule.linalg.qr(a, mode="r").R.sum().backward()
    b = cr.tensor(values, requires_grad=True)
    chainrule.linalg.qr(b).R.sum().backward()
    numpy.testing.assert_array_equal(to_numpy(a.grad), to_numpy(b.grad))
    assert gradcheck(lambda x: chainrule.linalg.qr(x, mode="r").R, [cr.tensor(values, requires_grad=True)])


def test_complete_qr_of_a_tall_matrix_is_not_differentiable_as_torch() -> None:
    a = cr.tensor(numpy.random.default_rng(3).standard_normal((4, 2)), requires_grad=True)
    q, _ = chainrule.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match=r"not differentiable when mode='complete' and nrows > ncols \(4 > 2\)"):
        q.sum().backward()


# -- shapes, dtypes, named tuples, methods --------------------------------------------------------------------
def test_empty_matrices_follow_torch(torch) -> None:
    empty = cr.zeros(0, 0, dtype=cr.float64)
    assert chainrule.linalg.inv(empty).shape == (0, 0)
    assert chainrule.linalg.det(empty).item() == torch.linalg.det(torch.zeros(0, 0)).item() == 1.0
    assert chainrule.linalg.det(cr.zeros(2, 0, 0, dtype=cr.float64)).tolist() == [1.0, 1.0]
    assert chainrule.linalg.solve(empty, cr.zeros(0, 2, dtype=cr.float64)).shape == (0, 2)


def test_results_keep_float32() -> None:
    a = cr.tensor(_well_conditioned(3, 3), dtype=cr.float32)
    spd = a @ a.mT
    results = [chainrule.linalg.inv(a), chainrule.linalg.det(a), *chainrule.linalg.slogdet(a), cr.logdet(spd),
               chainrule.linalg.cholesky(spd), *chainrule.linalg.qr(a), chainrule.linalg.svdvals(a),
               chainrule.linalg.solve(a, a[0])]
    assert {result.dtype for result in results} == {cr.float32}


def test_named_tuples() -> None:
    a = cr.tensor(_well_conditioned(3, 3))
    result = chainrule.linalg.slogdet(a)
    assert result.sign is result[0] and result.logabsdet is result[1]
    factors = chainrule.linalg.qr(a)
    assert factors.Q is factors[0] and factors.R is factors[1]
    numpy.testing.assert_allclose(to_numpy(factors.Q @ factors.R), to_numpy(a), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["inverse", "det", "logdet", "slogdet", "cholesky", "qr"])
def test_tensor_methods_are_the_functions(name) -> None:
    values = _well_conditioned(3, 3)
    a = cr.tensor(values @ values.T)
    method, function = getattr(a, name)(), getattr(cr, name)(a)
    for from_method, from_function in zip(method if isinstance(method, tuple) else [method],
                                          function if isinstance(function, tuple) else [function], strict=True):
        numpy.testing.assert_array_equal(to_numpy(from_method), to_numpy(from_function))


def test_svdvals_are_descending_and_match_torch(torch) -> None:
    values = numpy.random.default_rng(4).standard_normal((2, 3, 5))
    result = to_numpy(chainrule.linalg.svdvals(cr.tensor(values)))
    numpy.testing.assert_allclose(result, torch.linalg.svdvals(torch.from_numpy(values)).numpy(), rtol=1e-12)
    assert (numpy.diff(result, axis=-1) <= 0).all()

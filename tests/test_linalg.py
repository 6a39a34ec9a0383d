"""chainrule.linalg: the torch.linalg namespace, a thin re-export of the ops (chainrule/ops/decompositions.py and
products.py, where their tests live)."""

from __future__ import annotations

import doctest

import numpy
import pytest

import chainrule as cr
import chainrule.linalg
from chainrule.ops import decompositions, linalg, products
from tests.conftest import to_numpy


def test_every_name_is_torch_linalgs(torch) -> None:
    missing = [name for name in chainrule.linalg.__all__ if not hasattr(torch.linalg, name)]
    assert missing == []
    assert all(hasattr(chainrule.linalg, name) for name in chainrule.linalg.__all__)


def test_the_names_are_the_ops() -> None:
    assert chainrule.linalg.inv is decompositions.inv
    assert chainrule.linalg.solve is decompositions.solve
    assert chainrule.linalg.det is cr.det
    assert chainrule.linalg.slogdet is cr.slogdet
    assert chainrule.linalg.cholesky is cr.cholesky
    assert chainrule.linalg.qr is decompositions.linalg_qr
    assert chainrule.linalg.svdvals is decompositions.svdvals
    assert chainrule.linalg.norm is products.linalg_norm
    assert chainrule.linalg.vector_norm is products.vector_norm
    assert chainrule.linalg.matrix_norm is products.matrix_norm
    assert chainrule.linalg.matmul is linalg.matmul is cr.matmul
    assert chainrule.linalg.LinAlgError is decompositions.LinAlgError


def test_linalg_error_is_caught_as_a_runtime_error() -> None:
    with pytest.raises(RuntimeError) as caught:
        chainrule.linalg.inv(cr.zeros(2, 2, dtype=cr.float64))
    assert type(caught.value) is chainrule.linalg.LinAlgError


def test_the_module_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(chainrule.linalg, "chainrule.linalg", globs={"chainrule": cr}):
        runner.run(test)
    assert runner.failures == 0
    assert runner.tries >= 3


def test_a_pytorch_style_program_runs_unchanged(torch) -> None:
    """A least-squares fit through the normal equations, a Cholesky solve and a norm penalty, written for
    torch.linalg, gives PyTorch's values and gradients with `torch` replaced by `chainrule`."""

    def program(lib, x, y, w):
        gram = x.mT @ x + 0.1 * lib.eye(3, dtype=lib.float64)
        lower = lib.linalg.cholesky(gram)
        coefficients = lib.linalg.solve(lower.mT, lib.linalg.solve(lower, x.mT @ y))
        residual = x @ coefficients - y
        return (lib.linalg.vector_norm(residual) + lib.linalg.matrix_norm(w, "nuc")
                + lib.linalg.slogdet(gram).logabsdet + lib.einsum("ij,ij->", w, w))

    rng = numpy.random.default_rng(0)
    arrays = [rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal((3, 3))]
    leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
    torch_leaves = [torch.from_numpy(a).requires_grad_() for a in arrays]
    result, expected = program(cr, *leaves), program(torch, *torch_leaves)
    numpy.testing.assert_allclose(result.item(), expected.item(), rtol=1e-12)
    result.backward()
    expected.backward()
    for leaf, torch_leaf in zip(leaves, torch_leaves, strict=True):
        numpy.testing.assert_allclose(to_numpy(leaf.grad), torch_leaf.grad.numpy(), rtol=1e-10, atol=1e-12)

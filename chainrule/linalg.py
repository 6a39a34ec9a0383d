"""chainrule.linalg: PyTorch's torch.linalg — decompositions, solves and norms with gradients.

A thin namespace over chainrule.ops.decompositions and chainrule.ops.products, where the ops and their
derivatives live. Example:

    >>> A = chainrule.randn(3, 3, dtype=chainrule.float64) + 3 * chainrule.eye(3, dtype=chainrule.float64)
    >>> x = chainrule.linalg.solve(A, chainrule.ones(3, dtype=chainrule.float64))
    >>> chainrule.linalg.vector_norm(A @ x - 1) < 1e-12
    tensor(True)
"""

from __future__ import annotations

from chainrule.ops.decompositions import (
    LinAlgError,
    cholesky,
    det,
    inv,
    slogdet,
    solve,
    svdvals,
)
from chainrule.ops.decompositions import linalg_qr as qr
from chainrule.ops.linalg import matmul
from chainrule.ops.products import cross, matrix_norm, vecdot, vector_norm
from chainrule.ops.products import linalg_norm as norm

__all__ = [
    "LinAlgError", "cholesky", "cross", "det", "inv", "matmul", "matrix_norm", "norm", "qr", "slogdet", "solve",
    "svdvals", "vecdot", "vector_norm",
]

"""Linear algebra with gradients: inv, solve, det, slogdet, logdet, cholesky, qr, svdvals (chainrule.linalg).

Each op works on the last two dimensions; leading ones are a batch. Backward is the derivative from the
literature, written once: the solves and inverses it needs go through `_solve` and `_inverse`, which run the
LAPACK routine on arrays and the differentiable Solve / Inverse on Tensors, so one rule serves plain backward
and create_graph (as `sum_to` serves both). An op with several results (slogdet, qr, the SVD) returns them
packed into one array whose parts the public function slices out (the recurrent ops' pattern): each part's
gradient lands in its slice, zero where a part is unused.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds. The
names only torch.linalg has (inv, solve, svdvals, linalg.qr) are public here but reach users through
chainrule.linalg.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy

from chainrule import backend
from chainrule.autograd.function import Function, sum_to
from chainrule.ops import _checks
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor

__all__ = ["cholesky", "det", "inverse", "logdet", "qr", "slogdet"]


class LinAlgError(RuntimeError):
    """A matrix is singular or not positive-definite (PyTorch's torch.linalg.LinAlgError, a RuntimeError)."""


_SINGULAR = ("the matrix is singular", "check that its rows are linearly independent, or regularize it "
             "(A + eps * I)")
_NOT_POSITIVE_DEFINITE = ("the matrix is not positive-definite", "Cholesky needs a symmetric positive-definite "
                          "matrix: check that it is symmetric, or add a small multiple of the identity (A + eps * I) "
                          "to a positive semi-definite one")


# -- LAPACK calls and their failures -----------------------------------------------------------------
def _attempt(routine: Callable, *arrays: Any) -> Any:
    """routine(*arrays), raising numpy's LinAlgError on failure on CuPy too (which returns NaN instead)."""
    result = routine(*arrays)
    xp = backend.array_module(arrays[0])
    if xp is not numpy and not bool(xp.isfinite(result).all()) and bool(xp.isfinite(arrays[0]).all()):
        raise numpy.linalg.LinAlgError("non-finite result")
    return result


def _lapack(op: str, failure: tuple[str, str], routine: Callable, *arrays: Any) -> Any:
    """routine(*arrays) (matrices of the same batch shape), or a LinAlgError naming the problem, the first
    failing batch element and the fix."""
    try:
        return _attempt(routine, *arrays)
    except numpy.linalg.LinAlgError:
        pass
    element = ""
    if arrays[0].ndim > 2:
        for position, index in enumerate(numpy.ndindex(arrays[0].shape[:-2])):
            try:
                _attempt(routine, *(array[index] for array in arrays))
            except numpy.linalg.LinAlgError:
                element = f" (batch element {position})"
                break
    problem, fix = failure
    raise LinAlgError(f"{op}: {problem}{element}; {fix}")


def _array(value: Any) -> Any:
    """The array of a Tensor, or the array itself (backward runs on both)."""
    return value._data if value.__class__ is Tensor else value


def _inverse(a: Any, op: str) -> Any:
    """inv(a) on an array, or the differentiable Inverse of a Tensor: backward rules call it in both modes."""
    return Inverse(op).apply(a) if a.__class__ is Tensor else Inverse(op).forward(a)


def _solve(a: Any, b: Any) -> Any:
    """a^{-1} b (b a batch of matrices) on arrays, or the differentiable Solve when either is a Tensor."""
    if a.__class__ is Tensor or b.__class__ is Tensor:
        as_tensor = [value if value.__class__ is Tensor else _checks.constant(value) for value in (a, b)]
        return Solve().apply(*as_tensor)
    return Solve().forward(a, b)


def _transpose(a: Any) -> Any:
    return a.swapaxes(-1, -2)


def _masks(like: Any) -> tuple[Any, Any]:
    """The lower-triangular mask (diagonal included) and the strictly lower one, for square `like` matrices."""
    array = _array(like)
    xp = backend.array_module(array)
    ones = xp.ones(array.shape[-2:], dtype=array.dtype)
    return xp.tril(ones), xp.tril(ones, -1)


def _pack(xp: Any, *parts: Any) -> Any:
    """The parts (batches of matrices or vectors of one batch shape) flattened and joined on one last axis."""
    batch = parts[0].shape[:-2]
    flat = [part.reshape((*batch, math.prod(part.shape[len(batch):]))) for part in parts]
    return xp.concatenate(flat, axis=-1)


def _unpack(packed: Any, shapes: tuple) -> list:
    """The parts of `_pack` (arrays or Tensors), given their shapes without the batch."""
    batch, parts, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(packed[..., start:start + size].reshape((*batch, *shape)))
        start += size
    return parts


# -- the ops -----------------------------------------------------------------------------------------
class Inverse(Function):
    """d inv(A) = -inv(A) dA inv(A), so dL/dA = -inv(A)^T G inv(A)^T."""

    saves_output = True

    def __init__(self, op="linalg.inv"):
        self.op = op

    def forward(self, a):
        return _lapack(self.op, _SINGULAR, backend.array_module(a).linalg.inv, a)

    def backward(self, grad):
        inverse_t = _transpose(self.output)
        return -(inverse_t @ grad @ inverse_t)


class Solve(Function):
    """X = A^{-1} B (B a batch of matrices, batches broadcast): dL/dB = A^{-T} G, dL/dA = -(dL/dB) X^T."""

    saves_inputs = True
    saves_output = True

    def forward(self, a, b):
        xp = backend.array_module(a)
        batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, (*batch, *a.shape[-2:]))
        b = xp.broadcast_to(b, (*batch, *b.shape[-2:]))
        return _lapack("linalg.solve", _SINGULAR, xp.linalg.solve, a, b)

    def backward(self, grad):
        a, b = self.inputs
        grad_b = _solve(_transpose(a), grad)
        grad_a = sum_to(-(grad_b @ _transpose(self.output)), a.shape) if self.needs_grad(0) else None
        return grad_a, (sum_to(grad_b, b.shape) if self.needs_grad(1) else None)


class Det(Function):
    """d det(A) = det(A) tr(A^{-1} dA), so dL/dA = g det(A) A^{-T}: the cofactor matrix, also at a singular A."""

    saves_inputs = True
    saves_output = True

    def forward(self, a):
        return backend.array_module(a).linalg.det(a)

    def backward(self, grad):
        a = self.inputs[0]
        scale = (grad * self.output).reshape((*grad.shape, 1, 1))
        try:
            return scale * _transpose(_inverse(a, "det backward"))
        except LinAlgError:
            if a.__class__ is Tensor:
                raise LinAlgError("det backward: second derivatives (create_graph=True) of det at a singular matrix "
                                  "are not supported; perturb the matrix or compute without create_graph") from None
            return grad.reshape((*grad.shape, 1, 1)) * _cofactors(a)


def _cofactors(a: Any) -> Any:
    """The cofactor matrix adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T of A = U S V^T (any rank)."""
    xp = backend.array_module(a)
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones((*s.shape[:-1], 1), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.flip(xp.concatenate([s[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return sign[..., None, None] * ((u * (before * after)[..., None, :]) @ vh)


class SlogDet(Function):
    """(sign, log|det A|) packed on a last axis of 2: d log|det A| = tr(A^{-1} dA), so dL/dA = g A^{-T}; the
    sign is locally constant (gradient 0)."""

    saves_inputs = True

    def forward(self, a):
        sign, logabsdet = backend.array_module(a).linalg.slogdet(a)
        return backend.array_module(a).stack([sign, logabsdet], axis=-1)

    def backward(self, grad):
        grad = grad[..., 1]
        return grad.reshape((*grad.shape, 1, 1)) * _transpose(_inverse(self.inputs[0], "slogdet backward"))


class Cholesky(Function):
    """A = L L^T (L lower): dL/dA = L^{-T} Phi(L^T G) L^{-1}, symmetrized (Murray 2016, arXiv:1602.07527;
    Phi takes the lower triangle and halves the diagonal)."""

    saves_output = True

    def forward(self, a):
        return _lapack("linalg.cholesky", _NOT_POSITIVE_DEFINITE, backend.array_module(a).linalg.cholesky, a)

    def backward(self, grad):
        lower_t = _transpose(self.output)
        lower_mask, strict_mask = _masks(grad)
        product = (lower_t @ grad) * lower_mask
        middle = (product + _transpose(product * strict_mask)) * 0.5  # symmetric: Phi plus its transpose, halved
        half = _solve(lower_t, middle)  # L^{-T} M
        return _transpose(_solve(lower_t, _transpose(half)))  # L^{-T} M L^{-1}


class QR(Function):
    """A = QR, (Q, R) packed. m >= n: dL/dA = (G_Q + Q copyltu(M)) R^{-T}, M = R G_R^T - G_Q^T Q (Walter & Lehmann
    2018; copyltu mirrors the lower triangle); m < n: that rule on the square part X = Q U of A = [X | Y],
    R = [U | V], with G_Q + Y G_V^T, and dL/dY = Q G_V."""

    saves_output = True

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a):
        xp = backend.array_module(a)
        q, r = xp.linalg.qr(a, mode=self.mode)
        self.shapes = (q.shape[-2:], r.shape[-2:])
        return _pack(xp, q, r)

    def backward(self, grad):
        (rows, _), (_, columns) = self.shapes
        if self.mode == "complete" and rows > columns:
            raise RuntimeError("linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                               f"nrows > ncols ({rows} > {columns}): Q's last columns are not unique; use "
                               "mode='reduced'")
        q, r = _unpack(self.output, self.shapes)
        grad_q, grad_r = _unpack(grad, self.shapes)
        if rows >= columns:
            return _qr_backward(q, r, grad_q, grad_r)
        square, rest = r[..., :rows], r[..., rows:]
        grad_square, grad_rest = grad_r[..., :rows], grad_r[..., rows:]
        grad_x = _qr_backward(q, square, grad_q + (q @ rest) @ _transpose(grad_rest), grad_square)
        xp = backend.array_module(_array(grad))
        dtype = _array(grad).dtype
        # [grad_x | grad_y] without a concatenate that Tensors lack: two products with fixed selector matrices
        left = xp.eye(rows, columns, dtype=dtype)
        right = xp.eye(columns - rows, columns, k=rows, dtype=dtype)
        return grad_x @ left + (q @ grad_rest) @ right


def _qr_backward(q: Any, r: Any, grad_q: Any, grad_r: Any) -> Any:
    """dL/dA of a reduced QR with as many rows as columns or more: (G_Q + Q copyltu(M)) R^{-T}."""
    lower_mask, strict_mask = _masks(r)
    m = r @ _transpose(grad_r) - _transpose(grad_q) @ q
    copied = m * lower_mask + _transpose(m * strict_mask)
    return _transpose(_solve(r, _transpose(grad_q + q @ copied)))


class SVD(Function):
    """A = U diag(S) V^T (reduced), packed. dL/dA = U [(skew(U^T G_U) S + S skew(V^T G_V)) / E + diag(G_S)] V^T
    + (I - U U^T) G_U S^{-1} V^T + U S^{-1} G_V^T (I - V V^T), E_jk = s_k^2 - s_j^2 (1 on the diagonal),
    skew(X) = X - X^T (Townsend 2016, as PyTorch's svd_backward); terms of an all-zero G_U or G_V are skipped,
    so that singular values alone have the plain U diag(G_S) V^T even where some are equal."""

    saves_output = True

    def forward(self, a):
        xp = backend.array_module(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        self.shapes = (u.shape[-2:], s.shape[-1:], vh.shape[-2:])
        return _pack(xp, u, s[..., None], vh)

    def backward(self, grad):
        u, s, vh = _unpack(self.output, self.shapes)
        grad_u, grad_s, grad_vh = _unpack(grad, self.shapes)
        rows, columns = self.shapes[0][0], self.shapes[2][1]
        xp = backend.array_module(_array(grad))
        identity = xp.eye(s.shape[-1], dtype=_array(grad).dtype)
        core = grad_s[..., None] * identity
        use_u, use_v = bool(_array(grad_u).any()), bool(_array(grad_vh).any())
        if use_u or use_v:
            squares = s * s
            gaps = squares[..., None, :] - squares[..., :, None] + identity
            skew_u = _transpose(u) @ grad_u
            skew_v = vh @ _transpose(grad_vh)
            core = core + ((skew_u - _transpose(skew_u)) * s[..., None, :]
                           + s[..., :, None] * (skew_v - _transpose(skew_v))) / gaps
        if rows > columns and use_u:
            scaled = grad_u / s[..., None, :]
            return (u @ core + scaled - u @ (_transpose(u) @ scaled)) @ vh
        if rows < columns and use_v:
            scaled = grad_vh / s[..., :, None]
            return u @ (core @ vh + scaled - (scaled @ _transpose(vh)) @ vh)
        return (u @ core) @ vh


# -- public functions ----------------------------------------------------------------------------------
class SlogdetResult(NamedTuple):
    """`slogdet(A)`: the sign of det(A) and log|det(A)|, as PyTorch's `torch.return_types.slogdet`."""

    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    """`qr(A)`: Q with orthonormal columns and upper-triangular R, as PyTorch's `torch.return_types.qr`."""

    Q: Tensor
    R: Tensor


def _matrices(A: Any, op: str, square: bool = True) -> None:
    """A is a floating-point Tensor with at least 2 dimensions (and square matrices, unless square=False)."""
    _checks.check_float_input(A, op, "A")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: the input tensor A must have at least 2 dimensions, got shape {A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix: d inv = -inv dA inv. Raises LinAlgError for a singular one.

    Example: `chainrule.linalg.inv(A) @ A` is the identity.
    """
    _matrices(A, "linalg.inv")
    return Inverse().apply(A)


def inverse(input: Tensor) -> Tensor:
    """The inverse of each square matrix (torch.inverse, the same as linalg.inv)."""
    return inv(input)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with AX = B (or XA = B with left=False), without forming inv(A): dB = A^{-T} G, dA = -dB X^T.

    B is a batch of vectors when it is 1-D or has A's shape without the last dimension, else of matrices;
    batch dimensions broadcast. Example: `x = chainrule.linalg.solve(A, b)`.
    """
    _matrices(A, "linalg.solve")
    _checks.check_float_input(B, "linalg.solve", "B")
    _checks.check_pair(A, B, "linalg.solve")
    size = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    matrix = B.reshape((*B.shape, 1)) if vector else B
    if B.ndim == 0 or matrix.shape[-2 if left else -1] != size:
        equation = "AX = B" if left else "XA = B"
        shown = "x".join(map(str, matrix.shape[-2:] if B.ndim else ()))
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {equation} ({size}x{size} "
                           f"and {shown}): B needs {size} {'rows' if left else 'columns'}")
    try:
        numpy.broadcast_shapes(A.shape[:-2], matrix.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {A.shape} and B {B.shape} do not broadcast; "
                           "give them equal sizes or size 1") from None
    result = Solve().apply(A, matrix) if left else Solve().apply(A.mT, matrix.mT).mT  # XA = B is A^T X^T = B^T
    return result.reshape(result.shape[:-1]) if vector else result


def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix: d det(A) = det(A) A^{-T} (the cofactors, also where det(A) = 0)."""
    _matrices(input, "linalg.det")
    return Det().apply(input)


def slogdet(input: Tensor) -> SlogdetResult:
    """(sign, log|det|) of each square matrix, without det's overflow: d log|det A| = A^{-T}; sign has none."""
    _matrices(input, "linalg.slogdet")
    packed = SlogDet().apply(input)
    return SlogdetResult(packed[..., 0], packed[..., 1])


def logdet(input: Tensor) -> Tensor:
    """log det(A): NaN where det(A) < 0, -inf where it is 0 (as PyTorch); d log det A = A^{-T}."""
    _matrices(input, "logdet")
    sign, logabsdet = slogdet(input)
    negative = sign._data < 0
    if not bool(negative.any()):
        return logabsdet
    return where(_checks.constant(negative), math.nan, logabsdet)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """L, lower-triangular with A = L L^T (or U = L^T with upper=True), of symmetric positive-definite matrices.

    Only the lower triangle of A is read; the gradient is symmetric, as PyTorch's (Murray 2016). Raises
    LinAlgError for a matrix that is not positive-definite. Example: `L = chainrule.linalg.cholesky(A)`.
    """
    _matrices(input, "linalg.cholesky")
    lower = Cholesky().apply(input)
    return lower.mT if upper else lower


def linalg_qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """QR decomposition (chainrule.linalg.qr): mode 'reduced' (Q m x k, k = min(m, n)), 'complete' (Q m x m) or 'r'
    (R only, Q empty). Differentiable except for mode='complete' with m > n, where Q is not unique.

    Example: `Q, R = chainrule.linalg.qr(A)`.
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode {mode!r} but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    _matrices(A, "linalg.qr", square=False)
    packed = QR("complete" if mode == "complete" else "reduced").apply(A)
    q, r = _unpack(packed, _qr_shapes(A.shape, mode))
    if mode == "r":
        xp = backend.array_module(A._data)
        return QRResult(_checks.constant(xp.zeros((0,), dtype=A.dtype)), r)
    return QRResult(q, r)


def _qr_shapes(shape: tuple, mode: str) -> tuple:
    rows, columns = shape[-2:]
    k = rows if mode == "complete" else min(rows, columns)
    return (rows, k), (k, columns)


def qr(input: Tensor, some: bool = True) -> QRResult:
    """torch.qr: (Q, R) reduced (some=True) or complete (some=False); see chainrule.linalg.qr."""
    return linalg_qr(input, "reduced" if some else "complete")


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix, in descending order: dL/dA = U diag(G) V^T."""
    _matrices(A, "linalg.svdvals", square=False)
    rows, columns = A.shape[-2:]
    k = min(rows, columns)
    return _unpack(SVD().apply(A), ((rows, k), (k, 1), (k, columns)))[1].reshape((*A.shape[:-2], k))


METHODS: dict[str, Callable[..., Any]] = {
    "cholesky": cholesky,
    "det": det,
    "inverse": inverse,
    "logdet": logdet,
    "qr": qr,
    "slogdet": slogdet,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset()

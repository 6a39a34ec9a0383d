"""Matrix and tensor products beyond matmul (mm, bmm, mv, dot, outer, addmm, baddbmm, tensordot, kron, einsum),
and the vector and matrix norms.

Every product is a composition of matmul, reshape, permute, sum and elementwise ops, so its gradient is the
chain rule through ops that already have one: exact, and differentiable again for create_graph. einsum takes
diagonals for repeated subscripts, sums the subscripts no one else needs, and contracts the operands pairwise
through matmul. Of the norms, only the finite vector norms are an op of their own (VectorNorm, whose gradient is
0 where the 2-norm is 0, as PyTorch's); the others are compositions: amax/amin of |x| for the inf-norms,
row or column sums of |A| and the singular values (decompositions.svdvals) for the matrix norms.

Each public function is listed in `__all__` (re-exported as `chainrule.<name>`) and, where PyTorch has the
Tensor method, in `METHODS` (method name -> function taking the tensor first), which tensor.py binds. The
norms that only torch.linalg has (vector_norm, matrix_norm, linalg.norm) reach users through chainrule.linalg.
"""

from __future__ import annotations

import builtins
import math
import string
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from chainrule import backend
from chainrule.autograd.function import Function
from chainrule.ops import _checks
from chainrule.ops.decompositions import svdvals
from chainrule.ops.elementwise import abs, sign, where
from chainrule.ops.indexing import getitem, index_select
from chainrule.ops.linalg import matmul
from chainrule.ops.reduction import amax, amin, sum
from chainrule.ops.shape import expand, permute, reshape
from chainrule.tensor import Tensor

__all__ = [
    "addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "cosine_similarity", "dot", "einsum", "ger", "inner", "kron",
    "mm", "mv", "norm", "outer", "pairwise_distance", "tensordot", "vdot",
]


def _tensors(op: str, **named: Any) -> None:
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _text(shape: tuple) -> str:
    return "x".join(map(str, shape))


def _need_dims(op: str, name: str, tensor: Tensor, ndim: int, what: str) -> None:
    if tensor.ndim != ndim:
        raise RuntimeError(f"{op}: {name} must be {what} ({ndim}-D), got shape {tensor.shape}; use matmul for "
                           "other shapes (it broadcasts batches and takes vectors)")


# -- matrix and vector products ------------------------------------------------------------------------
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D only; matmul broadcasts): d/dA = G B^T, d/dB = A^T G."""
    _tensors("mm", input=input, mat2=mat2)
    _checks.check_pair(input, mat2, "mm")
    _need_dims("mm", "self", input, 2, "a matrix")
    _need_dims("mm", "mat2", mat2, 2, "a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_text(input.shape)} and {_text(mat2.shape)}): "
                           f"mat1's columns ({input.shape[1]}) must equal mat2's rows ({mat2.shape[0]})")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors, without broadcasting: d as mm per batch."""
    _tensors("bmm", input=input, mat2=mat2)
    _checks.check_pair(input, mat2, "bmm")
    _need_dims("bmm", "batch1", input, 3, "a 3D tensor")
    _need_dims("bmm", "batch2", mat2, 3, "a 3D tensor")
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
                           f"{list(mat2.shape[:2])}; bmm needs (b, n, m) and (b, m, p), got {input.shape} and "
                           f"{mat2.shape}")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,): d/dA = g v^T, d/dv = A^T g."""
    _tensors("mv", input=input, vec=vec)
    _checks.check_pair(input, vec, "mv")
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got {input.ndim}-D and {vec.ndim}-D tensors "
                           f"(shapes {input.shape} and {vec.shape})")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got mat ({_text(input.shape)}) and vec ({vec.shape[0]}): the vector's "
                           f"length must be the matrix's number of columns")
    return matmul(input, vec)


def _vectors(op: str, input: Tensor, other: Tensor) -> None:
    _tensors(op, input=input, other=other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors ({op}); use "
                           "inner, tensordot or matmul for other shapes")
    if input.shape != other.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                           f"elements respectively ({op})")
    _checks.check_pair(input, other, op)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of one length (a 0-d result): d/dx = g y, d/dy = g x."""
    _vectors("dot", input, tensor)
    return matmul(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """dot with the first vector conjugated: for real tensors, dot itself."""
    _vectors("vdot", input, other)
    return matmul(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dimension of both (a product when one is 0-d): tensordot(a, b, ([-1], [-1]))."""
    _tensors("inner", input=input, other=other)
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product x y^T of two vectors: d/dx = G y, d/dy = G^T x."""
    _tensors("outer", input=input, vec2=vec2)
    for name, value in (("self", input), ("vec2", vec2)):
        if value.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {value.ndim}-D; flatten it first")
    _checks.check_pair(input, vec2, "outer")
    return reshape(input, (input.shape[0], 1)) * reshape(vec2, (1, vec2.shape[0]))


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """outer (its older name)."""
    return outer(input, vec2)


def _scaled(term: Tensor, factor: Any) -> Tensor:
    """factor * term; a factor of 0 gives zeros that pass no NaN or inf of the term on, with gradient 0 (PyTorch)."""
    if factor == 1:
        return term
    if factor == 0:
        never = backend.array_module(term._data).zeros((), dtype=backend.bool_)
        return where(_checks.constant(never), term, 0.0)
    return term * factor


def _add_scaled(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * product, with input broadcast to product's shape (never the other way)."""
    _tensors(op, input=input)
    _checks.check_pair(input, product, op)
    try:
        fits = numpy.broadcast_shapes(input.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
                           f"{product.shape}; give it that shape or size-1 dimensions")
    return _scaled(input, beta) + _scaled(product, alpha)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product (a zero factor drops its term)."""
    return _add_scaled("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _add_scaled("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _add_scaled("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _add_scaled("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b], computed as one (n, b*m) @ (b*m, p) product."""
    _tensors("addbmm", batch1=batch1, batch2=batch2)
    _need_dims("addbmm", "batch1", batch1, 3, "a 3D tensor")
    _need_dims("addbmm", "batch2", batch2, 3, "a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {batch1.shape[0]} and "
                           f"{batch2.shape[0]} (addbmm)")
    count, rows, inner_size = batch1.shape
    if batch2.shape[1] != inner_size:
        raise RuntimeError(f"addbmm: batch1 and batch2 shapes cannot be multiplied ({_text(batch1.shape)} and "
                           f"{_text(batch2.shape)}): batch1's last dimension must equal batch2's second")
    _checks.check_pair(batch1, batch2, "addbmm")
    left = reshape(permute(batch1, (1, 0, 2)), (rows, count * inner_size))
    right = reshape(batch2, (count * inner_size, batch2.shape[2]))
    return _add_scaled("addbmm", input, matmul(left, right), beta, alpha)


def _dim_list(value: Any) -> list[int]:
    return [int(value)] if _checks.is_int(value) else [int(d) for d in value]


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract dims of a with dims of b: an int n pairs a's last n with b's first n, or two lists pair them
    explicitly. Computed as one matmul of the permuted, flattened operands."""
    _tensors("tensordot", a=a, b=b)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if _checks.is_int(dims):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot: dims={dims} contracts more dimensions than the tensors have ({a.ndim} and "
                               f"{b.ndim})")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        if not isinstance(dims, Sequence) or len(dims) != 2:
            raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got {dims!r}")
        dims_a, dims_b = _dim_list(dims[0]), _dim_list(dims[1])
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"both dimension lists should have same length (tensordot got {dims_a} and {dims_b})")
    given = list(zip(dims_a, dims_b, strict=True))
    dims_a = [_checks.normalize_dim(d, a.ndim, "tensordot") for d in dims_a]
    dims_b = [_checks.normalize_dim(d, b.ndim, "tensordot") for d in dims_b]
    for (shown_a, shown_b), da, db in zip(given, dims_a, dims_b, strict=True):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                               f"{shown_a} and second has size {b.shape[db]} in dim {shown_b}")
    if len(set(dims_a)) != len(dims_a) or len(set(dims_b)) != len(dims_b):
        raise RuntimeError(f"tensordot: a dimension is contracted twice ({dims_a} and {dims_b})")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(a.shape[d] for d in dims_a)
    left = reshape(permute(a, free_a + dims_a), (math.prod(a.shape[d] for d in free_a), size))
    right = reshape(permute(b, dims_b + free_b), (size, math.prod(b.shape[d] for d in free_b)))
    return reshape(matmul(left, right), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: block (i, j) is input[i, j] * other; as a broadcast product of interleaved shapes."""
    _tensors("kron", input=input, other=other)
    ndim = max(input.ndim, other.ndim)
    shape_a = (1,) * (ndim - input.ndim) + input.shape
    shape_b = (1,) * (ndim - other.ndim) + other.shape
    spread_a = reshape(input, tuple(size for pair in zip(shape_a, (1,) * ndim, strict=True) for size in pair))
    spread_b = reshape(other, tuple(size for pair in zip((1,) * ndim, shape_b, strict=True) for size in pair))
    return reshape(spread_a * spread_b, tuple(x * y for x, y in zip(shape_a, shape_b, strict=True)))


# -- einsum ----------------------------------------------------------------------------------------------
_SUBSCRIPTS = frozenset(string.ascii_letters)


def _parse_einsum(equation: str, count: int) -> tuple[list[list], list | None]:
    """The subscripts of each operand ('...' as one Ellipsis entry) and of the output (None when implicit)."""
    terms: list[list] = [[]]
    output: list | None = None
    position = 0
    while position < len(equation):
        char = equation[position]
        current = terms[-1] if output is None else output
        if char in _SUBSCRIPTS:
            current.append(char)
        elif equation.startswith("...", position):
            operand = f"operand {len(terms) - 1}" if output is None else "the output"
            if Ellipsis in current:
                raise RuntimeError(f"einsum(): found '.' for {operand} for which an ellipsis was already found")
            current.append(Ellipsis)
            position += 2
        elif char == "." and output is None:
            raise RuntimeError(f"einsum(): found '.' for operand {len(terms) - 1} that is not part of any ellipsis")
        elif char == "," and output is None:
            terms.append([])
        elif equation.startswith("->", position) and output is None:
            output = []
            position += 1
        elif char != " ":
            raise RuntimeError(f"einsum(): invalid subscript given at index {position} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        position += 1
    if len(terms) > count:
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < count:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return terms, output


def _einsum_labels(terms: list[list], operands: Sequence[Tensor]) -> tuple[list[list], int]:
    """Each operand's labels: letters as they are, the dimensions under '...' as ints 0..width-1 of the widest
    ellipsis, right-aligned so that they broadcast as NumPy's trailing dimensions do."""
    widths = []
    for index, (term, operand) in enumerate(zip(terms, operands, strict=True)):
        letters = len(term) - (Ellipsis in term)
        if Ellipsis in term and letters > operand.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) is more than the "
                               f"number of dimensions ({operand.ndim}) for operand {index}")
        if Ellipsis not in term and letters != operand.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) does not match the "
                               f"number of dimensions ({operand.ndim}) for operand {index} and no ellipsis was given")
        widths.append(operand.ndim - letters)
    width = max(widths, default=0)
    labels = []
    for term, own in zip(terms, widths, strict=True):
        expanded = []
        for label in term:
            expanded.extend(range(width - own, width) if label is Ellipsis else [label])
        labels.append(expanded)
    return labels, width


def _einsum_sizes(labels: list[list], operands: Sequence[Tensor]) -> dict:
    """The size of each label across operands (size 1 broadcasts); mismatches named as PyTorch does."""
    sizes: dict = {}
    for index, (own, operand) in enumerate(zip(labels, operands, strict=True)):
        seen: dict = {}
        first_ellipsis = min((label for label in own if isinstance(label, int)), default=0)
        for label, size in zip(own, operand.shape, strict=True):
            if label in seen and seen[label] != size:
                raise RuntimeError(f"einsum(): subscript {label} is repeated for operand {index} but the sizes don't "
                                   f"match, {size} != {seen[label]}")
            seen[label] = size
            previous = sizes.get(label, 1)
            if size != 1 and previous not in (1, size):
                if isinstance(label, int):
                    raise RuntimeError(f"einsum(): dimension {label - first_ellipsis} covered by ellipsis in operand "
                                       f"{index} has size {size} which does not broadcast with previously seen "
                                       f"ellipsis with size {previous} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {label} has size {size} for operand {index} which does not "
                                   f"broadcast with previously seen size {previous}")
            sizes[label] = max(previous, size) if size != 1 else previous
    return sizes


def _einsum_output(terms: list[list], output: list | None, labels: list[list], width: int) -> list:
    if output is None:  # implicit: the ellipsis, then the subscripts used once, in alphabetical (ASCII) order
        counts: dict = {}
        for term in terms:
            for label in term:
                if label is not Ellipsis:
                    counts[label] = counts.get(label, 0) + 1
        return list(range(width)) + sorted(label for label, count in counts.items() if count == 1)
    used = {label for own in labels for label in own}
    result = []
    for label in output:
        if label is Ellipsis:
            result.extend(range(width))
            continue
        if label not in used:
            raise RuntimeError(f"einsum(): output subscript {label} does not appear in the equation for any input "
                               "operand")
        if label in result:
            raise RuntimeError(f"einsum(): output subscript {label} appears more than once in the output")
        result.append(label)
    return result


def _diagonals(operand: Tensor, labels: list) -> tuple[Tensor, list]:
    """Take the diagonal of each subscript repeated within an operand ('ii->i'), moved to the last dimension."""
    labels = list(labels)
    while len(set(labels)) != len(labels):
        label = next(label for label in labels if labels.count(label) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        others = [i for i in range(len(labels)) if i not in (first, second)]
        moved = permute(operand, [*others, first, second])
        positions = _checks.constant(backend.array_module(operand._data).arange(operand.shape[first]))
        operand = getitem(moved, (Ellipsis, positions, positions))
        labels = [labels[i] for i in others] + [label]
    return operand, labels


def _sum_labels(operand: Tensor, labels: list, needed: set) -> tuple[Tensor, list]:
    """Sum over the labels no one else needs."""
    dropped = tuple(i for i, label in enumerate(labels) if label not in needed)
    if not dropped:
        return operand, labels
    return sum(operand, dropped), [label for label in labels if label in needed]


def _broadcast_labels(operand: Tensor, labels: list, sizes: dict) -> Tensor:
    shape = tuple(sizes[label] for label in labels)
    return operand if shape == operand.shape else expand(operand, shape)


def _contract(x: Tensor, x_labels: list, y: Tensor, y_labels: list, keep: set) -> tuple[Tensor, list]:
    """x and y contracted over their shared labels that are not kept, as one batched matmul."""
    batch = [label for label in x_labels if label in y_labels and label in keep]
    summed = [label for label in x_labels if label in y_labels and label not in keep]
    x_only = [label for label in x_labels if label not in y_labels]
    y_only = [label for label in y_labels if label not in x_labels]
    size = dict(zip(x_labels, x.shape, strict=True)) | dict(zip(y_labels, y.shape, strict=True))
    batch_shape = tuple(size[label] for label in batch)

    def arranged(tensor: Tensor, labels: list, order: list, rows: list, columns: list) -> Tensor:
        moved = permute(tensor, [labels.index(label) for label in order])
        return reshape(moved, (*batch_shape, math.prod(size[k] for k in rows), math.prod(size[k] for k in columns)))

    left = arranged(x, x_labels, batch + x_only + summed, x_only, summed)
    right = arranged(y, y_labels, batch + summed + y_only, summed, y_only)
    shape = batch_shape + tuple(size[label] for label in x_only + y_only)
    return reshape(matmul(left, right), shape), batch + x_only + y_only


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: 'ij,jk->ik' is a matrix product, 'ii->i' a diagonal, 'bij,bjk' a batched product.

    Subscripts are letters; '...' stands for broadcast dimensions; an implicit output (no '->') keeps the
    ellipsis and the subscripts used once, alphabetically. Repeated subscripts within an operand take its
    diagonal, subscripts missing from the output are summed, and the operands are contracted pairwise, left to
    right, through matmul — so the gradient is matmul's, exact. Operands may also come as one list.
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__} (the sublist format "
                        "einsum(a, [0, 1], b, [1, 2]) is not supported)")
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand")
    for index, operand in enumerate(operands):
        if not isinstance(operand, Tensor):
            raise TypeError(f"einsum: operand {index} must be a Tensor, got {type(operand).__name__}")
    terms, output_terms = _parse_einsum(equation, len(operands))
    labels, width = _einsum_labels(terms, operands)
    sizes = _einsum_sizes(labels, operands)
    output = _einsum_output(terms, output_terms, labels, width)

    tensors = [_diagonals(operand, own) for operand, own in zip(operands, labels, strict=True)]
    for index, (operand, own) in enumerate(tensors):
        needed = set(output).union(*(other for k, (_, other) in enumerate(tensors) if k != index))
        tensors[index] = _sum_labels(operand, own, needed)
    result, result_labels = tensors[0]
    for index in range(1, len(tensors)):
        operand, own = tensors[index]
        keep = set(output).union(*(other for _, other in tensors[index + 1:]))
        shared = [label for label in own if label in result_labels]
        result = _broadcast_labels(result, result_labels, {**dict(zip(result_labels, result.shape, strict=True)),
                                                           **{label: sizes[label] for label in shared}})
        operand = _broadcast_labels(operand, own, {**dict(zip(own, operand.shape, strict=True)),
                                                   **{label: sizes[label] for label in shared}})
        result, result_labels = _contract(result, result_labels, operand, own, keep)
        result, result_labels = _sum_labels(result, result_labels, keep)
    return permute(result, [result_labels.index(label) for label in output])


# -- norms -------------------------------------------------------------------------------------------------
class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over `axes` (kept as size 1): d/dx = sign(x) |x|^(p-1) norm^(1-p), taken as 0 where the
    norm is 0 (p > 1) or x is 0 (p < 1), as PyTorch; p = 2 is x / norm, p = 1 sign(x)."""

    saves_inputs = True
    saves_output = True

    def __init__(self, ord, axes):
        self.ord, self.axes = ord, axes

    def forward(self, x):
        xp = backend.array_module(x)
        self.sign = xp.sign(x)
        if self.ord == 2:
            result = xp.sqrt((x * x).sum(axis=self.axes, keepdims=True))
        elif self.ord == 1:
            result = xp.abs(x).sum(axis=self.axes, keepdims=True)
        else:
            with backend._errstate(xp):  # |0|^p is inf for p < 0, whose norm is 0, as PyTorch
                result = (xp.abs(x) ** self.ord).sum(axis=self.axes, keepdims=True) ** (1 / self.ord)
        # constants of the backward: where the norm (p > 1) or the element (p < 1) is 0, the gradient is 0
        self.zero_norm = (result == 0).astype(x.dtype)
        self.zero_input = (x == 0).astype(x.dtype) if self.ord < 1 else None
        return xp.asarray(result)

    def backward(self, grad):
        x, norm = self.inputs[0], self.output
        if self.ord == 1:
            return grad * self.sign
        if self.ord == 2:
            return grad * x / (norm + self.zero_norm)
        if self.ord > 1:
            return grad * self.sign * builtins.abs(x) ** (self.ord - 1) / (norm + self.zero_norm) ** (self.ord - 1)
        return grad * self.sign * (builtins.abs(x) + self.zero_input) ** (self.ord - 1) * norm ** (1 - self.ord)


def _reduced(result: Tensor, shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """A result computed with the reduced axes kept, reshaped as keepdim asks."""
    if keepdim:
        return result
    return reshape(result, tuple(size for axis, size in enumerate(shape) if axes is not None and axis not in axes))


def _float_tensor(x: Any, op: str, dtype: Any) -> Tensor:
    _checks.check_float_input(x, op)
    return x if dtype is None else x.to(dtype)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all by default); ord inf / -inf is max / min |x|, 0 the count of nonzeros.

    The gradient at a zero norm is 0 (PyTorch's subgradient, no NaN); the inf-norms share it evenly between tied
    maxima, as amax. Example: `chainrule.linalg.vector_norm(x, 3, dim=-1)`.
    """
    x = _float_tensor(x, "linalg.vector_norm", dtype)
    if isinstance(ord, bool) or not isinstance(ord, int | float | numpy.number):
        raise TypeError(f"linalg.vector_norm: ord must be a number (2, 1, inf, -inf, 0, ...), got {ord!r}; use "
                        "linalg.matrix_norm for 'fro' and 'nuc'")
    axes = None if dim is None or (isinstance(dim, Sequence) and len(dim) == 0) or x.ndim == 0 else \
        _checks.normalize_dims(dim, x.ndim, "linalg.vector_norm")
    count = math.prod(size for axis, size in enumerate(x.shape) if axes is None or axis in axes)
    if count == 0 and (ord < 0 or math.isinf(ord)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                           "operation does not have an identity")
    if math.isinf(ord):
        return (amax if ord > 0 else amin)(abs(x), axes, keepdim)
    if ord == 0:
        return sum(sign(abs(x)), axes, keepdim)  # the count; its gradient is 0
    return _reduced(VectorNorm(float(ord), axes).apply(x), x.shape, axes, keepdim)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """A matrix norm over the two dims: 'fro' (default), 'nuc' (sum of singular values), 2 / -2 (largest /
    smallest singular value), inf / -inf (largest / smallest row sum of |A|), 1 / -1 (column sums).

    Gradients are those of the compositions (vector_norm, svdvals, amax of sums); ties share evenly.
    """
    A = _float_tensor(A, "linalg.matrix_norm", dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
                           f"{A.shape}")
    if not isinstance(dim, Sequence) or len(dim) != 2:
        shown = " ".join(map(str, dim)) if isinstance(dim, Sequence) else dim
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
    first, second = (_checks.normalize_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if first == second:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if not any(ord == known and type(ord) is not bool for known in _MATRIX_ORDS):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported; use 'fro', 'nuc', inf, -inf, 1, -1, 2 "
                           "or -2")
    axes = tuple(sorted((first, second)))
    if ord == "fro":
        return vector_norm(A, 2, axes, keepdim)
    if ord in ("nuc", 2, -2):
        others = [axis for axis in range(A.ndim) if axis not in axes]
        values = svdvals(permute(A, [*others, first, second]))
        result = sum(values, -1) if ord == "nuc" else (amax if ord == 2 else amin)(values, -1)
        if keepdim:
            result = reshape(result, tuple(1 if axis in axes else size for axis, size in enumerate(A.shape)))
        return result
    summed, extreme = (second, first) if math.isinf(ord) else (first, second)
    sums = sum(abs(A), summed, True)
    result = (amax if ord > 0 else amin)(sums, extreme, True)
    return _reduced(result, A.shape, axes, keepdim)


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm for an int dim (or a 1-D input), a matrix norm for a 2-tuple dim (or a
    2-D input with ord given); with neither ord nor dim, the 2-norm of all elements."""
    if dim is not None:
        dims = [dim] if _checks.is_int(dim) else list(dim)
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2 or isinstance(ord, str):
            return matrix_norm(A, "fro" if ord is None else ord, dims if len(dims) == 2 else dims[0], keepdim,
                               dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {dims}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    _checks.check_float_input(A, "linalg.norm")
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D; "
                       "give dim, or use linalg.vector_norm")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """torch.norm (legacy): 'fro' or a number is a vector norm over dim (all by default), 'nuc' a matrix norm;
    prefer chainrule.linalg.vector_norm / matrix_norm."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or _checks.is_int(dim) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


# -- the rest of chainrule.linalg --------------------------------------------------------------------------
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along dim, batches broadcast (linalg.vecdot): sum(x * y, dim)."""
    _tensors("linalg.vecdot", x=x, y=y)
    product = x * y
    return sum(product, _checks.normalize_dim(dim, product.ndim, "linalg.vecdot"))


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along dim, batches broadcast (linalg.cross): a x b = a' b'' - a'' b', with
    ' and '' the components rotated by one and two."""
    _tensors("linalg.cross", input=input, other=other)
    try:
        shape = numpy.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: the shapes {input.shape} and {other.shape} do not broadcast") from None
    axis = _checks.normalize_dim(dim, len(shape), "linalg.cross")
    sizes = [t.shape[axis - len(shape) + t.ndim] if axis - len(shape) + t.ndim >= 0 else 1 for t in (input, other)]
    if shape[axis] != 3 or 1 in sizes:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sizes[0]} and {sizes[1]}")
    input, other = expand(input, shape), expand(other, shape)
    xp = backend.array_module(input._data)
    once = _checks.constant(xp.asarray([1, 2, 0], dtype=backend.int64))
    twice = _checks.constant(xp.asarray([2, 0, 1], dtype=backend.int64))
    return (index_select(input, axis, once) * index_select(other, axis, twice)
            - index_select(input, axis, twice) * index_select(other, axis, once))


METHODS: dict[str, Callable[..., Any]] = {
    "addbmm": addbmm,
    "addmm": addmm,
    "addmv": addmv,
    "addr": addr,
    "baddbmm": baddbmm,
    "bmm": bmm,
    "dot": dot,
    "ger": ger,
    "inner": inner,
    "kron": kron,
    "mm": mm,
    "mv": mv,
    "norm": norm,
    "outer": outer,
    "vdot": vdot,
}

# Functions whose results carry no gradient (bool or integer results): the op table's coverage test skips them.
NOT_DIFFERENTIABLE: frozenset[str] = frozenset()


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along `dim`, broadcasting (torch.nn.functional.cosine_similarity)."""
    shape = tuple(numpy.broadcast_shapes(x1.shape, x2.shape))  # broadcast first: `dim` counts in the joint shape
    x1, x2 = x1.expand(shape), x2.expand(shape)
    norm1 = vector_norm(x1, 2, dim=dim, keepdim=True).clamp(min=eps)
    norm2 = vector_norm(x2, 2, dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 - x2 + eps‖_p along the last dimension (torch.nn.functional.pairwise_distance)."""
    return vector_norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)
